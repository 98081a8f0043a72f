"""Internal mail in Exchange 2013 and 2010, over real sockets (fact sheet §0.2 A and F)."""
from __future__ import annotations

import re
import smtplib
import socket

import pytest

from mailflowlab import Lab, LabError, parse_hops, scenarios

from .conftest import ALICE, BOB, CAROL


def test_alice_to_bob_has_the_three_hops_of_the_article(lab: Lab) -> None:
    lab.send(ALICE, BOB, subject="Hello")
    delivered = lab.mailbox(BOB).messages[-1]
    received = delivered.get_all("Received", [])
    assert received == [
        "from MB2.exchange2013demo.com (10.0.0.12) by MB2.exchange2013demo.com (10.0.0.12) with "
        "Microsoft SMTP Server (TLS) id 15.0.847.32 via Mailbox Transport; Tue, 4 Mar 2014 09:00:02 +1000",
        "from MB2.exchange2013demo.com (10.0.0.12) by MB2.exchange2013demo.com (10.0.0.12) with "
        "Microsoft SMTP Server (TLS) id 15.0.847.32; Tue, 4 Mar 2014 09:00:01 +1000",
        "from MB2.exchange2013demo.com ([10.0.0.12]) by MB2.exchange2013demo.com ([10.0.0.12]) with "
        "mapi id 15.00.0847.000; Tue, 4 Mar 2014 09:00:01 +1000",
    ]
    hops = parse_hops(delivered)
    assert [(h.protocol, h.via) for h in hops] == [
        ("mapi", None), ("Microsoft SMTP Server (TLS)", None),
        ("Microsoft SMTP Server (TLS)", "Mailbox Transport")]
    assert {h.by_host for h in hops} == {"MB2.exchange2013demo.com"}


def test_front_end_transport_is_not_involved_in_internal_mail(lab: Lab) -> None:
    lab.stop_service("CA1", "Front End Transport")
    msg = lab.send(ALICE, BOB, subject="no CAS")
    assert len(lab.mailbox(BOB).messages[-1].get_all("Received", [])) == 3
    assert ("CA1", "Front End Transport") not in lab.path(msg)
    assert lab.path(msg) == [("MB2", "Mailbox Transport Submission"), ("MB2", "Transport"),
                             ("MB2", "Mailbox Transport Delivery")]


def test_mail_to_another_mailbox_server_is_delivered_by_that_servers_delivery_service(lab: Lab) -> None:
    msg = lab.send(ALICE, CAROL, subject="to MB1")
    hops = parse_hops(lab.mailbox(CAROL).messages[-1])
    assert [(h.from_host, h.by_host, h.via) for h in hops] == [
        ("MB2.exchange2013demo.com", "MB2.exchange2013demo.com", None),
        ("MB2.exchange2013demo.com", "MB2.exchange2013demo.com", None),
        ("MB2.exchange2013demo.com", "MB1.exchange2013demo.com", "Mailbox Transport")]
    assert lab.path(msg)[-1] == ("MB1", "Mailbox Transport Delivery")


def test_exchange_2010_internal_mail_leaves_one_mapi_header(transport: str) -> None:
    with Lab(scenarios.exchange2010demo(), transport=transport) as lab:
        msg = lab.send("alice@exchange2010demo.com", "bob@exchange2010demo.com", subject="2010")
        received = lab.mailbox("bob@exchange2010demo.com").messages[-1].get_all("Received", [])
        assert received == ["from EX2010.exchange2010demo.com ([10.0.1.10]) by EX2010.exchange2010demo.com "
                            "([10.0.1.10]) with mapi id 14.03.0123.004; Tue, 4 Mar 2014 09:00:01 +1000"]
        assert lab.path(msg) == [("EX2010", "Hub Transport"), ("EX2010", "store driver")]


def test_with_transport_stopped_everywhere_the_message_waits_in_the_outbox(lab: Lab) -> None:
    lab.stop_service("MB1", "Transport")
    lab.stop_service("MB2", "Transport")
    lab.send(ALICE, BOB, subject="waits")
    assert len(lab.mailbox(ALICE).outbox) == 1
    assert lab.mailbox(BOB).messages == []
    lab.advance(minutes=5)
    assert len(lab.mailbox(ALICE).outbox) == 1
    lab.start_service("MB1", "MSExchangeTransport")
    lab.advance(minutes=1)
    assert lab.mailbox(ALICE).outbox == []
    assert [m["Subject"] for m in lab.mailbox(BOB).messages] == ["waits"]
    lab.advance(hours=1)
    assert len(lab.mailbox(BOB).messages) == 1, "delivered exactly once"
    events = list(lab.tracking_log()["EventId"])
    assert events.count("SUBMITDEFER") == 6 and events.count("DELIVER") == 1


def test_submission_falls_back_to_transport_on_another_mailbox_server(lab: Lab) -> None:
    lab.stop_service("MB2", "Transport")
    msg = lab.send(ALICE, BOB, subject="fallback")
    assert [h.by_host for h in parse_hops(lab.mailbox(BOB).messages[-1])] == [
        "MB2.exchange2013demo.com", "MB1.exchange2013demo.com", "MB2.exchange2013demo.com"]
    assert lab.path(msg)[1] == ("MB1", "Transport")


