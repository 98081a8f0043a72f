"""Exchange 2010/2013 coexistence (fact sheet §7) over real sockets: mail each way between a
2010 and a 2013 mailbox, the queue a 2013 server keeps for a 2010 delivery group, Internet
mail entering on either side, and the migration phases."""
from __future__ import annotations

import smtplib
from collections.abc import Iterator

import pytest

from mailflowlab import Lab, scenarios
from mailflowlab.headers import parse_hops

from .conftest import values

D = "@exchange2013demo.com"
ALICE, BOB, CAROL, DAVE = (f"{u}{D}" for u in ("alice", "bob", "carol", "dave"))
B2013, B2010 = "15.0.847.32", "14.3.123.4"
SITE = "Default-First-Site-Name"


@pytest.fixture
def lab() -> Iterator[Lab]:
    with Lab(scenarios.coexistence()) as running:
        yield running


def hops(lab: Lab, address: str) -> list[tuple[str, str, str | None, str | None]]:
    """(from, by, id, via) of each Exchange hop of the newest message, oldest first."""
    return [((h.from_host or "").split(".")[0], (h.by_host or "").split(".")[0], h.id, h.via)
            for h in parse_hops(lab.mailbox(address).messages[-1]) if h.by_host and "." in h.by_host
            and h.by_host.endswith("exchange2013demo.com")]


def test_2013_mailbox_to_2010_mailbox_goes_through_2013_transport_then_the_2010_hub(lab: Lab) -> None:
    msg = lab.send(ALICE, DAVE, subject="to 2010")
    assert lab.path(msg) == [("MB2", "Mailbox Transport Submission"), ("MB2", "Transport"),
                             ("HUB2010", "Hub Transport"), ("HUB2010", "store driver")]
    assert hops(lab, DAVE) == [("MB2", "MB2", "15.00.0847.000", None), ("MB2", "MB2", B2013, None),
                               ("MB2", "HUB2010", B2010, None)]
    log = lab.tracking_log(msg)
    send = log.where(EventId="SEND", ServerHostname="MB2.exchange2013demo.com")
    assert send["ConnectorId"] == ["Intra-Organization SMTP Send Connector"]
    assert values(log.where(EventId="DELIVER"), "ServerHostname", "Source") == [
        ["HUB2010.exchange2013demo.com", "STOREDRIVER"]]


def test_2010_mailbox_to_2013_mailbox_goes_from_the_hub_to_2013_transport_on_port_25(lab: Lab) -> None:
    msg = lab.send(DAVE, ALICE, subject="to 2013")
    assert lab.path(msg) == [("HUB2010", "Hub Transport"), ("MB1", "Transport"),
                             ("MB2", "Mailbox Transport Delivery")]
    assert hops(lab, ALICE) == [("MBX2010", "HUB2010", "14.03.0123.004", None),
                                ("HUB2010", "MB1", B2013, None),
                                ("MB1", "MB2", B2013, "Mailbox Transport")]
    received = lab.tracking_log(msg).where(EventId="RECEIVE", Source="SMTP")
    assert received["ConnectorId"] == ["MB1\\Default MB1"]


def test_2010_hub_to_a_multi_role_2013_server_meets_front_end_transport_first() -> None:
    with Lab(scenarios.coexistence(multi_role=True)) as lab:
        lab.send(DAVE, ALICE)
        assert hops(lab, ALICE) == [("MBX2010", "HUB2010", "14.03.0123.004", None),
                                    ("HUB2010", "MB1", B2013, "Frontend Transport"),
                                    ("MB1", "MB2", B2013, None),
                                    ("MB2", "MB2", B2013, "Mailbox Transport")]


def test_mail_inside_each_version_stays_inside_it(lab: Lab) -> None:
    lab.send(DAVE, DAVE)
    assert hops(lab, DAVE) == [("MBX2010", "HUB2010", "14.03.0123.004", None)]
    msg = lab.send(BOB, CAROL)
    assert all(server in ("MB1", "MB2") for server, _ in lab.path(msg))
    assert [h[2] for h in hops(lab, CAROL)] == ["15.00.0847.000", B2013, B2013]


def test_2010_hub_down_queues_on_2013_for_the_version_14_delivery_group(lab: Lab) -> None:
    lab.stop_service("HUB2010", "Hub Transport")
    msg = lab.send(ALICE, DAVE, subject="waits")
    q = lab.queues()
    waiting = q.where(lambda r: r.MessageCount > 0 and r.DeliveryType != "ShadowRedundancy")
    assert values(waiting, "Identity", "DeliveryType", "Status", "NextHopDomain") == [
        ["MB2\\3", "SmtpRelayToMailboxDeliveryGroup", "Retry", f"Site:{SITE};Version:14"]]
    assert waiting["LastError"][0].endswith("The last endpoint attempted was 10.0.0.20:25")
    lab.start_service("HUB2010", "Hub Transport")
    lab.advance(seconds=59)
    assert lab.mailbox(DAVE).messages == []
    lab.advance(seconds=1)                  # the first retry is a glitch retry, a minute on
    assert lab.path(msg)[-1] == ("HUB2010", "store driver")
    delay = parse_hops(lab.mailbox(DAVE).messages[-1])[-1].delay
    assert delay is not None and delay.total_seconds() == 61


