"""Incidents while an organization moves from Exchange 2010 to 2013 (chapter 6): mailboxes
still on 2010 depend on the 2010 Hub Transport, and in the article's migration Internet mail
enters through it too."""
from __future__ import annotations

from random import Random

from .. import scenarios
from ..lab import Lab
from ..topology import ALL_IPV4, HUB_TRANSPORT_2010, Organization
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


#: RemoteIPRanges a hardening might scope the 2013 Default connectors to: the 2013 servers (and
#: so the Front End) stay in, the 2010 Hub (10.0.0.20) falls out.
_SCOPES = ("10.0.0.10-10.0.0.12", "10.0.0.8/29", "10.0.0.10-10.0.0.19", "10.0.0.0/28")


def _stage_hub_refused(lab: Lab, rng: Random) -> Staged:
    org = lab.org
    legacy = sorted(cast.users_on(org, "MBX2010"))
    moved = sorted(a for a in lab.mailboxes() if a not in legacy)
    user, colleague = rng.choice(legacy), rng.choice(moved)
    outsider = cast.outsiders(rng, 1)[0]
    scope = rng.choice(_SCOPES)
    lab.advance(minutes=rng.randint(10, 40))
    for server in cast.MAILBOX_SERVERS:
        lab.set_receive_connector(server, f"Default {server}", remote_ip_ranges=[scope])
    lab.advance(minutes=rng.randint(20, 50))
    facts = cast.named(lab, user=user, colleague=colleague, outsider=outsider, scope=scope,
                       hub_ip=org.server(HUB).ip)
    stuck = (send(lab, internal(user, colleague), "Budget figures"),
             send(lab, inbound(outsider, colleague), "Quote for the new lease"))
    lab.advance(minutes=rng.randint(5, 20))
    return Staged(facts, stuck)


HUB2010_REFUSED = IncidentSpec(
    id="hub2010-refused",
    title="After the security team's clean-up, the 2010 side can no longer reach 2013",
    chapters=(6, 3),
    scenario=_moving,
    stage=_stage_hub_refused,
    report=("{user_name}, still on Exchange 2010, writes to colleagues already moved to 2013 and nothing arrives, "
            "though their mail reaches {user_name}; {colleague_name}, on 2013, has had no mail from outside since "
            "the security team's change window."),
    hints=("Mail flows from 2013 to 2010 but not back, and Internet mail enters through the 2010 side: find where "
           "the mail from 2010 waits, and what the next server told it.",
           f"Get-Queue (lab.queues()) on {HUB} with its LastError and RetryCount, the DEFER events in the message "
           "tracking log; then Get-ReceiveConnector (lab.receive_connectors()) on the 2013 Mailbox servers: which "
           f"connector would a caller from {HUB}'s address meet?",
           "The objects at fault: the Default receive connectors of MB1 and MB2, whose RemoteIPRanges ({scope}) "
           f"leave out {HUB} ({{hub_ip}})."),
    faults=("Default MB1 and Default MB2 take connections only from {scope}, which leaves out " f"{HUB} "
            "({hub_ip}): each answers the Hub's EHLO with 421 4.3.2 Service not active, so the Hub's queue to "
            "the 2013 delivery group stays in Retry, holding mail from 2010 mailboxes and the Internet mail the "
            "2010 Edge hands to the Hub for 2013 recipients.",),
    paths=lambda f: (internal(f["user"], f["colleague"]), internal(f["colleague"], f["user"]),
                     inbound(f["outsider"], f["colleague"]), inbound(f["outsider"], f["user"])),
    fix=lambda f: tuple(step(f"Set-ReceiveConnector 'Default {s}' -RemoteIPRanges {ALL_IPV4}",
                             "set_receive_connector", s, f"Default {s}", remote_ip_ranges=[ALL_IPV4])
                        for s in cast.MAILBOX_SERVERS),
    sources=("exchange2013-facts.md §7 (2010 -> 2013: the Hub relays to Default <mbx> on port 25) and §5.2 "
             "(the queue's LastError for a protocol failure)",),
)


INCIDENTS = (HUB2010_STOPPED, HUB2010_REFUSED)
