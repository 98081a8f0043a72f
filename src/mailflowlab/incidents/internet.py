"""Incidents at the organization's edge to the Internet: the Front End's receive connector, the
send connector, and anti-spam agents where they do not belong (chapters 2, 8, 9 and 10)."""
from __future__ import annotations

from random import Random

from .. import scenarios
from ..lab import Lab
from ..topology import (
    ANONYMOUS,
    EXCHANGE_LEGACY_SERVERS,
    EXCHANGE_SERVERS,
    AcceptedDomain,
    Mailbox,
    Organization,
    SendConnector,
)
from . import cast
from .model import Facts, IncidentSpec, Path, Staged, inbound, internal, outbound, step
from .probes import send

DEFAULT_FRONTEND = "Default Frontend CA1"
FRONTEND_GROUPS = [ANONYMOUS, EXCHANGE_SERVERS, EXCHANGE_LEGACY_SERVERS]


def _demo(rng: Random) -> Organization:
    return cast.staffed(scenarios.exchange2013demo(), rng)


# --- The Default Frontend lost AnonymousUsers ------------------------------------------------------

def _stage_anonymous(lab: Lab, rng: Random) -> Staged:
    user, colleague = cast.pair(lab, rng)
    first, second = cast.outsiders(rng, 2)
    lab.advance(minutes=rng.randint(10, 30))
    kept = [EXCHANGE_SERVERS, EXCHANGE_LEGACY_SERVERS] if rng.random() < 0.5 else [EXCHANGE_SERVERS]
    lab.set_receive_connector("CA1", DEFAULT_FRONTEND, permission_groups=kept)
    facts = cast.named(lab, user=user, colleague=colleague, outsider=first, other=second)
    send(lab, inbound(first, user), "Quote for the new office chairs")
    send(lab, inbound(second, colleague), "Re: conference booking")
    lab.advance(minutes=rng.randint(10, 40))
    return Staged(facts)


FRONTEND_ANONYMOUS = IncidentSpec(
    id="frontend-anonymous",
    title="Internet mail bounces: 'Client was not authenticated'",
    chapters=(2, 9, 10),
    scenario=_demo,
    stage=_stage_anonymous,
    report=("{user_name} says customers' mail bounces since the security review this morning; "
            "{outsider} forwarded the bounce. Mail between colleagues is fine."),
    hints=("Read the bounce the outside sender got: which server refused, at which step of the SMTP "
           "dialogue, and with which code.",
           "Telnet to the Front End's port 25 (lab.smtp_session('CA1', '" + DEFAULT_FRONTEND + "', [...])) "
           "as an outside sender would, then list what the receive connector grants (Get-ReceiveConnector).",
           "The object at fault: the permission groups of the receive connector '" + DEFAULT_FRONTEND + "' "
           "on CA1, the one the Internet talks to."),
    faults=("'" + DEFAULT_FRONTEND + "' lost the AnonymousUsers permission group: every anonymous sender "
            "hears 530 5.7.1 Client was not authenticated.",),
    paths=lambda f: (inbound(f["outsider"], f["user"]), inbound(f["other"], f["colleague"]),
                     internal(f["user"], f["colleague"])),
    fix=lambda f: (step(f"Set-ReceiveConnector 'CA1\\{DEFAULT_FRONTEND}' -PermissionGroups "
                        "AnonymousUsers,ExchangeServers,ExchangeLegacyServers",
                        "set_receive_connector", "CA1", DEFAULT_FRONTEND, permission_groups=FRONTEND_GROUPS),),
    sources=("exchange2013-facts.md §2.1: Default Frontend <server> has AnonymousUsers; 530 5.7.1 without it",),
)


# --- A send connector whose address space is too narrow -----------------------------------------------

SEND_CONNECTOR_NAMES = ("Internet Mail", "To Internet", "Outbound to Internet", "SMTP Out")


def _internet_connector(rng: Random) -> Organization:
    org = _demo(rng)
    org.send_connectors.append(SendConnector(rng.choice(SEND_CONNECTOR_NAMES), ("*",), cast.MAILBOX_SERVERS))
    return org


