"""Incidents an operator meets in the queues: a queue left suspended, and back pressure
(chapters 4 and 11)."""
from __future__ import annotations

from random import Random

from .. import scenarios
from ..lab import Lab
from ..topology import TRANSPORT, Organization, SendConnector
from . import cast
from .model import IncidentSpec, Staged, Step, inbound, internal, outbound, step
from .probes import send


def _with_internet(rng: Random) -> Organization:
    org = cast.staffed(scenarios.exchange2013demo(), rng)
    org.send_connectors.append(SendConnector("Internet Mail", ("*",), cast.MAILBOX_SERVERS))
    return org


# --- A delivery queue suspended during maintenance and forgotten ------------------------------------

def _stage_suspended(lab: Lab, rng: Random) -> Staged:
    server = rng.choice(cast.MAILBOX_SERVERS)
    user, colleague = cast.pair(lab, rng, server)
    partner = rng.choice(cast.PARTNER_DOMAINS)
    send(lab, outbound(user, f"accounts@{partner}"), "Remittance advice")
    queue = next(q.Identity for q in lab.queues(include_empty=True) if q.NextHopDomain == partner)
    lab.suspend_queue(queue)
    lab.advance(hours=rng.randint(2, 5))
    facts = cast.named(lab, user=user, colleague=colleague, partner=partner, queue=queue, server=server)
    stuck = (send(lab, outbound(user, f"accounts@{partner}"), "Overdue invoice 7781"),
             send(lab, outbound(user, f"projects@{partner}"), "Site visit on Monday"))
    lab.advance(minutes=rng.randint(30, 90))
    return Staged(facts, stuck)


QUEUE_SUSPENDED = IncidentSpec(
    id="queue-suspended",
    title="Mail to one partner has waited since last night's maintenance",
    chapters=(4, 11),
    scenario=_with_internet,
    stage=_stage_suspended,
    report=("Accounts at {partner} phoned: nothing from {user_name} since yesterday evening. Mail from "
            "{user_name} to everyone else arrives."),
    hints=("Only one outside domain is affected and nothing bounced: the mail is somewhere inside, "
           "waiting without an error.",
           "Get-Queue (lab.queues()) on {server}: the Status of the queue whose NextHopDomain is {partner}; "
           "Get-Message shows what it holds.",
           "The object at fault: the delivery queue {queue}, which an administrator left in the state "
           "maintenance put it in."),
    faults=("The queue {queue} (NextHopDomain {partner}) was suspended during maintenance and never resumed.",),
    paths=lambda f: (outbound(f["user"], f"accounts@{f['partner']}"), outbound(f["colleague"], "ravi.k@gmail.com"),
                     internal(f["user"], f["colleague"])),
    fix=lambda f: (step(f"Resume-Queue {f['queue']}", "resume_queue", f["queue"]),),
    sources=("exchange2013-facts.md §4.1 (queues); Exchange Server docs: Suspend-Queue / Resume-Queue",),
)


# --- Back pressure: the queue database's disk is nearly full ------------------------------------------

RESOURCES = ("UsedDiskSpace", "DatabaseUsedSpace")


def _stage_back_pressure(lab: Lab, rng: Random) -> Staged:
    server = rng.choice(cast.MAILBOX_SERVERS)
    user, colleague = cast.pair(lab, rng, server)
    outsider = cast.outsiders(rng, 1)[0]
    resource = rng.choice(RESOURCES)
    lab.advance(minutes=rng.randint(10, 40))
    # Both Mailbox servers of the site: the Front End fails over past one server's 452 to the
    # other (issue 19, item 5), so an outside sender hears it only when every server says it.
    for mailbox_server in cast.MAILBOX_SERVERS:
        lab.set_resource_pressure(mailbox_server, resource, "High")
    facts = cast.named(lab, user=user, colleague=colleague, outsider=outsider, server=server, resource=resource)
    stuck = (send(lab, inbound(outsider, user), "Contract renewal"),)
    lab.advance(minutes=rng.randint(10, 25))
    return Staged(facts, stuck)


