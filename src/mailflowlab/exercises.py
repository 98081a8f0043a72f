"""The chapters' exercises: one check per exercise, keyed by chapter and number.

A chapter's exercise has three parts, as a learner meets them:

- a stub cell (tagged ``exercise-stub``) that says "write your answer here" and sets the
  answer to ``...`` until the learner fills it in;
- a check cell (tagged ``exercise-check``): ``check("queues.1", lab=lab)``, which prints a
  verdict; on the stub it says the answer is still missing, on a wrong answer it
  gives a hint, and it never raises, so Run All goes on to the end of the chapter;
- the solution in a collapsed ``<details>`` block in the markdown cell after the check: out of
  the run path, so Run All never answers for the learner.

The check lives here, not in the notebook, so its cell shows no answer. A chapter's incident
(`mailflowlab.incidents`) uses the same two tags: its work cell is the stub, and the cell that
prints the ticket's `verify()` is the check; its answer key is the `<details>` block after it.
``tests/test_exercises.py`` runs every chapter with each check first on its stub (it must not
pass) and then on the solution from the ``<details>`` block (it must pass).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from . import replies, scenarios
from .console import Transcript, smtp_session
from .header_analyzer import stamped_by
from .headers import Hop, parse_hops
from .lab import Lab
from .records import SentMessage
from .topology import FRONT_END_TRANSPORT, MAILBOX_TRANSPORT_DELIVERY, MB, TRANSPORT, names_service
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


def _short(host: object) -> str:
    """MB1 for 'MB1', 'mb1' or 'MB1.exchange2013demo.com'."""
    return str(host).split(".")[0].upper()


def _stamped_as_said(lab: Lab, sender: str, recipient: str, subject: str, stamped_by: list[str]) -> bool:
    """Send a fresh message and compare the servers the learner said stamp it, oldest first, with
    the `by` hosts of its Received headers (any spelling of a server's name counts)."""
    lab.send(sender, recipient, subject=subject)
    actual = [_short(hop.by_host) for hop in parse_hops(lab.mailbox(recipient).messages[-1])]
    return [_short(server) for server in stamped_by] == actual


def _written_by(hop: Hop, domain: str) -> bool:
    """Whether a server of the organization `domain` wrote this Received header."""
    return (hop.by_host or "").lower().endswith("." + domain)


def _exchange_hops(message: EmailMessage) -> int:
    return sum(1 for hop in parse_hops(message) if _written_by(hop, "exchange2013demo.com"))


ALICE, BOB, CAROL = "alice@exchange2013demo.com", "bob@exchange2013demo.com", "carol@exchange2013demo.com"
NOBODY = "nobody@exchange2013demo.com"
DAVE = "dave@exchange2013demo.com"       # a 2010 mailbox in scenarios.coexistence()


# --- Chapter 1: internal mail flow ----------------------------------------------------------
@exercise("internal.1",
          "10.0.0.11 is MB1, and port 475 is where Mailbox Transport Delivery (MSExchangeDelivery) listens: "
          "Transport on MB2 keeps the message and tries again until MB1's Delivery answers.",
          "Split the endpoint: the address belongs to one server of the diagram, and the port to one of the "
          "services this chapter follows.")
def _(answer: str) -> bool:
    return names_service(str(answer), MAILBOX_TRANSPORT_DELIVERY)


@exercise("internal.2",
          lambda lab: (f"Stopping {' '.join(_stopped(lab)[0])} leaves the message in the Outbox: only Submission "
                       "on the mailbox's own server reads that database."),
          "Which service takes messages out of Alice's Outbox, and on which server is her database?")
def _(lab: Lab) -> bool:
    return len(_stopped(lab)) == 1 and [i.subject for i in lab.mailbox(ALICE).outbox] == ["Exercise 2"]


@exercise("internal.3",
          "Submission on MB1 reads Carol's database and hands the message to its own server's Transport first; "
          "Transport relays it to Delivery on MB2, Bob's server: MB1, MB1, MB2.",
          "Each service works on one server only for a reason: which server's database does Submission read, "
          "which Transport does it try first, and which Delivery may write into Bob's database?")
def _(lab: Lab, stamped_by: list[str]) -> bool:
    return _stamped_as_said(lab, CAROL, BOB, "Exercise 3 check", stamped_by)


# --- Chapters 2 and 3: external mail flow; clients, devices and relay ---------------------
@exercise("external.1",
          "CA1 is the Client Access server, and its only transport service is Front End Transport "
          "(MSExchangeFrontEndTransport): it stamps `via Frontend Transport` when it proxies an Internet "
          "session to Transport.",
          "Find the first hop whose `by` host is a server of exchange2013demo.com. What kind of server is it, "
          "and which transport service runs on that kind?")
def _(answer: str) -> bool:
    return names_service(str(answer), FRONT_END_TRANSPORT)


@exercise("clients.1",
          "Only 10.0.0.70 matches the new connector's RemoteIPRanges, and it grants relay to anonymous senders.",
          "Who may use a receive connector (RemoteIPRanges) and what it lets them do are two settings of one "
          "connector. Would changing Default Frontend CA1 also change it for everyone else?")
def _(lab: Lab) -> bool:
    printer = ["EHLO mfp01", "MAIL FROM:<mfp01@exchange2013demo.com>", "RCPT TO:<accounts@contoso.com>", "QUIT"]
    def reply(ip: str) -> str:
        return smtp_session(lab, "CA1", "Default Frontend CA1", printer, as_ip=ip).replies[-2]
    return reply("10.0.0.70") == replies.RECIPIENT_OK and reply("203.0.113.50") == replies.UNABLE_TO_RELAY


@exercise("external.2",
          "A more specific address space (fabrikam.com) wins over *, and only MB1's Transport service may use "
          "the connector: even Alice's mail, submitted on MB2, leaves from MB1.",
          "A send connector says which addresses it carries and which Transport services may send through it. "
          "Then read the newest Received header at kate@: `from` which server?")
def _(lab: Lab) -> bool:
    kate = lab.internet.mailbox("kate@fabrikam.com")
    from_carol = [m for m in kate.messages if CAROL in str(m["From"])]
    mine = lab.send_connectors().where(Identity="To Fabrikam")
    if not from_carol or not mine:
        return False
    lab.send(ALICE, "kate@fabrikam.com", subject="Exercise 2 check")     # from MB2: must still leave MB1
    return all(str(m["Received"]).startswith("from MB1.exchange2013demo.com")
               for m in (from_carol[-1], kate.messages[-1]))


@exercise("clients.2",
          "Port 587 took the phone's session after STARTTLS and AUTH LOGIN; Front End Transport passed it to "
          "Client Proxy on MB2, bob's server, without a header, so the first hop names the phone.",
          "A phone submits on the client port, not on 25, and must secure the session before it may log on; "
          "lab.receive_connectors('CA1') shows which connector that is, and smtplib has a method for each step.")
def _(lab: Lab) -> bool:
    got = [m for m in lab.mailbox(BOB).messages if m["Subject"] == "Exercise 2"]
    if not got:
        return False
    hops = parse_hops(got[-1])
    return (hops[0].from_host == "carol-phone" and "(TLS)" in (hops[0].protocol or "")
            and all(h.via != "Frontend Transport" for h in hops))


@exercise("external.3",
          "Front End Transport runs but keeps nothing: it takes the session up to the final dot, cannot hand it "
          "to any Transport service and answers 451 4.7.0 ... PRX5, so the sending server keeps the message and "
          "tries again later.",
          "Of the services on the message's way, which one keeps a queue? Look at lab.internet.queue() and "
          "lab.queues() after you send.")
def _(lab: Lab, holder: str) -> bool:
    both_down = {("MB1", "Transport"), ("MB2", "Transport")} <= set(_stopped(lab))
    return (both_down and str(holder).strip().lower() == "outside sender"
            and "Exercise 3" in lab.internet.queue()["Subject"])


@exercise("clients.3",
          "The connector's RemoteIPRanges is now the print room's subnet alone: every scanner in 10.0.5.0/24 "
          "may relay, and the rest of 10.0.0.0/8 is back on Default Frontend CA1, where relay is refused.",
          "Read the connector with lab.receive_connectors('CA1'): which addresses does it take today? "
          "RemoteIPRanges accepts a single address, a range or CIDR notation.")
def _(lab: Lab) -> bool:
    scan = ["EHLO scanner", "MAIL FROM:<scanner@exchange2013demo.com>", "RCPT TO:<lee@contoso.com>", "QUIT"]
    def reply(ip: str) -> str:
        return smtp_session(lab, "CA1", "Default Frontend CA1", scan, as_ip=ip).replies[-2]
    return (bool(lab.receive_connectors("CA1").where(Identity="CA1\\Relay for print room"))
            and reply("10.0.5.23") == reply("10.0.5.200") == replies.RECIPIENT_OK
            and reply("10.0.6.23") == reply("10.20.0.5") == replies.UNABLE_TO_RELAY)


# --- Chapter 4: queues ----------------------------------------------------------------------
@exercise("queues.1",
          "Transport on MB2 keeps the message; Mailbox Transport Delivery on MB1 is the next hop, on port 475.",
          "The LastError names the endpoint Transport could not reach: whose address is 10.0.0.11, and which "
          "of its services listens on 475?")
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
          "With Mailbox Transport Delivery on MB2 stopped, Transport accepts the message: its 250 after the dot "
          "makes the message Exchange's responsibility, and it waits in the queue for DB02 until Delivery "
          "answers. The sender never learns of the outage.",
          "Which services has the session passed when the final dot is answered, and which service does the "
          "message meet only after that answer?")
