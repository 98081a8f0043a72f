"""Size limits in the order Exchange applies them (fact sheet §5.3), over real sockets: the
receive connector's MaxMessageSize refuses at SMTP time (552 5.3.4); the organization's
MaxSendSize/MaxReceiveSize (Set-TransportConfig, 10 MB) is the categorizer's NDR (5.2.3)."""
from __future__ import annotations

import smtplib

import pytest

from mailflowlab import Lab, LabError
from mailflowlab.replies import ORG_SIZE_LIMIT
from mailflowlab.topology import MB

from .conftest import ALICE, BOB

OUTSIDE = "someone@gmail.com"


def _smtp_send(lab: Lab, size: int, subject: str) -> None:
    """An outside client hands a message of about `size` bytes to Default Frontend CA1."""
    body = ("x" * 998 + "\r\n") * (size // 1000)
    data = f"From: {OUTSIDE}\r\nTo: {BOB}\r\nSubject: {subject}\r\n\r\n{body}".encode()
    host, port = lab.endpoint("CA1", "Default Frontend CA1")
    with smtplib.SMTP(host, port, timeout=30) as client:
        client.sendmail(OUTSIDE, [BOB], data)
    lab.settle()


def _subjects(lab: Lab, address: str) -> list[str]:
    return [m["Subject"] for m in lab.mailbox(address).messages]


def _fail_status(lab: Lab) -> list[str]:
    return lab.tracking_log().where(EventId="FAIL")["RecipientStatus"]


def test_the_organization_limit_wins_over_a_larger_connector_limit(socket_lab: Lab) -> None:
    lab = socket_lab
    lab.set_receive_connector("CA1", "Default Frontend CA1", max_message_size=200 * MB)
    _smtp_send(lab, 11 * MB, "Eleven")                 # the connector takes it: 250 at the dot
    assert _subjects(lab, BOB) == []
    assert _fail_status(lab) == [ORG_SIZE_LIMIT]
    lab.set_transport_config(max_receive_size=20 * MB)
    _smtp_send(lab, 11 * MB, "Eleven again")
    assert _subjects(lab, BOB) == ["Eleven again"]


def test_the_connector_limit_refuses_at_smtp_time(socket_lab: Lab) -> None:
    lab = socket_lab
    """smtplib declares SIZE= on MAIL FROM (the EHLO offered SIZE), so the refusal comes there."""
    lab.set_receive_connector("CA1", "Default Frontend CA1", max_message_size=1 * MB)
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        _smtp_send(lab, 2 * MB, "Two")
    assert (refused.value.smtp_code, refused.value.smtp_error) == (
        552, b"5.3.4 Message size exceeds fixed maximum message size")
    assert _subjects(lab, BOB) == [] and _fail_status(lab) == []


def test_max_send_size_limits_internal_senders_and_the_ndr_reaches_them(lab: Lab) -> None:
    lab.set_transport_config(max_receive_size=50 * MB, max_send_size=2 * MB)
    lab.send(ALICE, BOB, subject="Three", body="y" * (3 * MB))
    lab.send(ALICE, BOB, subject="One", body="y" * (1 * MB))
    assert _subjects(lab, BOB) == ["One"]
    assert _fail_status(lab) == [ORG_SIZE_LIMIT]
    ndr = lab.mailbox(ALICE).messages[-1]
    assert ndr["Subject"] == "Undeliverable: Three"
    assert f"#{ORG_SIZE_LIMIT} ##" in ndr.get_content()


@pytest.mark.parametrize("value", [0, -1, "10MB", True])
def test_set_transport_config_refuses_a_bad_size(lab: Lab, value: object) -> None:
    with pytest.raises(LabError, match="must be a positive number of bytes"):
        lab.set_transport_config(max_send_size=value)  # type: ignore[arg-type]


def test_the_connector_limit_applies_to_a_session_opened_before_it_was_lowered(socket_lab: Lab) -> None:
    lab = socket_lab
    """An outside server keeps its session open between messages; the limit in force decides."""
    host, port = lab.endpoint("CA1", "Default Frontend CA1")
    data = f"Subject: Late\r\n\r\n{('z' * 998 + chr(13) + chr(10)) * 2048}".encode()
    with smtplib.SMTP(host, port, timeout=30) as client:
        client.ehlo("mail.gmail.com")
        lab.set_receive_connector("CA1", "Default Frontend CA1", max_message_size=1 * MB)
        with pytest.raises(smtplib.SMTPDataError) as refused:
            client.sendmail(OUTSIDE, [BOB], data)
    assert (refused.value.smtp_code, refused.value.smtp_error) == (
        552, b"5.3.4 Message size exceeds fixed maximum message size")
    lab.settle()
    assert _subjects(lab, BOB) == []


def test_a_connector_limit_raised_during_a_session_lets_the_next_message_through(lab: Lab) -> None:
    """An outside sender keeps its session open after a 552; once the administrator raises
    MaxMessageSize, its next try on that same session is taken (the limit is the connector's as
    it is now, at each MAIL FROM, not as it was when the session opened)."""
    lab.set_receive_connector("CA1", "Default Frontend CA1", max_message_size=1 * MB)
    lab.internet.send(OUTSIDE, BOB, "Drawings", "y" * (2 * MB))
    assert "552 5.3.4" in lab.internet.mailbox(OUTSIDE).messages[-1].get_content()
    lab.set_receive_connector("CA1", "Default Frontend CA1", max_message_size=36 * MB)
    lab.internet.send(OUTSIDE, BOB, "Drawings again", "y" * (2 * MB))
    assert _subjects(lab, BOB) == ["Drawings again"]