BACK_PRESSURE = IncidentSpec(
    id="back-pressure",
    title="Outside mail to some people is deferred: 'Insufficient system resources'",
    chapters=(4, 11),
    scenario=_with_internet,
    stage=_stage_back_pressure,
    report=("{outsider} says their mail to {user_name} is 'deferred' and retried since the morning; "
            "{user_name} also asks why the shared drive on the mail server 'is red'."),
    hints=("A 4xx at MAIL FROM, not a bounce: the server is not refusing the recipient, it is protecting "
           "itself. Read the exact words the outside sender heard.",
           "lab.internet.queue() for the reply, then back pressure (lab.back_pressure(), "
           "Get-ExchangeDiagnosticInfo -Process EdgeTransport -Component ResourceThrottling).",
           "The object at fault: the resource {resource} of the Transport service, whose pressure is High. "
           "On which servers? The Front End passes a server that says 452 for the next one."),
    faults=("Back pressure: {resource} is at High on both Mailbox servers (the queue databases' volumes "
            "filled up the same night), so Transport on each answers 452 4.3.1 Insufficient system resources "
            "and the Front End, having tried both, gives the sender the 452.",),
    paths=lambda f: (inbound(f["outsider"], f["user"]), internal(f["colleague"], f["user"]),
                     internal(f["user"], f["colleague"])),
    fix=lambda f: tuple(Step(f"(free space for the queue database on {server}, until {f['resource']} is Normal)",
                             "set_resource_pressure", (server, f["resource"], "Normal"))
                        for server in cast.MAILBOX_SERVERS),
    sources=("Exchange Server docs, Understanding back pressure: UsedDiskSpace, DatabaseUsedSpace; 452 4.3.1",),
)


# --- Two leftovers of a maintenance night: a Transport service and a suspended queue -----------------

def _stage_leftovers(lab: Lab, rng: Random) -> Staged:
    server = rng.choice(cast.MAILBOX_SERVERS)
    other = "MB2" if server == "MB1" else "MB1"
    user, colleague = cast.pair(lab, rng, server)
    partner = rng.choice(cast.PARTNER_DOMAINS)
    send(lab, outbound(colleague, f"accounts@{partner}"), "Statement for February")
    queue = next(q.Identity for q in lab.queues(include_empty=True)
                 if q.NextHopDomain == partner and q.Identity.startswith(other))
    lab.suspend_queue(queue)
    lab.stop_service(server, TRANSPORT)
    lab.advance(hours=rng.randint(6, 9))
    facts = cast.named(lab, user=user, colleague=colleague, partner=partner, queue=queue, server=server)
    stuck = (send(lab, internal(user, colleague), "Did the maintenance go well?"),
             send(lab, outbound(colleague, f"accounts@{partner}"), "Payment run"))
    lab.advance(minutes=rng.randint(20, 60))
    return Staged(facts, stuck)


MAINTENANCE_LEFTOVERS = IncidentSpec(
    id="maintenance-leftovers",
    title="The morning after maintenance: two things were not put back",
    chapters=(11, 4),
    scenario=_with_internet,
    stage=_stage_leftovers,
    report=("Since last night's maintenance {user_name}'s messages stay in the Outbox, and a contact at "
            "{partner} says nothing from {colleague_name} has arrived either. Everything else seems normal."),
    hints=("Two complaints, two servers: find where each message waits. One never left its Outbox; the "
           "other was accepted and waits quietly, with no error.",
           "Get-Service on each Mailbox server (lab.services_table()), then Get-Queue (lab.queues()) and "
           "the Status of each queue.",
           "The objects at fault: the Transport service on {server}, and the queue {queue}."),
    faults=("MSExchangeTransport on {server} was stopped for maintenance and not started again.",
            "The queue {queue} (NextHopDomain {partner}) was suspended and not resumed."),
    paths=lambda f: (internal(f["user"], f["colleague"]), outbound(f["colleague"], f"accounts@{f['partner']}"),
                     outbound(f["user"], f"projects@{f['partner']}"), internal(f["colleague"], f["user"])),
    fix=lambda f: (step(f"Start-Service MSExchangeTransport  (on {f['server']})", "start_service",
                        f["server"], TRANSPORT),
                   step(f"Resume-Queue {f['queue']}", "resume_queue", f["queue"])),
    sources=("exchange2013-facts.md §4.1 (queues) and §0.3 (Transport stopped)",),
)


INCIDENTS = (QUEUE_SUSPENDED, BACK_PRESSURE, MAINTENANCE_LEFTOVERS)
