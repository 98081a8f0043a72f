"""What every transport service shares: the lab context, its listeners, start and stop."""
from __future__ import annotations

import ssl
from collections import defaultdict

from .. import replies
from ..smtp.certificates import server_tls_context
from ..smtp.network import Peer
from ..topology import Endpoint, ReceiveConnector, Server
from .context import LabContext
from .smtp_receive import ReceiveBinding, SessionInfo


class Service:
    """A transport service on one server: its receive connectors become listeners."""

    name: str = ""

    def __init__(self, ctx: LabContext, server: Server) -> None:
        self.ctx = ctx
        self.server = server
        self.running = False
        self.bindings: list[ReceiveBinding] = []
        self.sync_bindings()

    def sync_bindings(self) -> list[ReceiveBinding]:
        """One listener per Exchange port of this service's connectors (new ports get one).
        Returns the bindings of ports no connector uses any more, now removed: a running
        listener among them is the caller's to stop."""
        by_port: dict[int, list[ReceiveConnector]] = defaultdict(list)
        for c in self.ctx.org.connectors_of(self.server.name, self.name):
            by_port[c.port].append(c)
        unused = [b for b in self.bindings if b.port not in by_port]
        self.bindings[:] = [b for b in self.bindings if b.port in by_port]
        known = {b.port: b for b in self.bindings}
        for port, connectors in sorted(by_port.items()):
            if port in known:
                known[port].connectors[:] = connectors
            else:
                self.bindings.append(ReceiveBinding(self.ctx, self.server, self.name, port, connectors,
                                                    self, self.tls_context))
        return unused

    async def rebind(self) -> None:
        """After a connector moved to another port: the port it left stops listening (if no other
        connector uses it) and, while the service runs, the new port starts."""
        for b in self.sync_bindings():
            await b.listener.stop()
        if self.running:
            for b in self.bindings:
                if not b.listening:
                    await b.listener.start()

    def tls_context(self) -> ssl.SSLContext:
        """This server's self-signed certificate, for a client that says STARTTLS."""
        return server_tls_context(self.server.name, self.server.fqdn)

    @property
    def peer(self) -> Peer:
        """How this service appears when it connects to the next hop."""
        return Peer(self.server.fqdn, self.server.ip, exchange=True, legacy=self.server.version < 2013,
                    edge=self.server.has_role("Edge"))

    async def start(self) -> None:
        """Open the listeners, then schedule the work that waited while the service was down."""
        for b in self.bindings:
            await b.listener.start()
        self.running = True
        self.schedule_pending()

    async def stop(self) -> None:
        """Close the listeners; work that falls due meanwhile is dropped until `start`."""
        self.running = False
        for b in self.bindings:
            await b.listener.stop()

    def schedule_pending(self) -> None:
        """Put this service's waiting work on the scheduler (services with queues override)."""

    # Listener callbacks; services with listeners override these.
    async def check_sender(self, session: SessionInfo, address: str) -> str:
        return replies.SENDER_OK

    async def check_recipient(self, session: SessionInfo, address: str) -> str:
        return replies.RECIPIENT_OK

    async def receive(self, session: SessionInfo, mail_from: str, recipients: list[str],
                      content: bytes) -> str:
        raise NotImplementedError(f"{self.name} has no receive connector")

    async def discard_shadows(self, session: SessionInfo, internal_ids: list[str]) -> str:
        return replies.UNRECOGNIZED

    def endpoint(self, port: int) -> Endpoint:
        return Endpoint(self.server.ip, port)
