"""Mail Flow Lab: Exchange Server 2013 mail flow as real SMTP servers on 127.0.0.1."""
from . import scenarios
from .diagrams import hop_diagram
from .headers import Hop, HeaderParseError, hops_table, parse_hops
from .lab import Lab, LabError, SentMessage

__all__ = ["Lab", "LabError", "SentMessage", "scenarios", "parse_hops", "hops_table", "Hop",
           "HeaderParseError", "hop_diagram"]