def _(lab: Lab, attempt: Transcript) -> bool:
    waiting = [q for q in lab.queues() if q.MessageCount > 0 and q.DeliveryType != "ShadowRedundancy"]
    return (str(attempt.replies[-2]).startswith("250") and len(_stopped(lab)) == 1
            and "Exercise 3" not in _subjects(lab, BOB) and bool(waiting))


# --- Chapter 5: Edge ------------------------------------------------------------------------
@exercise("edge.1",
          "The Recipient Filter on the Edge refuses carl@ alone, at RCPT; the sending server goes on to DATA for "
          "the recipients that were accepted, so Bob and Carol get the message and Gmail bounces only carl@.",
          "At which SMTP command does the Edge refuse an unknown recipient, and what does a sending server do with "
          "the recipients the same session accepted?")
def _(lab13: Lab, delivered_to: list[str]) -> bool:
    lab13.internet.send("someone@gmail.com", [BOB, "carl@exchange2013demo.com", CAROL], subject="Exercise 1 check")
    reached = {who for who in (BOB, CAROL) if "Exercise 1 check" in _subjects(lab13, who)}
    return {str(who).strip().lower() for who in delivered_to} == reached


@exercise("edge.2",
          "Nothing listens on the MX's port 25, so Gmail keeps the message and retries every 30 minutes.",
          "Stop the service first, then send, then look at lab10.internet.queue() and lab10.queues().")
