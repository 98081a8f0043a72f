"""Get-Queue, Get-QueueDigest, Get-Message, Retry-Queue, Suspend-/Resume-Queue and -Message,
Remove-Message, Redirect-Message and Add-ResubmitRequest (Safety Net)."""
from __future__ import annotations

from datetime import datetime

from .. import arguments
from ..errors import LabError
from ..queues import (
    DIGEST_THRESHOLD,
    SUSPENDED,
    MessageRow,
    Queue,
    QueueDigestRow,
    QueuedMessage,
    QueueRow,
    find_message,
    find_queue,
    message_table,
    queue_digest,
    queue_table,
)
from ..safety_net import resubmit_request
from ..services.transport import Transport
from ..views import Table
from .base import LabBase


class QueueCmdlets(LabBase):
    def queues(self, include_empty: bool = False) -> Table[QueueRow]:
        """Get-Queue on every server: Submission always; other queues while they hold mail."""
        return queue_table(self._queues(include_empty), self.clock.now())

    def queue_digest(self, *, server: str | None = None, site: str | None = None, forest: bool = False,
                     group_by: str = "NextHopDomain", threshold: int = DIGEST_THRESHOLD) -> Table[QueueDigestRow]:
        """Get-QueueDigest -Server / -Site / -Forest [-GroupBy]: the delivery queues of many
        servers at once, those holding `threshold` (10) messages or more, summed per -GroupBy
        value (NextHopDomain by default)."""
        if sum((server is not None, site is not None, bool(forest))) != 1:
            raise LabError("Get-QueueDigest needs exactly one of -Server, -Site or -Forest.")
        if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0:
            raise LabError(f"The threshold is a number of messages, not {threshold!r}.")
        if server is not None:
            names = {self._server(server).name}
        elif site is not None:
            found = [s for s in self.org.sites if s.name.lower() == str(site).lower()]
            if not found:
                raise LabError(f"The Active Directory site '{site}' couldn't be found. Sites: "
                               f"{', '.join(s.name for s in self.org.sites)}.")
            names = {s.name for s in self.org.site_servers(found[0].name)}
        else:
            names = {s.name for s in self.org.servers}
        queues = [q for q in self._queues(False) if q.server in names]
        return queue_digest(queues, self.clock.now(), group_by, threshold)

    def redirect_message(self, server: str, target: str) -> int:
        """Redirect-Message -Server <server> -Target <FQDN>: move the messages waiting in the
        server's delivery queues to the target Mailbox server's Transport service, the step of
        maintenance mode after draining. Returns how many moved."""
        source, dest = self._server(server), self._server(target)
        if dest.name == source.name or not dest.has_role("Mailbox") or dest.version < 2013:
            raise LabError(f"-Target must be another Exchange 2013 Mailbox server, by its FQDN, not '{target}'.")
        moved = self._transport_of(source.name).redirect(dest)
        self._call(self.scheduler.run())
        return moved

    def queue_messages(self, queue: str | None = None) -> Table[MessageRow]:
        """Get-Message: the messages in every queue, or in the queue with this identity."""
        qs = [q for q in self._queues(False) if queue is None or q.identity.lower() == str(queue).lower()]
        return message_table(qs)

    def retry_queue(self, identity: str, resubmit: bool = False) -> None:
        """Retry-Queue: connect now instead of waiting for NextRetryTime (queues in Retry only).
        `resubmit=True` (-Resubmit $true) sends the messages back to the categorizer instead,
        which routes them again: the way to retry the Unreachable queue."""
        owner, queue = self._queue(identity)
        resubmit = arguments.flag(resubmit, "Resubmit")
        if resubmit:
            if queue.delivery_type in ("Undefined", "ShadowRedundancy"):
                raise LabError(f"The queue '{queue.identity}' can't be resubmitted: Retry-Queue -Resubmit "
                               "works on delivery queues and the Unreachable queue.")
            owner.resubmit(queue)
        elif queue.status != "Retry":
            raise LabError(f"The queue '{queue.identity}' is {queue.status}; "
                           "Retry-Queue works only on queues in Retry.")
        else:
            owner.retry_now(queue)
        self._call(self.scheduler.run())

    def suspend_queue(self, identity: str) -> None:
        """Suspend-Queue: no more messages leave the queue until Resume-Queue."""
        owner, queue = self._queue(identity)
        if queue.status == SUSPENDED:
            raise LabError(f"The queue '{queue.identity}' is already suspended.")
        owner.suspend_queue(queue)

    def resume_queue(self, identity: str) -> None:
        """Resume-Queue: a suspended queue goes on; what it holds leaves at its next turn."""
        owner, queue = self._queue(identity)
        if queue.status != SUSPENDED:
            raise LabError(f"The queue '{queue.identity}' is {queue.status}; "
                           "Resume-Queue works only on a suspended queue.")
        owner.resume_queue(queue)
        self._call(self.scheduler.run())

    def suspend_message(self, identity: str) -> None:
        """Suspend-Message (identity as Get-Message shows it): the message stays where it is."""
        owner, queue, msg = self._message(identity)
        if msg.status == SUSPENDED:
            raise LabError(f"The message '{identity}' is already suspended.")
        owner.suspend_message(msg)

    def resume_message(self, identity: str) -> None:
        """Resume-Message: a suspended message may leave its queue again."""
        owner, queue, msg = self._message(identity)
        if msg.status != SUSPENDED:
            raise LabError(f"The message '{identity}' is {msg.status}; "
                           "Resume-Message works only on a suspended message.")
        owner.resume_message(queue, msg)
        self._call(self.scheduler.run())

    def remove_message(self, identity: str, with_ndr: bool = True) -> None:
        """Remove-Message: the message leaves its queue for good, with an NDR to its sender
        unless `with_ndr=False` (-WithNDR $false)."""
        owner, queue, msg = self._message(identity)
        owner.remove_message(queue, msg, arguments.flag(with_ndr, "WithNDR"))
        self._call(self.scheduler.run())

    def add_resubmit_request(self, start: datetime, end: datetime, *, destination: str | None = None,
                             recipient: str | None = None, sender: str | None = None) -> int:
        """Add-ResubmitRequest: replay from Safety Net the messages delivered between `start`
        and `end` (both in the past) to database `destination` (the lab names a database where
        Exchange takes its GUID), or to `recipient` / from `sender`. Returns how many were
        resubmitted; each goes through the categorizer again and is delivered again."""
        request = resubmit_request(start, end, self.clock.now(), self.org.tz, self.databases,
                                   destination=destination, recipient=recipient, sender=sender)
        replayed = sum(t.resubmit_from_safety_net(request) for t in self._transport_services())
        self._call(self.scheduler.run())
        return replayed

    def _queues(self, include_empty: bool) -> list[Queue]:
        return [q for t in self._transport_services() for q in t.all_queues()
                if include_empty or q.messages or q.name == "Submission"]   # Submission persists

    def _queue(self, identity: object) -> tuple[Transport, Queue]:
        """The queue with this Get-Queue identity, and the Transport service that keeps it."""
        self._require_running()
        queue = find_queue(self._queues(True), identity)
        return self._queue_owner(queue), queue

    def _message(self, identity: object) -> tuple[Transport, Queue, QueuedMessage]:
        self._require_running()
        queue, msg = find_message(self._queues(True), identity)
        return self._queue_owner(queue), queue, msg

    def _transport_of(self, server: str) -> Transport:
        found = next((t for t in self._transport_services() if t.server.name == server), None)
        if found is None:
            raise LabError(f"{server} doesn't run the Transport service: Redirect-Message is for Mailbox servers.")
        return found

    def _queue_owner(self, queue: Queue) -> Transport:
        return next(t for t in self._transport_services() if queue in t.all_queues())
