"""Hybrid with Exchange Online: the tenant's side, `lab.exchange_online` (its cloud mailboxes,
sending from them, Get/Set-InboundConnector and -OutboundConnector, its queue)."""
from __future__ import annotations

from ..errors import LabError
from ..services.exchange_online import ExchangeOnline
from .base import LabBase


class HybridCmdlets(LabBase):
    @property
    def exchange_online(self) -> ExchangeOnline:
        """The tenant's Exchange Online and EOP (a hybrid scenario): cloud mailboxes, sending
        from them, its connectors and its queue."""
        if self.internet.cloud is None:
            raise LabError(f"{self.org.domain} has no Exchange Online tenant: start a hybrid scenario, "
                           "such as scenarios.hybrid2019().")
        return self.internet.cloud
