"""Queues: where the Transport service (and only it) keeps mail it could not pass on yet.

Submission takes everything in; the categorizer moves each message to one delivery queue per
next hop (NextHopSolutionKey = DeliveryType + NextHopDomain + NextHopConnector); Unreachable
holds what cannot be routed; Poison what crashed. Retry timing follows Exchange 2013's
defaults (fact sheet §4.2), all on the virtual clock.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, SupportsIndex

from . import arguments
from .errors import LabError
from .views import Table

#: Get-Queue and Get-Message status of a queue or message an administrator suspended.
SUSPENDED = "Suspended"


@dataclass(frozen=True)
class RetryPolicy:
    """Set-TransportService and EdgeTransport.exe.config defaults on a 2013 Mailbox server."""
    queue_glitch_retry_count: int = 4
    queue_glitch_retry_interval: timedelta = timedelta(minutes=1)
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

        Queues to Mailbox Transport Delivery retry every MailboxDeliveryQueueRetryInterval.
        Other queues, after `retry_count` failed connections, first make QueueGlitchRetryCount
        tries a QueueGlitchRetryInterval apart (a glitch may pass at once), then
        TransientFailureRetryCount tries a TransientFailureRetryInterval apart, then fall back
        to OutboundConnectionFailureRetryInterval (the retry page, fact sheet §4.2)."""
        if delivery_type == "SmtpDeliveryToMailbox":
            return self.mailbox_delivery_queue_retry_interval
        if retry_count <= self.queue_glitch_retry_count:
            return self.queue_glitch_retry_interval
        if retry_count <= self.queue_glitch_retry_count + self.transient_failure_retry_count:
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


#: IncomingRate and OutgoingRate are "the number of messages per second averaged over the last
#: minute" (Queues page); Velocity is OutgoingRate minus IncomingRate.
RATE_WINDOW = timedelta(minutes=1)


class QueueMessages(list[QueuedMessage]):
    """A queue's messages, noting when each came in and left, for the queue's rates."""

    def __init__(self, queue: Queue, items: Iterable[QueuedMessage] = ()) -> None:
        super().__init__(items)
        self.queue = queue

    def append(self, msg: QueuedMessage) -> None:
        super().append(msg)
        self.queue.noted(came=1)

    def extend(self, msgs: Iterable[QueuedMessage]) -> None:
        msgs = list(msgs)
        super().extend(msgs)
        self.queue.noted(came=len(msgs))

    def remove(self, msg: QueuedMessage) -> None:
        super().remove(msg)
        self.queue.noted(went=1)

    def pop(self, index: SupportsIndex = -1) -> QueuedMessage:
        msg = super().pop(index)
        self.queue.noted(went=1)
        return msg


@dataclass
class Queue:
    """A queue on one server, with Get-Queue's properties. `clock` (the lab's) times the
    messages in and out for IncomingRate, OutgoingRate and Velocity."""
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
    clock: Callable[[], datetime] | None = field(default=None, repr=False, compare=False)
    came: list[datetime] = field(default_factory=list, repr=False, compare=False)
    went: list[datetime] = field(default_factory=list, repr=False, compare=False)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "messages":
            old = self.__dict__.get("messages")
            if old and value is not old:
                self.noted(went=len(old))              # `queue.messages = []`: they all left
            value = QueueMessages(self, value)
        super().__setattr__(name, value)

    def noted(self, came: int = 0, went: int = 0) -> None:
        clock = self.__dict__.get("clock")
        if clock is not None:
            now = clock()
            self.came.extend([now] * came)
            self.went.extend([now] * went)

    def velocity(self, now: datetime) -> float:
        """OutgoingRate - IncomingRate, each in messages a second over the last minute."""
        since = now - RATE_WINDOW
        rate = (sum(t > since for t in self.went) - sum(t > since for t in self.came)) / RATE_WINDOW.total_seconds()
        return round(rate, 2) + 0.0                # + 0.0: no "-0"

    @property
    def identity(self) -> str:
        return f"{self.server}\\{self.name}"

    def due(self, now: datetime) -> bool:
        """Has a message that may leave, is not suspended and is not waiting for its next retry."""
        return (self.status != SUSPENDED and self.next_ready() is not None
                and (self.next_retry_time is None or self.next_retry_time <= now))

    def next_ready(self) -> QueuedMessage | None:
        """The first message that is not suspended: the next one SMTP Send hands on."""
        return next((m for m in self.messages if m.status != SUSPENDED), None)

    def fail(self, error: str, now: datetime, policy: RetryPolicy) -> None:
        """A connection attempt failed: the queue goes into Retry."""
        self.retry_count += 1
        self.status = "Retry"
        self.last_error = error
        self.last_retry_time = now
        self.next_retry_time = now + policy.queue_retry_interval(self.delivery_type, self.retry_count)
        for m in self.messages:
            if m.status != SUSPENDED:
                m.status = "Retry"
            m.last_error = error

    def succeed(self) -> None:
        if self.status != SUSPENDED:
            self.status = "Ready"
        self.last_error = ""
        self.retry_count = 0
        self.next_retry_time = None

    def record(self, now: datetime) -> QueueRow:
        return QueueRow(self.identity, self.delivery_type, self.status, len(self.messages), self.velocity(now),
                        self.next_hop_domain, self.next_hop_category, self.retry_count,
                        self.next_retry_time, self.last_error)


