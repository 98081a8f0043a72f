"""The teacher's side of `mailflowlab serve` in-process: fixed ports, the feed (deliveries and
refusals, none skipped), and the prompt fed lines (issue 13)."""
from __future__ import annotations

import io
import smtplib
import socket
import ssl
from types import SimpleNamespace

import pytest

from mailflowlab import Lab, scenarios
from mailflowlab.classroom import Feed, Prompt, Screen, watch_connectors
from mailflowlab.port_plan import fixed_ports, front_door, learner_listeners, listeners
from mailflowlab.tracking import TrackingEvent

from .conftest import ALICE, BOB

DEMO_ORDER = [("CA1", 25), ("CA1", 587), ("CA1", 717), ("MB1", 25), ("MB1", 465), ("MB1", 475),
              ("MB2", 25), ("MB2", 465), ("MB2", 475)]


def test_fixed_ports_follow_the_documented_order() -> None:
    assert listeners(scenarios.exchange2013demo()) == DEMO_ORDER
    ports = fixed_ports(scenarios.exchange2013demo(edge="2013"), 2500)
    assert list(ports) == [*DEMO_ORDER, ("EDGE2013", 25)]          # an added server comes last
    assert list(ports.values()) == list(range(2500, 2510))
    assert fixed_ports(scenarios.exchange2010demo(), 3000) == {("EX2010", 25): 3000, ("EX2010", 587): 3001}


def test_a_base_port_without_room_is_one_sentence() -> None:
    from mailflowlab.errors import LabError
    with pytest.raises(LabError, match=r"^--base-port 65530 leaves no room for 9 listeners: choose a port from 1 to 65527\.$"):
        fixed_ports(scenarios.exchange2013demo(), 65530)


def test_only_the_front_end_and_the_mx_face_learners() -> None:
    assert learner_listeners(scenarios.exchange2013demo()) == [("CA1", 25), ("CA1", 587)]
    assert learner_listeners(scenarios.exchange2013demo(edge="2013")) == [("CA1", 25), ("CA1", 587), ("EDGE2013", 25)]
    assert learner_listeners(scenarios.exchange2010demo()) == [("EX2010", 25), ("EX2010", 587)]
    assert front_door(scenarios.exchange2013demo()) == ("CA1", 25)
    assert front_door(scenarios.exchange2010demo()) == ("EX2010", 25)


# --- the feed ---------------------------------------------------------------------------------------

def _event(n: int) -> TrackingEvent:
    when = scenarios.exchange2013demo().tz
    from datetime import datetime
    return TrackingEvent(datetime(2014, 3, 4, 9, 0, n, tzinfo=when), "MB2.exchange2013demo.com", "",
                         "STOREDRIVER", "DELIVER", "", ALICE, (BOB,), "250 2.1.5 Recipient OK", f"m{n}", f"<{n}@x>")


class ArrivingWhileRead(list):  # type: ignore[type-arg]
    """The tracking log while the lab's thread appends: an event lands just after a read."""

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        taken = super().__getitem__(index)
        if len(self) < 6:
            self.append(_event(len(self)))
        return taken


def test_the_feed_prints_events_that_arrive_while_it_prints() -> None:
    """D4: the old loop set `seen = len(events)` after printing a slice, skipping what arrived."""
    events = ArrivingWhileRead([_event(0)])
    lab = SimpleNamespace(tracking_events=lambda start: events[start:], protocol_log_rows=lambda start: [],
                          network=SimpleNamespace(outside_client=SimpleNamespace(ip="203.0.113.50")))
    feed = Feed(lab)  # type: ignore[arg-type]
    shown = [line for _ in range(8) for line in feed.lines()]
    assert [line.split("'")[1] for line in shown] == [f"m{n}" for n in range(6)]


def _relay_attempt(lab: Lab) -> None:
    with smtplib.SMTP(*lab.endpoint("CA1", "Default Frontend CA1"), timeout=10) as s:
        s.ehlo("learner07")
        s.mail("a@fabrikam.com")
        assert s.rcpt("lee@contoso.com")[0] == 550


