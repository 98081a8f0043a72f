"""The Transport service on a Mailbox server: the only service with queues.

"Virtually identical to the Hub Transport server role in previous versions": SMTP Receive
puts every message in the Submission queue; the categorizer resolves recipients, routes
them and splits the message by next hop into delivery queues; SMTP Send hands each queue's
messages to the next hop, retrying on the virtual clock when that fails (fact sheet §1, §4).
"""
from __future__ import annotations

from datetime import datetime

from .. import dsn
from ..back_pressure import ResourceMonitor
from ..headers import format_smtp_received
from ..message import header, prepend, strip_org_headers
from ..queues import SUSPENDED, Queue, QueuedMessage
from ..routing import (
    INTRA_ORG,
    NextHop,
    NoRoute,
    RecipientNotFound,
    finds_servers,
    mailbox_servers,
    route,
    transport_endpoint,
)
from ..safety_net import ResubmitRequest, SafetyNet
from ..smtp import replies
from ..smtp.client import converse, relay
from ..smtp.network import ConnectFailed
from ..topology import TRANSPORT, Server
from .base import LabContext, Service
from .smtp_receive import SessionInfo

NETWORK_MESSAGE_ID = "X-MS-Exchange-Organization-Network-Message-Id"

#: Marks a shadow copy and names its primary: "<primary FQDN> <InternalId>". Exchange agrees
#: on shadows with its own SMTP extensions; the lab carries the request in an organization
#: header, which the header firewall (§3.1) keeps anyone but an Exchange server from sending.
SHADOW_OF = "X-MS-Exchange-Organization-Shadow-Of"

#: Shadow ids per discard command: an SMTP command line must stay within 512 octets (RFC 5321).
DISCARDS_PER_COMMAND = 25


