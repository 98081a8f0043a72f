"""SMTP Receive protocol logs: off by default, Verbose per connector, over real sockets."""
from __future__ import annotations

import base64
import smtplib
import socket

import pytest

from mailflowlab import Lab, LabError, scenarios
from mailflowlab.console import smtp_session

from .conftest import ALICE, BOB

FRONTEND = ("CA1", "Default Frontend CA1")
RELAY_TRY = ["EHLO printer01", "MAIL FROM:<scan@exchange2013demo.com>", "RCPT TO:<lee@contoso.com>",
             f"RCPT TO:<{BOB}>", "DATA", "Subject: scan", "", "secret body line", ".", "QUIT"]


def test_protocol_logging_is_off_on_every_default_connector(lab: Lab) -> None:
    assert set(lab.receive_connectors()["ProtocolLoggingLevel"]) == {"None"}
    smtp_session(lab, *FRONTEND, RELAY_TRY)
    lab.send(ALICE, BOB)
    assert lab.protocol_log().empty


def test_a_verbose_connector_logs_each_line_heard_and_said_but_not_the_message(lab: Lab) -> None:
    lab.set_receive_connector(*FRONTEND, protocol_logging="Verbose")
    smtp_session(lab, *FRONTEND, RELAY_TRY, as_ip="10.0.0.50")
    log = lab.protocol_log(*FRONTEND)
    assert list(log["sequence_number"]) == list(range(len(log)))
    assert set(log["session_id"]) == {"08D0F5A2C3B40000"}
    assert set(log["local_endpoint"]) == {"10.0.0.10:25"} and set(log["remote_endpoint"]) == {"10.0.0.50:49152"}
    rows = [(e, d) for e, d in zip(log["event"], log["data"], strict=True)]
    assert rows[:5] == [
        ("+", ""),
        ("*", "SMTPSubmit SMTPAcceptAnySender SMTPAcceptAuthoritativeDomainSender AcceptRoutingHeaders"),
        (">", "220 CA1.exchange2013demo.com Microsoft ESMTP MAIL Service ready at Tue, 4 Mar 2014 09:00:00 +1000"),
        ("<", "EHLO printer01"),
        (">", "250  CA1.exchange2013demo.com Hello [10.0.0.50] SIZE 37748736 PIPELINING ENHANCEDSTATUSCODES "
              "STARTTLS 8BITMIME")]
    assert log["context"][1] == "Set Session Permissions"
    assert ("<", "RCPT TO:<lee@contoso.com>") in rows and (">", "550 5.7.1 Unable to relay") in rows
    assert rows[-3:] == [("<", "QUIT"), (">", "221 2.0.0 Service closing transmission channel"), ("-", "")]
    assert not any("secret body line" in d or "Subject: scan" in d for _, d in rows)
    assert rows.index(("<", "DATA")) + 2 == next(i for i, (_, d) in enumerate(rows) if d.startswith("250 2.6.0"))


def test_logon_answers_are_never_logged_and_tls_keeps_the_session(socket_lab: Lab) -> None:
    lab = socket_lab
    lab.set_receive_connector("CA1", "Client Frontend CA1", protocol_logging="Verbose")
    with smtplib.SMTP(*lab.endpoint("CA1", "Client Frontend CA1"), local_hostname="OL2013", timeout=10) as client:
        client.starttls()
        client.login("alice", "Passw0rd")
        client.sendmail(ALICE, [BOB], b"Subject: logged\r\n\r\nhi\r\n")
    lab.settle()
    log = lab.protocol_log("CA1", "Client Frontend CA1")
    assert len(set(log["session_id"])) == 1
    data = list(log["data"])
    assert "STARTTLS" in data and "220 2.0.0 SMTP server ready" in data and "AUTH LOGIN" in data
    assert "235 2.7.0 Authentication successful" in data
    secrets = {"Passw0rd", base64.b64encode(b"Passw0rd").decode(), base64.b64encode(b"alice").decode()}
    assert not any(s in d for s in secrets for d in data)
    assert "334 UGFzc3dvcmQ6" in data                 # smtplib sends the user name with AUTH LOGIN


