"""The Transport service's queue database, and what each of the service's jobs offers the others.

Transport (services/transport.py) does six jobs, each in a module of its own over this base:
receiving (transport.py itself), shadow redundancy (`shadow_redundancy`), the categorizer
(`categorizer`), SMTP Send (`smtp_send`), delay DSNs, expiry and NDRs (`delivery_reports`) and
the queue operator's actions (`queue_actions`). A job calls another's work only through the
names declared here.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from ..message import header
from ..queues import Queue, QueuedMessage
from ..routing import NextHop
from ..safety_net import SafetyNet
from ..topology import Server
from .base import Service
from .context import LabContext


class QueueDatabase(Service):
    """The queues of one Transport service (Submission, delivery, Shadow, Unreachable, Poison)."""

    # What the jobs offer one another (each module defines its own):
    categorize_soon: Callable[[], None]                                        # categorizer
    resubmit_unreachable: Callable[[], None]                                   # categorizer
    send_when_due: Callable[[tuple[str, str, str], Queue, datetime | None], None]   # smtp_send
    set_timers: Callable[[QueuedMessage], None]                                # delivery_reports
    fail: Callable[[QueuedMessage, dict[str, str], str], None]                 # delivery_reports
    send_discards: Callable[[], Awaitable[None]]                               # shadow_redundancy

    def __init__(self, ctx: LabContext, server: Server) -> None:
        super().__init__(ctx, server)
        s = server.name
        now = ctx.clock.now
        self.submission = Queue(s, "Submission", "Undefined", "Submission", clock=now)
        self.unreachable = Queue(s, "Unreachable", "Unreachable", "Unreachable Domain", clock=now)
        self.poison = Queue(s, "Poison", "Undefined", "Poison Message", clock=now)
        self.delivery_queues: dict[tuple[str, str, str], Queue] = {}
        self.targets: dict[tuple[str, str, str], NextHop] = {}
        self._next_queue_number = 3
        # Shadow redundancy (§4.3). As primary: which server holds the shadow of each message,
        # and the shadows it may now discard. As shadow server: one Shadow\<n> queue per primary.
        self.shadowed: dict[int, str] = {}
        self.discards: dict[str, list[int]] = {}
        self.shadow_queues: dict[str, Queue] = {}
        #: What this service delivered to mailbox databases, for Add-ResubmitRequest.
        self.safety_net = SafetyNet()

    def all_queues(self) -> list[Queue]:
        return [self.submission, *self.delivery_queues.values(), *self.shadow_queues.values(),
                self.unreachable, self.poison]

    def waiting(self) -> list[tuple[Queue, QueuedMessage]]:
        """Messages waiting for a next hop: in delivery queues and in Unreachable."""
        return [(q, m) for q in [*self.delivery_queues.values(), self.unreachable] for m in q.messages]

    def enqueue(self, content: bytes, mail_from: str, recipients: list[str], source: str,
                source_ip: str) -> QueuedMessage:
        """Put a message in the Submission queue, where the categorizer picks it up."""
        msg = self.queued_message(content, mail_from, recipients, source, source_ip)
        self.submission.messages.append(msg)
        self.ctx.paths.record(msg.message_id, self.server.name, self.name)
        self.categorize_soon()
        return msg

    def queued_message(self, content: bytes, mail_from: str, recipients: list[str], source: str,
                       source_ip: str) -> QueuedMessage:
        """A message as the queue database holds it, received now, expiring in 2 days."""
        now = self.ctx.clock.now()
        return QueuedMessage(self.ctx.ids.internal_id(), content, mail_from, list(recipients),
                             header(content, "Subject") or "", header(content, "Message-ID") or "",
                             now, now + self.ctx.policy.message_expiration_timeout, source, source_ip)

    def copy_for(self, msg: QueuedMessage, recipients: list[str]) -> QueuedMessage:
        return QueuedMessage(msg.internal_id, msg.content, msg.mail_from, recipients, msg.subject,
                             msg.message_id, msg.date_received, msg.expiration_time, msg.source,
                             msg.source_ip)