@pytest.mark.parametrize("entry, alice_path, dave_path", [
    ("2010", ["EDGE2010", "HUB2010", "MB1", "MB2"], ["EDGE2010", "HUB2010"]),
    ("2013", ["EDGE2010", "MB1", "MB2"], ["EDGE2010", "MB1", "HUB2010"]),
])
def test_internet_mail_through_the_2010_edge_enters_on_either_side(entry: str, alice_path: list[str],
                                                                    dave_path: list[str]) -> None:
    with Lab(scenarios.coexistence(internet_entry=entry)) as lab:
        for rcpt, expected in ((ALICE, alice_path), (DAVE, dave_path)):
            lab.internet.send("someone@gmail.com", rcpt, subject=f"entry {entry}")
            found = hops(lab, rcpt)
            assert [by for _, by, _, _ in found] == expected
            assert [i for _, _, i, _ in found] == [B2010 if s.endswith("2010") else B2013 for s in expected]


@pytest.mark.parametrize("entry, alice_path, dave_path", [
    ("2010", ["HUB2010", "MB1", "MB2"], ["HUB2010"]),
    ("2013", ["CA1", "MB2", "MB2"], ["CA1", "MB2", "HUB2010"]),
])
def test_internet_mail_without_an_edge_enters_on_either_side(entry: str, alice_path: list[str],
                                                             dave_path: list[str]) -> None:
    with Lab(scenarios.coexistence(internet_entry=entry, edge=False)) as lab:
        for rcpt, expected in ((ALICE, alice_path), (DAVE, dave_path)):
            lab.internet.send("someone@gmail.com", rcpt)
            assert [by for _, by, _, _ in hops(lab, rcpt)] == expected
        if entry == "2013":
            assert hops(lab, DAVE)[0][3] == "Frontend Transport"


def test_anonymous_smtp_to_the_2010_hub_needs_anonymous_on_its_default_connector() -> None:
    for edge, accepted in ((True, False), (False, True)):
        with Lab(scenarios.coexistence(edge=edge), transport="sockets") as lab:
            with smtplib.SMTP(*lab.endpoint("HUB2010", "Default HUB2010")) as client:
                client.ehlo("scanner.example.net")
                if accepted:
                    assert client.sendmail("scanner@example.net", [DAVE], b"Subject: scan\r\n\r\nhi\r\n") == {}
                else:
                    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
                        client.sendmail("scanner@example.net", [DAVE], b"Subject: scan\r\n\r\nhi\r\n")
                    assert (refused.value.smtp_code, refused.value.smtp_error) == (
                        530, b"5.7.1 Client was not authenticated")
            lab.settle()
            assert len(lab.mailbox(DAVE).messages) == int(accepted)


def test_outbound_from_each_version_leaves_through_the_2010_edge(lab: Lab) -> None:
    for sender in (ALICE, DAVE):
        msg = lab.send(sender, "friend@fabrikam.com", subject=f"out from {sender}")
        assert [s for s, _ in lab.path(msg)][-1] == "EDGE2010"
    assert len(lab.internet.mailbox("friend@fabrikam.com").messages) == 2


def test_migration_phases_step_from_all_2010_to_all_2013() -> None:
    versions = {}
    for phase in scenarios.COEXISTENCE_PHASES:
        entry = "2013" if phase == "all on 2013" else "2010"
        org = scenarios.coexistence(phase, internet_entry=entry)
        versions[phase] = ({s.version for s in org.servers if "Edge" not in s.roles},
                           {m.address.split("@")[0]: org.mailbox_server(m).version for m in org.mailboxes})
    assert versions == {
        "all on 2010": ({2010}, {"alice": 2010, "bob": 2010, "carol": 2010, "dave": 2010}),
        "2013 installed": ({2010, 2013}, {"alice": 2010, "bob": 2010, "carol": 2010, "dave": 2010}),
        "mailboxes moving": ({2010, 2013}, {"alice": 2013, "bob": 2013, "carol": 2013, "dave": 2010}),
        "all on 2013": ({2013}, {"alice": 2013, "bob": 2013, "carol": 2013, "dave": 2013}),
    }
    with Lab(scenarios.coexistence("all on 2013", internet_entry="2013")) as lab:
        lab.send(DAVE, ALICE)
        assert {i for _, _, i, _ in hops(lab, ALICE)} == {"15.00.0847.000", B2013}


