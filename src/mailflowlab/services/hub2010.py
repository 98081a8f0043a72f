"""Exchange 2010 Hub Transport, for comparison with 2013's three services.

In 2010 one service does it all. Its store driver pulls a message from the Outbox over
MAPI/RPC and puts it "directly in the Submission queue" (one Received header, `with mapi
id 14.03...`); the categorizer then delivers to a mailbox in the same site with the store
driver again, over MAPI: no SMTP hop, and (INFERRED, fact sheet §0.2 F) no second header.

In a DAG whose members are also Hub Transport servers two rules change that (dd638137, §0.2):
Mail Submission notifies another member's Hub rather than the local one
(`routing.mail_submission_order`), and a Hub that has the recipient's database mounted
locally relays the message over SMTP to another Hub of the site (`routing.dag_reroute`),
which delivers it over MAPI: then the message carries a second, SMTP header.
"""
from __future__ import annotations

from datetime import datetime

from ..headers import format_mapi_received, format_smtp_received, long_build
from ..message import prepend
from ..queues import Queue
from ..routing import DAG_REROUTE, NextHop, mail_submission_order
from ..store import Database, MailboxFolders, OutboxItem
from ..topology import HUB_TRANSPORT_2010, Organization, Server
from .context import LabContext
from .mailbox_transport import submission_headers
from .smtp_receive import SessionInfo
from .transport import Transport


class HubTransport2010(Transport):
    """MSExchangeTransport on an Exchange 2010 Hub Transport server, with its store driver."""

    name = HUB_TRANSPORT_2010
    #: AGENTINFO is not in the Exchange 2010 list of message tracking events.
    writes_agentinfo = False

    def __init__(self, ctx: LabContext, server: Server) -> None:
        super().__init__(ctx, server)
        #: Every 2010 Hub of the lab by server name (the Lab wires them): Mail Submission on
        #: a Mailbox server chooses among them.
        self.hubs: dict[str, HubTransport2010] = {server.name: self}

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

    def _notified_databases(self) -> list[Database]:
        """Databases whose Mailbox server's Mail Submission service notifies this Hub."""
        return [db for db in self._local_databases()
                if notified_hub(self.hubs, self.ctx.org, self.ctx.org.server(db.server)) is self]

    def outbox_saved(self, folders: MailboxFolders, item: OutboxItem) -> None:
        """The store driver picks a message up from a 2010 Outbox one hop later."""
        self.ctx.scheduler.hand_on(("pick up", self.server.name), self.pick_up)

    def schedule_pending(self) -> None:
        super().schedule_pending()
        if any(f.outbox for db in self._notified_databases() for f in db.mailboxes.values()):
            self.ctx.scheduler.now(("pick up", self.server.name), self.pick_up)

    async def pick_up(self) -> None:
        """The store driver takes every message from the Outboxes it was told about into
        Submission, stamping `from <Mailbox server> by <this Hub> with mapi`."""
        if not self.running:
            return
        for db in self._notified_databases():
            mbx_server = self.ctx.org.server(db.server)
            for _, folders in sorted(db.mailboxes.items()):
                while folders.outbox:
                    item = folders.outbox.pop(0)
                    now = self.ctx.clock.now()
                    content = submission_headers(item.content, self.server.fqdn)
                    content = prepend(content, "Received", format_mapi_received(
                        host=mbx_server.fqdn, ip=mbx_server.ip, by_host=self.server.fqdn,
                        by_ip=self.server.ip, build=long_build(self.server.build), when=now))
                    folders.sent.append(item.content)
                    msg = self.enqueue(content, folders.address, item.recipients, "FromLocal", mbx_server.ip)
                    self.ctx.tracking.log(now, self.server.fqdn, "STOREDRIVER", "RECEIVE",
                                          sender=folders.address, recipients=item.recipients,
                                          subject=msg.subject, message_id=msg.message_id)

    async def deliver(self, queue: Queue, hop: NextHop) -> None:
        """Same-site 2010 mailboxes get the store driver; everything else goes by SMTP. A DAG
        reroute goes by SMTP to another Hub while one runs; with none, this Hub delivers the
        message itself (UNCERTAIN: Microsoft only says the Hub "attempts" to reroute)."""
        local = {db.name for db in self._local_databases()}
        no_other_hub = not any(self.hubs[name].running for name, _ in hop.targets if name in self.hubs)
        by_store_driver = hop.next_hop_domain in local and (
            hop.delivery_type == "MapiDelivery" or (hop.delivery_type == DAG_REROUTE and no_other_hub))
        if not by_store_driver:
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


def notified_hub(hubs: dict[str, HubTransport2010], org: Organization,
                 mailbox_server: Server) -> HubTransport2010 | None:
    """The Hub that Mail Submission on `mailbox_server` notifies: the first running one in its
    order of preference, or the first one if none runs (it picks up when it starts)."""
    order = [hubs[s.name] for s in mail_submission_order(org, mailbox_server) if s.name in hubs]
    return next((h for h in order if h.running), order[0] if order else None)
