"""Shadow redundancy (fact sheet §4.3): a copy of each message on another Mailbox server of
the site until this one has delivered it."""
from __future__ import annotations

from .. import replies
from ..message import header, prepend
from ..queues import Queue, QueuedMessage
from ..routing import mailbox_servers, transport_endpoint
from ..smtp.client import converse, relay
from ..smtp.network import ConnectFailed
from .queue_database import QueueDatabase
from .smtp_receive import SessionInfo

#: Marks a shadow copy and names its primary: "<primary FQDN> <InternalId>". Exchange agrees
#: on shadows with its own SMTP extensions; the lab carries the request in an organization
#: header, which the header firewall (§3.1) keeps anyone but an Exchange server from sending.
SHADOW_OF = "X-MS-Exchange-Organization-Shadow-Of"

#: Shadow ids per discard command: an SMTP command line must stay within 512 octets (RFC 5321).
DISCARDS_PER_COMMAND = 25


class ShadowRedundancy(QueueDatabase):
    async def make_redundant(self, msg: QueuedMessage) -> None:
        """Before acknowledging, hand a copy to another Mailbox server of the site, which keeps
        it in a Shadow queue until this server has delivered the message. If no other server
        answers, accept anyway: RejectMessageOnShadowFailure is $false by default. A shadow is
        never delivered by the lab: it would be only if this server's queue database were lost
        (a stopped service keeps it), so a shadow can never make a second copy arrive.

        Its HAREDIRECT event names no connector and no recipient status: a real Exchange 2013
        (15.00.1104) line has both empty, and `<shadow server> = 250 2.6.0 ... Queued mail for
        redundancy` in source-context ([SAMPLE] a message tracking log quoted in the tests of
        github.com/awslabs/kinesis-agent-windows, ExchangeLogParserTest)."""
        if not self.server.has_role("Mailbox") or self.server.version < 2013:
            return
        content = prepend(msg.content, SHADOW_OF, f"{self.server.fqdn} {msg.internal_id}")
        for other in mailbox_servers(self.ctx.org, self.server.site):
            if other.name == self.server.name:
                continue
            try:
                outcome = await relay(self.ctx.sessions, transport_endpoint(other), self.peer,
                                      msg.mail_from, msg.recipients, content)
            except (ConnectFailed, ConnectionError, TimeoutError):
                continue
            if outcome.final is not None and outcome.final.ok:
                self.shadowed[msg.internal_id] = other.name
                self.ctx.tracking.log(self.ctx.clock.now(), self.server.fqdn, "SMTP", "HAREDIRECT",
                                      sender=msg.mail_from, recipients=msg.recipients,
                                      subject=msg.subject, message_id=msg.message_id,
                                      context=f"{other.fqdn} = {outcome.final.text}")
                return

    def keep_shadow(self, session: SessionInfo, mail_from: str, recipients: list[str],
                    content: bytes, shadow_of: str) -> str:
        """As the shadow server: hold the copy in the Shadow queue of its primary server."""
        primary, _, internal_id = shadow_of.partition(" ")
        queue = self.shadow_queues.get(primary.lower())
        if queue is None:
            queue = Queue(self.server.name, f"Shadow\\{self._next_queue_number}", "ShadowRedundancy", primary,
                          clock=self.ctx.clock.now)
            self._next_queue_number += 1
            self.shadow_queues[primary.lower()] = queue
        now = self.ctx.clock.now()
        copy = QueuedMessage(int(internal_id), content, mail_from, list(recipients),
                             header(content, "Subject") or "", header(content, "Message-ID") or "",
                             now, now + self.ctx.policy.message_expiration_timeout,
                             f"SMTP:{session.connector.name if session.connector else ''}", session.peer.ip)
        queue.messages.append(copy)
        self.ctx.tracking.log(now, self.server.fqdn, "SMTP", "HARECEIVE", sender=mail_from,
                              recipients=recipients, subject=copy.subject, message_id=copy.message_id,
                              connector=f"{self.server.name}\\{copy.source[5:]}", status=f"shadow of {primary}")
        return replies.queued_for_redundancy(copy.message_id, copy.internal_id, self.server.fqdn)

    async def discard_shadows(self, session: SessionInfo, internal_ids: list[str]) -> str:
        """As the shadow server: the primary delivered these messages; drop their shadows."""
        queue = self.shadow_queues.get(session.peer.name.lower())
        if queue is not None:
            done = set(internal_ids)
            for copy in [m for m in queue.messages if str(m.internal_id) in done]:
                queue.messages.remove(copy)
                self.ctx.tracking.log(self.ctx.clock.now(), self.server.fqdn, "REDUNDANCY", "HADISCARD",
                                      sender=copy.mail_from, recipients=copy.recipients,
                                      subject=copy.subject, message_id=copy.message_id)
        return replies.OK

    async def send_discards(self) -> None:
        """As primary: tell each shadow server which shadows it may drop, once the messages
        have left every queue here. A shadow server that is down hears it at a later try."""
        if not self.running:
            return
        if self.shadowed:
            present = {m.internal_id for q in self.all_queues() for m in q.messages}
            for internal_id, shadow in list(self.shadowed.items()):
                if internal_id not in present:
                    del self.shadowed[internal_id]
                    self.discards.setdefault(shadow, []).append(internal_id)
        for name, ids in sorted(self.discards.items()):
            batches = [ids[i:i + DISCARDS_PER_COMMAND] for i in range(0, len(ids), DISCARDS_PER_COMMAND)]
            try:
                answers = await converse(self.ctx.sessions, transport_endpoint(self.ctx.org.server(name)),
                                         self.peer, ["XSHADOWDISCARD " + " ".join(map(str, b)) for b in batches])
                reply = answers[-1] if len(answers) == len(batches) else None
            except (ConnectFailed, ConnectionError, TimeoutError):
                reply = None
            if reply is not None and reply.ok:
                del self.discards[name]
        if self.discards:
            retry = self.ctx.clock.now() + self.ctx.policy.transient_failure_retry_interval
            self.ctx.scheduler.at(retry, ("discards", self.server.name), self.send_discards)