def test_the_log_file_text_has_exchanges_header_and_quoted_csv(lab: Lab) -> None:
    lab.set_receive_connector(*FRONTEND, protocol_logging="Verbose")
    smtp_session(lab, *FRONTEND, ["EHLO x", "QUIT"])
    lines = lab.protocol_log_file().splitlines()
    assert lines[:3] == ["#Software: Microsoft Exchange Server", "#Version: 15.0.0.0",
                         "#Log-type: SMTP Receive Protocol Log"]
    assert lines[4] == ("#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,"
                        "remote-endpoint,event,data,context")
    assert lines[7] == ('2014-03-03T23:00:00.000Z,CA1\\Default Frontend CA1,08D0F5A2C3B40000,2,10.0.0.10:25,'
                        '203.0.113.50:49152,>,"220 CA1.exchange2013demo.com Microsoft ESMTP MAIL Service ready at '
                        'Tue, 4 Mar 2014 09:00:00 +1000",')


def _logged_run(transport: str) -> str:
    with Lab(scenarios.exchange2013demo(), transport=transport) as lab:
        lab.set_receive_connector(*FRONTEND, protocol_logging="Verbose")
        lab.set_receive_connector("MB2", "Default MB2", protocol_logging="Verbose")
        smtp_session(lab, *FRONTEND, RELAY_TRY)
        lab.internet.send("someone@gmail.com", BOB, subject="logged")
        return lab.protocol_log_file()


def test_two_labs_write_the_same_log(transport: str) -> None:
    texts = [_logged_run(transport), _logged_run(transport)]
    assert texts[0] == texts[1] and "MB2\\Default MB2" in texts[0]


def test_sockets_and_memory_write_the_same_log() -> None:
    over_sockets = _logged_run("sockets")
    assert "MB2\\Default MB2" in over_sockets
    assert over_sockets == _logged_run("memory")


def test_bad_settings_and_names_get_clear_errors(lab: Lab) -> None:
    with pytest.raises(LabError, match="'Loud' is not a ProtocolLoggingLevel. Use None or Verbose."):
        lab.set_receive_connector(*FRONTEND, protocol_logging="Loud")
    with pytest.raises(LabError, match="couldn't be found"):
        lab.protocol_log("CA1", "Default Frontend")
    with pytest.raises(LabError, match="Name the connector's server too"):
        lab.protocol_log(connector="Default Frontend CA1")


def test_a_pipelined_quit_after_the_final_dot_is_logged_and_the_message_is_not(socket_lab: Lab) -> None:
    """The message, its dot-stuffed lines and its final dot arrive with QUIT in one write: the log
    skips the message's lines and still hears QUIT."""
    lab = socket_lab
    lab.set_receive_connector(*FRONTEND, protocol_logging="Verbose")
    with socket.create_connection(lab.endpoint(*FRONTEND), timeout=10) as client:
        replies = client.makefile("rb")

        def say(line: bytes) -> bytes:
            client.sendall(line)
            while (reply := replies.readline())[3:4] == b"-":
                pass
            return reply
        replies.readline()
        say(b"EHLO printer01\r\n")
        say(f"MAIL FROM:<{ALICE}>\r\n".encode())
        say(f"RCPT TO:<{BOB}>\r\n".encode())
        assert say(b"DATA\r\n").startswith(b"354")
        assert say(b"Subject: piped\r\n\r\nsecret line\r\n..QUIT stuffed\r\n.\r\nQUIT\r\n").startswith(b"250")
        assert replies.readline().startswith(b"221")
    lab.settle()
    rows = list(zip(lab.protocol_log(*FRONTEND)["event"], lab.protocol_log(*FRONTEND)["data"], strict=True))
    assert ("<", "QUIT") in rows and (">", "221 2.0.0 Service closing transmission channel") in rows
    assert not any("secret" in d or "stuffed" in d or "piped" in d for _, d in rows)
