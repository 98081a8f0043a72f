"""Edge Transport: the article's 2010 Edge and a subscribed 2013 SP1 Edge (fact sheet §0.2 E, §6)."""
from __future__ import annotations

import smtplib
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from mailflowlab import Lab, LabError, scenarios
from mailflowlab.console import smtp_session

from .conftest import ALICE, BOB, CAROL, at, records

GMAIL = "someone@gmail.com"
FABRIKAM = "kate@fabrikam.com"


@pytest.fixture
def edge2010(transport: str) -> Iterator[Lab]:
    with Lab(scenarios.exchange2013demo(edge="2010"), transport=transport) as lab:
        yield lab


@pytest.fixture
def edge2013(transport: str) -> Iterator[Lab]:
    """A subscribed 2013 Edge with recipient validation turned on (off by default)."""
    with Lab(scenarios.exchange2013demo(edge="2013"), transport=transport) as lab:
        lab.set_recipient_filter_config("EDGE2013", recipient_validation_enabled=True)
        yield lab


def test_article_path_internet_2010_edge_ca1_front_end_mb1(edge2010: Lab) -> None:
    sent = edge2010.internet.send(GMAIL, CAROL, subject="Through the Edge")
    received = edge2010.mailbox(CAROL).messages[-1].get_all("Received", [])
    # The Edge hands on one hop later (09:00:02); CA1's Front End proxies to MB1's Transport in
    # that same session, so both stamp 09:00:02; Delivery is one hop later.
    assert received[:4] == [
        "from MB1.exchange2013demo.com (10.0.0.11) by MB1.exchange2013demo.com (10.0.0.11) with Microsoft "
        "SMTP Server (TLS) id 15.0.847.32 via Mailbox Transport; Tue, 4 Mar 2014 09:00:03 +1000",
        "from CA1.exchange2013demo.com (10.0.0.10) by MB1.exchange2013demo.com (10.0.0.11) with Microsoft "
        "SMTP Server (TLS) id 15.0.847.32; Tue, 4 Mar 2014 09:00:02 +1000",
        "from EDGE2010.exchange2013demo.com (172.16.0.10) by CA1.exchange2013demo.com (10.0.0.10) with "
        "Microsoft SMTP Server (TLS) id 15.0.847.32 via Frontend Transport; Tue, 4 Mar 2014 09:00:02 +1000",
        "from mail-pa0-f43.google.com (209.85.220.43) by EDGE2010.exchange2013demo.com (172.16.0.10) with "
        "Microsoft SMTP Server id 14.3.123.4; Tue, 4 Mar 2014 09:00:01 +1000",
    ]
    assert len(received) == 7                       # and Google's own three below
    assert edge2010.path(sent) == [("EDGE2010", "Edge Transport"), ("CA1", "Front End Transport"),
                                   ("MB1", "Transport"), ("MB1", "Mailbox Transport Delivery")]


def test_the_article_2010_edge_is_unsubscribed_with_a_send_connector_to_ca1(edge2010: Lab) -> None:
    """Issue 12 item 6: EdgeSync's inbound connector targets the site's Mailbox servers (`--`),
    so the article's Edge, pointed at CA1, is an unsubscribed Edge with a connector made by hand."""
    assert records(edge2010.send_connectors()) == [{
        "Identity": "To CA1", "AddressSpaces": "SMTP:exchange2013demo.com;1", "SourceTransportServers": "EDGE2010",
        "SmartHosts": "CA1.exchange2013demo.com", "FrontendProxyEnabled": False, "Cost": 1}]
    assert edge2010.org.edge_subscriptions == []
    sent = edge2010.internet.send(GMAIL, CAROL, subject="To CA1")
    assert edge2010.tracking_log(sent).where(EventId="SEND")["ConnectorId"][0] == "To CA1"


def test_the_unsubscribed_2010_edge_has_no_recipients_to_filter_with(edge2010: Lab) -> None:
    """Without EdgeSync's copy of the recipients the Recipient Filter looks nobody up: the Edge
    takes bobb@ and the categorizer inside writes the NDR, which waits in Unreachable because
    the organization has no send connector to the Internet."""
    t = smtp_session(edge2010, "EDGE2010", "Default internal receive connector EDGE2010",
                     ["EHLO fabrikam.com", "MAIL FROM:<kate@fabrikam.com>", "RCPT TO:<bobb@exchange2013demo.com>",
                      "QUIT"])
    assert t.replies[-2] == "250 2.1.5 Recipient OK"
    edge2010.internet.send(GMAIL, "bobb@exchange2013demo.com", subject="typo")
    assert edge2010.internet.mailbox(GMAIL).messages == []
    fails = edge2010.tracking_log().where(EventId="FAIL")
    assert fails["RecipientStatus"] == ["550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"]
    unreachable = edge2010.queues().where(lambda q: q.DeliveryType == "Unreachable")
    assert unreachable["MessageCount"] == [1]


