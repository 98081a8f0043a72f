"""The telnet-like console: every command and reply, exactly as telnet shows them (§5.1, §5.2)."""
from __future__ import annotations

import re

import pytest

from mailflowlab import Lab, LabError
from mailflowlab.console import smtp_session
from mailflowlab.ui import console_widget

from .conftest import BOB

FRONTEND = ("CA1", "Default Frontend CA1")


def test_a_whole_session_reads_like_telnet(lab: Lab) -> None:
    t = smtp_session(lab, *FRONTEND, ["EHLO fabrikam.com", "MAIL FROM:<kate@fabrikam.com>",
                                      f"RCPT TO:<{BOB}>", "DATA", "Subject: by hand", "", "Hi Bob", ".", "QUIT"])
    lines = str(t).splitlines()
    assert lines[:9] == [
        "$ telnet 10.0.0.10 25",
        "Trying 10.0.0.10...",
        "Connected to CA1.exchange2013demo.com.",
        "Escape character is '^]'.",
        "220 CA1.exchange2013demo.com Microsoft ESMTP MAIL Service ready at Tue, 4 Mar 2014 09:00:00 +1000",
        "EHLO fabrikam.com",
        "250-CA1.exchange2013demo.com Hello [203.0.113.50]",
        "250-SIZE 37748736",
        "250-PIPELINING",
    ]
    data_at = lines.index("DATA")
    assert lines[data_at - 4:data_at] == ["MAIL FROM:<kate@fabrikam.com>", "250 2.1.0 Sender OK",
                                          f"RCPT TO:<{BOB}>", "250 2.1.5 Recipient OK"]
    assert lines[data_at + 1:data_at + 6] == ["354 Start mail input; end with <CRLF>.<CRLF>",
                                              "Subject: by hand", "", "Hi Bob", "."]
    assert lines[data_at + 6].startswith("250 2.6.0 <")
    assert lines[data_at + 6].endswith("[InternalId=5111011082241, Hostname=MB2.exchange2013demo.com] "
                                       "Queued mail for delivery")
    assert lines[-3:] == ["QUIT", "221 2.0.0 Service closing transmission channel",
                          "Connection closed by foreign host."]
    assert [m["Subject"] for m in lab.mailbox(BOB).messages] == ["by hand"]


def test_garbage_and_out_of_order_commands_get_exchange_replies_and_the_session_goes_on(lab: Lab) -> None:
    t = smtp_session(lab, *FRONTEND, ["MAIL FROM:<a@fabrikam.com>", "HELLO there", "EHLO fabrikam.com",
                                      f"RCPT TO:<{BOB}>", "DATA", "MAIL FROM:<a@fabrikam.com>",
                                      "MAIL FROM:<b@fabrikam.com>", "RSET", "NOOP"])
    assert t.replies == [
        "220 CA1.exchange2013demo.com Microsoft ESMTP MAIL Service ready at Tue, 4 Mar 2014 09:00:00 +1000",
        "503 5.5.2 Send hello first", "500 5.3.3 Unrecognized command", "250 8BITMIME",
        "503 5.5.2 Need mail command", "503 5.5.2 Need rcpt command", "250 2.1.0 Sender OK",
        "503 5.5.2 Sender already specified", "250 2.0.0 Resetting", "250 2.0.0 OK"]
    assert not t.closed_by_server
    assert lab.mailbox(BOB).messages == []


def test_a_stopped_service_refuses_the_connection(lab: Lab) -> None:
    lab.stop_service("CA1", "Front End Transport")
    t = smtp_session(lab, *FRONTEND, ["EHLO fabrikam.com"])
    assert str(t).splitlines()[-1] == "telnet: Unable to connect to remote host: Connection refused"
    assert t.replies == []


def test_console_mistakes_are_explained(lab: Lab) -> None:
    with pytest.raises(LabError, match=re.escape(
            "The operation couldn't be performed because object 'CA1\\Default CA1' couldn't be found. "
            "Receive connectors on CA1: Default Frontend CA1, Outbound Proxy Frontend CA1, Client Frontend CA1.")):
        smtp_session(lab, "CA1", "Default CA1", ["EHLO x"])
    with pytest.raises(LabError, match="'10.0.0.999' is not an IP address"):
        smtp_session(lab, *FRONTEND, ["EHLO x"], as_ip="10.0.0.999")


def test_the_widget_runs_a_session(lab: Lab) -> None:
    panel = console_widget(lab)
    panel.target.value = FRONTEND
    panel.text.value = "EHLO fabrikam.com\nQUIT"
    panel.run_button.click()
    assert panel.message.value == ""
    assert panel.transcript.value.splitlines()[-2:] == ["221 2.0.0 Service closing transmission channel",
                                                        "Connection closed by foreign host."]


def test_lines_typed_after_the_server_hangs_up_end_the_transcript_as_telnet_would(lab: Lab) -> None:
    """A refused recipient, then a message typed anyway: every line earns a 500 until Exchange hangs
    up; the transcript ends as telnet's does, the same in memory as over sockets (in memory the
    next write used to raise ConnectionResetError out of the console)."""
    typed = ["EHLO x", "MAIL FROM:<a@b.example>", "RCPT TO:<z@c.example>", "DATA",
             *[f"line {i}" for i in range(30)], ".", "QUIT"]
    t = smtp_session(lab, "CA1", "Default Frontend CA1", typed, as_ip="10.0.9.9")
    assert t.closed_by_server and t.lines[-1] == "Connection closed by foreign host."
    assert t.lines[-3:-1] == ["500 5.3.3 Unrecognized command", "line 5"]