def _stage_address_space(lab: Lab, rng: Random) -> Staged:
    user, colleague = cast.pair(lab, rng)
    partner = rng.choice(cast.PARTNER_DOMAINS)
    outsider = rng.choice([a for a in cast.OUTSIDERS if not a.endswith("@" + partner)])
    name = lab.org.send_connectors[0].name
    send(lab, outbound(user, f"sales@{partner}"), "Purchase order 2231")
    lab.advance(minutes=rng.randint(30, 80))
    lab.set_send_connector(name, address_spaces=[partner])
    facts = cast.named(lab, user=user, colleague=colleague, outsider=outsider, partner=partner, connector=name)
    stuck = (send(lab, outbound(user, outsider), "Your appointment on Friday"),
             send(lab, outbound(colleague, outsider), "Invoice attached"))
    lab.advance(minutes=rng.randint(5, 20))
    return Staged(facts, stuck)


def _paths_address_space(f: Facts) -> tuple[Path, ...]:
    return (outbound(f["user"], f["outsider"]), outbound(f["colleague"], f"sales@{f['partner']}"),
            internal(f["user"], f["colleague"]))


ADDRESS_SPACE = IncidentSpec(
    id="send-connector-address-space",
    title="Mail to most of the Internet waits, mail to one partner leaves",
    chapters=(2,),
    scenario=_internet_connector,
    stage=_stage_address_space,
    report=("{user_name} says mail to customers has not gone out since the partner project with {partner} "
            "was set up. Mail to {partner} itself still gets there."),
    hints=("One outside domain still gets its mail and every other does not: find where the others wait "
           "and what the queue says about them.",
           "Get-Queue (lab.queues()): the queue that holds them and its LastError; then Get-SendConnector "
           "(lab.send_connectors()).",
           "The object at fault: the AddressSpaces of the send connector '{connector}'."),
    faults=("The send connector '{connector}' has the address space {partner} only, instead of *: mail to "
            "every other domain waits in the Unreachable queue.",),
    paths=_paths_address_space,
    fix=lambda f: (step(f"Set-SendConnector '{f['connector']}' -AddressSpaces *", "set_send_connector",
                        f["connector"], address_spaces=["*"]),),
    sources=("exchange2013-facts.md §2.2 (send connectors) and §4.1 (the Unreachable queue)",),
)


# --- The Recipient Filter turned on on a Mailbox server -----------------------------------------------

TYPOS = ("{user}s", "{user}.{user}", "{user}1", "info.{user}")


def _stage_recipient_filter(lab: Lab, rng: Random) -> Staged:
    server = rng.choice(cast.MAILBOX_SERVERS)
    user, colleague = cast.pair(lab, rng, server)
    first, second = cast.outsiders(rng, 2)
    typo = rng.choice(TYPOS).format(user=user.partition("@")[0]) + "@" + lab.org.domain
    lab.set_recipient_filter_config(server, enabled=True, recipient_validation_enabled=True)
    lab.advance(minutes=rng.randint(20, 60))
    facts = cast.named(lab, user=user, colleague=colleague, outsider=first, other=second, typo=typo, server=server)
    send(lab, inbound(first, user, typo), "Tender documents")
    lab.advance(minutes=rng.randint(5, 20))
    return Staged(facts)