def test_outbound_mail_does_not_use_the_unsubscribed_edge(edge2010: Lab) -> None:
    """No EdgeSync - <Site> to Internet: the organization has no send connector to the Internet."""
    sent = edge2010.send(ALICE, FABRIKAM, subject="out")
    assert edge2010.internet.mailbox(FABRIKAM).messages == []
    assert ("EDGE2010", "Edge Transport") not in edge2010.path(sent)
    parked = edge2010.queues().where(lambda q: q.DeliveryType == "Unreachable")
    assert parked["LastError"] == ["A matching connector cannot be found to route the external recipient"]


def test_2013_edge_delivers_to_transport_on_a_mailbox_server(edge2013: Lab) -> None:
    sent = edge2013.internet.send(GMAIL, BOB, subject="EdgeSync")
    received = edge2013.mailbox(BOB).messages[-1].get_all("Received", [])
    assert received[:3] == [
        "from MB1.exchange2013demo.com (10.0.0.11) by MB2.exchange2013demo.com (10.0.0.12) with Microsoft "
        "SMTP Server (TLS) id 15.0.847.32 via Mailbox Transport; Tue, 4 Mar 2014 09:00:03 +1000",
        "from EDGE2013.exchange2013demo.com (172.16.0.11) by MB1.exchange2013demo.com (10.0.0.11) with "
        "Microsoft SMTP Server (TLS) id 15.0.847.32; Tue, 4 Mar 2014 09:00:02 +1000",
        "from mail-pa0-f43.google.com (209.85.220.43) by EDGE2013.exchange2013demo.com (172.16.0.11) with "
        "Microsoft SMTP Server id 15.0.847.32; Tue, 4 Mar 2014 09:00:01 +1000",
    ]
    assert ("CA1", "Front End Transport") not in edge2013.path(sent)


def test_2013_edge_refuses_unknown_recipients_at_rcpt(edge2013: Lab) -> None:
    t = smtp_session(edge2013, "EDGE2013", "Default internal receive connector EDGE2013",
                     ["EHLO fabrikam.com", "MAIL FROM:<kate@fabrikam.com>",
                      "RCPT TO:<nobody@exchange2013demo.com>", "RCPT TO:<bob@exchange2013demo.com>", "QUIT"])
    assert t.replies[-4:] == ["250 2.1.0 Sender OK", "550 5.1.1 User unknown", "250 2.1.5 Recipient OK",
                              "221 2.0.0 Service closing transmission channel"]
    edge2013.internet.send(GMAIL, "nobody@exchange2013demo.com", subject="typo")
    bounce = edge2013.internet.mailbox(GMAIL).messages[-1]
    assert "550 5.1.1 User unknown" in bounce.get_content()
    assert sum(edge2013.queues()["MessageCount"]) == 0


def test_an_ndr_from_inside_leaves_through_the_edge_and_is_never_bounced_itself(transport: str) -> None:
    """With recipient validation off (the default), the categorizer's NDR goes out through the
    Edge from the null sender <>. Before the fix the Edge kept aiosmtpd's "<>" as the sender,
    sent `MAIL FROM:<<>>` (553 5.1.3 from Gmail) and wrote an NDR about the NDR to "<>"."""
    with Lab(scenarios.exchange2013demo(edge="2013"), transport=transport) as lab:
        lab.internet.send(GMAIL, "nobody@exchange2013demo.com", subject="typo")
        assert [str(m["Subject"]) for m in lab.internet.mailbox(GMAIL).messages] == ["Undeliverable: typo"]
        assert [row.ServerHostname for row in lab.tracking_log().where(EventId="DSN")] == [
            "MB1.exchange2013demo.com"]
        assert [row.Sender for row in lab.tracking_log().where(EventId="RECEIVE")][-1] == ""


EDGE_CONNECTOR = "Default internal receive connector EDGE2013"
HARVEST = ["EHLO fabrikam.com", "MAIL FROM:<kate@fabrikam.com>", "RCPT TO:<bobb@exchange2013demo.com>",
           "RCPT TO:<bob@exchange2013demo.com>", "QUIT"]