def test_phase_and_entry_mistakes_are_explained() -> None:
    with pytest.raises(ValueError, match="phase must be one of 'all on 2010', '2013 installed'"):
        scenarios.coexistence("half")
    with pytest.raises(ValueError, match="the 2010 servers are gone: internet_entry must be '2013'"):
        scenarios.coexistence("all on 2013")
    with pytest.raises(ValueError, match="there is no 2013 server yet: internet_entry must be '2010'"):
        scenarios.coexistence("all on 2010", internet_entry="2013")
    with pytest.raises(ValueError, match="internet_entry must be '2010' or '2013', not 'both'"):
        scenarios.coexistence(internet_entry="both")


def test_topology_diagram_ends_inbound_mail_in_the_2010_database_not_on_the_internet(lab: Lab) -> None:
    inbound = lab.internet.send("someone@gmail.com", DAVE)
    outbound = lab.send(DAVE, "friend@fabrikam.com")
    inbound_src, outbound_src = lab.diagram(inbound).source, lab.diagram(outbound).source
    assert "-> Internet" not in inbound_src and "3. MAPI (store driver)" in inbound_src
    assert "-> Internet" in outbound_src


def test_coexistence_explorer_steps_through_phases_and_sends() -> None:
    from mailflowlab.ui import CoexistenceExplorer
    explorer = CoexistenceExplorer()
    try:
        assert explorer.lab is not None and explorer.lab.org.mx == "EDGE2010"
        explorer.sender.value, explorer.recipient.value = ALICE, DAVE
        sent = explorer.send()
        assert sent is not None and "Exchange 2010" in explorer.result.value
        explorer.phase.value = "all on 2013"
        assert explorer.entry.value == "2013"
        assert {s.version for s in explorer.lab.org.servers if "Edge" not in s.roles} == {2013}
        explorer.phase.value = "2013 installed"
        explorer.entry.value = "2013"
        hub = next(t for t in explorer.toggles.children if t.description == "HUB2010 · Hub Transport")
        hub.value = False
        explorer.sender.value, explorer.recipient.value = "someone@gmail.com", DAVE
        explorer.send()
        assert explorer.result.value.startswith("<b>Not delivered yet.</b>")
        assert "Site:Default-First-Site-Name;Version:14" in explorer.result.value
    finally:
        explorer.close()
    assert explorer.lab is None


@pytest.mark.parametrize("transport", ["sockets", "memory"])
def test_a_2010_hub_the_2013_servers_refuse_puts_its_queue_in_retry_with_their_reply(transport: str) -> None:
    """When no 2013 Default connector covers HUB2010 (10.0.0.20), each answers its EHLO with
    421 4.3.2: the Hub's queue goes into Retry with that reply in LastError and a DEFER in the
    tracking log, and retries on Exchange's schedule (1 minute apart four times, then 5 minutes),
    instead of looking Ready with no error."""
    with Lab(scenarios.coexistence(), transport=transport) as lab:
        for server in ("MB1", "MB2"):
            lab.set_receive_connector(server, f"Default {server}", remote_ip_ranges=["10.0.0.10-10.0.0.12"])
        msg = lab.send(DAVE, ALICE, subject="to 2013")
        queue = next(q for q in lab.queues() if q.Identity.startswith("HUB2010\\") and q.MessageCount)
        assert (queue.Status, queue.RetryCount) == ("Retry", 1)
        endpoint = queue.LastError.rpartition(" ")[2]
        assert endpoint in ("10.0.0.11:25", "10.0.0.12:25")
        assert queue.LastError == ('451 4.4.0 Primary target IP address responded with: "421 4.3.2 Service not '
                                   'active." Attempted failover to alternate host, but that did not succeed. Either '
                                   'there are no alternate hosts, or delivery failed to all alternate hosts. The last '
                                   f'endpoint attempted was {endpoint}')
        lab.advance(minutes=10)
        defers = lab.tracking_log(msg).where(EventId="DEFER")
        assert [str(t)[11:16] for t in defers["Timestamp"]] == ["09:00", "09:01", "09:02", "09:03", "09:04", "09:09"]
        assert lab.mailbox(ALICE).messages == []
        lab.set_receive_connector("MB1", "Default MB1", remote_ip_ranges=["0.0.0.0-255.255.255.255"])
        lab.set_receive_connector("MB2", "Default MB2", remote_ip_ranges=["0.0.0.0-255.255.255.255"])
        lab.advance(minutes=5)
        assert [m["Subject"] for m in lab.mailbox(ALICE).messages] == ["to 2013"]
