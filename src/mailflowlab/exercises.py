"""The chapters' exercises: one check per exercise, keyed by chapter and number.

A chapter's exercise has three parts, as a learner meets them:

- a stub cell (tagged ``exercise-stub``) that says "write your answer here" and sets the
  answer to ``...`` until the learner fills it in;
- a check cell (tagged ``exercise-check``): ``check("queues.1", lab=lab)``, which prints a
  verdict; on the stub it says the answer is still missing, on a wrong answer it
  gives a hint, and it never raises, so Run All goes on to the end of the chapter;
- the solution in a collapsed ``<details>`` block in the markdown cell after the check: out of
  the run path, so Run All never answers for the learner.

The check lives here, not in the notebook, so its cell shows no answer.
``tests/test_exercises.py`` runs every chapter with each check first on its stub (it must not
pass) and then on the solution from the ``<details>`` block (it must pass).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import replies
from .console import Transcript, smtp_session
from .headers import parse_hops
from .lab import Lab
from .records import SentMessage
from .tracking import TrackingEvent
from .views import Table

#: What a stub sets its answer to until the learner writes one.
MISSING = ...


@dataclass(frozen=True)
class Exercise:
    id: str
    test: Callable[..., bool]
    correct: str | Callable[..., str]   # why the answer is right (may read the answer)
    hint: str                          # a nudge that does not give it away


EXERCISES: dict[str, Exercise] = {}


Test = Callable[..., bool]


def exercise(exercise_id: str, correct: str | Callable[..., str], hint: str) -> Callable[[Test], Test]:
    """Register the function below as the test of exercise `exercise_id`."""
    def register(test: Test) -> Test:
        EXERCISES[exercise_id] = Exercise(exercise_id, test, correct, hint)
        return test
    return register


def verdict(exercise_id: str, **given: Any) -> tuple[bool | None, str]:
    """(passed, text) for one exercise: passed is None while an answer is still `...`."""
    ex = EXERCISES[exercise_id]
    missing = [name for name, value in given.items() if value is MISSING]
    if missing:
        return None, (f"✏️ Not answered yet: write your answer in the cell above, where it says "
                      f"`{missing[0]} = ...`, run that cell, then run this one again.")
    note = ""
    try:
        ok = bool(ex.test(**given))
    except Exception as exc:           # a half-written answer: a hint, not a traceback
        ok = False
        note = f"(Your answer could not be checked as it is: {type(exc).__name__}: {exc}) "
    if ok:
        return True, f"✅ Correct! {ex.correct(**given) if callable(ex.correct) else ex.correct}"
    return False, f"{note}❌ Not yet. Hint: {ex.hint}"


def check(exercise_id: str, **given: Any) -> None:
    """Print the verdict on one exercise. `given` holds the learner's answer variables (and
    the labs the check needs to look at). It never raises, so Run All goes on."""
    print(verdict(exercise_id, **given)[1])


# --- helpers the checks share ------------------------------------------------------------------
def _subjects(lab: Lab, address: str) -> list[str]:
    return [str(m["Subject"]) for m in lab.mailbox(address).messages]


def _stopped(lab: Lab) -> list[tuple[str, str]]:
    return [(r.Server, r.Service) for r in lab.services_table().where(Status="Stopped")]


def _transport_servers(lab: Lab, message: SentMessage | str) -> list[str]:
    return [server for server, service in lab.path(message) if service == "Transport"]


ALICE, BOB, CAROL = "alice@exchange2013demo.com", "bob@exchange2013demo.com", "carol@exchange2013demo.com"
NOBODY = "nobody@exchange2013demo.com"


# --- Chapter 1: internal mail flow ----------------------------------------------------------
@exercise("internal.1",
          "Mailbox Transport Delivery stamps it when it receives from Transport on port 475, just before it "
          "writes into the database.",
          "It is the last hop of every internal message: which service listens on port 475?")
def _(answer: str) -> bool:
    return str(answer).strip().lower() in ("mailbox transport delivery", "msexchangedelivery")


@exercise("internal.2",
          lambda lab: (f"Stopping {' '.join(_stopped(lab)[0])} leaves the message in the Outbox: only Submission "
                       "on the mailbox's own server reads that database."),
          "Which service takes messages out of Alice's Outbox, and on which server is her database?")
def _(lab: Lab) -> bool:
    return len(_stopped(lab)) == 1 and [i.subject for i in lab.mailbox(ALICE).outbox] == ["Exercise 2"]


@exercise("internal.3",
          "Three hops: mapi (Submission), SMTP into Transport, SMTP via Mailbox Transport (Delivery). The same "
          "pattern as the lab; note the 5 min 46 s the message spent in Transport before hop 3.",
          "parse_hops(REAL_HEADER) returns one Hop per Received header; count them.")
def _(n_hops: int) -> bool:
    return n_hops == 3


# --- Chapters 2 and 3: external mail flow; clients, devices and relay ---------------------
@exercise("external.1",
          "Front End Transport on CA1 stamps `via Frontend Transport` when it proxies an Internet session to "
          "Transport.",
          "Look at the `by` host of that hop: it is the Client Access server. Which transport service runs there?")
def _(answer: str) -> bool:
    return str(answer).strip() == "Front End Transport"


@exercise("clients.1",
          "Only 10.0.0.70 matches the new connector's RemoteIPRanges, and it grants relay to anonymous senders.",
          "Create a receive connector on CA1 whose remote_ip_ranges is just the printer's IP, with "
          "anonymous_relay=True.")
def _(lab: Lab) -> bool:
    printer = ["EHLO mfp01", "MAIL FROM:<mfp01@exchange2013demo.com>", "RCPT TO:<accounts@contoso.com>", "QUIT"]
    def reply(ip: str) -> str:
        return smtp_session(lab, "CA1", "Default Frontend CA1", printer, as_ip=ip).replies[-2]
    return reply("10.0.0.70") == replies.RECIPIENT_OK and reply("203.0.113.50") == replies.UNABLE_TO_RELAY


@exercise("external.2",
          "A more specific address space (fabrikam.com) wins over *, and the message left from MB1's Transport "
          "service.",
          "Use lab.new_send_connector('To Fabrikam', address_spaces=['fabrikam.com'], source_servers=['MB1']) "
          "and send from carol@.")
def _(lab: Lab) -> bool:
    got = [m for m in lab.internet.mailbox("kate@fabrikam.com").messages if m["Subject"] == "Exercise 3"]
    mine = lab.send_connectors().where(Identity="To Fabrikam")
    return (len(got) == 1 and got[0]["Received"].startswith("from MB1.exchange2013demo.com")
            and mine["SourceTransportServers"] == ["MB1"])


@exercise("clients.2",
          "Port 587 took the phone's session after STARTTLS and AUTH LOGIN; Front End Transport passed it to "
          "Client Proxy on MB2, bob's server, without a header, so the first hop names the phone.",
          "Use smtplib.SMTP(*lab.endpoint('CA1', 'Client Frontend CA1'), local_hostname='carol-phone'), then "
          "starttls(), login('carol', 'Passw0rd') and sendmail(CAROL, [BOB], ...) with 'Subject: Exercise 4'.")
def _(lab: Lab) -> bool:
    got = [m for m in lab.mailbox(BOB).messages if m["Subject"] == "Exercise 4"]
    if not got:
        return False
    hops = parse_hops(got[-1])
    return (hops[0].from_host == "carol-phone" and "(TLS)" in (hops[0].protocol or "")
            and all(h.via != "Frontend Transport" for h in hops))


@exercise("external.3",
          "Front End Transport keeps nothing: with it stopped nobody answers the MX's port 25, so the sending "
          "server keeps the message and tries again later.",
          "Stop CA1's Front End Transport, send from Gmail, then look at lab.internet.queue() and lab.queues().")
def _(lab: Lab, holder: str) -> bool:
    return holder == "outside sender" and "Exercise 3" in lab.internet.queue()["Subject"]


@exercise("clients.3",
          "One connector whose RemoteIPRanges is the whole subnet: every scanner in 10.0.5.0/24 may relay, "
          "nobody else.",
          "RemoteIPRanges takes CIDR notation: lab.new_receive_connector('CA1', 'Relay for print room', "
          "remote_ip_ranges=['10.0.5.0/24'], anonymous_relay=True).")
def _(lab: Lab) -> bool:
    scan = ["EHLO scanner", "MAIL FROM:<scanner@exchange2013demo.com>", "RCPT TO:<lee@contoso.com>", "QUIT"]
    def reply(ip: str) -> str:
        return smtp_session(lab, "CA1", "Default Frontend CA1", scan, as_ip=ip).replies[-2]
    return (reply("10.0.5.23") == reply("10.0.5.200") == replies.RECIPIENT_OK
            and reply("10.0.6.23") == replies.UNABLE_TO_RELAY)


# --- Chapter 4: queues ----------------------------------------------------------------------
@exercise("queues.1",
          "Transport on MB2 keeps the message; Mailbox Transport Delivery on MB1 is the next hop, on port 475.",
          "Mail for Carol (database DB01 on MB1) leaves MB2's Transport for MB1's Mailbox Transport Delivery.")
def _(lab: Lab) -> bool:
    return bool(lab.queues().where(lambda r: r.Identity.startswith("MB2\\") and r.MessageCount > 0
                                   and r.LastError.endswith("10.0.0.11:475")))


def _defers(lab: Lab) -> int:
    return len(lab.tracking_log().where(MessageSubject="Exercise 1", EventId="DEFER"))


@exercise("queues.2",
          lambda lab, prediction: (f"{_defers(lab)} DEFER events: the first failure and one every "
                                   "MailboxDeliveryQueueRetryInterval (5 minutes)."),
          "Count the first failed attempt too, and look up MailboxDeliveryQueueRetryInterval. (Exercise 1 must "
          "be solved first: its message is the one that waits.)")
def _(lab: Lab, prediction: int) -> bool:
    return _defers(lab) > 0 and prediction == _defers(lab)


@exercise("queues.3",
          "Both Transport services: the Front End tries every Mailbox server of the site before it gives up.",
          "Stopping one Transport is not enough (the Front End fails over), and the other services are not on "
          "its path.")
def _(lab: Lab, attempt: Transcript) -> bool:
    return "PRX5" in str(attempt) and len(_stopped(lab)) == 2


# --- Chapter 5: Edge ------------------------------------------------------------------------
@exercise("edge.1",
          "The Recipient Filter agent looks the address up in the recipients EdgeSync copied, and refuses it at "
          "RCPT.",
          "Print lab13.internet.mailbox(GMAIL).messages[-1].get_content(): the last lines quote the Edge's reply.")
def _(answer: str) -> bool:
    return str(answer).strip() == replies.USER_UNKNOWN


@exercise("edge.2",
          "Nothing listens on the MX's port 25, so Gmail keeps the message and retries every 30 minutes.",
          "Stop the service first, then send, then look at lab10.internet.queue() and lab10.queues().")
def _(lab10: Lab, where: str) -> bool:
    return where == "outside sender" and lab10.internet.queue()["Subject"] == ["Exercise 2"]


@exercise("edge.3",
          "EDGE2010, CA1 (via Frontend Transport), MB1 Transport and MB1 Mailbox Transport Delivery: four hops, "
          "one more than without an Edge.",
          "Keep the hops whose by_host ends with exchange2013demo.com and count them.")
def _(exchange_hops: int) -> bool:
    return exchange_hops == 4


# --- Chapter 6: coexistence -----------------------------------------------------------------
@exercise("coexistence.1",
          "The last SMTP hop is 2013 Transport -> the 2010 Hub, which stamps 14.3.123.4; its store driver adds "
          "no header.",
          "Use versions_table(parse_hops(lab.mailbox(DAVE).messages[-1])) and read the last row.")
def _(answer1: str) -> bool:
    return answer1 == "Exchange 2010"


@exercise("coexistence.2",
          "A 2010 database belongs to the mailbox delivery group of its site and version 14: "
          "SmtpRelayToMailboxDeliveryGroup.",
          "Look at lab.queues() while the Hub is stopped: which queue has MessageCount 1?")
def _(answer2: str) -> bool:
    return answer2 == "Site:Default-First-Site-Name;Version:14"


@exercise("coexistence.3",
          "The Edge delivers to 2013 Transport on MB1, which routes dave@'s 2010 database to the version-14 "
          "delivery group: HUB2010.",
          "Entering on 2013, the 2010 Edge sends to a 2013 Mailbox server first. Where must mail for a 2010 "
          "mailbox go next?")
def _(answer3: list[str]) -> bool:
    return list(answer3) == ["EDGE2010", "MB1", "HUB2010"]


# --- Chapter 7: routing ---------------------------------------------------------------------
@exercise("routing.1",
          "A is a hub site on the least-cost path C -> A -> B, so MBXC relays to MBXA, which relays to MBXB.",
          "Call lab.set_hub_site('A', True) before sending, then list the Transport servers with "
          "transport_servers(lab, msg).")
def _(answer1: list[str]) -> bool:
    return list(answer1) == ["MBXC", "MBXA", "MBXB"]


@exercise("routing.2",
          "At 200 both paths cost 200 and the tie goes to fewer hops (B-C), so hub site A is off the path.",
          "B -> A -> C costs 200. What happens on a tie? Set the cost with triangle.set_site_link_cost('B-C', n).")
def _(triangle: Lab, answer2: int) -> bool:
    users = ("userb@exchange2013demo.com", "userc@exchange2013demo.com")
    return (answer2 == 200 and triangle.ad_site_links().where(Name="B-C")[0].Cost == 200
            and _transport_servers(triangle, triangle.send(*users, subject="Exercise 2 check")) == ["MBXB", "MBXC"])


@exercise("routing.3",
          "MBXC could not reach MBXB, backed off one hop along C -> A -> B, and MBXA keeps the message: the point "
          "of failure closest to B.",
          "Look at lab.queues() for a queue whose NextHopDomain is site B's delivery group. Which server is it on?")
def _(answer3: str) -> bool:
    return answer3 == "MBXA"


# --- Chapters 8 and 9: troubleshooting ------------------------------------------------------
@exercise("recipients.1",
          "Both organization limits had to rise above 12 MB; the receive connectors (35 and 36 MB) already "
          "allowed it.",
          "Look at Set-TransportConfig: which two limits apply when both sender and recipient are in the "
          "organization? Leave the connectors alone.")
def _(lab: Lab) -> bool:
    frontend = lab.receive_connectors("CA1").where(Identity="CA1\\Default Frontend CA1")[0]
    return "Exercise 1" in _subjects(lab, BOB) and str(frontend.MaxMessageSize).startswith("36 MB")


@exercise("recipients.2",
          "The Recipient Filter refused only nobody@; a client that goes on to DATA delivers to everyone else.",
          "Name all three recipients, keep going after the 550 and end the message with a lone '.'.")
def _(edge: Lab, attempt: Transcript) -> bool:
    got = [who for who in (BOB, CAROL) if "Exercise 2" in _subjects(edge, who)]
    return got == [BOB, CAROL] and replies.USER_UNKNOWN in attempt.replies


@exercise("recipients.4",
          "With the Recipient Filter off on the Mailbox servers, every address of the accepted domain is taken; "
          "the categorizer bounces only nobody@, and Bob and Carol get the message.",
          "Do as Microsoft says in the quote above: Set-RecipientFilterConfig on both Mailbox servers, then send "
          "the three-recipient message again with the subject 'Exercise 4'.")
def _(mbx: Lab) -> bool:
    return all("Exercise 4" in _subjects(mbx, who) for who in (BOB, CAROL))


@exercise("logs.1",
          "Only mailboxes on MB1's databases: Transport on MB2 still reaches MB2's own Delivery on 475.",
          "Which server hosts each mailbox's database? Only one Delivery service moved.")
def _(lab475: Lab, cut_off: list[str]) -> bool:
    for who in lab475.mailboxes():
        lab475.send(ALICE, who, subject="Exercise 3")
    arrived = {who for who in lab475.mailboxes() if "Exercise 3" in _subjects(lab475, who)}
    return sorted(cut_off) == sorted(set(lab475.mailboxes()) - arrived)


@exercise("logs.2",
          "Two refusals: `RCPT TO:<ALICE>` is not an address at all (501 5.5.4 Invalid arguments), and "
          "fabrikam.com is not an accepted domain, so an anonymous copier may not relay there (550 5.7.1 Unable "
          "to relay).",
          "Filter lab.protocol_log('CA1', 'Default Frontend CA1') to the copier's remote-endpoint, then pair each "
          "'<' RCPT row with the '>' reply after it.")
def _(refused: list[str]) -> bool:
    return list(refused) == ["<ALICE>", "<partner@fabrikam.com>"]


@exercise("recipients.3",
          "The connector's MaxMessageSize (5 MB) fires first, in the session: 552 5.3.4 after the final dot, and "
          "the sending server writes the bounce; the organization's 10 MB never comes into play.",
          "Read the bounce the Gmail sender got: lab.internet.mailbox('someone@gmail.com').messages[-1].")
def _(code: str) -> bool:
    return str(code).strip() == " ".join(replies.TOO_BIG.split()[:2])      # "552 5.3.4"


@exercise("logs.3",
          "The relay connector's session gets SMTPAcceptAnyRecipient, the right Anonymous lacks on Default "
          "Frontend: that is what lets it relay.",
          "Log the new connector too (protocol_logging='Verbose'), run the scanner's session, and read the row "
          "whose context is 'Set Session Permissions'.")
def _(permissions: str) -> bool:
    return "SMTPAcceptAnyRecipient" in str(permissions).split()


# --- Chapter 10: reading headers -------------------------------------------------------------
@exercise("headers.1",
          "The first Exchange hop after Google's is the server that took the message from the Internet: the Edge. "
          "Its header looks like Transport's; its place in the chain gives it away.",
          "Look for the first row whose 'Stamped by' is not 'not Exchange'.")
def _(edge_lab: Lab, edge_host: str) -> bool:
    edge_fqdn = next(s.fqdn for s in edge_lab.org.servers if "Edge" in s.roles)
    return str(edge_host).lower() == str(edge_fqdn).lower()


@exercise("headers.2",
          "Build 15.0.1497.2 is Exchange 2013 CU23, the last one; Front End Transport ran on the Client Access "
          "server G08CNEXCHPEKD06 and Transport on the Mailbox server G08CNEXMBPEKD04.",
          "explain(parse_hops(samples.RELAY_2013.text)) gives the Version and the 'Stamped by' column.")
def _(update: str, mailbox_server: str) -> bool:
    return update == "CU23" and mailbox_server == "G08CNEXMBPEKD04.g08.fujitsu.local"


@exercise("headers.3",
          "Hop 3 (Mailbox Transport Delivery) came 5 min 46 s after hop 2: the message sat in Transport's "
          "delivery queue on exch.exch.com, the service that keeps queues, until Delivery took it.",
          "The delay belongs to the hop that ended the wait; the message waited on the server (and service) of "
          "the hop before it.")
def _(longest_hop: int, queue_owner: str) -> bool:
    return longest_hop == 3 and queue_owner == "Transport"


# --- Chapter 11: the operator's tools ----------------------------------------------------------
@exercise("operator.1",
          "The message is safe in a suspended queue on a running Transport service: Suspend-Queue holds mail "
          "while every service runs, and Resume-Queue lets it go.",
          "A queue to a mailbox database exists only while it holds mail: make the message wait first (as in "
          "chapter 4), suspend its queue, then start the service again.")
def _(lab: Lab) -> bool:
    held = lab.queue_messages().where(Subject="Exercise 1")
    suspended = set(lab.queues().where(Status="Suspended")["Identity"])
    in_suspended = any(str(i).rpartition("\\")[0] in suspended for i in held["Identity"])
    return (not _stopped(lab) and "Exercise 1" not in _subjects(lab, CAROL)
            and len(held) > 0 and in_suspended)


@exercise("operator.2",
          lambda lab, found: f"{len(found)} DELIVER event(s): -EventId DELIVER and -MessageSubject 'pressure' "
                             "(part of the subject is enough) find them without reading the whole log.",
          "lab.tracking_log(event_id=..., message_subject=...): the subject filter matches part of the subject.")
def _(lab: Lab, found: Table[TrackingEvent]) -> bool:
    expected = list(lab.tracking_log(event_id="DELIVER", message_subject="pressure"))
    return bool(expected) and list(found) == expected


@exercise("operator.3",
          "contoso.org is now an accepted relay domain: Default Frontend takes its mail from anyone without relay "
          "rights (no 550 5.7.1), and a send connector for contoso.org carries it to contoso.org's own server, "
          "its smart host (by DNS it would come back here: contoso.org's MX is this organization).",
          "Two cmdlets: New-AcceptedDomain with a relay DomainType, and New-SendConnector for the address space "
          "contoso.org with a smart host (by DNS the mail loops back here). Giving anonymous senders relay rights "
          "is not the answer.")
def _(lab: Lab) -> bool:
    if lab.org.domain_type("contoso.org") not in ("InternalRelay", "ExternalRelay"):
        return False
    if any(c.anonymous_relay for c in lab.org.receive_connectors):
        return False
    lab.internet.send("buyer@gmail.com", "orders@contoso.org", subject="Exercise 3")
    return "Exercise 3" in [str(m["Subject"]) for m in lab.internet.mailbox("orders@contoso.org").messages]
