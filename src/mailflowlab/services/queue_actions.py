"""What the queue cmdlets do inside Transport: Retry-Queue (and -Resubmit), Suspend- and
Resume-Queue and -Message, Remove-Message, and Add-ResubmitRequest's replay from Safety Net."""
from __future__ import annotations

from .. import replies
from ..queues import SUSPENDED, Queue, QueuedMessage
from ..safety_net import ResubmitRequest
from .queue_database import QueueDatabase


class QueueActions(QueueDatabase):
    def retry_now(self, queue: Queue) -> None:
        """Retry-Queue: the queue connects now instead of at NextRetryTime."""
        for key, q in self.delivery_queues.items():
            if q is queue:
                queue.next_retry_time = self.ctx.clock.now()
                self.send_when_due(key, queue, self.ctx.clock.now())

    def suspend_queue(self, queue: Queue) -> None:
        """Suspend-Queue: no more messages leave the queue (one being handed on finishes)."""
        queue.status = SUSPENDED

    def resume_queue(self, queue: Queue) -> None:
        """Resume-Queue: the queue goes on where it was, in Retry if its retry is still ahead."""
        now = self.ctx.clock.now()
        waiting = queue.next_retry_time is not None and queue.next_retry_time > now
        queue.status = "Retry" if waiting else "Ready"
        self._wake(queue)

    def resubmit(self, queue: Queue) -> None:
        """Retry-Queue -Resubmit: the queue's messages go back to the categorizer, which routes
        them again (how the Unreachable queue is retried)."""
        if queue is self.unreachable:
            self.resubmit_unreachable()
            return
        parked, queue.messages = queue.messages, []
        queue.succeed()
        self.submission.messages.extend(parked)
        self.categorize_soon()

    def suspend_message(self, msg: QueuedMessage) -> None:
        """Suspend-Message: the message stays in its queue; the others go on without it."""
        msg.status = SUSPENDED

    def resume_message(self, queue: Queue, msg: QueuedMessage) -> None:
        """Resume-Message: the message may leave again, at its queue's next turn."""
        msg.status = "Retry" if queue.status == "Retry" else "Ready"
        self._wake(queue)

    def remove_message(self, queue: Queue, msg: QueuedMessage, with_ndr: bool) -> None:
        """Remove-Message: the message leaves the queue for good; -WithNDR $true (the default)
        sends its sender an NDR, $false removes it silently. Either way the tracking log
        writes a FAIL with source ADMIN."""
        queue.messages.remove(msg)
        failures = {r: replies.ADMIN_REMOVED for r in msg.recipients}
        if with_ndr:
            self.fail(msg, failures, "ADMIN")
        else:
            for rcpt, status in failures.items():
                self.ctx.tracking.log(self.ctx.clock.now(), self.server.fqdn, "ADMIN", "FAIL",
                                      sender=msg.mail_from, recipients=[rcpt], subject=msg.subject,
                                      message_id=msg.message_id, status=status)
        if self.shadowed:
            self.ctx.scheduler.now(("discards", self.server.name), self.send_discards)

    def resubmit_from_safety_net(self, request: ResubmitRequest) -> int:
        """Add-ResubmitRequest: replay the kept copies the request asks for through the
        categorizer (a RESUBMIT event each); how many there were."""
        now = self.ctx.clock.now()
        replayed = self.safety_net.replay(request, now)
        for msg in replayed:
            self.ctx.tracking.log(now, self.server.fqdn, "SAFETYNET", "RESUBMIT", sender=msg.mail_from,
                                  recipients=msg.recipients, subject=msg.subject, message_id=msg.message_id)
            self.submission.messages.append(self.copy_for(msg, msg.recipients))
        if replayed:
            self.categorize_soon()
        return len(replayed)

    def _key(self, queue: Queue) -> tuple[str, str, str] | None:
        return next((k for k, q in self.delivery_queues.items() if q is queue), None)

    def _wake(self, queue: Queue) -> None:
        """Schedule the work a resumed queue or message has waiting."""
        if queue is self.submission:
            self.categorize_soon()
        elif (key := self._key(queue)) is not None and queue.messages:
            self.send_when_due(key, queue, self.ctx.clock.now())