def _(lab10: Lab, where: str) -> bool:
    return where == "outside sender" and lab10.internet.queue()["Subject"] == ["Exercise 2"]


@exercise("edge.3",
          "EDGE2013, then Transport and Mailbox Transport Delivery on a Mailbox server: three hops. A subscribed "
          "Edge delivers to Transport directly, so no hop says `via Frontend Transport`, one fewer than the "
          "article's 2010 Edge.",
          "Where does EdgeSync's inbound connector (smart host --) deliver: to CA1 or to the Mailbox servers? "
          "Then count what each server on the way stamps.")
def _(lab13: Lab, exchange_hops: int) -> bool:
    lab13.internet.send("someone@gmail.com", CAROL, subject="Exercise 3 check")
    return exchange_hops == _exchange_hops(lab13.mailbox(CAROL).messages[-1])


# --- Chapter 6: coexistence -----------------------------------------------------------------
@exercise("coexistence.1",
          "The 2010 Hub's store driver picks the message up over MAPI (hop 1, by HUB2010); a 2010 Hub cannot talk "
          "to Mailbox Transport Delivery, so it relays to a 2013 Transport (MB1), which hands it to Delivery on "
          "MB1, Carol's server.",
          "Who picks up mail from a 2010 Outbox, and which 2013 service may a 2010 Hub hand mail to? Delivery "
          "writes only into its own server's databases.")
def _(lab: Lab, stamped_by: list[str]) -> bool:
    return _stamped_as_said(lab, DAVE, CAROL, "Exercise 1 check", stamped_by)


@exercise("coexistence.2",
          "Retry-Queue on the queue for the version-14 delivery group connected at once: the message left "
          "minutes before the queue's NextRetryTime, without moving the clock.",
          "A queue in Retry waits for its NextRetryTime even when its next hop is back. Which queue holds the "
          "message, and which cmdlet makes a queue try now?")