class Transport(Service):
    """MSExchangeTransport (EdgeTransport.exe) on an Exchange 2013 Mailbox server."""

    name = TRANSPORT
    #: Recipient filtering on a Mailbox server: "When recipient filtering on a Mailbox server
    #: detects one invalid or blocked recipient in a message that contains other valid
    #: recipients, the message is rejected" (Enable anti-spam functionality on Mailbox servers).
    #: The Edge's refuses only the blocked recipient.
    rejects_whole_message = True

    def __init__(self, ctx: LabContext, server: Server) -> None:
        super().__init__(ctx, server)
        s = server.name
        self.submission = Queue(s, "Submission", "Undefined", "Submission")
        self.unreachable = Queue(s, "Unreachable", "Unreachable", "Unreachable Domain")
        self.poison = Queue(s, "Poison", "Undefined", "Poison Message")
        self.delivery_queues: dict[tuple[str, str, str], Queue] = {}
        self.targets: dict[tuple[str, str, str], NextHop] = {}
        self._next_queue_number = 3
        # Shadow redundancy (§4.3). As primary: which server holds the shadow of each message,
        # and the shadows it may now discard. As shadow server: one Shadow\<n> queue per primary.
        self.shadowed: dict[int, str] = {}
        self.discards: dict[str, list[int]] = {}
        self.shadow_queues: dict[str, Queue] = {}
        #: The Recipient Filter agent: not installed in Transport on a Mailbox server by default
        #: (Install-AntiSpamAgents.ps1); `Lab.set_recipient_filter_config` turns it on.
        self.recipient_filter = False
        #: Back pressure (see `back_pressure`): the pressure on this service's resources.
        self.resources = ResourceMonitor(s)
        #: What this service delivered to mailbox databases, for Add-ResubmitRequest.
        self.safety_net = SafetyNet()

    # --- work on the scheduler ---------------------------------------------------------
    def schedule_pending(self) -> None:
        """On start: categorize what waits in Submission, send what is due, and set the
        timers of every waiting message again (work that fell due while stopped was dropped)."""
        now = self.ctx.clock.now()
        if self.submission.messages:
            self.categorize_soon()
        for key, queue in self.delivery_queues.items():
            if queue.messages:
                self.send_when_due(key, queue, now)
        for _queue, msg in self.waiting():
            self.set_timers(msg)
        if self.discards or self.shadowed:
            self.ctx.scheduler.now(("discards", self.server.name), self.send_discards)

    def categorize_soon(self) -> None:
        """The categorizer takes what is in Submission when the lab next settles."""
        self.ctx.scheduler.now(("categorize", self.server.name), self.run_categorizer)

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

    def set_timers(self, msg: QueuedMessage) -> None:
        """A waiting message's two timers: its delay DSN and its expiry (§4.4)."""
        times = [msg.expiration_time]
        if msg.mail_from and not msg.delay_dsn_sent:
            times.append(msg.date_received + self.ctx.policy.delay_notification_timeout)
        for when in times:
            self.ctx.scheduler.at(max(when, self.ctx.clock.now()), ("waiting", self.server.name),
                                  self.expire_or_notify)

    async def run_categorizer(self) -> None:
        if not self.running or self.submission.status == SUSPENDED:
            return
        while self.submission.messages:
            self.categorize(self.submission.messages.pop(0))

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

    # --- SMTP Receive ---------------------------------------------------------------
    async def check_recipient(self, session: SessionInfo, address: str) -> str:
        """The Recipient Filter agent, where it runs: in mail from the Internet that isn't
        authenticated, an address of an accepted domain that no recipient has is blocked with
        `550 5.1.1 User unknown`. Mail from inside the organization is not filtered."""
        org = self.ctx.org
        if (self.recipient_filter and session.from_internet and org.is_accepted(address.rpartition("@")[2])
                and org.mailbox(address) is None):
            return replies.USER_UNKNOWN
        return replies.RECIPIENT_OK

    async def check_sender(self, session: SessionInfo, address: str) -> str:
        """Back pressure: under High pressure (Medium, for a sender outside the authoritative
        domains) MAIL FROM gets `452 4.3.1 Insufficient system resources`."""
        return self.resources.mail_from_reply(self.ctx.org, address) or replies.SENDER_OK

    def stamp(self, session: SessionInfo, content: bytes, when: datetime) -> bytes:
        """Add this hop's Received header: `with Microsoft SMTP Server (TLS) id 15.0...`.
        Exchange servers talk TLS to each other; an Internet client without STARTTLS does not."""
        return prepend(content, "Received", format_smtp_received(
            from_host=session.helo or session.peer.name, from_ip=session.peer.ip,
            by_host=self.server.fqdn, by_ip=self.server.ip, build=self.server.build,
            tls=session.tls, via=None, when=when))

    async def receive(self, session: SessionInfo, mail_from: str, recipients: list[str],
                      content: bytes) -> str:
        if session.blocked and self.rejects_whole_message:
            # UNCERTAIN: Microsoft says only that "the message is rejected"; the lab refuses it
            # after the final dot with the Recipient Filter's own reply, for every recipient.
            return replies.USER_UNKNOWN
        if not session.is_exchange_server:
            content = strip_org_headers(content)
        shadow_of = header(content, SHADOW_OF)
        if shadow_of is not None:
            return self.keep_shadow(session, mail_from, recipients, content, shadow_of)
        if header(content, NETWORK_MESSAGE_ID) is None:
            content = prepend(content, NETWORK_MESSAGE_ID, self.ctx.ids.guid())
        if header(content, "Message-ID") is None:
            # A telnet-typed message has none; Exchange gives it <guid@server> (§5.1's reply).
            content = prepend(content, "Message-ID", f"<{self.ctx.ids.guid()}@{self.server.fqdn}>")
        now = self.ctx.clock.now()
        content = self.stamp(session, content, now)
        connector = session.connector.name if session.connector else ""
        msg = self.queued_message(content, mail_from, recipients, f"SMTP:{connector}", session.peer.ip)
        await self.make_redundant(msg)
        self.submission.messages.append(msg)
        self.ctx.paths.record(msg.message_id, self.server.name, self.name)
        self.ctx.tracking.log(now, self.server.fqdn, "SMTP", "RECEIVE", sender=mail_from,
                              recipients=recipients, subject=msg.subject, message_id=msg.message_id,
                              connector=f"{self.server.name}\\{connector}", status="250 2.6.0")
        self.categorize_soon()
        return replies.queued(msg.message_id, msg.internal_id, self.server.fqdn)

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

    # --- shadow redundancy (§4.3) ---------------------------------------------------------
    async def make_redundant(self, msg: QueuedMessage) -> None:
        """Before acknowledging, hand a copy to another Mailbox server of the site, which keeps
        it in a Shadow queue until this server has delivered the message. If no other server
        answers, accept anyway: RejectMessageOnShadowFailure is $false by default. A shadow is
        never delivered by the lab: it would be only if this server's queue database were lost
        (a stopped service keeps it), so a shadow can never make a second copy arrive."""
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
                                      connector=INTRA_ORG, status=other.fqdn)
                return

    def keep_shadow(self, session: SessionInfo, mail_from: str, recipients: list[str],
                    content: bytes, shadow_of: str) -> str:
        """As the shadow server: hold the copy in the Shadow queue of its primary server."""
        primary, _, internal_id = shadow_of.partition(" ")
        queue = self.shadow_queues.get(primary.lower())
        if queue is None:
            queue = Queue(self.server.name, f"Shadow\\{self._next_queue_number}", "ShadowRedundancy", primary)
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
        return replies.queued(copy.message_id, copy.internal_id, self.server.fqdn)

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

    # --- the work loop ----------------------------------------------------------------
    def all_queues(self) -> list[Queue]:
        return [self.submission, *self.delivery_queues.values(), *self.shadow_queues.values(),
                self.unreachable, self.poison]

    def waiting(self) -> list[tuple[Queue, QueuedMessage]]:
        """Messages waiting for a next hop: in delivery queues and in Unreachable."""
        return [(q, m) for q in [*self.delivery_queues.values(), self.unreachable] for m in q.messages]

    # --- delay DSN and expiry (§4.2, §4.4) ---------------------------------------------
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

    # --- the categorizer ------------------------------------------------------------------
    def categorize(self, msg: QueuedMessage) -> None:
        """Resolve and route each recipient; bifurcate the message per next hop."""
        groups: dict[tuple[str, str, str], list[str]] = {}
        unknown: dict[str, str] = {}
        for rcpt in msg.recipients:
            if self.too_large(msg, rcpt):
                unknown[rcpt] = replies.ORG_SIZE_LIMIT
                continue
            try:
                hop = route(self.ctx.org, self.server, rcpt, self.ctx.resolve_mx)
            except RecipientNotFound:
                unknown[rcpt] = replies.RECIP_NOT_FOUND
                continue
            except NoRoute as exc:
                self.park_unreachable(msg, rcpt, str(exc))
                continue
            self.targets.setdefault(hop.key, hop)
            groups.setdefault(hop.key, []).append(rcpt)
        for key, rcpts in groups.items():
            queue = self.delivery_queue(self.targets[key])
            copy = self.copy_for(msg, rcpts)
            queue.messages.append(copy)
            self.set_timers(copy)
            self.send_when_due(key, queue)
        if unknown:
            self.fail(msg, unknown, source="ROUTING")

    def too_large(self, msg: QueuedMessage, rcpt: str) -> bool:
        """Over the organization's MaxSendSize/MaxReceiveSize (§5.3)? Measured by the message's
        length (the lab writes no X-MS-Exchange-Organization-OriginalSize). DSNs are exempt, and
        an Edge, outside the forest, does not hold the organization's transport config."""
        if not msg.mail_from or self.server.has_role("Edge"):
            return False
        limit = self.ctx.org.size_limit(msg.mail_from, rcpt)
        return limit is not None and len(msg.content) > limit

    def delivery_queue(self, hop: NextHop) -> Queue:
        queue = self.delivery_queues.get(hop.key)
        if queue is None:
            queue = Queue(self.server.name, str(self._next_queue_number), hop.delivery_type,
                          hop.next_hop_domain, hop.connector, hop.category)
            self._next_queue_number += 1
            self.delivery_queues[hop.key] = queue
        return queue

    def copy_for(self, msg: QueuedMessage, recipients: list[str]) -> QueuedMessage:
        return QueuedMessage(msg.internal_id, msg.content, msg.mail_from, recipients, msg.subject,
                             msg.message_id, msg.date_received, msg.expiration_time, msg.source,
                             msg.source_ip)

    def park_unreachable(self, msg: QueuedMessage, rcpt: str, error: str) -> None:
        parked = self.copy_for(msg, [rcpt])
        parked.status, parked.last_error = "Ready", error
        self.unreachable.messages.append(parked)
        self.unreachable.last_error = error
        self.set_timers(parked)

    def routing_changed(self) -> None:
        """Routes are worked out again: idle queues forget their next hop (new mail is routed
        by the new settings), and the Unreachable queue is resubmitted."""
        for key in [k for k in self.targets if not (q := self.delivery_queues.get(k)) or not q.messages]:
            del self.targets[key]
        if self.unreachable.messages:
            self.resubmit_unreachable()

    def retry_now(self, queue: Queue) -> None:
        """Retry-Queue: the queue connects now instead of at NextRetryTime."""
        for key, q in self.delivery_queues.items():
            if q is queue:
                queue.next_retry_time = self.ctx.clock.now()
                self.send_when_due(key, queue, self.ctx.clock.now())

    # --- the queue cmdlets (Suspend-Queue, Resume-Queue, Retry-Queue -Resubmit, ...-Message) ---
    def _key(self, queue: Queue) -> tuple[str, str, str] | None:
        return next((k for k, q in self.delivery_queues.items() if q is queue), None)

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
            self.fail(msg, failures, source="ADMIN")
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

    def _wake(self, queue: Queue) -> None:
        """Schedule the work a resumed queue or message has waiting."""
        if queue is self.submission:
            self.categorize_soon()
        elif (key := self._key(queue)) is not None and queue.messages:
            self.send_when_due(key, queue, self.ctx.clock.now())

    def resubmit_unreachable(self) -> None:
        """A routing change (e.g. a new send connector) resubmits the Unreachable queue."""
        parked, self.unreachable.messages = self.unreachable.messages, []
        self.unreachable.last_error = ""
        self.submission.messages.extend(parked)
        self.categorize_soon()

    # --- SMTP Send --------------------------------------------------------------------
    async def deliver(self, queue: Queue, hop: NextHop) -> None:
        """Hand the queue's first message to the next hop; on failure the queue retries."""
        msg = queue.next_ready()
        assert msg is not None                         # send_next checked queue.due()
        now = self.ctx.clock.now()
        last = None
        # Servers of the organization are found with the internal DNS lookups; an MX record
        # (DnsConnectorDelivery) with the external ones, which the lab does not model.
        internal = hop.delivery_type != "DnsConnectorDelivery"
        found = not internal or finds_servers(self.ctx.org, self.server.transport_dns)
        for _name, endpoint in hop.targets if found else ():
            try:
                outcome = await relay(self.ctx.sessions, endpoint, self.peer, msg.mail_from,
                                      msg.recipients, msg.content)
            except (ConnectFailed, ConnectionError, TimeoutError):
                last = endpoint
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
                self.fail(msg, permanent, source="SMTP")
            if transient:
                retry = self.copy_for(msg, transient)
                retry.status, retry.retry_count = "Retry", msg.retry_count + 1
                retry.last_error = outcome.refused[transient[0]].text
                queue.messages.append(retry)
                queue.next_retry_time = now + self.ctx.policy.message_retry_interval
            return
        error = replies.CONNECT_FAILED.format(endpoint=last) if last else replies.DNS_NONEXISTENT_DOMAIN
        queue.fail(error, now, self.ctx.policy)
        self.ctx.tracking.log(now, self.server.fqdn, "QUEUE", "DEFER", sender=msg.mail_from,
                              recipients=msg.recipients, subject=msg.subject,
                              message_id=msg.message_id, connector=hop.connector, status=error)

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
