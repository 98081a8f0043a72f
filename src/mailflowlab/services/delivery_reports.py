"""Delay DSNs, expiry and NDRs (fact sheet §4.2, §4.4): what a sender hears about mail
that waits too long or cannot be delivered."""
from __future__ import annotations

from datetime import datetime

from .. import dsn, replies
from ..queues import Queue, QueuedMessage
from ..routing import INTRA_ORG
from .queue_database import QueueDatabase


class DeliveryReports(QueueDatabase):
    def set_timers(self, msg: QueuedMessage) -> None:
        """A waiting message's two timers: its delay DSN and its expiry (§4.4)."""
        times = [msg.expiration_time]
        if msg.mail_from and not msg.delay_dsn_sent:
            times.append(msg.date_received + self.ctx.policy.delay_notification_timeout)
        for when in times:
            self.ctx.scheduler.at(max(when, self.ctx.clock.now()), ("waiting", self.server.name),
                                  self.expire_or_notify)

    async def expire_or_notify(self) -> None:
        """Messages past MessageExpirationTimeOut get an NDR and leave their queue; those still
        waiting after DelayNotificationTimeOut get their one delay DSN to the sender."""
        if not self.running:
            return
        now = self.ctx.clock.now()
        for queue, msg in self.waiting():
            if msg.expiration_time <= now:
                queue.messages.remove(msg)
                self.fail(msg, {r: replies.QUEUE_EXPIRED for r in msg.recipients}, source="QUEUE")
        for queue, msg in self.waiting():
            if (msg.mail_from and not msg.delay_dsn_sent
                    and msg.date_received + self.ctx.policy.delay_notification_timeout <= now):
                msg.delay_dsn_sent = True
                self.notify_delay(queue, msg, now)

    def notify_delay(self, queue: Queue, msg: QueuedMessage, now: datetime) -> None:
        hop = next((h for k, h in self.targets.items() if self.delivery_queues.get(k) is queue), None)
        remote = (f"{hop.targets[-1][0]} ({hop.targets[-1][1].ip})" if hop is not None and hop.targets
                  else queue.next_hop_domain)
        report = dsn.delay(domain=self.ctx.org.domain, generating_server=self.server.fqdn,
                           original=msg.content, original_subject=msg.subject,
                           original_sender=msg.mail_from, recipients=msg.recipients, remote=remote,
                           last_error=msg.last_error or queue.last_error,
                           time_left=msg.expiration_time - now,
                           message_id=self.ctx.ids.message_id(self.server.fqdn), when=now)
        self.send_dsn(report, msg.mail_from, f"{replies.MESSAGE_DELAYED}; related to {msg.message_id}", now)

    def fail(self, msg: QueuedMessage, failures: dict[str, str], source: str) -> None:
        """Recipients that cannot be delivered: FAIL in the tracking log, and an NDR to the
        sender (never an NDR about an NDR: a null sender gets none)."""
        now = self.ctx.clock.now()
        for rcpt, status in failures.items():
            self.ctx.tracking.log(now, self.server.fqdn, source, "FAIL", sender=msg.mail_from,
                                  recipients=[rcpt], subject=msg.subject, message_id=msg.message_id,
                                  status=status)
        if not msg.mail_from:
            return
        report = dsn.ndr(domain=self.ctx.org.domain, generating_server=self.server.fqdn,
                         original=msg.content, original_subject=msg.subject,
                         original_sender=msg.mail_from, failures=failures,
                         message_id=self.ctx.ids.message_id(self.server.fqdn), when=now)
        self.send_dsn(report, msg.mail_from, f"related to {msg.message_id}", now)

    def send_dsn(self, report: bytes, to: str, status: str, now: datetime) -> None:
        """Queue a DSN for `to` (the null sender <> sends it, so it can never bounce back) and
        log the tracking log's DSN event."""
        notice = self.enqueue(report, "", [to], "DSN", self.server.ip)
        self.ctx.tracking.log(now, self.server.fqdn, "DSN", "DSN", sender="", recipients=[to],
                              subject=notice.subject, message_id=notice.message_id,
                              connector=INTRA_ORG, status=status)