def _(lab: Lab) -> bool:
    events = lab.tracking_log().where(MessageSubject="Exercise 2")
    defers = [e.Timestamp for e in events if e.EventId == "DEFER"]
    delivered = [e.Timestamp for e in events if e.EventId == "DELIVER" and DAVE in e.Recipients]
    return (bool(defers) and bool(delivered)
            and delivered[0] - max(t for t in defers if t <= delivered[0]) < timedelta(minutes=10))


@exercise("coexistence.3",
          lambda answer3: (f"Front End Transport keeps nothing, and a 2013 Transport service ({answer3}) accepted the "
                           "message and keeps it in its queue for the version-14 delivery group until the Hub is "
                           "back: the sender sees no error."),
          "Which services on the way keep a queue, and which of them would accept a message whose next hop is "
          "down? Look at lab.internet.queue() and lab.queues() in your lab.")
def _(answer3: str) -> bool:
    with Lab(scenarios.coexistence(internet_entry="2013"), transport="memory") as lab:     # same in both modes
        lab.stop_service("HUB2010", "Hub Transport")
        lab.internet.send("someone@gmail.com", DAVE, subject="Exercise 3 check")
        held = [q.Identity.split("\\")[0] for q in lab.queues()
                if q.MessageCount > 0 and q.DeliveryType != "ShadowRedundancy"]
        holder = "outside sender" if len(lab.internet.queue()) else held[0]
    return _short(answer3) == _short(holder)


# --- Chapter 7: routing ---------------------------------------------------------------------
@exercise("routing.1",
          "A is a hub site on the least-cost path C -> A -> B, so MBXC relays to MBXA, which relays to MBXB.",
          "A hub site does not change the least-cost path; it makes mail stop in it when it lies on that path. "
          "Which sites does the path from C to B cross?")
def _(lab: Lab, answer1: list[str]) -> bool:
    message = lab.send("userc@exchange2013demo.com", "userb@exchange2013demo.com", subject="Exercise 1 check")
    return [_short(s) for s in answer1] == _transport_servers(lab, message) == ["MBXC", "MBXA", "MBXB"]


@exercise("routing.2",
          lambda triangle, answer2: (f"With A-B at 50, B -> A -> C costs 150. At {answer2} the two paths tie and "
                                     "the tie goes to fewer hops (B-C); one more and the path through hub site A is "
                                     "cheaper, so the message stops in A."),
          "Add up the path through A with A-B's new cost, then compare it with B-C. What happens on a tie?")
def _(triangle: Lab, answer2: int) -> bool:
    def servers_at(cost: int) -> list[str]:
        triangle.set_site_link_cost("B-C", cost)
        message = triangle.send("userb@exchange2013demo.com", "userc@exchange2013demo.com", subject="Exercise 2 check")
        return _transport_servers(triangle, message)
    if triangle.ad_site_links().where(Name="A-B")[0].Cost != 50:
        return False
    above = servers_at(int(answer2) + 1)
    return above == ["MBXB", "MBXA", "MBXC"] and servers_at(int(answer2)) == ["MBXB", "MBXC"]


@exercise("routing.3",
          "MBXC could not reach MBXB, backed off one hop along C -> A -> B, and MBXA keeps the message: the point "
          "of failure closest to B.",
          "Send it, then look at lab.queues() for a queue that holds a message for site B. Which server is it on?")
def _(lab: Lab, answer3: str) -> bool:
    waiting = {q.Identity.split("\\")[0] for q in lab.queues()
               if q.MessageCount > 0 and q.NextHopDomain in ("B", "Site:B;Version:15")}
    return ("MBXB", "Transport") in _stopped(lab) and waiting == {_short(answer3)}


# --- Chapters 8 and 9: troubleshooting ------------------------------------------------------
@exercise("recipients.1",
          "Both organization limits had to rise above 12 MB; the receive connectors (35 and 36 MB) already "
          "allowed it.",
          "Read the table of limits earlier in this chapter, as Get-TransportConfig shows them: which two apply "
          "when both sender and recipient are in the organization? Leave the connectors alone.")
def _(lab: Lab) -> bool:
    frontend = lab.receive_connectors("CA1").where(Identity="CA1\\Default Frontend CA1")[0]
    return "Exercise 1" in _subjects(lab, BOB) and str(frontend.MaxMessageSize).startswith("36 MB")


@exercise("recipients.2",
          "The Recipient Filter refused only nobody@; a client that goes on to DATA delivers to everyone else.",
          "One RCPT refused is not the whole session refused: what may a client still do with the recipients "
          "that were accepted?")
