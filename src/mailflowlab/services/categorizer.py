"""The categorizer: resolve and route each recipient of a message in Submission, and split
the message by next hop into delivery queues (fact sheet §1, §4); route a routing change, and
Redirect-Message's hand-over of the delivery queues to another server."""
from __future__ import annotations

from .. import replies
from ..queues import SUSPENDED, Queue, QueuedMessage
from ..routing import INTRA_ORG, NextHop, NoRoute, RecipientNotFound, route, transport_endpoint
from ..topology import Server
from .queue_database import QueueDatabase


class Categorizer(QueueDatabase):
    def categorize_soon(self) -> None:
        """The categorizer takes what is in Submission when the lab next settles."""
        self.ctx.scheduler.now(("categorize", self.server.name), self.run_categorizer)

    async def run_categorizer(self) -> None:
        if not self.running or self.submission.status == SUSPENDED:
            return
        while self.submission.messages:
            self.categorize(self.submission.messages.pop(0))

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
            # A remote mailbox is sent to by its RemoteRoutingAddress (the targetAddress).
            remote = self.ctx.org.remote_mailbox(rcpt)
            groups.setdefault(hop.key, []).append(remote.remote_routing_address if remote else rcpt)
        for key, rcpts in groups.items():
            queue = self.delivery_queue(self.targets[key])
            copy = self.copy_for(msg, rcpts)
            queue.messages.append(copy)
            self.set_timers(copy)
            self.send_when_due(key, queue, None)            # handed on at once
        if unknown:
            self.fail(msg, unknown, "ROUTING")

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
                          hop.next_hop_domain, hop.connector, hop.category, clock=self.ctx.clock.now)
            self._next_queue_number += 1
            self.delivery_queues[hop.key] = queue
        return queue

    def park_unreachable(self, msg: QueuedMessage, rcpt: str, error: str) -> None:
        parked = self.copy_for(msg, [rcpt])
        parked.status, parked.last_error = "Ready", error
        self.unreachable.messages.append(parked)
        self.unreachable.last_error = error
        self.set_timers(parked)

    def routing_changed(self) -> None:
        """Routes are worked out again: idle queues forget their next hop (new mail is routed
        by the new settings), and the Unreachable queue is resubmitted, unless it is suspended:
        "messages are no longer automatically resubmitted to the categorizer when configuration
        updates are detected" until it is resumed (Queues, Exchange Server docs)."""
        for key in [k for k in self.targets if not (q := self.delivery_queues.get(k)) or not q.messages]:
            del self.targets[key]
        if self.unreachable.messages and self.unreachable.status != SUSPENDED:
            self.resubmit_unreachable()

    def redirect(self, target: Server) -> int:
        """Redirect-Message -Server <this> -Target <fqdn>: "drains the active messages from all
        the delivery queues" of this server and hands them to the target's Transport service
        (Redirect-Message reference), which takes them as from any Exchange server and routes
        them again. Submission, Unreachable, Poison, Shadow and suspended messages stay. The
        queue they wait in meanwhile is named as an expansion server's (SmtpRelayToServers,
        NextHopDomain the target's FQDN): INFERRED, no source names it. How many moved."""
        hop = NextHop("SmtpRelayToServers", target.fqdn, INTRA_ORG, ((target.name, transport_endpoint(target)),))
        moving = [(q, m) for q in self.delivery_queues.values() if q.next_hop_domain != target.fqdn
                  for m in q.messages if m.status != SUSPENDED]
        if not moving:
            return 0
        self.targets.setdefault(hop.key, hop)
        queue = self.delivery_queue(hop)
        for old, msg in moving:
            old.messages.remove(msg)
            msg.status, msg.last_error = "Ready", ""
            queue.messages.append(msg)
        self.send_when_due(hop.key, queue, self.ctx.clock.now())
        return len(moving)

    def resubmit_unreachable(self) -> None:
        """A routing change (e.g. a new send connector) resubmits the Unreachable queue."""
        parked, self.unreachable.messages = self.unreachable.messages, []
        self.unreachable.last_error = ""
        self.submission.messages.extend(parked)
        self.categorize_soon()