RECIPIENT_FILTER = IncidentSpec(
    id="recipient-filter-mailbox",
    title="A whole message bounces because one address was mistyped",
    chapters=(8, 9, 10),
    scenario=_demo,
    stage=_stage_recipient_filter,
    report=("{outsider} says their tender for {user_name} bounced with 'User unknown', though {user_name} "
            "is definitely there; they had copied in an old address, {typo}, as well."),
    hints=("A message for an existing mailbox and a wrong address was refused as a whole, during RCPT, "
           "not returned later by the categorizer. Which agent answers 'User unknown' at RCPT?",
           "Read the bounce (the server and the reply), then send the same pair of recipients yourself "
           "(lab.internet.send) and look at the anti-spam settings of each Mailbox server.",
           "The object at fault: the Recipient Filter agent on {server}, a Mailbox server, where Microsoft "
           "says anti-spam recipient filtering should not run."),
    faults=("Recipient filtering is on on the Mailbox server {server}: one blocked recipient refuses the "
            "whole message (550 5.1.1 User unknown for everyone).",),
    paths=lambda f: (inbound(f["outsider"], f["user"], f["typo"], expect=(f["user"],)),
                     inbound(f["other"], f["colleague"]), internal(f["colleague"], f["user"])),
    fix=lambda f: (step(f"Set-RecipientFilterConfig -Enabled $false  (on {f['server']})",
                        "set_recipient_filter_config", f["server"], enabled=False),),
    sources=("exchange2013-facts.md §5.2 and §6: recipient filtering on a Mailbox server refuses the whole message",),
)


# --- The Default Frontend moved off port 25 ----------------------------------------------------------

MOVED_PORTS = (26, 2526, 8025, 10025)


def _stage_port(lab: Lab, rng: Random) -> Staged:
    user, colleague = cast.pair(lab, rng)
    first, second = cast.outsiders(rng, 2)
    port = rng.choice(MOVED_PORTS)
    lab.advance(minutes=rng.randint(10, 30))
    lab.set_receive_connector("CA1", DEFAULT_FRONTEND, bindings=f"0.0.0.0:{port}")
    lab.advance(minutes=rng.randint(20, 60))
    facts = cast.named(lab, user=user, colleague=colleague, outsider=first, other=second, port=str(port))
    stuck = (send(lab, inbound(first, user), "Minutes of Tuesday's meeting"),
             send(lab, inbound(second, colleague), "Your parcel is on its way"))
    lab.advance(minutes=rng.randint(5, 20))
    return Staged(facts, stuck)


FRONTEND_PORT = IncidentSpec(
    id="frontend-port-changed",
    title="The Internet cannot even connect: the Front End listens elsewhere",
    chapters=(9, 2),
    scenario=_demo,
    stage=_stage_port,
    report=("Nothing from outside since the consultant 'tidied up the connectors' this morning, {user_name} "
            "says; {outsider} says their server 'cannot connect' and keeps retrying."),
    hints=("The outside sender never got a reply at all: not a refusal in SMTP, a refused connection. "
           "Which address and port does it try?",
           "lab.internet.queue() for where it connects; telnet to the MX's port 25; then every listener "
           "with its Exchange port (lab.endpoints()) and Get-ReceiveConnector's Bindings.",
           "The object at fault: the Bindings of '" + DEFAULT_FRONTEND + "', which no longer listens on "
           "the port the MX record's senders use."),
    faults=("'" + DEFAULT_FRONTEND + "' was moved to port {port}: nothing listens on CA1's port 25, so "
            "outside senders' connections are refused and they retry.",),
    paths=lambda f: (inbound(f["outsider"], f["user"]), inbound(f["other"], f["colleague"]),
                     internal(f["user"], f["colleague"])),
    fix=lambda f: (step(f"Set-ReceiveConnector 'CA1\\{DEFAULT_FRONTEND}' -Bindings 0.0.0.0:25",
                        "set_receive_connector", "CA1", DEFAULT_FRONTEND, bindings="0.0.0.0:25"),),
    sources=("exchange2013-facts.md §0.1 and §2.1: Default Frontend <server> listens on port 25",),
)


# --- A shared namespace's accepted domain made Authoritative ------------------------------------------

#: Domains an acquired company brings, whose people are still on its own mail system.
SHARED_DOMAINS = ("litwareinc.com", "proseware.com", "lucernepublishing.com", "treyresearch.net")
#: People still on the acquired company's mail system (the lab's outside MX stands in for it).
NOT_YET_MIGRATED = ("accounts", "m.garcia", "p.novak", "reception", "t.okafor")