@dataclass(frozen=True)
class QueueRow:
    """One row of Get-Queue."""
    Identity: str
    DeliveryType: str
    Status: str
    MessageCount: int
    Velocity: float
    NextHopDomain: str
    NextHopCategory: str
    RetryCount: int
    NextRetryTime: datetime | None
    LastError: str


@dataclass(frozen=True)
class MessageRow:
    """One row of Get-Message."""
    Identity: str
    FromAddress: str
    Recipients: tuple[str, ...]
    Status: str
    Subject: str
    DateReceived: datetime
    ExpirationTime: datetime
    RetryCount: int
    LastError: str
    MessageSourceName: str
    SourceIP: str
    InternetMessageId: str


def queue_table(queues: list[Queue], now: datetime) -> Table[QueueRow]:
    """Get-Queue's rows for these queues, their rates as of `now`."""
    return Table([q.record(now) for q in queues], list(QueueRow.__dataclass_fields__))


def message_table(queues: list[Queue]) -> Table[MessageRow]:
    """Get-Message's rows for every message in these queues."""
    return Table([MessageRow(f"{q.identity}\\{m.internal_id}", m.mail_from, tuple(m.recipients), m.status,
                             m.subject, m.date_received, m.expiration_time, m.retry_count, m.last_error,
                             m.source, m.source_ip, m.message_id)
                  for q in queues for m in q.messages], list(MessageRow.__dataclass_fields__))


def find_queue(queues: list[Queue], identity: object) -> Queue:
    """The queue with this identity (`MB2\\3`, `MB1\\Unreachable`), as Get-Queue shows it."""
    wanted = arguments.name(identity, "queue").lower()
    for q in queues:
        if q.identity.lower() == wanted:
            return q
    known = ", ".join(q.identity for q in queues if q.messages or q.name == "Submission")
    raise LabError(f"The queue '{identity}' couldn't be found. Queues: {known}.")


def find_message(queues: list[Queue], identity: object) -> tuple[Queue, QueuedMessage]:
    """The message with this identity (`MB2\\3\\5111011082243`), as Get-Message shows it."""
    wanted = arguments.name(identity, "message").lower()
    for q in queues:
        for m in q.messages:
            if f"{q.identity}\\{m.internal_id}".lower() == wanted:
                return q, m
    known = ", ".join(f"{q.identity}\\{m.internal_id}" for q in queues for m in q.messages) or "none"
    raise LabError(f"The message '{identity}' couldn't be found. Messages in queues: {known}.")


#: What Get-QueueDigest -GroupBy can group by, as Get-Queue names the property (ServerName is
#: the queue's server).
DIGEST_GROUPS = ("DeliveryType", "LastError", "NextHopCategory", "NextHopDomain", "Status", "ServerName")
#: Get-QueueDigest lists delivery queues that hold at least this many messages (Configure
#: Get-QueueDigest: 10 by default).
DIGEST_THRESHOLD = 10


@dataclass(frozen=True)
class QueueDigestRow:
    """One row of Get-QueueDigest: the delivery queues that share one value of -GroupBy.
    LockedMessageCount and StaleMessageCount are always 0 here (the lab locks nothing, and its
    digest is never out of date, where a real one is one to two minutes old)."""
    GroupByValue: str
    MessageCount: int
    DeferredMessageCount: int
    LockedMessageCount: int
    StaleMessageCount: int
    Details: str


def queue_digest(queues: list[Queue], now: datetime, group_by: object = "NextHopDomain",
                 threshold: int = DIGEST_THRESHOLD) -> Table[QueueDigestRow]:
    """Get-QueueDigest over these queues: the delivery queues (not Submission, Unreachable,
    Poison or Shadow) holding `threshold` messages or more, grouped by `group_by`, the largest
    first. A deferred message is one waiting for a retry (Status Retry)."""
    group = next((g for g in DIGEST_GROUPS if isinstance(group_by, str) and g.lower() == group_by.lower()), None)
    if group is None:
        raise LabError(f"-GroupBy must be one of {', '.join(DIGEST_GROUPS)}, not {group_by!r}.")
    groups: dict[str, list[Queue]] = {}
    for q in queues:
        if q.delivery_type in ("Undefined", "Unreachable", "ShadowRedundancy") or len(q.messages) < threshold:
            continue
        value = q.server if group == "ServerName" else str(getattr(q.record(now), group))
        groups.setdefault(value, []).append(q)
    rows = [QueueDigestRow(value, sum(len(q.messages) for q in qs),
                           sum(1 for q in qs for m in q.messages if m.status == "Retry"), 0, 0,
                           ", ".join(q.identity for q in qs))
            for value, qs in groups.items()]
    rows.sort(key=lambda r: (-r.MessageCount, r.GroupByValue))
    return Table(rows, list(QueueDigestRow.__dataclass_fields__))
