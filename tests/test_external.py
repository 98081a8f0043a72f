"""Mail from and to the Internet without an Edge, over real sockets (fact sheet §0.2 B, C)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from mailflowlab import Lab, LabError, parse_hops, scenarios

from .conftest import ALICE, BOB, CAROL

GMAIL = "someone@gmail.com"
FABRIKAM = "kate@fabrikam.com"


def _hops(message) -> list[tuple[str | None, str | None, str | None]]:  # type: ignore[no-untyped-def]
    return [(h.from_host, h.by_host, h.via) for h in parse_hops(message)]


def test_gmail_to_carol_goes_google_then_ca1_front_end_then_mb1(lab: Lab) -> None:
    sent = lab.internet.send(GMAIL, CAROL, subject="From Gmail")
    delivered = lab.mailbox(CAROL).messages[-1]
    assert delivered["Message-ID"] == sent.message_id
    received = delivered.get_all("Received", [])
    assert received[:3] == [
        "from MB1.exchange2013demo.com (10.0.0.11) by MB1.exchange2013demo.com (10.0.0.11) with Microsoft "
        "SMTP Server (TLS) id 15.0.847.32 via Mailbox Transport; Tue, 4 Mar 2014 09:00:02 +1000",
        "from CA1.exchange2013demo.com (10.0.0.10) by MB1.exchange2013demo.com (10.0.0.11) with Microsoft "
        "SMTP Server (TLS) id 15.0.847.32; Tue, 4 Mar 2014 09:00:01 +1000",
        "from mail-pa0-f43.google.com (209.85.220.43) by CA1.exchange2013demo.com (10.0.0.10) with Microsoft "
        "SMTP Server id 15.0.847.32 via Frontend Transport; Tue, 4 Mar 2014 09:00:01 +1000",
    ]
    google = received[3:]
    assert len(google) == 3
    assert google[0].startswith("by mail-pa0-f43.google.com with SMTP id ")
    assert google[0].endswith(f" for <{CAROL}>; Mon, 3 Mar 2014 15:00:00 -0800 (PST)")
    assert google[2] == "by 10.70.55.100 with HTTP; Mon, 3 Mar 2014 15:00:00 -0800 (PST)"
    assert [h[1:] for h in _hops(delivered)][-3:] == [
        ("CA1.exchange2013demo.com", "Frontend Transport"),
        ("MB1.exchange2013demo.com", None),
        ("MB1.exchange2013demo.com", "Mailbox Transport")]
    assert lab.path(sent) == [("CA1", "Front End Transport"), ("MB1", "Transport"),
                              ("MB1", "Mailbox Transport Delivery")]


def test_anonymous_sender_cannot_smuggle_organization_headers(lab: Lab) -> None:
    lab.internet.send(GMAIL, BOB, subject="sneaky")
    delivered = lab.mailbox(BOB).messages[-1]
    assert delivered["X-MS-Exchange-Organization-AuthAs"] is None
    assert delivered["X-MS-Exchange-Organization-Network-Message-Id"] is not None


def test_outbound_without_a_send_connector_waits_in_unreachable(lab: Lab) -> None:
    lab.send(ALICE, FABRIKAM, subject="out")
    q = lab.queues()
    row = q.where(Identity="MB2\\Unreachable")[0]
    assert (row.MessageCount, row.LastError) == (
        1, "A matching connector cannot be found to route the external recipient")
    assert lab.internet.mailbox(FABRIKAM).messages == []


def test_a_new_send_connector_resubmits_unreachable_and_mail_leaves_from_transport(lab: Lab) -> None:
    sent = lab.send(ALICE, FABRIKAM, subject="out")
    lab.new_send_connector("To Internet", address_spaces=["*"])
    assert "MB2\\Unreachable" not in set(lab.queues()["Identity"])
    arrived = lab.internet.mailbox(FABRIKAM).messages
    assert [m["Message-ID"] for m in arrived] == [sent.message_id]
    top = arrived[0].get_all("Received", [])[0]
    assert top.startswith("from MB2.exchange2013demo.com (MB2.exchange2013demo.com [10.0.0.12]) by "
                          "mx.internet.example with ESMTP id ")
    assert ("CA1", "Front End Transport") not in lab.path(sent)
    sends = lab.tracking_log(sent)
    assert sends.where(EventId="SEND")["ConnectorId"] == ["To Internet"]     # a send connector's own name
    # Routed twice (parked, then resubmitted), but the categorizer's agents report it once.
    assert sends.where(EventId="AGENTINFO")["ServerHostname"] == ["MB2.exchange2013demo.com"]


def test_proxy_through_client_access_server_leaves_through_ca1_port_717_without_a_header(lab: Lab) -> None:
    lab.new_send_connector("To Internet", address_spaces=["*"], frontend_proxy=True)
    sent = lab.send(ALICE, FABRIKAM, subject="proxied")
    arrived = lab.internet.mailbox(FABRIKAM).messages[-1]
    received = arrived.get_all("Received", [])
    assert received[0].startswith("from CA1.exchange2013demo.com (CA1.exchange2013demo.com [10.0.0.10]) by "
                                  "mx.internet.example ")
    assert received[1].startswith("from MB2.exchange2013demo.com (10.0.0.12) by MB2.exchange2013demo.com")
    assert not any("via Frontend Transport" in r for r in received)
    assert lab.path(sent)[-1] == ("CA1", "Front End Transport")


def test_outside_sender_keeps_and_retries_a_message_refused_with_4xx(lab: Lab) -> None:
    lab.stop_service("MB1", "Transport")
    lab.stop_service("MB2", "Transport")
    lab.internet.send(GMAIL, BOB, subject="retry me")
    q = lab.internet.queue()
    assert q["Attempts"] == [1]
    assert q["LastError"] == ["451 4.7.0 Temporary server error. Please try again later. PRX5"]
    # The first attempt runs one hop after the send (09:00:01); the retry is 30 minutes later.
    assert q["NextAttempt"] == [datetime(2014, 3, 4, 9, 30, 1, tzinfo=timezone(timedelta(hours=10)))]
    assert lab.mailbox(BOB).messages == []
    lab.start_service("MB2", "Transport")
    lab.start_service("MB1", "Transport")
    lab.advance(minutes=29)
    assert lab.mailbox(BOB).messages == []
    lab.advance(minutes=1)
    assert [m["Subject"] for m in lab.mailbox(BOB).messages] == ["retry me"]
    assert lab.internet.queue().empty


def test_outside_sender_gets_a_bounce_for_a_5xx(lab: Lab) -> None:
    lab.set_receive_connector("CA1", "Default Frontend CA1", permission_groups=["ExchangeServers"])
    lab.internet.send(GMAIL, BOB, subject="refused")
    bounce = lab.internet.mailbox(GMAIL).messages[-1]
    assert bounce["Subject"] == "Delivery Status Notification (Failure)"
    assert "530 5.7.1 Client was not authenticated" in bounce.get_content()
    assert lab.internet.queue().empty
    assert lab.mailbox(BOB).messages == []


def test_bad_addresses_are_refused_in_words(lab: Lab) -> None:
    with pytest.raises(LabError, match="'nobody' is not an e-mail address"):
        lab.internet.send("nobody", BOB)


def test_reply_from_exchange_to_gmail_lands_in_the_outside_mailbox(transport: str) -> None:
    with Lab(scenarios.exchange2013demo(), transport=transport) as lab:
        lab.new_send_connector("To Internet")
        lab.send(BOB, GMAIL, subject="Re: hi")
        assert [m["Subject"] for m in lab.internet.mailbox(GMAIL).messages] == ["Re: hi"]


def _internet_run(transport: str) -> list[bytes]:
    with Lab(scenarios.exchange2013demo(edge="2013"), transport=transport) as lab:
        lab.internet.send(GMAIL, [BOB, CAROL], subject="same twice")
        lab.new_send_connector("Extra", address_spaces=["fabrikam.com"])
        lab.send(ALICE, FABRIKAM, subject="and back")
        return [m.as_bytes() for m in (*lab.mailbox(BOB).messages, *lab.mailbox(CAROL).messages,
                                       *lab.internet.mailbox(FABRIKAM).messages)]


def test_internet_mail_is_byte_identical_in_two_fresh_labs(transport: str) -> None:
    runs = [_internet_run(transport), _internet_run(transport)]
    assert len(runs[0]) == 3
    assert runs[0] == runs[1]


def test_internet_mail_is_byte_identical_over_sockets_and_in_memory() -> None:
    over_sockets = _internet_run("sockets")
    assert len(over_sockets) == 3
    assert over_sockets == _internet_run("memory")


def test_hop_diagram_chains_googles_by_only_hops_into_one_path(lab: Lab) -> None:
    from mailflowlab import hop_diagram
    lab.internet.send(GMAIL, CAROL, subject="diagram")
    graph = hop_diagram(parse_hops(lab.mailbox(CAROL).messages[-1]))
    edges = [line.split(" [")[0].split(" -> ") for line in graph.body if " -> " in line]
    assert len(edges) == 6
    assert all(edges[i][1].strip() == edges[i + 1][0].strip() for i in range(5))


def test_a_send_connector_is_used_only_from_its_source_servers(lab: Lab) -> None:
    """Alice's mailbox is on MB2, but only MB1 may send through To Fabrikam: MB2's Transport
    relays the message to MB1 first, in a queue named after the connector."""
    lab.new_send_connector("To Fabrikam", address_spaces=["fabrikam.com"], source_servers=["MB1"])
    lab.stop_service("MB1", "Transport")
    lab.send(ALICE, "kate@fabrikam.com", subject="Figures")
    waiting = lab.queues().where(lambda q: q.MessageCount > 0 and q.DeliveryType != "ShadowRedundancy")
    assert [(q.Identity.split("\\")[0], q.DeliveryType, q.NextHopDomain) for q in waiting] == [
        ("MB2", "SmtpRelayToConnectorSourceServers", "To Fabrikam")]
    lab.start_service("MB1", "Transport")
    lab.advance(minutes=10)
    got = lab.internet.mailbox("kate@fabrikam.com").messages
    assert [m["Subject"] for m in got] == ["Figures"]
    assert [(h.by_host or "").split(".")[0] for h in parse_hops(got[0])][:4] == ["MB2", "MB2", "MB1", "mx"]


def test_front_end_answers_prx4_when_every_mailbox_server_refuses_its_proxy_session(lab: Lab) -> None:
    """No Mailbox server's Default connector covers CA1 (10.0.0.10): each refuses the proxy's EHLO
    with 421 4.3.2, the Front End fails over, then tells the sender PRX4 (protocol error), not the
    421 of the last Mailbox server (UNCERTAIN, see replies.PRX_PROTOCOL_ERROR)."""
    for server in ("MB1", "MB2"):
        lab.set_receive_connector(server, f"Default {server}", remote_ip_ranges=["10.0.0.11-10.0.0.12"])
    lab.internet.send(GMAIL, BOB, subject="refused proxy")
    assert lab.internet.queue()["LastError"] == ["451 4.7.0 Temporary server error. Please try again later. PRX4"]
    for server in ("MB1", "MB2"):
        lab.set_receive_connector(server, f"Default {server}", remote_ip_ranges=["0.0.0.0-255.255.255.255"])
    lab.advance(minutes=30)
    assert [m["Subject"] for m in lab.mailbox(BOB).messages] == ["refused proxy"]


def test_an_outside_senders_idle_session_ends_so_a_connector_change_reaches_its_next_message(lab: Lab) -> None:
    """Google keeps its session to CA1 open after a message; once it has idled past the Default
    Frontend connector's ConnectionInactivityTimeout (5 minutes of virtual time), it is gone, and
    the next message opens a new session that meets the connector as it is now (here scoped to a
    spam filter's address, so Google is refused), as on a real network."""
    lab.internet.send(GMAIL, BOB, subject="before")
    assert [m["Subject"] for m in lab.mailbox(BOB).messages] == ["before"]
    lab.set_receive_connector("CA1", "Default Frontend CA1", remote_ip_ranges=["192.0.2.77"])
    lab.advance(minutes=6)
    lab.internet.send(GMAIL, BOB, subject="after")
    assert [m["Subject"] for m in lab.mailbox(BOB).messages] == ["before"]
    assert lab.internet.queue()["LastError"] == ["421 4.3.2 Service not active"]