def _shared_namespace(rng: Random) -> Organization:
    """The demo organization sharing an acquired company's domain (InternalRelay): whoever has a
    mailbox here gets mail here, everyone else on the company's old system, through a send
    connector for the domain with that system as its smart host (by DNS the mail would loop:
    the domain's MX is this organization; the lab's Internet stands in for the old system)."""
    org = _internet_connector(rng)
    shared = rng.choice(SHARED_DOMAINS)
    org.accepted_domains.append(AcceptedDomain(shared, "InternalRelay"))
    org.send_connectors.append(SendConnector(f"To {shared.partition('.')[0].title()} mail", (shared,),
                                             cast.MAILBOX_SERVERS, smart_hosts=(f"mail.{shared}",)))
    org.mailboxes.append(Mailbox(f"j.li@{shared}", "Jun Li", rng.choice(["DB01", "DB02"])))
    return org


def _stage_domain_type(lab: Lab, rng: Random) -> Staged:
    org = lab.org
    shared = next(d.name for d in org.accepted_domains if d.domain_type == "InternalRelay")
    moved = f"j.li@{shared}"
    user = rng.choice(sorted(a for a in lab.mailboxes() if a.endswith("@" + org.domain)))
    legacy = f"{rng.choice(NOT_YET_MIGRATED)}@{shared}"
    outsider = cast.outsiders(rng, 1)[0]
    send(lab, internal(user, legacy), "Welcome aboard")
    lab.advance(minutes=rng.randint(20, 60))
    lab.set_accepted_domain(shared, "Authoritative")
    facts = cast.named(lab, user=user, legacy=legacy, moved=moved, outsider=outsider, shared=shared)
    send(lab, internal(user, legacy), "Onboarding checklist")
    send(lab, inbound(outsider, legacy), "Invoice 4471")
    lab.advance(minutes=rng.randint(5, 20))
    return Staged(facts)


DOMAIN_TYPE = IncidentSpec(
    id="accepted-domain-type",
    title="Since the domain clean-up, the acquired company's staff get no mail",
    chapters=(11, 2),
    scenario=_shared_namespace,
    stage=_stage_domain_type,
    report=("{user_name} says mail to {legacy} comes back as undeliverable since yesterday's clean-up of the "
            "accepted domains, and {outsider} says the same; mail to {moved_name} at {shared}, already moved "
            "to Exchange, still arrives."),
    hints=("Some addresses in one domain get their mail and others bounce: read the bounce (which server, "
           "which status) and compare who has a mailbox in Exchange.",
           "The message tracking log's FAIL event for the bounced message, then Get-AcceptedDomain "
           "(lab.accepted_domains()) and Get-SendConnector (lab.send_connectors()).",
           "The object at fault: the accepted domain {shared}, and what it tells the categorizer to do "
           "with a recipient that has no mailbox in Exchange."),
    faults=("The accepted domain {shared} was made Authoritative: the categorizer returns every recipient in "
            "it without an Exchange mailbox (the staff still on the company's own mail system) with 550 5.1.1 "
            "RESOLVER.ADR.RecipNotFound, instead of relaying them through the send connector for {shared}.",),
    paths=lambda f: (internal(f["user"], f["legacy"]), inbound(f["outsider"], f["legacy"]),
                     internal(f["user"], f["moved"])),
    fix=lambda f: (step(f"Set-AcceptedDomain '{f['shared']}' -DomainType InternalRelay", "set_accepted_domain",
                        f["shared"], "InternalRelay"),),
    sources=("Accepted domains (AcceptedDomainType in the Exchange 2013 API reference; see mailflowlab.domains): "
             "InternalRelay shares a domain with a server 'inside the organization's control'",
             "exchange2013-facts.md §5.2 (an unknown recipient of an authoritative domain: NDR 550 5.1.1 "
             "RESOLVER.ADR.RecipNotFound)"),
)


INCIDENTS = (FRONTEND_ANONYMOUS, FRONTEND_PORT, ADDRESS_SPACE, RECIPIENT_FILTER, DOMAIN_TYPE)
