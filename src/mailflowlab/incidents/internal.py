"""Incidents inside the organization: the transport services of a Mailbox server, and the
DNS they use to find each other (chapters 1, 2 and 4)."""
from __future__ import annotations

from random import Random

from .. import scenarios
from ..lab import Lab
from ..topology import MAILBOX_TRANSPORT_DELIVERY, MAILBOX_TRANSPORT_SUBMISSION, TRANSPORT, Organization
from . import cast
from .model import Facts, IncidentSpec, Path, Staged, Step, inbound, internal, step
from .probes import send


def _demo(rng: Random) -> Organization:
    return cast.staffed(scenarios.exchange2013demo(), rng)


# --- Transport stopped on every Mailbox server (the article's experiment) -----------------------

def _stage_transport_stopped(lab: Lab, rng: Random) -> Staged:
    user, colleague = cast.pair(lab, rng)
    outsider = cast.outsiders(rng, 1)[0]
    for server in sorted(s.name for s in lab.org.servers if TRANSPORT in s.services):
        lab.stop_service(server, TRANSPORT)
    lab.advance(minutes=rng.randint(20, 50))
    facts = cast.named(lab, user=user, colleague=colleague, outsider=outsider)
    stuck = (send(lab, inbound(outsider, user), "Invoice 4471"),
             send(lab, internal(user, colleague), "Agenda for Thursday"))
    lab.advance(minutes=rng.randint(5, 15))
    return Staged(facts, stuck)


def _paths_everyone(f: Facts) -> tuple[Path, ...]:
    return (internal(f["user"], f["colleague"]), internal(f["colleague"], f["user"]),
            inbound(f["outsider"], f["user"]))


TRANSPORT_STOPPED = IncidentSpec(
    id="transport-stopped",
    title="No mail moves: Transport stopped on every Mailbox server",
    chapters=(1, 2),
    scenario=_demo,
    stage=_stage_transport_stopped,
    report=("{user_name} rang at 9:40: a message to {colleague_name} has sat in the Outbox all morning, "
            "and {outsider} wrote on WhatsApp that their invoice to {user_name} 'keeps being deferred'."),
    hints=("Two symptoms, one cause: a message that never leaves an Outbox, and an outside sender that "
           "hears a 451 with a short code after its last line of DATA. Look up that code.",
           "Read the outside sender's queue (lab.internet.queue()) and the message tracking log "
           "(SUBMITDEFER), then ask each server what runs on it (lab.services_table(), Get-Service).",
           "The object at fault: the Microsoft Exchange Transport service (MSExchangeTransport) on the "
           "Mailbox servers, which the Front End proxies to and Submission hands over to."),
    faults=("MSExchangeTransport is stopped on MB1 and MB2: Front End Transport answers 451 4.7.0 ... PRX5, "
            "and Mailbox Transport Submission leaves mail in the Outbox.",),
    paths=_paths_everyone,
    fix=lambda f: (step("Start-Service MSExchangeTransport  (on MB1)", "start_service", "MB1", TRANSPORT),
                   step("Start-Service MSExchangeTransport  (on MB2)", "start_service", "MB2", TRANSPORT)),
    sources=("exchange2013-facts.md §0.3: PRX5 when no Transport answers the Front End",),
)


# --- Mailbox Transport Submission stopped on one server -------------------------------------------

def _stage_submission(lab: Lab, rng: Random) -> Staged:
    server = rng.choice(cast.MAILBOX_SERVERS)
    user, colleague = cast.pair(lab, rng, server)
    lab.stop_service(server, MAILBOX_TRANSPORT_SUBMISSION)
    lab.advance(minutes=rng.randint(30, 90))
    facts = cast.named(lab, user=user, colleague=colleague, server=server)
    stuck = (send(lab, internal(user, colleague), "Leave request"),)
    lab.advance(minutes=rng.randint(5, 20))
    return Staged(facts, stuck)