def test_the_recipient_filter_refusal_waits_the_tarpit_interval(edge2013: Lab) -> None:
    """TarpitInterval (5 s by default): the 550 5.1.1 is said 5 virtual seconds after its RCPT,
    and the good recipient after it is answered at once (before: both at once)."""
    edge2013.set_receive_connector("EDGE2013", EDGE_CONNECTOR, protocol_logging="Verbose")
    start = edge2013.now()
    t = smtp_session(edge2013, "EDGE2013", EDGE_CONNECTOR, HARVEST)
    assert t.replies[-3:-1] == ["550 5.1.1 User unknown", "250 2.1.5 Recipient OK"]
    said: dict[str, datetime] = {}
    for row in edge2013.protocol_log("EDGE2013", EDGE_CONNECTOR):
        said.setdefault(row.data, datetime.fromisoformat(row.date_time.replace("Z", "+00:00")))
    assert said["RCPT TO:<bobb@exchange2013demo.com>"] == start
    assert said["550 5.1.1 User unknown"] == start + timedelta(seconds=5)
    assert said["250 2.1.5 Recipient OK"] == start + timedelta(seconds=5)
    assert edge2013.now() - start == timedelta(seconds=5)


def test_an_outside_server_sits_in_the_tarpit_too(edge2013: Lab) -> None:
    """The outside sender's session is opened by the lab's own work: the Edge stamps its header
    5 s after the sender connected, one hop after the send (09:00:01 without the tarpit)."""
    edge2013.internet.send(GMAIL, ["nobody@exchange2013demo.com", BOB], subject="harvest")
    received = edge2013.mailbox(BOB).messages[-1].get_all("Received", [])
    assert received[2].startswith("from mail-pa0-f43.google.com (209.85.220.43) by EDGE2013")
    assert received[2].endswith("Tue, 4 Mar 2014 09:00:06 +1000")


def test_the_tarpit_interval_is_the_connectors_setting_and_bad_values_are_refused(edge2013: Lab) -> None:
    edge2013.set_receive_connector("EDGE2013", EDGE_CONNECTOR, tarpit_interval=timedelta(seconds=30))
    start = edge2013.now()
    smtp_session(edge2013, "EDGE2013", EDGE_CONNECTOR, HARVEST)
    assert edge2013.now() - start == timedelta(seconds=30)
    edge2013.set_receive_connector("EDGE2013", EDGE_CONNECTOR, tarpit_interval=0)
    start = edge2013.now()
    smtp_session(edge2013, "EDGE2013", EDGE_CONNECTOR, HARVEST)
    assert edge2013.now() == start
    for bad in (-1, "5", float("nan"), 601):
        with pytest.raises(LabError, match="TarpitInterval"):
            edge2013.set_receive_connector("EDGE2013", EDGE_CONNECTOR, tarpit_interval=bad)


def test_a_real_harvester_pays_the_tarpit_in_lab_time() -> None:
    """Over a real socket, outside any lab call: ten guessed addresses cost 50 s of lab time."""
    with Lab(scenarios.exchange2013demo(edge="2013"), transport="sockets") as lab:
        lab.set_recipient_filter_config("EDGE2013", recipient_validation_enabled=True)
        start = lab.now()
        with smtplib.SMTP(*lab.endpoint("EDGE2013", EDGE_CONNECTOR), timeout=10) as harvester:
            harvester.ehlo("fabrikam.com")
            harvester.mail("kate@fabrikam.com")
            codes = [harvester.rcpt(f"guess{i}@exchange2013demo.com")[0] for i in range(10)]
        lab.settle()
        assert codes == [550] * 10
        assert lab.now() - start == timedelta(seconds=50)


def test_edge_refuses_anonymous_relay(edge2013: Lab) -> None:
    t = smtp_session(edge2013, "EDGE2013", "Default internal receive connector EDGE2013",
                     ["EHLO fabrikam.com", "MAIL FROM:<kate@fabrikam.com>", "RCPT TO:<x@contoso.com>"])
    assert t.last_reply == "550 5.7.1 Unable to relay"


