"""Maintenance mode (issue 19): Set-ServerComponentState -Component HubTransport -State
Draining -Requester Maintenance, what senders hear from a draining server, Redirect-Message
and Get-QueueDigest, over the lab's real SMTP sessions."""
from __future__ import annotations

import pytest

from mailflowlab import Lab, LabError, replies, scenarios

from .conftest import ALICE, BOB, CAROL

DEVICE = "10.0.0.50"


def _subjects(lab: Lab, address: str) -> list[str]:
    return [str(m["Subject"]) for m in lab.mailbox(address).messages]


def _state(lab: Lab, server: str, component: str = "HubTransport") -> str:
    return str(lab.server_component_state(server).where(Component=component)["State"][0])


def test_a_draining_transport_refuses_a_direct_client_at_mail_from(lab: Lab) -> None:
    """A device that relays straight to MB2 hears 421 4.3.2 Service not available at MAIL FROM,
    as a draining server's protocol log shows; before maintenance it was taken."""
    lab.new_receive_connector("MB2", "Scanner relay", remote_ip_ranges=[DEVICE], permission_groups=["AnonymousUsers"],
                              anonymous_relay=True)
    session = ["EHLO scanner", "MAIL FROM:<scanner@exchange2013demo.com>", "QUIT"]
    assert lab.smtp_session("MB2", "Scanner relay", session, as_ip=DEVICE).replies[-2] == replies.SENDER_OK
    lab.set_server_component_state("MB2", "HubTransport", "Draining", "Maintenance")
    assert _state(lab, "MB2") == "Draining"
    assert lab.smtp_session("MB2", "Scanner relay", session, as_ip=DEVICE).replies[-2] == \
        "421 4.3.2 Service not available"


def test_the_front_end_and_submission_route_around_a_draining_server(lab: Lab) -> None:
    """Bob's and Alice's database is on MB2: with MB2 draining, mail from Gmail and from Alice
    enters at MB1's Transport and is delivered to MB2's database all the same."""
    lab.set_server_component_state("MB2", "HubTransport", "Draining")
    inbound = lab.internet.send("someone@gmail.com", BOB, subject="Inbound")
    outbound = lab.send(ALICE, BOB, subject="From Alice")
    assert _subjects(lab, BOB) == ["Inbound", "From Alice"]
    for msg in (inbound, outbound):
        assert lab.tracking_log(msg, event_id="RECEIVE").where(Source="SMTP")["ServerHostname"] == [
            "MB1.exchange2013demo.com"]


def test_an_edge_passes_a_draining_mailbox_server_over(transport: str) -> None:
    """EdgeSync's inbound connector names every Mailbox server of the site: with MB1 draining,
    the Edge hands Gmail's message to MB2 (before: to MB1, which answered 421, and the Edge's
    queue went into Retry)."""
    with Lab(scenarios.exchange2013demo(edge="2013"), transport=transport) as lab:
        lab.set_server_component_state("MB1", "HubTransport", "Draining")
        msg = lab.internet.send("someone@gmail.com", CAROL, subject="Via the Edge")
        assert _subjects(lab, CAROL) == ["Via the Edge"]
        assert lab.tracking_log(msg, event_id="RECEIVE").where(Source="SMTP")["ServerHostname"] == [
            "EDGE2013.exchange2013demo.com", "MB2.exchange2013demo.com"]


def test_a_draining_server_still_delivers_what_it_holds_and_redirect_message_moves_it(lab: Lab) -> None:
    lab.stop_service("MB1", "Mailbox Transport Delivery")
    for n in range(3):
        lab.send(BOB, CAROL, subject=f"Held {n}")              # waits in MB2's queue for DB01
    lab.set_server_component_state("MB2", "HubTransport", "Draining")
    assert lab.queues().where(Identity="MB2\\3")["MessageCount"] == [3]
    assert lab.redirect_message("MB2", "MB1.exchange2013demo.com") == 3
    waiting = lab.queues().where(lambda q: q.MessageCount > 0 and q.DeliveryType != "ShadowRedundancy")
    assert [(q.Identity.split("\\")[0], q.DeliveryType, q.NextHopDomain) for q in waiting] == [
        ("MB1", "SmtpDeliveryToMailbox", "DB01")]
    assert lab.tracking_log(event_id="RECEIVE").where(ServerHostname="MB1.exchange2013demo.com", Source="SMTP")[
        "MessageSubject"] == ["Held 0", "Held 1", "Held 2"]
    lab.start_service("MB1", "Mailbox Transport Delivery")
    lab.advance(minutes=5)
    assert _subjects(lab, CAROL) == ["Held 0", "Held 1", "Held 2"]


def test_redirect_message_refuses_what_exchange_would(lab: Lab) -> None:
    with pytest.raises(LabError, match=r"-Target must be another Exchange 2013 Mailbox server"):
        lab.redirect_message("MB2", "MB2.exchange2013demo.com")
    with pytest.raises(LabError, match=r"-Target must be another Exchange 2013 Mailbox server"):
        lab.redirect_message("MB2", "CA1.exchange2013demo.com")
    with pytest.raises(LabError, match=r"CA1 doesn't run the Transport service"):
        lab.redirect_message("CA1", "MB1.exchange2013demo.com")


def test_each_requester_keeps_its_own_say_and_server_wide_offline_wins(lab: Lab) -> None:
    lab.set_server_component_state("MB1", "HubTransport", "Draining", "Maintenance")
    lab.set_server_component_state("MB1", "HubTransport", "Active", "HealthApi")
    assert _state(lab, "MB1") == "Draining"                     # Maintenance still says Draining
    lab.set_server_component_state("MB1", "HubTransport", "Active", "Maintenance")
    assert _state(lab, "MB1") == "Active"
    lab.set_server_component_state("MB1", "ServerWideOffline", "Inactive")
    assert _state(lab, "MB1") == "Inactive"
    with pytest.raises(LabError, match=r"-State must be one of Active, Inactive, Draining, not 'Drain'"):
        lab.set_server_component_state("MB1", "HubTransport", "Drain")
    with pytest.raises(LabError, match=r"-Component must be one of ServerWideOffline, HubTransport"):
        lab.set_server_component_state("MB1", "Transport", "Draining")


def test_queue_digest_lists_delivery_queues_of_ten_messages_or_more(lab: Lab) -> None:
    lab.stop_service("MB1", "Mailbox Transport Delivery")
    for n in range(10):
        lab.send(BOB, CAROL, subject=f"Digest {n}")
    lab.send(CAROL, BOB, subject="Only one")                   # a queue of one is below the threshold
    [row] = lab.queue_digest(forest=True)
    # Only the first message was tried and deferred; the nine after it wait behind it.
    assert (row.GroupByValue, row.MessageCount, row.DeferredMessageCount, row.Details) == ("DB01", 10, 1, "MB2\\3")
    assert lab.queue_digest(site="Default-First-Site-Name", group_by="ServerName")["GroupByValue"] == ["MB2"]
    assert lab.queue_digest(server="MB1").empty
    with pytest.raises(LabError, match=r"exactly one of -Server, -Site or -Forest"):
        lab.queue_digest()
    with pytest.raises(LabError, match=r"-GroupBy must be one of"):
        lab.queue_digest(forest=True, group_by="Colour")