def _(edge: Lab, attempt: Transcript) -> bool:
    got = [who for who in (BOB, CAROL) if "Exercise 2" in _subjects(edge, who)]
    return got == [BOB, CAROL] and replies.USER_UNKNOWN in attempt.replies


@exercise("recipients.4",
          "With the Recipient Filter off on the Mailbox servers, every address of the accepted domain is taken; "
          "the categorizer bounces only nobody@, and Bob and Carol get the message.",
          "Microsoft's advice is quoted above. Which cmdlet switched the agent on in this chapter, and on how "
          "many servers is it on?")
def _(mbx: Lab) -> bool:
    return all("Exercise 4" in _subjects(mbx, who) for who in (BOB, CAROL))


@exercise("logs.1",
          "Every mailbox on MB2's databases, Alice's own included: her message to herself also goes from "
          "Transport to Delivery on port 475 of her own server. Carol, on MB1, still gets mail.",
          "Which server hosts each mailbox's database, and which hop does every message take to reach a "
          "database, even one on the sender's own server?")
def _(lab: Lab, cut_off: list[str]) -> bool:
    for who in lab.mailboxes():
        lab.send(ALICE, who, subject="Exercise 1 check")
    arrived = {who for who in lab.mailboxes() if "Exercise 1 check" in _subjects(lab, who)}
    return sorted(str(who).lower() for who in cut_off) == sorted(set(lab.mailboxes()) - arrived)


@exercise("logs.2",
          "Two refusals: `RCPT TO:<ALICE>` is not an address at all (501 5.5.4 Invalid arguments), and "
          "fabrikam.com is not an accepted domain, so an anonymous copier may not relay there (550 5.7.1 Unable "
          "to relay).",
          "Filter lab.protocol_log('CA1', 'Default Frontend CA1') to the copier's remote-endpoint, then pair each "
          "'<' RCPT row with the '>' reply after it.")
def _(lab: Lab, refused: list[str]) -> bool:
    rows = list(lab.protocol_log("CA1", "Default Frontend CA1").where(
        lambda r: r.remote_endpoint.startswith("10.0.0.80:") and r.event in "<>"))
    logged = [ask.data.removeprefix("RCPT TO:") for ask, answer in zip(rows, rows[1:], strict=False)
              if ask.data.startswith("RCPT TO:") and answer.event == ">" and answer.data.startswith("5")]
    return bool(logged) and list(refused) == logged


