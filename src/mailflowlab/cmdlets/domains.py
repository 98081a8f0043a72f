"""Get-, New- and Set-AcceptedDomain."""
from __future__ import annotations

from .. import domains
from ..views import Table
from .base import LabBase


class DomainCmdlets(LabBase):
    def accepted_domains(self) -> Table[domains.AcceptedDomainRow]:
        """Get-AcceptedDomain: Name, DomainName, DomainType, Default."""
        return domains.accepted_domain_table(self.org)

    def new_accepted_domain(self, name: str, domain_name: str, domain_type: str = "Authoritative") -> None:
        """New-AcceptedDomain -Name -DomainName -DomainType (Authoritative, InternalRelay or
        ExternalRelay): SMTP Receive takes mail for it at once, without relay permission."""
        domains.new_accepted_domain(self.org, name, domain_name, domain_type)
        self._routing_changed()

    def set_accepted_domain(self, identity: str, domain_type: str) -> None:
        """Set-AcceptedDomain -DomainType: how the categorizer treats a recipient with no mailbox."""
        found = domains.find(self.org, identity)
        found.domain_type = domains.domain_type(domain_type)
        self._routing_changed()
