"""Exchange 2010 Hub Transport, for comparison with 2013's three services.

In 2010 one service does it all. Its store driver pulls a message from the Outbox over
MAPI/RPC and puts it "directly in the Submission queue" (one Received header, `with mapi
id 14.03...`); the categorizer then delivers to a mailbox in the same site with the store
driver again, over MAPI: no SMTP hop, and (INFERRED, fact sheet §0.2 F) no second header.
"""
from __future__ import annotations

from ..headers import format_mapi_received, format_smtp_received, long_build
from ..message import prepend
from ..queues import Queue
from ..routing import NextHop
from ..smtp.listener import SessionInfo
from ..topology import HUB_TRANSPORT_2010
from .mailbox_transport import submission_headers
from .transport import Transport


class HubTransport2010(Transport):
    """MSExchangeTransport on an Exchange 2010 Hub Transport server, with its store driver."""

    name = HUB_TRANSPORT_2010

    def stamp(self, session: SessionInfo, content: bytes, when) -> bytes:  # type: ignore[no-untyped-def]
        return prepend(content, "Received", format_smtp_received(
            from_host=session.helo or session.peer.name, from_ip=session.peer.ip,
            by_host=self.server.fqdn, by_ip=self.server.ip, build=self.server.build,
            tls=session.tls, via=None, when=when))

    def _local_databases(self):  # type: ignore[no-untyped-def]
        """2010 databases in this Hub's site: its store driver serves them over MAPI."""
        site = self.server.site
        return [db for name, db in sorted(self.ctx.databases.items())
                if self.ctx.org.server(db.server).site == site and self.ctx.org.server(db.server).version == 2010]

    async def run_due(self) -> bool:
        if not self.running:
            return False
        if self.pick_up():
            return True
        return await super().run_due()

    def pick_up(self) -> bool:
        """The store driver takes one message from a 2010 Outbox into the Submission queue."""
        for db in self._local_databases():
            mbx_server = self.ctx.org.server(db.server)
            for _, folders in sorted(db.mailboxes.items()):
                if not folders.outbox:
                    continue
                item = folders.outbox.pop(0)
                now = self.ctx.clock.now()
                content = submission_headers(item.content, self.server.fqdn)
                content = prepend(content, "Received", format_mapi_received(
                    host=mbx_server.fqdn, ip=mbx_server.ip, by_host=self.server.fqdn,
                    by_ip=self.server.ip, build=long_build(self.server.build), when=now))
                folders.sent_items.append(item.message)
                msg = self.enqueue(content, folders.address, item.recipients, "FromLocal", mbx_server.ip)
                self.ctx.tracking.log(now, self.server.fqdn, "STOREDRIVER", "RECEIVE", sender=folders.address,
                                      recipients=item.recipients, subject=msg.subject, message_id=msg.message_id)
                return True
        return False

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
