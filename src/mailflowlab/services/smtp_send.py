"""SMTP Send: each delivery queue hands its messages to the next hop, and retries on the
virtual clock when that fails (fact sheet §4)."""
from __future__ import annotations

import dataclasses
from datetime import datetime

from .. import replies
from ..hybrid import certificate_subject
from ..queues import Queue
from ..routing import NextHop, finds_servers
from ..smtp.client import relay
from ..smtp.network import ConnectFailed, Peer
from .queue_database import QueueDatabase


class SmtpSend(QueueDatabase):
    def send_when_due(self, key: tuple[str, str, str], queue: Queue, now: datetime | None = None) -> None:
        """SMTP Send for one delivery queue: one hop from now, or at its next retry."""
        async def send() -> None:
            await self.send_next(key)
        if queue.next_retry_time is not None and queue.next_retry_time > self.ctx.clock.now():
            self.ctx.scheduler.at(queue.next_retry_time, ("send", self.server.name, key), send)
        elif now is not None:
            self.ctx.scheduler.now(("send", self.server.name, key), send)
        else:
            self.ctx.scheduler.hand_on(("send", self.server.name, key), send)

    async def send_next(self, key: tuple[str, str, str]) -> None:
        """Hand the queue's first message on if the queue is due; schedule what comes next."""
        queue = self.delivery_queues.get(key)
        if not self.running or queue is None or not queue.due(self.ctx.clock.now()):
            return
        await self.deliver(queue, self.targets[key])
        if queue.messages:
            self.send_when_due(key, queue, self.ctx.clock.now())
        if self.shadowed:
            self.ctx.scheduler.now(("discards", self.server.name), self.send_discards)

    def peer_for(self, hop: NextHop) -> Peer:
        """How this server appears over the hop's send connector: with the certificate named by
        its TlsCertificateName, if it has one (the hybrid connector to EOP)."""
        connector = next((c for c in self.ctx.org.send_connectors if c.name == hop.connector), None)
        if connector is None or not connector.tls_certificate_name:
            return self.peer
        return dataclasses.replace(self.peer, tls=True, certificate=certificate_subject(connector.tls_certificate_name))

    async def deliver(self, queue: Queue, hop: NextHop) -> None:
        """Hand the queue's first message to the next hop; on failure the queue retries."""
        msg = queue.next_ready()
        assert msg is not None                         # send_next checked queue.due()
        now = self.ctx.clock.now()
        error = replies.DNS_NONEXISTENT_DOMAIN
        # Servers of the organization are found with the internal DNS lookups; an MX record
        # (DnsConnectorDelivery) with the external ones, which the lab does not model.
        internal = hop.delivery_type != "DnsConnectorDelivery"
        found = not internal or finds_servers(self.ctx.org, self.server.transport_dns)
        for _name, endpoint in hop.targets if found else ():
            try:
                outcome = await relay(self.ctx.sessions, endpoint, self.peer_for(hop), msg.mail_from,
                                      msg.recipients, msg.content)
            except (ConnectFailed, ConnectionError, TimeoutError):
                error = replies.CONNECT_FAILED.format(endpoint=endpoint)
                continue
            if outcome.setup is not None:
                # The far side refused the session itself (its banner or EHLO: say, no receive
                # connector covers this server's address). Like a failed connection, the queue
                # fails over and then retries, with the reply in its LastError (§5.2).
                error = replies.PROTOCOL_FAILED.format(reply=outcome.setup.text.rstrip("."), endpoint=endpoint)
                continue
            queue.messages.remove(msg)
            queue.succeed()
            if outcome.accepted and queue.delivery_type == "SmtpDeliveryToMailbox":
                self.safety_net.keep(self.copy_for(msg, outcome.accepted), queue.next_hop_domain, self.ctx.clock.now())
            if outcome.accepted:
                self.ctx.tracking.log(self.ctx.clock.now(), self.server.fqdn, "SMTP", "SEND",
                                      sender=msg.mail_from, recipients=outcome.accepted,
                                      subject=msg.subject, message_id=msg.message_id,
                                      connector=hop.connector,
                                      status=outcome.final.text if outcome.final else "")
            permanent = {r: rep.text for r, rep in outcome.refused.items() if not rep.transient}
            transient = [r for r, rep in outcome.refused.items() if rep.transient]
            if permanent:
                self.fail(msg, permanent, "SMTP")
            if transient:
                retry = self.copy_for(msg, transient)
                retry.status, retry.retry_count = "Retry", msg.retry_count + 1
                retry.last_error = outcome.refused[transient[0]].text
                queue.messages.append(retry)
                queue.next_retry_time = now + self.ctx.policy.message_retry_interval
            return
        queue.fail(error, now, self.ctx.policy)
        self.ctx.tracking.log(now, self.server.fqdn, "QUEUE", "DEFER", sender=msg.mail_from,
                              recipients=msg.recipients, subject=msg.subject,
                              message_id=msg.message_id, connector=hop.connector, status=error)
