"""Incidents at an Edge Transport server in the perimeter network (chapter 5): the MX record
points at the Edge, so Internet mail enters there and outbound mail leaves there."""
from __future__ import annotations

from random import Random

from .. import scenarios
from ..lab import Lab
from ..topology import ANONYMOUS, EDGE_TRANSPORT, EXCHANGE_SERVERS, PARTNERS, Organization
from . import cast
from .model import IncidentSpec, Staged, inbound, internal, outbound, step
from .probes import send

EDGE = "EDGE2013"
EDGE_CONNECTOR = f"Default internal receive connector {EDGE}"


def _with_edge(rng: Random) -> Organization:
    return cast.staffed(scenarios.exchange2013demo(edge="2013"), rng)


# --- The Edge Transport service did not start after patching -------------------------------------

def _stage_stopped(lab: Lab, rng: Random) -> Staged:
    user, colleague = cast.pair(lab, rng)
    first, second = cast.outsiders(rng, 2)
    lab.advance(minutes=rng.randint(5, 30))
    lab.stop_service(EDGE, EDGE_TRANSPORT)
    lab.advance(minutes=rng.randint(20, 60))
    facts = cast.named(lab, user=user, colleague=colleague, outsider=first, other=second)
    stuck = (send(lab, inbound(first, user), "Booking confirmation"),
             send(lab, outbound(colleague, second), "Quarterly report"))
    lab.advance(minutes=rng.randint(5, 20))
    return Staged(facts, stuck)


EDGE_STOPPED = IncidentSpec(
    id="edge-stopped",
    title="After the perimeter server's patch night, no mail in or out",
    chapters=(5,),
    scenario=_with_edge,
    stage=_stage_stopped,
    report=("Since the patch night, {user_name} has had nothing from outside and {colleague_name}'s mail to "
            "{other} has not arrived; mail between colleagues works."),
    hints=("Internal mail works and everything that crosses the perimeter waits, in both directions. "
           "Find the one machine every outside message passes.",
           "The outside sender's queue (lab.internet.queue()) and Get-Queue on the Mailbox servers: both "
           "name the same address. Then Get-Service on it (lab.services_table()).",
           "The object at fault: the Microsoft Exchange Transport service on the Edge Transport server "
           f"{EDGE}."),
    faults=(f"The Edge Transport service on {EDGE} is stopped: its port 25 refuses connections, so "
            "outside senders and the organization's queues retry.",),
    paths=lambda f: (inbound(f["outsider"], f["user"]), outbound(f["colleague"], f["other"]),
                     internal(f["user"], f["colleague"])),
    fix=lambda f: (step(f"Start-Service MSExchangeTransport  (on {EDGE})", "start_service", EDGE, EDGE_TRANSPORT),),
    sources=("exchange2013-facts.md §0.2 E and §6 (the Edge Transport server)",),
)


# --- The Edge's receive connector lost AnonymousUsers --------------------------------------------

def _stage_edge_anonymous(lab: Lab, rng: Random) -> Staged:
    user, colleague = cast.pair(lab, rng)
    first, second = cast.outsiders(rng, 2)
    lab.advance(minutes=rng.randint(10, 40))
    lab.set_receive_connector(EDGE, EDGE_CONNECTOR, permission_groups=[EXCHANGE_SERVERS, PARTNERS])
    facts = cast.named(lab, user=user, colleague=colleague, outsider=first, other=second)
    send(lab, inbound(first, user), "Re: your application")
    lab.advance(minutes=rng.randint(10, 30))
    return Staged(facts)


EDGE_ANONYMOUS = IncidentSpec(
    id="edge-anonymous",
    title="Internet mail bounces at the perimeter; outbound mail is fine",
    chapters=(5, 9),
    scenario=_with_edge,
    stage=_stage_edge_anonymous,
    report=("{outsider} says mail to {user_name} bounces since the firewall team's 'hardening' last "
            "night. {user_name} can still write to them."),
    hints=("The bounce names the server that refused and the step of the dialogue: mail got a reply, so "
           "the server runs, but it would not talk to this sender.",
           "Telnet to the MX as an outside sender (lab.smtp_session('" + EDGE + "', '" + EDGE_CONNECTOR
           + "', [...])) and list the Edge's receive connector (Get-ReceiveConnector).",
           "The object at fault: the permission groups of '" + EDGE_CONNECTOR + "'."),
    faults=("'" + EDGE_CONNECTOR + "' lost AnonymousUsers: Internet senders hear 530 5.7.1 Client was not "
            "authenticated.",),
    paths=lambda f: (inbound(f["outsider"], f["user"]), inbound(f["other"], f["colleague"]),
                     outbound(f["user"], f["outsider"])),
    fix=lambda f: (step(f"Set-ReceiveConnector '{EDGE}\\{EDGE_CONNECTOR}' -PermissionGroups "
                        "AnonymousUsers,ExchangeServers,Partners", "set_receive_connector", EDGE, EDGE_CONNECTOR,
                        permission_groups=[ANONYMOUS, EXCHANGE_SERVERS, PARTNERS]),),
    sources=("exchange2013-facts.md §2.1: the Edge's default connector has AnonymousUsers, "
             "ExchangeServers and Partners",),
)


INCIDENTS = (EDGE_STOPPED, EDGE_ANONYMOUS)
