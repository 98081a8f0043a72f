"""The Lab's cmdlets, one module per kind, each a mixin over `LabBase`.

`Lab` (lab.py) is composed of them and keeps only its life cycle and wiring. Each module is
named from Exchange's vocabulary: `services` (Stop/Start-Service, health), `listeners` (the
lab's receive addresses and telnet-like sessions), `connectors`, `transport_config`,
`domains`, `sites`, `queues`, `tracking`, `probes` (Test-Mailflow), `mail` (sending and
reading mailboxes) and `hybrid` (the Exchange Online tenant of a hybrid organization).
"""
from __future__ import annotations

from .connectors import ConnectorCmdlets
from .domains import DomainCmdlets
from .hybrid import HybridCmdlets
from .listeners import ListenerCmdlets
from .mail import MailCmdlets
from .probes import ProbeCmdlets
from .queues import QueueCmdlets
from .services import ServiceCmdlets
from .sites import SiteCmdlets
from .tracking import TrackingCmdlets
from .transport_config import TransportConfigCmdlets


class Cmdlets(ProbeCmdlets, MailCmdlets, TrackingCmdlets, ServiceCmdlets, ListenerCmdlets, ConnectorCmdlets,
              TransportConfigCmdlets, DomainCmdlets, SiteCmdlets, QueueCmdlets, HybridCmdlets):
    """Every cmdlet of the lab (a module's own mixin comes before the one it builds on)."""
