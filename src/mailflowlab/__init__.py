"""Mail Flow Lab: Exchange Server 2013 mail flow as real SMTP servers, on 127.0.0.1 or in memory."""
import importlib.metadata

from . import scenarios
from .diagrams import hop_diagram, site_diagram
from .errors import LabError, show_as_sentences
from .headers import HeaderParseError, Hop, hops_table, parse_hops
from .lab import Lab
from .records import SentMessage
from .views import Table

try:
    __version__ = importlib.metadata.version("mailflowlab")
except importlib.metadata.PackageNotFoundError:      # a source folder on sys.path that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__", "Lab", "LabError", "SentMessage", "Table", "scenarios", "parse_hops", "hops_table", "Hop",
           "HeaderParseError", "hop_diagram", "site_diagram"]

show_as_sentences()
