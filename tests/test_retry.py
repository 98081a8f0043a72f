"""Retries on the virtual clock with Exchange 2013's defaults (fact sheet §4.2, §4.4).

A queue to another AD site makes QueueGlitchRetryCount (4) retries a minute apart, then
TransientFailureRetryCount (6) retries every TransientFailureRetryInterval (5 min), then waits
OutboundConnectionFailureRetryInterval (10 min); a queue to Mailbox Transport Delivery retries every MailboxDeliveryQueueRetryInterval
(5 min). After DelayNotificationTimeOut (4 h) the sender gets one delay DSN; after
MessageExpirationTimeOut (2 days) an NDR, and the message leaves the queue.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from mailflowlab import Lab, parse_hops, scenarios
from mailflowlab.queues import RetryPolicy
from mailflowlab.topology import Mailbox, MailboxDatabase, Organization, Server, Site

from .conftest import BOB, CAROL, values


def two_sites() -> Organization:
    """MB1 in Sydney and MB2 in Melbourne: mail between them is relayed Transport to Transport."""
    d = "twosites.example"
    return Organization(
        name="Two sites", domain=d,
        servers=[Server("MB1", "10.1.0.11", d, roles=("ClientAccess", "Mailbox"), site="Sydney"),
                 Server("MB2", "10.2.0.12", d, roles=("ClientAccess", "Mailbox"), site="Melbourne")],
        databases=[MailboxDatabase("DB01", "MB1"), MailboxDatabase("DB02", "MB2")],
        mailboxes=[Mailbox(f"ann@{d}", "Ann", "DB01"), Mailbox(f"ben@{d}", "Ben", "DB02")],
        sites=[Site("Sydney"), Site("Melbourne")])


def _minutes(times: list[datetime], start: datetime) -> list[float]:
    return [(t - start).total_seconds() / 60 for t in times]


def test_the_defaults_are_exchange_2013s() -> None:
    p = RetryPolicy()
    assert (p.queue_glitch_retry_count, p.queue_glitch_retry_interval) == (4, timedelta(minutes=1))
    assert [p.queue_retry_interval("SmtpRelayToRemoteActiveDirectorySite", n).total_seconds() / 60
            for n in range(1, 13)] == [1, 1, 1, 1, 5, 5, 5, 5, 5, 5, 10, 10]
    assert p.queue_retry_interval("SmtpDeliveryToMailbox", 1) == timedelta(minutes=5)
    assert (p.transient_failure_retry_count, p.transient_failure_retry_interval,
            p.outbound_connection_failure_retry_interval, p.message_retry_interval,
            p.mailbox_delivery_queue_retry_interval, p.delay_notification_timeout,
            p.message_expiration_timeout) == (6, timedelta(minutes=5), timedelta(minutes=10),
                                              timedelta(minutes=15), timedelta(minutes=5),
                                              timedelta(hours=4), timedelta(days=2))


def test_four_glitch_retries_then_six_transient_retries_then_every_ten_minutes(transport: str) -> None:
    with Lab(two_sites(), transport=transport) as lab:
        lab.stop_service("MB2", "Transport")
        msg = lab.send("ann@twosites.example", "ben@twosites.example", subject="to Melbourne")
        lab.advance(minutes=60)
        log = lab.tracking_log(msg)
        defers = log.where(EventId="DEFER")
        assert set(defers["ServerHostname"]) == {"MB1.twosites.example"}
        assert _minutes(defers["Timestamp"], defers["Timestamp"][0]) == [
            0, 1, 2, 3, 4, 9, 14, 19, 24, 29, 34, 44, 54]
        [queue] = lab.queues().where(Identity="MB1\\3")
        assert (queue.Identity, queue.DeliveryType, queue.NextHopDomain, queue.Status,
                queue.RetryCount) == ("MB1\\3", "SmtpRelayToMailboxDeliveryGroup", "Site:Melbourne;Version:15",
                                         "Retry", 13)
        assert queue.LastError.endswith("The last endpoint attempted was 10.2.0.12:2525")

        lab.start_service("MB2", "Transport")
        assert lab.mailbox("ben@twosites.example").messages == []
        lab.advance(minutes=10)
        delivered = lab.mailbox("ben@twosites.example").messages
        assert len(delivered) == 1
        hops = parse_hops(delivered[0])
        # 64 minutes in MB1's queue (plus the 1 s hop) show as the delay of the hop into Melbourne.
        # Submission (MAPI) and MB1's Transport stamp the same second: one session (09:00:01).
        assert [h.by_host for h in hops] == ["MB1.twosites.example", "MB1.twosites.example",
                                             "MB2.twosites.example", "MB2.twosites.example"]
        assert [h.delay for h in hops[1:]] == [timedelta(0), timedelta(minutes=64, seconds=1),
                                               timedelta(seconds=1)]


def test_a_mailbox_delivery_queue_retries_every_five_minutes(transport: str) -> None:
    with Lab(scenarios.exchange2013demo(), transport=transport) as lab:
        lab.stop_service("MB1", "Mailbox Transport Delivery")
        msg = lab.send(BOB, CAROL, subject="to MB1")
        lab.advance(minutes=45)
        defers = lab.tracking_log(msg).where(EventId="DEFER")["Timestamp"]
        assert _minutes(defers, defers[0]) == [0, 5, 10, 15, 20, 25, 30, 35, 40, 45]


def test_one_delay_dsn_after_four_hours_then_an_ndr_after_two_days(transport: str) -> None:
    with Lab(scenarios.exchange2013demo(), transport=transport) as lab:
        lab.stop_service("MB2", "Mailbox Transport Delivery")
        msg = lab.send(CAROL, BOB, subject="Quarterly report")
        received = lab.tracking_log(msg).where(EventId="RECEIVE", Source="SMTP")["Timestamp"][0]
        lab.advance(hours=4)
        inbox = lab.mailbox(CAROL).messages
        assert [str(m["Subject"]) for m in inbox] == ["Delivery delayed:Quarterly report"]
        body = inbox[0].get_content()
        assert "Delivery is delayed to these recipients or groups:\n\nbob@exchange2013demo.com" in body
        # Read as text, lines end in \n (in every Python); on the wire the DSN is CRLF.
        assert b"Delivery is delayed to these recipients or groups:\r\n\r\nbob@exchange2013demo.com" in \
            lab.mailbox(CAROL).inbox[0]
        assert "Remote Server at MB2 (10.0.0.12) returned '400 4.4.7 Message delayed'" in body
        assert "The last endpoint attempted was 10.0.0.12:475'" in body
        assert "for the next 1 days, 20 hours and 0 minutes" in body
        dsn_events = lab.tracking_log().where(EventId="DSN")
        assert _minutes(dsn_events["Timestamp"], received) == [240]
        assert dsn_events["RecipientStatus"] == [f"400 4.4.7 Message delayed; related to {msg.message_id}"]

        lab.advance(hours=43, minutes=59)          # one delay DSN only, and not yet expired
        assert len(lab.mailbox(CAROL).messages) == 1
        waiting = lab.queue_messages()
        assert waiting["InternetMessageId"] == [msg.message_id, msg.message_id]
        assert [i.rsplit("\\", 1)[0] for i in waiting["Identity"]] == ["MB1\\3", "MB2\\Shadow\\3"]
        lab.advance(minutes=1)
        inbox = lab.mailbox(CAROL).messages
        assert [str(m["Subject"]) for m in inbox] == ["Delivery delayed:Quarterly report",
                                                      "Undeliverable: Quarterly report"]
        assert "#550 4.4.7 QUEUE.Expired; message expired ##" in inbox[1].get_content()
        fail = lab.tracking_log(msg).where(EventId="FAIL")
        assert values(fail, "Source", "Recipients", "RecipientStatus") == [
            ["QUEUE", (BOB,), "550 4.4.7 QUEUE.Expired; message expired"]]
        assert _minutes(fail["Timestamp"], received) == [2 * 24 * 60]
        assert lab.queue_messages().empty
        lab.start_service("MB2", "Mailbox Transport Delivery")
        lab.advance(hours=1)
        assert lab.mailbox(BOB).messages == []