def _body(megabytes: int) -> str:
    """About `megabytes` MB of text in lines of 998 characters, the longest SMTP allows."""
    return ("A" * 997 + "\n") * (megabytes * MB // 998)


@exercise("recipients.3",
          "Default Frontend CA1's MaxMessageSize is met only by mail that comes in on port 25 from outside, and it "
          "refuses in the session (552 5.3.4); the organization's MaxSendSize and MaxReceiveSize, which every "
          "message meets, stay at 10 MB.",
          "Which of the limits in the table above does only mail from the Internet meet, and which does every "
          "message meet?")
def _(lab: Lab) -> bool:
    before = len(lab.mailbox(BOB).messages)           # only what this check sends counts
    lab.internet.send("someone@gmail.com", BOB, subject="Exercise 3 from outside, 6 MB", body=_body(6))
    lab.internet.send("someone@gmail.com", BOB, subject="Exercise 3 from outside, 4 MB", body=_body(4))
    lab.send(ALICE, BOB, subject="Exercise 3 inside, 8 MB", body=_body(8))
    got = _subjects(lab, BOB)[before:]
    return got == ["Exercise 3 from outside, 4 MB", "Exercise 3 inside, 8 MB"]


@exercise("logs.3",
          "The relay connector's session gets SMTPAcceptAnyRecipient, the right Anonymous lacks on Default "
          "Frontend: that is what lets it relay.",
          "The protocol log records only the connectors that log: is the new one of them? Then run the scanner's "
          "session and read the row whose context is 'Set Session Permissions'.")
def _(permissions: str) -> bool:
    return "SMTPAcceptAnyRecipient" in str(permissions).split()


# --- Chapter 10: reading headers -------------------------------------------------------------
@exercise("headers.1",
          "The first Exchange hop after Google's is the server that took the message from the Internet: the Edge. "
          "Its header looks like Transport's; its place in the chain gives it away.",
          "Which server of the organization does a message from the Internet meet first, and which column of "
          "the table tells an Exchange hop from Google's?")
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
    return longest_hop == 3 and names_service(str(queue_owner), TRANSPORT)


# --- Chapter 11: the operator's tools ----------------------------------------------------------
@exercise("operator.1",
          "The message is safe in a suspended queue on a running Transport service: Suspend-Queue holds mail "
          "while every service runs, and Resume-Queue lets it go.",
          "A queue to a mailbox database exists only while it holds mail. How did chapter 4 make mail wait for a "
          "database, and what must run again before you check?")
def _(lab: Lab) -> bool:
    held = lab.queue_messages().where(Subject="Exercise 1")
    suspended = set(lab.queues().where(Status="Suspended")["Identity"])
    in_suspended = any(str(i).rpartition("\\")[0] in suspended for i in held["Identity"])
    return (not _stopped(lab) and "Exercise 1" not in _subjects(lab, CAROL)
            and len(held) > 0 and in_suspended)


@exercise("operator.2",
          lambda lab, found: f"{len(found)} DELIVER event(s): -EventId DELIVER and -MessageSubject 'pressure' "
                             "(part of the subject is enough) find them without reading the whole log.",
          "help(lab.tracking_log) lists its filters, named as Get-MessageTrackingLog's parameters: which two "
          "narrow the log to these deliveries?")
def _(lab: Lab, found: Table[TrackingEvent]) -> bool:
    expected = list(lab.tracking_log(event_id="DELIVER", message_subject="pressure"))
    return bool(expected) and list(found) == expected


@exercise("operator.3",
          "contoso.org is now an accepted relay domain: Default Frontend takes its mail from anyone without relay "
          "rights (no 550 5.7.1), and a send connector for contoso.org carries it to contoso.org's own server, "
          "its smart host (by DNS it would come back here: contoso.org's MX is this organization).",
          "Exchange takes mail only for domains it knows, and mail it does not keep leaves by a send connector. "
          "What must the organization know about contoso.org, and where does contoso.org's MX point once it "
          "knows? Giving anonymous senders relay rights is not the answer.")
def _(lab: Lab) -> bool:
    if lab.org.domain_type("contoso.org") not in ("InternalRelay", "ExternalRelay"):
        return False
    if any(c.anonymous_relay for c in lab.org.receive_connectors):
        return False
    lab.internet.send("buyer@gmail.com", "orders@contoso.org", subject="Exercise 3")
    return "Exercise 3" in [str(m["Subject"]) for m in lab.internet.mailbox("orders@contoso.org").messages]


# --- Chapter 13: Exchange 2016, 2019 and SE ----------------------------------------------------
@exercise("current.1",
          "2525: Front End Transport owns port 25 on every Mailbox server from 2016 on, so the Transport service's "
          "Default connector listens on 2525, as on a 2013 multi-role server.",
          "Two services on one server cannot both listen on port 25. Which of MBX1's transport services gave it "
          "up? The Service and Bindings columns of lab.receive_connectors('MBX1') tell.")
def _(lab: Lab, port: int) -> bool:
    default = next(c for c in lab.org.connectors_of("MBX1") if c.name == "Default MBX1")
    return isinstance(port, int) and port == int(default.port)


@exercise("current.2",
          "With MBX1's Transport stopped, Front End Transport on MBX1 proxied to Transport on MBX2, which holds the "
          "message in a delivery queue until Mailbox Transport Delivery on MBX1 runs again.",
          "The check wants the message waiting in a queue on MBX2, not yet in Carol's mailbox. Which service on "
          "MBX1 would take it before MBX2 gets a chance, and which one must be missing for MBX2 to hold it "
          "instead of handing it on? lab.services_table() lists MBX1's services.")
def _(lab: Lab) -> bool:
    held = lab.queue_messages().where(Subject="Exercise 2")
    return (len(held) > 0 and all(str(i).startswith("MBX2\\") for i in held["Identity"])
            and "Exercise 2" not in _subjects(lab, "carol@exchange2019demo.com"))


@exercise("current.3",
          "Only a sender whose mailbox is on MBX2019 is picked up by the 2019 server's Submission: dave@ is, so "
          "hop 1 says `with mapi id 15.02.1544.025` (2019 CU14).",
          "Hop 1 (`with mapi`) is written by Mailbox Transport Submission on the server that holds the sender's "
          "mailbox. Who lives on DB2019 in this phase?")
def _(mig: Lab) -> bool:
    for address in mig.mailboxes():
        for message in mig.mailbox(address).messages:
            if str(message["Subject"]) == "Exercise 3":
                return "with mapi id 15.02.1544.025" in str(parse_hops(message)[0].raw)
    return False


# --- Chapter 14: hybrid with Exchange Online ------------------------------------------------------
HYBRID_DOMAIN = "exchange2019demo.com"
KATE = "kate@fabrikam.com"


def _newest_to(lab: Lab, address: str, subject: str) -> EmailMessage | None:
    found = [m for m in lab.internet.mailbox(address).messages if str(m["Subject"]) == subject]
    return found[-1] if found else None


def _on_premises_stamped(message: EmailMessage) -> bool:
    """Whether a server of the on-premises organization wrote one of the message's Received headers."""
    return any(_written_by(h, HYBRID_DOMAIN) for h in parse_hops(message))


@exercise("hybrid.1",
          "Alice's and Kate's. Alice lives on premises, so her copy goes there whatever the setting; Kate's goes "
          "there because centralized mail transport routes the cloud's mail for external recipients through the "
          "on-premises organization. Erin's copy never leaves Exchange Online: mail between two cloud mailboxes "
          "is not the on-premises organization's business (Transport options in Exchange hybrid deployments, "
          "https://learn.microsoft.com/exchange/transport-options).",
          "Centralized mail transport changes the route of which mail: all of it, or only some? For each recipient, "
          "ask where the mailbox lives and where Exchange Online would send the copy without the setting.")
def _(lab: Lab, through_on_premises: list[str]) -> bool:
    lab.exchange_online.set_outbound_connector(route_all_via_on_premises=True)
    cloud = lab.exchange_online
    recipients = [f"erin@{HYBRID_DOMAIN}", f"alice@{HYBRID_DOMAIN}", KATE]
    cloud.send(f"frank@{HYBRID_DOMAIN}", recipients, subject="Exercise 1 check")
    boxes = {recipients[0]: cloud.mailbox(recipients[0]), recipients[1]: lab.mailbox(recipients[1]),
             KATE: lab.internet.mailbox(KATE)}
    copies = {who: [m for m in box.messages if str(m["Subject"]) == "Exercise 1 check"][-1]
              for who, box in boxes.items()}
    stamped = {who for who, message in copies.items() if _on_premises_stamped(message)}
    return {str(who).strip().lower() for who in through_on_premises} == stamped


@exercise("hybrid.2",
          "Three Exchange hops, none on premises: EOP's Front End Transport, then Exchange Online's Front End "
          "Transport and Transport. Centralized mail transport routes the cloud's outgoing mail for external "
          "recipients through on premises; mail coming in from the Internet for a cloud mailbox goes from the "
          "MX at EOP straight to Exchange Online.",
          "Which direction does this message travel, and which connector does centralized mail transport "
          "belong to? Then count the doors it passes on its way to Erin's mailbox, as section 4 did for Carol's.")
def _(lab: Lab, exchange_hops: int, on_premises_hops: int) -> bool:
    lab.exchange_online.set_outbound_connector(route_all_via_on_premises=True)
    lab.internet.send("someone@gmail.com", f"erin@{HYBRID_DOMAIN}", subject="Exercise 2 check")
    copy = [m for m in lab.exchange_online.mailbox(f"erin@{HYBRID_DOMAIN}").messages
            if str(m["Subject"]) == "Exercise 2 check"][-1]
    hops = parse_hops(copy)
    newer = [*hops[1:], None]
    exchange = [hop for hop, after in zip(hops, newer, strict=True) if stamped_by(hop, after) != "not Exchange"]
    on_premises = [hop for hop in exchange if _written_by(hop, HYBRID_DOMAIN)]
    return (int(exchange_hops), int(on_premises_hops)) == (len(exchange), len(on_premises))


@exercise("hybrid.3",
          "The inbound connector recognises the on-premises servers again by their certificate, "
          "mail.exchange2019demo.com: EOP attributes their mail to the tenant and relays it to the Internet.",
          "Compare the certificate the on-premises send connector presents (TlsCertificateName) with the inbound "
          "connector's TlsSenderCertificateName: lab.exchange_online.connectors().")
def _(eop_lab: Lab) -> bool:
    return (eop_lab.exchange_online.tenant.inbound.tls_sender_certificate_name.lower() == f"mail.{HYBRID_DOMAIN}"
            and _newest_to(eop_lab, KATE, "Exercise 3") is not None)
