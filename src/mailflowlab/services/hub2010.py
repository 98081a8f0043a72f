"""Exchange 2010 Hub Transport, for comparison with 2013's three services.

In 2010 one service does it all. Its store driver pulls a message from the Outbox over
MAPI/RPC and puts it "directly in the Submission queue" (one Received header, `with mapi
id 14.03...`); the categorizer then delivers to a mailbox in the same site with the store
driver again, over MAPI: no SMTP hop, and (INFERRED, fact sheet §0.2 F) no second header.
"""
from __future__ import annotations

from datetime import datetime

from ..headers import format_mapi_received, format_smtp_received, long_build
from ..message import prepend
from ..queues import Queue
from ..routing import NextHop
from ..store import Database, MailboxFolders, OutboxItem
from ..topology import HUB_TRANSPORT_2010
from .mailbox_transport import submission_headers
from .smtp_receive import SessionInfo
from .transport import Transport


class HubTransport2010(Transport):
    """MSExchangeTransport on an Exchange 2010 Hub Transport server, with its store driver."""

    name = HUB_TRANSPORT_2010

    def stamp(self, session: SessionInfo, content: bytes, when: datetime) -> bytes:
        return prepend(content, "Received", format_smtp_received(
            from_host=session.helo or session.peer.name, from_ip=session.peer.ip,
            by_host=self.server.fqdn, by_ip=self.server.ip, build=self.server.build,
            tls=session.tls, via=None, when=when))

    def _local_databases(self) -> list[Database]:
        """2010 databases in this Hub's site: its store driver serves them over MAPI."""
        site = self.server.site
        return [db for name, db in sorted(self.ctx.databases.items())
                if self.ctx.org.server(db.server).site == site and self.ctx.org.server(db.server).version == 2010]

    def outbox_saved(self, folders: MailboxFolders, item: OutboxItem) -> None:
        """The store driver picks a message up from a 2010 Outbox one hop later."""
        self.ctx.scheduler.hand_on(("pick up", self.server.name), self.pick_up)

    def schedule_pending(self) -> None:
        super().schedule_pending()
        if any(f.outbox for db in self._local_databases() for f in db.mailboxes.values()):
            self.ctx.scheduler.now(("pick up", self.server.name), self.pick_up)

    async def pick_up(self) -> None:
        """The store driver takes every message from the 2010 Outboxes into Submission."""
        if not self.running:
            return
        for db in self._local_databases():
            mbx_server = self.ctx.org.server(db.server)
            for _, folders in sorted(db.mailboxes.items()):
                while folders.outbox:
                    item = folders.outbox.pop(0)
                    now = self.ctx.clock.now()
                    content = submission_headers(item.content, self.server.fqdn)
                    content = prepend(content, "Received", format_mapi_received(
                        host=mbx_server.fqdn, ip=mbx_server.ip, by_host=self.server.fqdn,
                        by_ip=self.server.ip, build=long_build(self.server.build), when=now))
                    folders.sent_items.append(item.message)
                    msg = self.enqueue(content, folders.address, item.recipients, "FromLocal", mbx_server.ip)
                    self.ctx.tracking.log(now, self.server.fqdn, "STOREDRIVER", "RECEIVE",
                                          sender=folders.address, recipients=item.recipients,
                                          subject=msg.subject, message_id=msg.message_id)

    async def deliver(self, queue: Queue, hop: NextHop) -> None:
        """Same-site 2010 mailboxes get the store driver; everything else goes by SMTP."""
        local = {db.name for db in self._local_databases()}
        if hop.delivery_type != "MapiDelivery" or hop.next_hop_domain not in local:
            await super().deliver(queue, hop)
            return
        msg = queue.messages.pop(0)
        queue.succeed()
        for rcpt in msg.recipients:
            self.ctx.databases[hop.next_hop_domain].deliver(rcpt, msg.content)
        self.ctx.paths.record(msg.message_id, self.server.name, "store driver")
        self.ctx.tracking.log(self.ctx.clock.now(), self.server.fqdn, "STOREDRIVER", "DELIVER",
                              sender=msg.mail_from, recipients=msg.recipients, subject=msg.subject,
                              message_id=msg.message_id, status="250 2.1.5 Recipient OK")
