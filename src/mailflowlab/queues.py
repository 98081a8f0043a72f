"""Queues: where the Transport service (and only it) keeps mail it could not pass on yet.

Submission takes everything in; the categorizer moves each message to one delivery queue per
next hop (NextHopSolutionKey = DeliveryType + NextHopDomain + NextHopConnector); Unreachable
holds what cannot be routed; Poison what crashed. Retry timing follows Exchange 2013's
defaults (fact sheet §4.2), all on the virtual clock.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pandas as pd


@dataclass(frozen=True)
class RetryPolicy:
    """Set-TransportService and EdgeTransport.exe.config defaults on a 2013 Mailbox server."""
    transient_failure_retry_count: int = 6
    transient_failure_retry_interval: timedelta = timedelta(minutes=5)
    outbound_connection_failure_retry_interval: timedelta = timedelta(minutes=10)
    message_retry_interval: timedelta = timedelta(minutes=15)
    mailbox_delivery_queue_retry_interval: timedelta = timedelta(minutes=5)
    delay_notification_timeout: timedelta = timedelta(hours=4)
    message_expiration_timeout: timedelta = timedelta(days=2)
    queue_max_idle_time: timedelta = timedelta(minutes=3)

    def queue_retry_interval(self, delivery_type: str, retry_count: int) -> timedelta:
        """How long a queue in Retry waits before it connects again.

        Queues to Mailbox Transport Delivery retry every MailboxDeliveryQueueRetryInterval;
        other queues make TransientFailureRetryCount quick retries, then fall back to
        OutboundConnectionFailureRetryInterval."""
        if delivery_type == "SmtpDeliveryToMailbox":
            return self.mailbox_delivery_queue_retry_interval
        if retry_count <= self.transient_failure_retry_count:
            return self.transient_failure_retry_interval
        return self.outbound_connection_failure_retry_interval


@dataclass
class QueuedMessage:
    """One message in one queue, with Get-Message's properties."""
    internal_id: int
    content: bytes
    mail_from: str
    recipients: list[str]
    subject: str
    message_id: str
    date_received: datetime
    expiration_time: datetime
    source: str                       # MessageSourceName, e.g. "SMTP:Default MB2" or "DSN"
    source_ip: str
    status: str = "Ready"
    retry_count: int = 0
    last_error: str = ""
    delay_dsn_sent: bool = False


@dataclass
class Queue:
    """A queue on one server, with Get-Queue's properties."""
    server: str
    name: str                           # Submission, Unreachable, Poison, or a number
    delivery_type: str
    next_hop_domain: str
    next_hop_connector: str = ""
    next_hop_category: str = "Internal"
    status: str = "Ready"
    last_error: str = ""
    retry_count: int = 0
    last_retry_time: datetime | None = None
    next_retry_time: datetime | None = None
    messages: list[QueuedMessage] = field(default_factory=list)

    @property
    def identity(self) -> str:
        return f"{self.server}\\{self.name}"

    def due(self, now: datetime) -> bool:
        """Has messages and is not waiting for its next retry."""
        return bool(self.messages) and (self.next_retry_time is None or self.next_retry_time <= now)

    def fail(self, error: str, now: datetime, policy: RetryPolicy) -> None:
        """A connection attempt failed: the queue goes into Retry."""
        self.retry_count += 1
        self.status = "Retry"
        self.last_error = error
        self.last_retry_time = now
        self.next_retry_time = now + policy.queue_retry_interval(self.delivery_type, self.retry_count)
        for m in self.messages:
            m.status = "Retry"
            m.last_error = error

    def succeed(self) -> None:
        self.status = "Ready"
        self.last_error = ""
        self.retry_count = 0
        self.next_retry_time = None

    def row(self) -> dict[str, object]:
        fmt = (lambda t: t.strftime("%Y-%m-%d %H:%M:%S") if t else "")
        return {"Identity": self.identity, "DeliveryType": self.delivery_type, "Status": self.status,
                "MessageCount": len(self.messages), "NextHopDomain": self.next_hop_domain,
                "NextHopCategory": self.next_hop_category, "RetryCount": self.retry_count,
                "NextRetryTime": fmt(self.next_retry_time), "LastError": self.last_error}


QUEUE_COLUMNS = ["Identity", "DeliveryType", "Status", "MessageCount", "NextHopDomain",
                 "NextHopCategory", "RetryCount", "NextRetryTime", "LastError"]
MESSAGE_COLUMNS = ["Identity", "FromAddress", "Recipients", "Status", "Subject", "DateReceived",
                   "ExpirationTime", "RetryCount", "LastError", "MessageSourceName", "SourceIP",
                   "InternetMessageId"]


def queue_frame(queues: list[Queue]) -> pd.DataFrame:
    return pd.DataFrame([q.row() for q in queues], columns=QUEUE_COLUMNS)


def message_frame(queues: list[Queue]) -> pd.DataFrame:
    fmt = (lambda t: t.strftime("%Y-%m-%d %H:%M:%S"))
    rows = [{"Identity": f"{q.identity}\\{m.internal_id}", "FromAddress": m.mail_from,
             "Recipients": ";".join(m.recipients), "Status": m.status, "Subject": m.subject,
             "DateReceived": fmt(m.date_received), "ExpirationTime": fmt(m.expiration_time),
             "RetryCount": m.retry_count, "LastError": m.last_error,
             "MessageSourceName": m.source, "SourceIP": m.source_ip, "InternetMessageId": m.message_id}
            for q in queues for m in q.messages]
    return pd.DataFrame(rows, columns=MESSAGE_COLUMNS)