def test_unknown_recipient_gets_an_ndr_with_exchanges_words(lab: Lab) -> None:
    lab.send(ALICE, ["zed@exchange2013demo.com", BOB], subject="two")
    assert len(lab.mailbox(BOB).messages) == 1
    ndr = lab.mailbox(ALICE).messages[-1]
    assert ndr["Subject"] == "Undeliverable: two"
    body = ndr.get_content()
    assert "#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##" in body
    assert "Generating server: MB2.exchange2013demo.com" in body
    fails = lab.tracking_log().where(EventId="FAIL")
    assert fails["Recipients"] == [("zed@exchange2013demo.com",)]


@pytest.mark.parametrize("call, words", [
    (lambda lab: lab.stop_service("MB9", "Transport"), "There is no server named 'MB9'"),
    (lambda lab: lab.stop_service("CA1", "Transport"), "CA1 does not run a service named 'Transport'"),
    (lambda lab: lab.send("nobody@exchange2013demo.com", BOB), "There is no mailbox 'nobody@exchange2013demo.com'"),
    (lambda lab: lab.send(ALICE, "not an address"), "'not an address' is not an e-mail address"),
    (lambda lab: lab.endpoint("CA1", "Default CA1"), "The operation couldn't be performed because object 'CA1\\Default CA1' couldn't be found. "
     "Receive connectors on CA1: Default Frontend CA1, Outbound Proxy Frontend CA1, Client Frontend CA1."),
    (lambda lab: lab.advance(minutes=-1), "Virtual time only moves forward"),
])
def test_learner_mistakes_get_a_clear_message(lab: Lab, call, words: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LabError, match=re.escape(words)):
        call(lab)


def test_a_real_client_gets_exchanges_banner_and_replies(socket_lab: Lab) -> None:
    lab = socket_lab
    host, port = lab.endpoint("MB2", "Default MB2")
    with smtplib.SMTP(host, port) as client:
        code, banner = client.ehlo("printer.exchange2013demo.com")
        assert code == 250
        assert banner.decode().splitlines()[0] == "MB2.exchange2013demo.com Hello [203.0.113.50]"
        assert client.noop() == (250, b"2.0.0 OK")
        # Default MB2 grants no AnonymousUsers (fact sheet §2.1): only Exchange servers and users.
        assert client.docmd("MAIL FROM:<scanner@exchange2013demo.com>") == (
            530, b"5.7.1 Client was not authenticated")
        assert client.docmd("QUIT")[0] == 221


def test_banner_is_the_exchange_greeting(socket_lab: Lab) -> None:
    lab = socket_lab
    host, port = lab.endpoint("CA1", "Default Frontend CA1")
    with socket.create_connection((host, port), timeout=5) as sock:
        line = sock.makefile("rb").readline().decode()
    assert line == "220 CA1.exchange2013demo.com Microsoft ESMTP MAIL Service ready at Tue, 4 Mar 2014 09:00:00 +1000\r\n"


def test_a_stopped_service_refuses_connections_for_real(socket_lab: Lab) -> None:
    lab = socket_lab
    host, port = lab.endpoint("MB2", "Default Mailbox Delivery MB2")
    lab.stop_service("MB2", "Mailbox Transport Delivery")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((host, port), timeout=5).close()
    lab.start_service("MB2", "Mailbox Transport Delivery")
    assert lab.endpoint("MB2", "Default Mailbox Delivery MB2") == (host, port), "same port after restart"
    socket.create_connection((host, port), timeout=5).close()


def test_mail_from_a_real_client_is_delivered_after_settle(socket_lab: Lab) -> None:
    lab = socket_lab
    host, port = lab.endpoint("CA1", "Default Frontend CA1")
    with smtplib.SMTP(host, port, local_hostname="laptop.fabrikam.com") as client:
        client.sendmail("someone@fabrikam.com", [BOB],
                        b"From: someone@fabrikam.com\r\nTo: bob@exchange2013demo.com\r\n"
                        b"Subject: from outside\r\nMessage-ID: <1@fabrikam.com>\r\n\r\nhello\r\n")
    lab.settle()
    hops = parse_hops(lab.mailbox(BOB).messages[-1])
    assert [(h.from_host, h.by_host, h.via) for h in hops] == [
        ("laptop.fabrikam.com", "CA1.exchange2013demo.com", "Frontend Transport"),
        ("CA1.exchange2013demo.com", "MB2.exchange2013demo.com", None),
        ("MB2.exchange2013demo.com", "MB2.exchange2013demo.com", "Mailbox Transport")]
    assert hops[0].protocol == "Microsoft SMTP Server", "no (TLS): the client did not use STARTTLS"


def test_a_kept_session_to_a_restarted_service_is_replaced_and_nothing_doubles(lab: Lab) -> None:
    lab.send(ALICE, BOB, subject="first")                       # leaves sessions open
    lab.stop_service("MB2", "Mailbox Transport Delivery")       # the far side drops them
    lab.start_service("MB2", "Mailbox Transport Delivery")
    lab.send(ALICE, BOB, subject="second")
    assert [m["Subject"] for m in lab.mailbox(BOB).messages] == ["first", "second"]
    assert list(lab.tracking_log()["EventId"]).count("DELIVER") == 2


def test_lines_that_start_with_a_dot_arrive_as_written(lab: Lab) -> None:
    """Every hop dot-stuffs (RFC 5321 4.5.2) and the next one unstuffs: a body line of one dot
    or starting with dots is not taken for the end of the message, and no dot is lost."""
    body = ".first\n.\n..two dots\nmiddle .dot\n."
    lab.send(ALICE, BOB, subject="dots", body=body)
    assert lab.mailbox(BOB).messages[-1].get_content() == body + "\n"