def test_the_feed_shows_refusals_as_well_as_deliveries(socket_lab: Lab) -> None:
    lab = socket_lab
    watch_connectors(lab)
    feed = Feed(lab)
    _relay_attempt(lab)
    host, port = lab.endpoint("CA1", "Client Frontend CA1")
    with smtplib.SMTP(host, port, timeout=10) as s:
        s.ehlo("learner08")
        assert s.mail(ALICE)[0] == 530                        # not logged on
        s.starttls(context=ssl._create_unverified_context())
        s.ehlo("learner08")
        with pytest.raises(smtplib.SMTPAuthenticationError):
            s.login("alice", "wrong")
    with smtplib.SMTP(*lab.endpoint("CA1", "Default Frontend CA1"), timeout=10) as s:
        s.sendmail("kate@fabrikam.com", [BOB], b"Subject: from the class\r\n\r\nhello\r\n")
    lab.settle()
    shown = feed.lines()
    refused = [line.split(" ", 1)[1] for line in shown if " REFUSED " in line]
    assert refused == [
        "REFUSED CA1\\Default Frontend CA1 203.0.113.50: rcpt TO:<lee@contoso.com> -> 550 5.7.1 Unable to relay",
        "REFUSED CA1\\Client Frontend CA1 203.0.113.50: mail FROM:<alice@exchange2013demo.com> -> "
        "530 5.7.1 Client was not authenticated",
        "REFUSED CA1\\Client Frontend CA1 203.0.113.50: AUTH LOGIN -> 535 5.7.3 Authentication unsuccessful",
    ]
    assert any(" DELIVER bob@exchange2013demo.com <- kate@fabrikam.com 'from the class'" in line for line in shown)
    assert feed.lines() == []


# --- the prompt ---------------------------------------------------------------------------------------

def _run(lab: Lab, *lines: str) -> str:
    out = io.StringIO()
    Prompt(lab, Screen(out), io.StringIO("\n".join(lines) + "\n"), interactive=False).cmdloop()
    return out.getvalue()


BAD_LINES = [
    ("frobnicate", "500 5.3.3 Unrecognized command 'frobnicate'. Type help for the commands."),
    ("stop", "Usage: stop SERVER SERVICE, e.g. stop MB1 Transport"),
    ("stop MB9 Transport", "There is no server named 'MB9'"),
    ("stop MB1 Frobnicator", "MB1 does not run a service named 'Frobnicator'."),
    ("start 'MB1 Transport", "Usage: start SERVER SERVICE"),
    ("advance", "Usage: advance N"),
    ("advance nan", "minutes= must be a finite number, not nan."),
    ("advance inf hours", "hours= must be a finite number, not inf."),
    ("advance -5", "Virtual time only moves forward"),
    ("advance five", "advance takes a number, like advance 10 minutes, not 'five'."),
    ("advance 5 fortnights", "'fortnights' is not a unit."),
    ("advance 1e300 days", "further than virtual time can go"),
    ("send alice", "Usage: send FROM TO [SUBJECT]"),
    ("send nobody bob", "There is no mailbox 'nobody@exchange2013demo.com'"),
    ("send alice bob>@x.com", "5.1.3 Invalid recipient address"),
    ("last", "Usage: last MAILBOX"),
    ("last nobody", "There is no mailbox 'nobody@exchange2013demo.com'"),
    ("tracking lots", "Usage: tracking [N], where N is a number of events, not 'lots'."),
    ("experiment now", "Usage: experiment, or experiment end."),
    ("drain", "Usage: drain SERVER, e.g. drain MB1"),
    ("drain EDGE9", "There is no server named 'EDGE9'"),
    ("redirect MB1", "Usage: redirect SERVER TARGET, e.g. redirect MB1 MB2"),
    ("redirect MB1 CA1", "-Target must be another Exchange 2013 Mailbox server"),
    ("resume", "Usage: resume SERVER, e.g. resume MB1"),
]


@pytest.mark.parametrize("line,sentence", BAD_LINES, ids=[line for line, _ in BAD_LINES])
def test_bad_input_at_the_prompt_is_one_sentence(lab: Lab, line: str, sentence: str) -> None:
    said = _run(lab, line, "quit")
    assert sentence in said and "Traceback" not in said
    assert said.count("\n") == 1 and said.endswith("\n")


def test_the_prompt_moves_mail_and_reads_it_back(lab: Lab) -> None:
    said = _run(lab, "send alice bob,carol Hello class", "last bob", "advance 2 hours", "tracking 2", "queues",
                "mailboxes", "services", "endpoints", "help", "quit")
    assert "Sent <" in said and "to bob@exchange2013demo.com, carol@exchange2013demo.com." in said
    # The hop table is a views.Table: its columns (With, Via) are two spaces apart.
    assert "Subject: Hello class" in said and "Microsoft SMTP Server (TLS)  Mailbox Transport" in said
    # Both deliveries are at 09:00:02 (Submission and Transport at 09:00:01, one hop to each
    # Mailbox Transport Delivery), so two hours later is 11:00:02.
    assert "The clock is now Tue 04 Mar 2014 11:00:02 +1000." in said
    assert "bob@exchange2013demo.com  1 message(s)" in said and "MB1\\Submission" in said
    assert "Default Frontend CA1" in said and "experiment" in said
    assert "Traceback" not in said and "The prompt is closed" not in said     # quit ended it, not EOF


