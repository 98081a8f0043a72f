"""Get-AdSite, Get-AdSiteLink, Set-AdSite -HubSiteEnabled and Set-AdSiteLink -ExchangeCost."""
from __future__ import annotations

from .. import sites
from ..records import AdSiteLinkRow, AdSiteRow
from ..views import Table
from .base import LabBase


class SiteCmdlets(LabBase):
    def ad_sites(self) -> Table[AdSiteRow]:
        """Get-AdSite: each AD site, whether it is a hub site, and its Exchange servers."""
        return Table([AdSiteRow(s.name, s.hub_site, ", ".join(x.name for x in self.org.site_servers(s.name)))
                      for s in self.org.sites], ["Name", "HubSiteEnabled", "Servers"])

    def ad_site_links(self) -> Table[AdSiteLinkRow]:
        """Get-AdSiteLink: each IP site link, the sites it joins and its cost."""
        return Table([AdSiteLinkRow(link.name, ", ".join(link.sites), link.cost) for link in self.org.site_links],
                     ["Name", "Sites", "Cost"])

    def set_hub_site(self, site: str, enabled: bool) -> None:
        """Set-AdSite -HubSiteEnabled: mail whose least-cost path crosses a hub site is
        relayed through it instead of going straight to the destination site."""
        sites.set_hub_site(self.org, site, enabled)
        self._routing_changed()

    def set_site_link_cost(self, link: str, cost: int) -> None:
        """Set-AdSiteLink -ExchangeCost: the cost Exchange adds up for least-cost routing."""
        sites.set_site_link_cost(self.org, link, cost)
        self._routing_changed()
