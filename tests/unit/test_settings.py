"""What the cmdlets change, checked in the model alone: site routing settings, the
organization's size limits and DNS lookups, Add-ResubmitRequest's parameters, the message
Outlook saves and Test-Mailflow's system mailbox. A mistake is one sentence and changes nothing."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mailflowlab import probes, scenarios, sites, transport_config
from mailflowlab.errors import LabError
from mailflowlab.message import header
from mailflowlab.safety_net import resubmit_request
from mailflowlab.store import outlook_message
from mailflowlab.topology import EDGE_TRANSPORT, TRANSPORT

NOW = datetime(2014, 3, 4, 9, 0, tzinfo=UTC)


def _error(call: object) -> str:
    assert callable(call)
    with pytest.raises(LabError) as caught:
        call()
    return str(caught.value)


def test_site_link_cost_and_hub_site_change_only_when_right() -> None:
    org = scenarios.three_sites()
    sites.set_site_link_cost(org, "a-b", 250)                 # names as Exchange reads them: any case
    sites.set_hub_site(org, "a", True)
    assert [link.cost for link in org.site_links if link.name == "A-B"] == [250]
    assert [s.hub_site for s in org.sites if s.name == "A"] == [True]
    assert _error(lambda: sites.set_site_link_cost(org, "A-B", 0)) == (
        "ExchangeCost must be a whole number from 1 to 99,999, not 0.")
    assert _error(lambda: sites.set_site_link_cost(org, "B-C", 10)) == (
        "The IP site link 'B-C' couldn't be found. Site links: A-B, A-C.")
    assert _error(lambda: sites.set_hub_site(org, "D", True)) == (
        "The Active Directory site 'D' couldn't be found. Sites: A, B, C.")
    assert [link.cost for link in org.site_links if link.name == "A-B"] == [250]


def test_size_limits_are_checked_together_before_either_changes() -> None:
    org = scenarios.exchange2013demo()
    before = (org.max_send_size, org.max_receive_size)
    assert _error(lambda: transport_config.set_size_limits(org, 5_000_000, True)) == (
        "MaxReceiveSize must be a positive number of bytes, not True.")
    assert (org.max_send_size, org.max_receive_size) == before
    transport_config.set_size_limits(org, max_receive_size=5_000_000)
    assert (org.max_send_size, org.max_receive_size) == (before[0], 5_000_000)


def test_dns_lookups_change_only_with_both_values_right() -> None:
    org = scenarios.exchange2013demo()
    lookups = transport_config.transport_dns(org.server("MB2"))
    before = (lookups.adapter_enabled, lookups.servers)
    with pytest.raises(LabError):
        transport_config.set_dns(lookups, False, ["not an address"])
    assert (lookups.adapter_enabled, lookups.servers) == before
    transport_config.set_dns(lookups, False, ["8.8.8.8"])
    assert lookups.adapter_enabled is False and list(lookups.servers) == ["8.8.8.8"]
    assert _error(lambda: transport_config.frontend_dns(org.server("MB1"))).startswith(
        "MB1 doesn't run the Front End Transport service: ")


def test_the_recipient_filter_runs_in_transport_on_a_2013_mailbox_server_or_on_the_edge() -> None:
    org = scenarios.exchange2013demo(edge="2013")
    assert transport_config.recipient_filter_service(org.server("MB1")) == TRANSPORT
    assert transport_config.recipient_filter_service(org.server("EDGE2013")) == EDGE_TRANSPORT
    assert _error(lambda: transport_config.recipient_filter_service(org.server("CA1"))).startswith(
        "CA1 runs no anti-spam agents: ")


def test_a_resubmit_request_wants_a_past_range_and_one_kind_of_target() -> None:
    tz = scenarios.exchange2013demo().tz
    hour_ago, now = NOW - timedelta(hours=1), NOW
    request = resubmit_request(hour_ago, now, now, tz, ["DB01", "DB02"], destination="db01")
    assert (request.start, request.end, request.destination) == (hour_ago, now, "db01")
    assert _error(lambda: resubmit_request(now, hour_ago, now, tz, ["DB01"])) == (
        "-StartTime must be earlier than -EndTime, and both must be in the past.")
    assert _error(lambda: resubmit_request(hour_ago, now, now, tz, ["DB01"], destination="DB01",
                                           sender="alice@exchange2013demo.com")) == (
        "-Destination can't be used with -Recipient or -Sender.")
    assert _error(lambda: resubmit_request(hour_ago, now, now, tz, ["DB01", "DB02"], destination="DB03")) == (
        "The mailbox database 'DB03' couldn't be found. Databases: DB01, DB02.")


def test_outlook_saves_a_message_with_its_own_headers_and_no_received() -> None:
    item = outlook_message("Alice Smith", "alice@exchange2013demo.com", ["bob@exchange2013demo.com"],
                           "Hello", "", NOW, "<1@MB2.exchange2013demo.com>")
    assert header(item.content, "From") == "Alice Smith <alice@exchange2013demo.com>"
    assert header(item.content, "Date") == "Tue, 4 Mar 2014 09:00:00 +0000"
    assert header(item.content, "Message-ID") == "<1@MB2.exchange2013demo.com>"
    assert header(item.content, "Received") is None
    assert (item.recipients, item.subject, item.message_id) == (
        ["bob@exchange2013demo.com"], "Hello", "<1@MB2.exchange2013demo.com>")


def test_test_mailflow_sends_from_the_system_mailbox_of_the_first_database() -> None:
    org = scenarios.exchange2013demo()
    assert probes.system_mailbox(org, org.server("MB1")).address == "SystemMailbox{DB01}@exchange2013demo.com"
    assert _error(lambda: probes.mailbox_server(org.server("CA1"))) == (
        "CA1 isn't an Exchange 2013 Mailbox server; Test-Mailflow runs on one.")
