"""What every transport service shares: the lab context, its listeners, start and stop."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from ..clock import VirtualClock
from ..ids import IdSource
from ..queues import RetryPolicy
from ..smtp.listener import Binding, SessionInfo
from ..smtp.network import Endpoint, Peer, SimulatedNetwork
from ..smtp import replies
from ..store import Database
from ..topology import Organization, Server
from ..protocol_log import ProtocolLog
from ..tracking import TrackingLog


@dataclass
class PathLog:
    """Which service handled which message, in order: what `Lab.diagram` draws."""
    steps: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))

    def record(self, message_id: str | None, server: str, service: str) -> None:
        if message_id:
            self.steps[message_id].append((server, service))


@dataclass
class LabContext:
    """The shared things a service may use: AD (the org), time, ids, logs and the network."""
    org: Organization
    clock: VirtualClock
    network: SimulatedNetwork
    ids: IdSource
    tracking: TrackingLog
    protocol_log: ProtocolLog
    paths: PathLog
    databases: dict[str, Database]
    policy: RetryPolicy
    kick: Callable[[], None]
    resolve_mx: Callable[[str], Endpoint | None]


class Service:
    """A transport service on one server: its receive connectors become listeners."""

    name: str = ""

    def __init__(self, ctx: LabContext, server: Server) -> None:
        self.ctx = ctx
        self.server = server
        self.running = False
        self.bindings: list[Binding] = []
        self.sync_bindings()

    def sync_bindings(self) -> None:
        """One listener per Exchange port of this service's connectors (new ports get one)."""
        by_port: dict[int, list] = defaultdict(list)
        for c in self.ctx.org.connectors_of(self.server.name, self.name):
            by_port[c.port].append(c)
        known = {b.port: b for b in self.bindings}
        for port, connectors in sorted(by_port.items()):
            if port in known:
                known[port].connectors[:] = connectors
            else:
                self.bindings.append(Binding(self.server, self.name, port, connectors, self.ctx.network,
                                             self, self.ctx.org.is_accepted, self.ctx.clock.now,
                                             self.ctx.org.authenticate, self.ctx.protocol_log))

    @property
    def peer(self) -> Peer:
        """How this service appears when it connects to the next hop."""
        return Peer(self.server.fqdn, self.server.ip, exchange=True, legacy=self.server.version < 2013)

    async def start(self) -> None:
        for b in self.bindings:
            await b.start()
        self.running = True

    async def stop(self) -> None:
        for b in self.bindings:
            await b.stop()
        self.running = False

    async def run_due(self) -> bool:
        """Do one piece of work that is due now; False when there is none."""
        return False

    def next_due(self) -> datetime | None:
        """When this service next has work to do on its own (a retry), if ever."""
        return None

    # Listener callbacks; services with listeners override these.
    async def check_recipient(self, session: SessionInfo, address: str) -> str:
        return replies.RECIPIENT_OK

    async def receive(self, session: SessionInfo, mail_from: str, recipients: list[str],
                      content: bytes) -> str:
        raise NotImplementedError(f"{self.name} has no receive connector")

    def endpoint(self, port: int) -> Endpoint:
        return Endpoint(self.server.ip, port)