SUBMISSION_STOPPED = IncidentSpec(
    id="submission-stopped",
    title="Outlook's Outbox never empties for half the staff",
    chapters=(1,),
    scenario=_demo,
    stage=_stage_submission,
    report=("{user_name} says mail to {colleague_name} is stuck in the Outbox, yet mail for {user_name} "
            "arrives fine, and the people in the next office say theirs goes out."),
    hints=("Mail to {user_name} arrives and mail from some colleagues leaves; mail from {user_name} never "
           "reaches Transport at all. Compare who can send and where their mailboxes live.",
           "The message tracking log has no SUBMIT for the message; Get-Service on the sender's Mailbox server "
           "(lab.services_table()) shows what picks mail up from an Outbox.",
           "The object at fault: Mailbox Transport Submission (MSExchangeSubmission) on {server}."),
    faults=("MSExchangeSubmission is stopped on {server}: nothing takes mail out of the Outboxes of "
            "mailboxes on {server}.",),
    paths=lambda f: (internal(f["user"], f["colleague"]), internal(f["colleague"], f["user"])),
    fix=lambda f: (step(f"Start-Service MSExchangeSubmission  (on {f['server']})", "start_service",
                        f["server"], MAILBOX_TRANSPORT_SUBMISSION),),
    sources=("exchange2013-facts.md §0.1: Mailbox Transport Submission picks mail up from the Outbox",),
)


# --- Mailbox Transport Delivery stopped on one server -------------------------------------------------

def _stage_delivery(lab: Lab, rng: Random) -> Staged:
    server = rng.choice(cast.MAILBOX_SERVERS)
    user, colleague = cast.pair(lab, rng, server)
    outsider = cast.outsiders(rng, 1)[0]
    lab.stop_service(server, MAILBOX_TRANSPORT_DELIVERY)
    lab.advance(minutes=rng.randint(20, 60))
    facts = cast.named(lab, user=user, colleague=colleague, outsider=outsider, server=server)
    stuck = (send(lab, internal(colleague, user), "Budget sign-off"),
             send(lab, inbound(outsider, user), "Your order has shipped"))
    lab.advance(minutes=rng.randint(5, 20))
    return Staged(facts, stuck)


DELIVERY_STOPPED = IncidentSpec(
    id="delivery-stopped",
    title="Nothing arrives in some mailboxes, though everyone can send",
    chapters=(1, 4),
    scenario=_demo,
    stage=_stage_delivery,
    report=("{user_name} has received nothing since about 9:30, not from {colleague_name} and not from "
            "outside, yet mail from {user_name} goes out."),
    hints=("The mail for {user_name} was accepted and submitted: it left the sender. Find where it waits.",
           "Get-Queue (lab.queues()) on each Mailbox server: look at the DeliveryType and NextHopDomain of "
           "the queue that holds mail, then its LastError.",
           "The object at fault: Mailbox Transport Delivery (MSExchangeDelivery) on {server}, which takes "
           "mail for its databases on port 475."),
    faults=("MSExchangeDelivery is stopped on {server}: mail for its databases waits in a "
            "SmtpDeliveryToMailbox queue.",),
    paths=lambda f: (internal(f["colleague"], f["user"]), inbound(f["outsider"], f["user"]),
                     internal(f["user"], f["colleague"])),
    fix=lambda f: (step(f"Start-Service MSExchangeDelivery  (on {f['server']})", "start_service",
                        f["server"], MAILBOX_TRANSPORT_DELIVERY),),
    sources=("exchange2013-facts.md §0.1: Mailbox Transport Delivery listens on 475",),
)


# --- Internal DNS lookups pointed at a resolver that does not know the servers ----------------------

RESOLVERS = ("8.8.8.8", "1.1.1.1", "9.9.9.9", "208.67.222.222")


def _stage_dns(lab: Lab, rng: Random) -> Staged:
    server = rng.choice(cast.MAILBOX_SERVERS)
    resolver = rng.choice(RESOLVERS)
    user, colleague = cast.pair(lab, rng, server)
    lab.set_transport_service(server, internal_dns_adapter_enabled=False, internal_dns_servers=[resolver])
    lab.advance(minutes=rng.randint(10, 40))
    facts = cast.named(lab, user=user, colleague=colleague, server=server, resolver=resolver)
    stuck = (send(lab, internal(user, colleague), "Minutes of the board meeting"),)
    lab.advance(minutes=rng.randint(5, 20))
    return Staged(facts, stuck)