def test_edgesync_send_connectors_exist_and_outbound_leaves_through_the_edge(edge2013: Lab) -> None:
    assert list(edge2013.send_connectors()["Identity"]) == [
        "EdgeSync - Default-First-Site-Name to Internet", "EdgeSync - Inbound to Default-First-Site-Name"]
    sent = edge2013.send(ALICE, FABRIKAM, subject="out via Edge")
    arrived = edge2013.internet.mailbox(FABRIKAM).messages[-1]
    received = arrived.get_all("Received", [])
    assert received[0].startswith("from EDGE2013.exchange2013demo.com (EDGE2013.exchange2013demo.com "
                                  "[172.16.0.11]) by mx.internet.example ")
    assert received[1] == ("from MB2.exchange2013demo.com (10.0.0.12) by EDGE2013.exchange2013demo.com "
                           "(172.16.0.11) with Microsoft SMTP Server (TLS) id 15.0.847.32; "
                           "Tue, 4 Mar 2014 09:00:02 +1000")
    assert edge2013.path(sent) == [("MB2", "Mailbox Transport Submission"), ("MB2", "Transport"),
                                   ("EDGE2013", "Edge Transport")]
    sends = edge2013.tracking_log(sent)
    assert sends.where(EventId="SEND")["ConnectorId"] == [
        "Intra-Organization SMTP Send Connector", "EdgeSync - Default-First-Site-Name to Internet"]
    # The send connector's own name, not SERVER\\name; AGENTINFO on the Mailbox server only.
    assert sends.where(EventId="AGENTINFO")["ServerHostname"] == ["MB2.exchange2013demo.com"]


def test_edge_queues_when_the_organization_is_down_and_delivers_on_retry(edge2013: Lab) -> None:
    for server in ("MB1", "MB2"):
        edge2013.stop_service(server, "Transport")
    edge2013.internet.send(GMAIL, BOB, subject="queued at the Edge")
    q = edge2013.queues()
    row = q.where(lambda r: r.Identity.startswith("EDGE2013\\") and r.MessageCount > 0)[0]
    assert (row.DeliveryType, row.NextHopDomain, row.Status) == ("SmartHostConnectorDelivery", "--", "Retry")
    assert row.LastError.endswith("The last endpoint attempted was 10.0.0.12:25")
    # The first attempt is one hop after the Edge took the message (09:00:02); the first four
    # retries are QueueGlitchRetryCount's, a minute apart, so the next is 09:01:02.
    assert row.NextRetryTime == at("09:01:02")
    assert edge2013.internet.queue().empty          # the Edge took it: the sender is done
    for server in ("MB1", "MB2"):
        edge2013.start_service(server, "Transport")
    edge2013.advance(minutes=10)
    assert [m["Subject"] for m in edge2013.mailbox(BOB).messages] == ["queued at the Edge"]


def test_receive_connector_table_lists_the_edge_connector(edge2013: Lab) -> None:
    df = edge2013.receive_connectors("EDGE2013")
    assert records(df) == [{
        "Identity": "EDGE2013\\Default internal receive connector EDGE2013", "Enabled": True,
        "TransportRole": "HubTransport", "Service": "Edge Transport", "Bindings": "0.0.0.0:25",
        "RemoteIPRanges": "0.0.0.0-255.255.255.255", "PermissionGroups": "AnonymousUsers, ExchangeServers, Partners",
        "AuthMechanism": "TLS, ExchangeServer", "MaxMessageSize": "36 MB (37,748,736 bytes)",
        "ProtocolLoggingLevel": "None"}]


def test_inbound_explorer_switches_topology_toggles_services_and_sends() -> None:
    from mailflowlab.ui import InboundExplorer
    explorer = InboundExplorer()
    try:
        explorer.topology.value = "Exchange 2010 Edge (the article)"
        assert explorer.lab is not None and explorer.lab.org.mx == "EDGE2010"
        explorer.send_button.click()
        assert "EDGE2010.exchange2013demo.com (172.16.0.10)" in explorer.result.value
        assert "Frontend Transport" in explorer.result.value
        edge_toggle = next(t for t in explorer.toggles.children if t.description == "EDGE2010 · Edge Transport")
        edge_toggle.value = False
        assert (edge_toggle.button_style, explorer.lab.service("EDGE2010", "Edge Transport").running) == ("danger", False)
        explorer.send_button.click()
        assert explorer.result.value.startswith("<b>Not delivered yet.</b>")
        assert "Connection refused by 172.16.0.10:25" in explorer.result.value
        edge_toggle.value = True                     # issue 11 point 4: start it again, move the clock
        buttons = {b.description: b for b in explorer.clock.children[0].children if hasattr(b, "click")}
        buttons["+1 hour"].click()
        assert explorer.result.value.startswith("<b>Delivered.</b>"), explorer.result.value
        first = explorer.lab
        explorer.topology.value = "Exchange 2013 SP1 Edge with EdgeSync"
        assert first.runtime is None and explorer.lab.org.mx == "EDGE2013"
    finally:
        explorer.close()
    assert explorer.lab is None
