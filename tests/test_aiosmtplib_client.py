"""An asyncio SMTP client (aiosmtplib) from its own event loop, as a learner's script would be."""
from __future__ import annotations

import asyncio
from email.message import EmailMessage

import aiosmtplib
import pytest

from mailflowlab import Lab, parse_hops

from .conftest import BOB


def _message(to: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "script@fabrikam.com"
    msg["To"] = to
    msg["Subject"] = "from aiosmtplib"
    msg["Message-ID"] = "<aio-1@fabrikam.com>"
    msg.set_content("hello")
    return msg


def test_aiosmtplib_delivers_through_the_front_end(socket_lab: Lab) -> None:
    lab = socket_lab
    host, port = lab.endpoint("CA1", "Default Frontend CA1")
    errors, reply = asyncio.run(aiosmtplib.send(_message(BOB), hostname=host, port=port,
                                                local_hostname="app01.fabrikam.com", start_tls=False))
    assert errors == {}
    assert reply.startswith("2.6.0 <aio-1@fabrikam.com> [InternalId=") and reply.endswith("Queued mail for delivery")
    lab.settle()
    hops = parse_hops(lab.mailbox(BOB).messages[-1])
    assert [(h.from_host, h.by_host, h.via) for h in hops] == [
        ("app01.fabrikam.com", "CA1.exchange2013demo.com", "Frontend Transport"),
        ("CA1.exchange2013demo.com", "MB2.exchange2013demo.com", None),
        ("MB2.exchange2013demo.com", "MB2.exchange2013demo.com", "Mailbox Transport")]


def test_aiosmtplib_sees_the_relay_refusal(socket_lab: Lab) -> None:
    lab = socket_lab
    host, port = lab.endpoint("CA1", "Default Frontend CA1")
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
        asyncio.run(aiosmtplib.send(_message("someone@contoso.com"), hostname=host, port=port,
                                    start_tls=False))
    (error,) = refused.value.recipients
    assert (error.code, error.message, error.recipient) == (550, "5.7.1 Unable to relay", "someone@contoso.com")