INTERNAL_DNS = IncidentSpec(
    id="internal-dns",
    title="Mail waits in the Outbox after a 'DNS clean-up'",
    chapters=(2,),
    scenario=_demo,
    stage=_stage_dns,
    report=("Since the network team's DNS clean-up this morning, {user_name}'s messages to "
            "{colleague_name} stay in the Outbox. Mail to {user_name} still arrives."),
    hints=("Submission tried and gave up for now: read what it was told (SUBMITDEFER in the message "
           "tracking log). The words in it are about names, not about mail.",
           "Get-MessageTrackingLog (lab.tracking_log()) for the reason; then the server's DNS lookups "
           "settings (EAC: Servers > {server} > DNS lookups; Get-TransportService).",
           "The object at fault: the internal DNS lookups of the Transport service on {server}, which ask "
           "a resolver on the Internet that knows nothing of the organization's servers."),
    faults=("Internal DNS lookups on {server} use {resolver} instead of the network adapter's DNS "
            "servers (the domain controller): 451 4.4.0 DNS query failed.",),
    paths=lambda f: (internal(f["user"], f["colleague"]), internal(f["colleague"], f["user"])),
    fix=lambda f: (Step(f"Set-TransportService {f['server']} -InternalDNSAdapterEnabled $true",
                        "set_transport_service", (f["server"],), (("internal_dns_adapter_enabled", True),)),),
    sources=("Set-TransportService -InternalDNSAdapterEnabled / -InternalDNSServers (Exchange Server docs)",),
)


# --- Two servers' DNS lookups changed: the Front End's and one Mailbox server's ---------------------

def _stage_dns_two(lab: Lab, rng: Random) -> Staged:
    server = rng.choice(cast.MAILBOX_SERVERS)
    resolver = rng.choice(RESOLVERS)
    user, colleague = cast.pair(lab, rng, server)
    outsider = cast.outsiders(rng, 1)[0]
    lab.set_frontend_transport_service("CA1", internal_dns_adapter_enabled=False, internal_dns_servers=[resolver])
    lab.set_transport_service(server, internal_dns_adapter_enabled=False, internal_dns_servers=[resolver])
    lab.advance(minutes=rng.randint(10, 40))
    facts = cast.named(lab, user=user, colleague=colleague, outsider=outsider, server=server, resolver=resolver)
    stuck = (send(lab, inbound(outsider, colleague), "Re: the lease renewal"),
             send(lab, internal(user, colleague), "Draft for review"))
    lab.advance(minutes=rng.randint(5, 20))
    return Staged(facts, stuck)


DNS_TWO_SERVERS = IncidentSpec(
    id="dns-clean-up-two-servers",
    title="After the DNS clean-up: nothing from outside, and some Outboxes stuck",
    chapters=(2, 4),
    scenario=_demo,
    stage=_stage_dns_two,
    report=("Since the DNS clean-up, {colleague_name} gets nothing from outside ({outsider} says their mail "
            "is 'deferred'), and {user_name}'s messages to {colleague_name} stay in the Outbox."),
    hints=("Two different codes: the outside sender's 451 ends with a PRX code, and the Outbox's "
           "SUBMITDEFER names DNS. Look both up before touching anything.",
           "lab.internet.queue() and the tracking log for the two replies; then each server's DNS lookups "
           "(EAC: Servers > server > DNS lookups; Get-FrontendTransportService, Get-TransportService).",
           "The objects at fault: the internal DNS lookups of Front End Transport on CA1 and of the "
           "Transport service on {server}."),
    faults=("Front End Transport on CA1 looks up the Mailbox servers at {resolver}: inbound mail gets "
            "451 4.7.0 ... PRX2.",
            "The Transport service on {server} looks up servers at {resolver}: Submission there defers with "
            "451 4.4.0 DNS query failed."),
    paths=lambda f: (inbound(f["outsider"], f["colleague"]), inbound(f["outsider"], f["user"]),
                     internal(f["user"], f["colleague"]), internal(f["colleague"], f["user"])),
    fix=lambda f: (Step("Set-FrontendTransportService CA1 -InternalDNSAdapterEnabled $true",
                        "set_frontend_transport_service", ("CA1",), (("internal_dns_adapter_enabled", True),)),
                   Step(f"Set-TransportService {f['server']} -InternalDNSAdapterEnabled $true",
                        "set_transport_service", (f["server"],), (("internal_dns_adapter_enabled", True),))),
    sources=("exchange2013-facts.md §0.3 (PRX2: DNS lookup failure)",
             "Set-FrontendTransportService and Set-TransportService (Exchange Server docs)"),
)


INCIDENTS = (TRANSPORT_STOPPED, SUBMISSION_STOPPED, DELIVERY_STOPPED, INTERNAL_DNS, DNS_TWO_SERVERS)
