"""Incidents in routing between Active Directory sites (chapter 7): a hub site relays mail
that crosses it, so when the hub site's Transport is down, mail between two other sites waits,
though their own servers are fine."""
from __future__ import annotations

from random import Random

from .. import scenarios
from ..lab import Lab
from ..topology import TRANSPORT, Organization
from . import cast
from .model import IncidentSpec, Staged, internal, step
from .probes import send


def _sites(rng: Random) -> Organization:
    org = cast.staffed(scenarios.three_sites(), rng, databases=("DB-A", "DB-B", "DB-C"))
    org.sites[0].hub_site = True                   # A is a hub site, as the network design says
    return org


def staff(org: Organization, server: str) -> list[str]:
    """The people the seed added on `server` (not the scenario's userA/B/C, who have no first name)."""
    return [a for a in cast.users_on(org, server) if not a.startswith("user")]


def _stage_hub(lab: Lab, rng: Random) -> Staged:
    org = lab.org
    source, target = rng.sample(["B", "C"], 2)
    user, colleague, local = (rng.choice(sorted(staff(org, server))) for server in
                              (f"MBX{source}", f"MBX{target}", "MBXA"))
    lab.advance(minutes=rng.randint(10, 30))
    lab.stop_service("MBXA", TRANSPORT)
    lab.advance(minutes=rng.randint(30, 60))
    facts = cast.named(lab, user=user, colleague=colleague, local=local, source=source, target=target)
    stuck = (send(lab, internal(user, colleague), "Stock count for site " + target),
             send(lab, internal(colleague, user), "Roster for next week"))
    lab.advance(minutes=rng.randint(5, 20))
    return Staged(facts, stuck)


HUB_SITE = IncidentSpec(
    id="hub-site-transport-down",
    title="Two branch offices cannot mail each other, though both servers are fine",
    chapters=(7,),
    scenario=_sites,
    stage=_stage_hub,
    report=("{user_name} in site {source} has waited all morning for mail to {colleague_name} in site "
            "{target}, and the other way round. Both offices' servers are up and their local mail works."),
    hints=("The mail waits on the sender's own server, in a queue to the other site. Read where that queue "
           "tries to connect: is it the destination site's server?",
           "Get-Queue (lab.queues()) and its NextHopDomain and LastError; then Get-AdSite (lab.ad_sites()) "
           "and Get-Service (lab.services_table()).",
           "The object at fault: the Transport service on MBXA, in hub site A, which relays mail "
           "between B and C."),
    faults=("Transport is stopped on MBXA, the only Mailbox server of hub site A; with HubSiteEnabled on A "
            "every message between B and C must pass through MBXA.",),
    paths=lambda f: (internal(f["user"], f["colleague"]), internal(f["colleague"], f["user"]),
                     internal(f["local"], f["user"]), internal(f["user"], f["local"])),
    fix=lambda f: (step("Start-Service MSExchangeTransport  (on MBXA)", "start_service", "MBXA", TRANSPORT),),
    sources=("exchange2013-facts.md §7: a hub site on the least-cost path relays the mail",),
)


INCIDENTS = (HUB_SITE,)
