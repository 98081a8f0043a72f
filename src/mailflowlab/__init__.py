"""Mail Flow Lab: Exchange Server 2013 mail flow as real SMTP servers, on 127.0.0.1 or in memory."""
from . import scenarios
from .diagrams import hop_diagram, site_diagram
from .errors import LabError, show_as_sentences
from .headers import HeaderParseError, Hop, hops_table, parse_hops
from .lab import Lab
from .records import SentMessage
from .views import Table

__all__ = ["Lab", "LabError", "SentMessage", "Table", "scenarios", "parse_hops", "hops_table", "Hop",
           "HeaderParseError", "hop_diagram", "site_diagram"]

show_as_sentences()
