"""The model alone, no lab started: the clock, a queue's state, routing decisions, DNS."""
from __future__ import annotations

from datetime import timedelta

import pytest

from mailflowlab import scenarios
from mailflowlab.clock import EPOCH, VirtualClock
from mailflowlab.queues import Queue, RetryPolicy
from mailflowlab.routing import (
    INTRA_ORG,
    OUTSIDE_MX_ENDPOINT,
    NoRoute,
    RecipientNotFound,
    resolve_mx,
    route,
    transport_endpoint,
)
from mailflowlab.topology import Endpoint, SendConnector


def test_the_clock_moves_forward_only() -> None:
    clock = VirtualClock(EPOCH)
    assert clock.advance(timedelta(seconds=5)) == EPOCH + timedelta(seconds=5)
    assert clock.advance_to(EPOCH) == EPOCH + timedelta(seconds=5)          # the past: no move
    with pytest.raises(ValueError):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(ValueError):
        VirtualClock(EPOCH.replace(tzinfo=None))


def test_a_queue_goes_into_retry_and_back() -> None:
    queue = Queue("MB2", "3", "SmtpDeliveryToMailbox", "DB01")
    assert not queue.due(EPOCH)                                              # empty: nothing to send
    queue.fail("441 4.4.1 ...", EPOCH, RetryPolicy())
    row = queue.record(EPOCH)
    assert (row.Status, row.RetryCount, row.NextRetryTime, row.LastError) == (
        "Retry", 1, EPOCH + timedelta(minutes=5), "441 4.4.1 ...")
    queue.succeed()
    assert (queue.status, queue.retry_count, queue.next_retry_time, queue.last_error) == ("Ready", 0, None, "")


def test_velocity_is_outgoing_minus_incoming_over_the_last_minute() -> None:
    """Get-Queue's Velocity: messages a second leaving minus entering, averaged over a minute
    (before: Get-Queue had no Velocity column)."""
    now = [EPOCH]
    queue = Queue("MB2", "3", "SmtpDeliveryToMailbox", "DB01", clock=lambda: now[0])
    queue.messages.extend([object(), object(), object()])      # type: ignore[list-item]
    assert queue.record(EPOCH).Velocity == -0.05                  # 3 in, none out: -3/60
    now[0] = EPOCH + timedelta(seconds=30)
    queue.messages.pop(0)
    queue.messages = []                                           # the other two leave at once
    assert queue.velocity(now[0]) == 0.0                         # 3 in, 3 out within the minute
    assert queue.velocity(EPOCH + timedelta(seconds=75)) == 0.05  # the arrivals left the window
    assert queue.velocity(EPOCH + timedelta(minutes=2)) == 0.0


ORG = scenarios.exchange2013demo()
MB2 = ORG.server("MB2")


def test_a_mailbox_in_the_site_is_delivered_to_its_servers_mailbox_transport() -> None:
    hop = route(ORG, MB2, "carol@exchange2013demo.com", lambda d: None)
    assert (hop.delivery_type, hop.next_hop_domain, hop.connector) == ("SmtpDeliveryToMailbox", "DB01", INTRA_ORG)
    assert hop.targets == (("MB1", Endpoint("10.0.0.11", 475)),)


def test_an_unknown_recipient_and_an_outside_domain_without_a_connector() -> None:
    with pytest.raises(RecipientNotFound):
        route(ORG, MB2, "nobody@exchange2013demo.com", lambda d: None)
    with pytest.raises(NoRoute):
        route(ORG, MB2, "kate@fabrikam.com", lambda d: OUTSIDE_MX_ENDPOINT)


def test_a_send_connector_routes_outside_mail_to_the_domains_mx() -> None:
    org = scenarios.exchange2013demo()
    org.send_connectors.append(SendConnector("To Internet", ("*",), ("MB1", "MB2")))
    hop = route(org, org.server("MB2"), "kate@fabrikam.com", lambda d: resolve_mx(org, d))
    assert (hop.delivery_type, hop.next_hop_domain, hop.connector, hop.category) == (
        "DnsConnectorDelivery", "fabrikam.com", "To Internet", "External")
    assert hop.targets == (("mx.fabrikam.com", OUTSIDE_MX_ENDPOINT),)


def test_dns_points_the_organization_at_its_mx_and_everyone_else_outside() -> None:
    assert resolve_mx(ORG, "exchange2013demo.com") == Endpoint("10.0.0.10", 25)
    assert resolve_mx(ORG, "fabrikam.com") == OUTSIDE_MX_ENDPOINT
    assert transport_endpoint(MB2) == Endpoint("10.0.0.12", 25)
