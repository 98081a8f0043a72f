"""Routing between Active Directory sites, as Exchange 2013 does it (fact sheet §7).

* **Least-cost path.** Exchange adds up the costs of the IP site links on each path (the
  Exchange cost when one is set); ties go to the path with fewer hops, then to the one whose
  sites nearest the destination have the alphanumerically lowest names.
* **Direct connection.** Transport connects straight to a Mailbox server of the destination
  site, even when the path crosses other sites, unless a **hub site** lies on the least-cost
  path: then the message goes to the first hub site on the way. A hub site off the path is
  never used.
* **Backoff.** If no server of the next hop answers, Exchange backs off along the path, hop
  by hop, and hands the message to the site closest to the destination that does answer; the
  message is then queued at the point of failure closest to the destination.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import arguments
from .errors import LabError
from .topology import Organization, link_cost


def set_hub_site(org: Organization, site: object, enabled: bool) -> None:
    """Set-AdSite -HubSiteEnabled on the site with this name."""
    found = next((s for s in org.sites if s.name.lower() == str(site).lower()), None)
    if found is None:
        names = ", ".join(s.name for s in org.sites)
        raise LabError(f"The Active Directory site '{site}' couldn't be found. Sites: {names}.")
    found.hub_site = arguments.flag(enabled, "HubSiteEnabled")


def set_site_link_cost(org: Organization, link: object, cost: object) -> None:
    """Set-AdSiteLink -ExchangeCost on the IP site link with this name."""
    found = next((x for x in org.site_links if x.name.lower() == str(link).lower()), None)
    if found is None:
        names = ", ".join(x.name for x in org.site_links) or "none"
        raise LabError(f"The IP site link '{link}' couldn't be found. Site links: {names}.")
    found.cost = link_cost(cost)


@dataclass(frozen=True)
class SitePlan:
    """How Transport in one site reaches another: the least-cost path, the site it connects
    to (the destination, or the first hub site on the path), and where it backs off to."""
    path: tuple[str, ...]            # source site ... destination site
    cost: int
    next_site: str
    backoff: tuple[str, ...]         # sites to try when next_site fails, closest first


def links(org: Organization) -> dict[str, dict[str, int]]:
    """The site graph: for each site, its neighbours and the cost of the link to each."""
    graph: dict[str, dict[str, int]] = {s.name: {} for s in org.sites}
    for link in org.site_links:
        a, b = link.sites
        for x, y in ((a, b), (b, a)):
            old = graph.setdefault(x, {}).get(y)
            graph[x][y] = link.cost if old is None else min(old, link.cost)
    return graph


def least_cost_path(org: Organization, source: str, destination: str) -> tuple[tuple[str, ...], int]:
    """The path Exchange picks from `source` to `destination` and its total cost.

    Raises LookupError when no chain of site links joins the two sites."""
    graph = links(org)
    if source == destination:
        return (source,), 0
    best: tuple[tuple[int, int, tuple[str, ...]], tuple[str, ...]] | None = None

    def walk(path: list[str], cost: int) -> None:
        nonlocal best
        here = path[-1]
        if here == destination:
            # Tie-break 3: compare site names starting next to the destination.
            key = (cost, len(path), tuple(reversed(path[:-1])))
            if best is None or key < best[0]:
                best = (key, tuple(path))
            return
        for nxt, c in sorted(graph.get(here, {}).items()):
            if nxt not in path:
                walk([*path, nxt], cost + c)

    walk([source], 0)
    if best is None:
        raise LookupError(f"No IP site link path joins site {source} to site {destination}.")
    return best[1], best[0][0]


def plan(org: Organization, source: str, destination: str) -> SitePlan:
    """Where Transport in `source` sends mail for `destination` (direct, or via a hub site)."""
    path, cost = least_cost_path(org, source, destination)
    hubs = {s.name for s in org.sites if s.hub_site}
    between = path[1:-1]
    next_site = next((s for s in between if s in hubs), destination)
    upto = path.index(next_site)
    backoff = tuple(reversed(path[1:upto]))
    return SitePlan(path, cost, next_site, backoff)


def site_of_steps(org: Organization, steps: list[tuple[str, str]]) -> list[str]:
    """The sites a message passed through, from the lab's (server, service) path, in order."""
    sites: list[str] = []
    for server, _service in steps:
        site = org.server(server).site
        if not sites or sites[-1] != site:
            sites.append(site)
    return sites