def test_the_prompt_puts_a_server_in_maintenance_mode_and_back(lab: Lab) -> None:
    """drain / redirect / resume: Bob's mail held on MB2 moves to MB1, and MB2 takes mail again."""
    lab.stop_service("MB1", "Mailbox Transport Delivery")
    lab.send("bob@exchange2013demo.com", "carol@exchange2013demo.com", subject="Held")
    said = _run(lab, "drain MB2", "redirect MB2 MB1", "resume MB2", "quit")
    assert "HubTransport on MB2 is Draining" in said
    assert "1 message(s) moved from MB2's delivery queues to MB1." in said
    assert "HubTransport on MB2 is Active." in said
    assert lab.queues().where(lambda q: q.MessageCount > 0 and q.DeliveryType != "ShadowRedundancy")[
        "Identity"][0].startswith("MB1\\")


def test_end_of_input_closes_the_prompt_but_not_the_lab(lab: Lab) -> None:
    quits: list[bool] = []
    out = io.StringIO()
    Prompt(lab, Screen(out), io.StringIO(""), interactive=False, on_quit=lambda: quits.append(True)).cmdloop()
    assert out.getvalue() == "The prompt is closed (end of input); the lab keeps serving until Ctrl-C.\n"
    assert quits == []


def test_the_article_s_experiment_for_a_whole_class(socket_lab: Lab) -> None:
    lab = socket_lab
    """Stop Transport; a learner telnets to the Front End and reads the 451 after the final '.'."""
    said = _run(lab, "experiment")
    host, port = lab.endpoint("CA1", "Default Frontend CA1")
    assert f"Learners: telnet {host} {port}, then type" in said
    assert lab.services_table().where(Service="Transport")["Status"] == ["Stopped", "Stopped"]
    with socket.create_connection((host, port), timeout=10) as telnet:
        stream = telnet.makefile("rb")
        assert stream.readline().startswith(b"220 CA1.exchange2013demo.com")
        telnet.sendall(b"EHLO learner\r\n")
        while not stream.readline().startswith(b"250 "):
            pass
        replies = []
        for line in (b"MAIL FROM:<you@fabrikam.com>", b"RCPT TO:<alice@exchange2013demo.com>", b"DATA"):
            telnet.sendall(line + b"\r\n")
            replies.append(stream.readline().decode().strip())
        telnet.sendall(b"Subject: test\r\n\r\nhello\r\n.\r\n")
        replies.append(stream.readline().decode().strip())
    assert replies == ["250 2.1.0 Sender OK", "250 2.1.5 Recipient OK",
                       "354 Start mail input; end with <CRLF>.<CRLF>",
                       "451 4.7.0 Temporary server error. Please try again later. PRX5"]
    assert "451 4.7.0 Temporary server error. Please try again later. PRX5" in said
    assert "Transport runs again on MB1, MB2" in _run(lab, "experiment end")
    assert lab.services_table().where(Service="Transport")["Status"] == ["Running", "Running"]


def test_the_prompt_runs_an_incident_for_the_class() -> None:
    """incident, hint, verify and reveal at the teacher's prompt; the class's fix makes verify pass."""
    from mailflowlab import incidents
    with incidents.start("queue-suspended", seed=1, transport="memory") as ticket:
        def run(*lines: str) -> str:
            out = io.StringIO()
            Prompt(ticket.lab, Screen(out), io.StringIO("\n".join(lines) + "\n"), interactive=False,
                   incident=ticket).cmdloop()
            return out.getvalue()
        shown = run("incident", "hint", "verify")
        assert f"Ticket queue-suspended (seed 1): {ticket.report}" in shown
        assert ticket.hints[0] in shown and "NOT YET: " in shown
        ticket.lab.resume_queue(ticket.facts["queue"])              # what the class did
        shown = run("verify", "reveal")
        assert "PASSED: Mail flows again" in shown and f"Resume-Queue {ticket.facts['queue']}" in shown


def test_incident_commands_without_an_incident_are_one_sentence(lab: Lab) -> None:
    assert _run(lab, "verify").splitlines()[0] == ("No incident is running: start it with mailflowlab serve "
                                                   "--incident ID [--seed N].")
