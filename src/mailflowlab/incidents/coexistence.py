"""Incidents while an organization moves from Exchange 2010 to 2013 (chapter 6): mailboxes
still on 2010 depend on the 2010 Hub Transport, and in the article's migration Internet mail
enters through it too."""
from __future__ import annotations

from random import Random

from .. import scenarios
from ..lab import Lab
from ..topology import HUB_TRANSPORT_2010, Organization
from . import cast
from .model import IncidentSpec, Staged, inbound, internal, step
from .probes import send

HUB = "HUB2010"


def _moving(rng: Random) -> Organization:
    return cast.staffed(scenarios.coexistence(), rng, databases=("DB01", "DB02", "DB2010"))


def _stage_hub_stopped(lab: Lab, rng: Random) -> Staged:
    org = lab.org
    legacy = sorted(cast.users_on(org, "MBX2010"))
    moved = sorted(a for a in lab.mailboxes() if a not in legacy)
    user, colleague = rng.choice(legacy), rng.choice(moved)
    outsider = cast.outsiders(rng, 1)[0]
    lab.advance(minutes=rng.randint(10, 40))
    lab.stop_service(HUB, HUB_TRANSPORT_2010)
    lab.advance(minutes=rng.randint(20, 50))
    facts = cast.named(lab, user=user, colleague=colleague, outsider=outsider)
    stuck = (send(lab, internal(colleague, user), "Handover notes"),
             send(lab, internal(user, colleague), "Re: handover notes"),
             send(lab, inbound(outsider, colleague), "Delivery window"))
    lab.advance(minutes=rng.randint(5, 20))
    return Staged(facts, stuck)


HUB2010_STOPPED = IncidentSpec(
    id="hub2010-stopped",
    title="Halfway through the migration, the people not yet moved are cut off",
    chapters=(6,),
    scenario=_moving,
    stage=_stage_hub_stopped,
    report=("{user_name}, whose mailbox has not been moved to Exchange 2013 yet, can neither send nor receive; "
            "{colleague_name}, already moved, gets mail from colleagues but nothing from outside since 10."),
    hints=("Two groups of people and one path in from the Internet: list which server each of them depends "
           "on, and which of those paths are waiting.",
           "Get-Queue (lab.queues()) on the 2013 servers and on the Edge, with their LastError; the Outbox "
           "of the user still on 2010; then Get-Service on the 2010 servers (lab.services_table()).",
           f"The object at fault: the Microsoft Exchange Transport service on the Exchange 2010 Hub "
           f"Transport server {HUB}."),
    faults=(f"MSExchangeTransport is stopped on {HUB}: the 2010 mailboxes have no Hub to submit to or deliver "
            "from, and the Edge's inbound connector (smart host HUB2010) cannot hand Internet mail over.",),
    paths=lambda f: (internal(f["colleague"], f["user"]), internal(f["user"], f["colleague"]),
                     inbound(f["outsider"], f["colleague"]), inbound(f["outsider"], f["user"])),
    fix=lambda f: (step(f"Start-Service MSExchangeTransport  (on {HUB})", "start_service", HUB, HUB_TRANSPORT_2010),),
    sources=("exchange2013-facts.md §6 and §7 (the 2010 Edge, coexistence with Exchange 2010)",),
)


INCIDENTS = (HUB2010_STOPPED,)
