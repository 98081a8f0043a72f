"""The Lab: an organization brought to life as SMTP listeners, over loopback sockets or in memory.

    with Lab(scenarios.exchange2013demo()) as lab:
        msg = lab.send("alice@exchange2013demo.com", "bob@exchange2013demo.com", subject="Hello")
        lab.mailbox("bob@exchange2013demo.com").messages[-1]

The Lab is the facade and the only place that wires services together; they talk to each
other over SMTP through the lab's `Network`, and their due work waits on one `Scheduler`.
Calls that move mail return when every message they set going has come to rest: delivered,
waiting in a queue or an Outbox, or failed with a report.

`transport="sockets"` (the default in CPython) serves every receive connector on 127.0.0.1 from
a background loop thread, so telnet, swaks and curl can connect. `transport="memory"` (the
default in a browser) has no socket and no thread: each call runs to completion in the
caller's thread. The same actions give byte-identical mail either way.
"""
from __future__ import annotations

import functools
import os
import weakref
from collections.abc import Callable
from datetime import datetime
from typing import Any

from . import arguments, browser
from .clock import EPOCH, VirtualClock
from .cmdlets import Cmdlets
from .cmdlets.base import Driver
from .errors import LabError
from .ids import IdSource
from .protocol_log import ProtocolLog
from .queues import RetryPolicy
from .routing import resolve_mx
from .runtime import Inline, LoopThread, Runtime
from .scheduler import Scheduler
from .services.base import Service
from .services.context import LabContext, PathLog
from .services.edge import EdgeTransport
from .services.frontend import FrontEndTransport
from .services.hub2010 import HubTransport2010
from .services.internet import Internet
from .services.mailbox_transport import MailboxTransportDelivery, MailboxTransportSubmission
from .services.transport import Transport
from .smtp.client import SessionCache
from .smtp.network import MemoryNetwork, Network, SocketNetwork
from .store import Database, MailboxFolders
from .topology import (
    EDGE_TRANSPORT,
    FRONT_END_TRANSPORT,
    HUB_TRANSPORT_2010,
    MAILBOX_TRANSPORT_DELIVERY,
    MAILBOX_TRANSPORT_SUBMISSION,
    TRANSPORT,
    Endpoint,
    Organization,
)
from .tracking import TrackingLog

__all__ = ["Lab", "LabError", "default_transport"]

SERVICE_CLASSES: dict[str, type[Service]] = {
    FRONT_END_TRANSPORT: FrontEndTransport,
    TRANSPORT: Transport,
    MAILBOX_TRANSPORT_SUBMISSION: MailboxTransportSubmission,
    MAILBOX_TRANSPORT_DELIVERY: MailboxTransportDelivery,
    HUB_TRANSPORT_2010: HubTransport2010,
    EDGE_TRANSPORT: EdgeTransport,
}

TRANSPORTS = ("sockets", "memory")


def default_transport() -> str:
    """Memory in a browser (no sockets, no threads there); else MFL_TRANSPORT or sockets."""
    if browser.IN_BROWSER:
        return "memory"
    chosen = os.environ.get("MFL_TRANSPORT", "sockets")
    return chosen if chosen in TRANSPORTS else "sockets"


class Lab(Cmdlets):
    """Owns the runtime, the clock, the scheduler and every service of one organization; its
    cmdlets come from the modules of `mailflowlab.cmdlets`."""

    def __init__(self, org: Organization, *, seed: int = 2013, start: datetime | None = None,
                 transport: str | None = None, host: str = "127.0.0.1",
                 port_for: Callable[[Endpoint], int] | None = None,
                 hosts_for: Callable[[Endpoint], tuple[str, ...]] | None = None) -> None:
        org = arguments.organization(org)
        self.transport = transport or default_transport()
        if self.transport not in TRANSPORTS:
            raise LabError(f"transport must be 'sockets' or 'memory', not {transport!r}.")
        if self.transport == "sockets" and browser.IN_BROWSER:
            raise LabError(browser.unavailable("sockets"))
        self.org = org
        self.clock = VirtualClock(arguments.moment(start or EPOCH, "start", org.tz).astimezone(org.tz))
        self.scheduler = Scheduler(self.clock)
        self.network: Network = (SocketNetwork(host, port_for, hosts_for) if self.transport == "sockets"
                                 else MemoryNetwork())
        self.scheduler.background = self.transport == "sockets"
        self.tracking = TrackingLog()
        self.ids = IdSource(seed)
        self.databases = {d.name: Database(d.name, d.server) for d in org.databases}
        for m in [*org.mailboxes, *org.system_mailboxes]:
            self.databases[m.database].mailboxes[m.address.lower()] = MailboxFolders(m.address)
        # Cached sessions end when the far connector's timeouts say so, in virtual time.
        sessions = SessionCache(self.network, now=self.clock.now, timeouts=org.session_timeouts)
        self.ctx = LabContext(org, self.clock, self.scheduler, self.network, sessions,
                              self.ids, self.tracking, ProtocolLog(self.clock.now), PathLog(),
                              self.databases, RetryPolicy(), functools.partial(resolve_mx, org))
        self.services: dict[tuple[str, str], Service] = {}
        for server in org.servers:
            for name in server.services:
                cls = SERVICE_CLASSES.get(name)
                if cls is not None:
                    self.services[(server.name, name)] = cls(self.ctx, server)
        self._hubs = {s.server.name: s for s in self.services.values() if isinstance(s, HubTransport2010)}
        for hub in self._hubs.values():
            hub.hubs = self._hubs
        self._driver = Driver(self.scheduler)
        #: Outside senders, outside mailboxes and DNS: `lab.internet.send(...)`.
        self.internet = Internet(self.ctx, self._driver.settle)
        self._finalizer: weakref.finalize[Any, Lab] | None = None

    # --- life cycle -------------------------------------------------------------------
    def start(self) -> Lab:
        """Start the runtime and every service's listeners."""
        if self.runtime is not None:
            return self
        runtime = LoopThread(f"mailflowlab {self.org.domain}") if self.transport == "sockets" else Inline()
        parts: list[Service | Internet] = [*self.services.values(), self.internet]
        try:
            runtime.call(_start_all(parts, self.scheduler))
        except BaseException:
            _shutdown(runtime, parts, self.ctx.sessions, self.scheduler)
            raise
        self._driver.runtime = runtime
        # A lab dropped without close() still stops its listeners and thread (on collection):
        # nothing the runtime holds refers to the Lab itself.
        self._finalizer = weakref.finalize(self, _shutdown, runtime, parts, self.ctx.sessions,
                                           self.scheduler)
        return self

    def close(self) -> None:
        """Stop every listener and the runtime; nothing of the lab is left running."""
        if self._finalizer is not None:
            self._finalizer()
        self._finalizer = None
        self._driver.runtime = None

    def __enter__(self) -> Lab:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def runtime(self) -> Runtime | None:
        """Where the lab's coroutines run while it is started (None when it is not)."""
        return self._driver.runtime

    # --- moving time ------------------------------------------------------------------
    def advance(self, *, days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0) -> datetime:
        """Move virtual time forward, running every retry that falls due on the way."""
        delta = arguments.duration(days=days, hours=hours, minutes=minutes, seconds=seconds, since=self.clock.now())
        self._call(self.scheduler.advance(delta))
        return self.clock.now()

    def now(self) -> datetime:
        return self.clock.now()

    def watch_clock(self, callback: Callable[[], object]) -> None:
        """Call `callback()` in the caller's thread after each lab call that moved the virtual
        clock (mail sent, time advanced), so a panel made before later cells redraws. A bound
        method is held weakly: a panel that is gone is forgotten."""
        self._driver.watch(callback)


# --- coroutines the Lab runs; module functions, so no runtime object holds the Lab itself ---------
async def _start_all(parts: list[Service | Internet], scheduler: Scheduler) -> None:
    for part in parts:
        await part.start()
    await scheduler.run()


async def _stop_all(parts: list[Service | Internet], sessions: SessionCache, scheduler: Scheduler) -> None:
    async with scheduler.turn:                  # the piece of work under way finishes first
        for part in parts:
            part.running = False
        await sessions.close_all()
        for part in parts:
            await part.stop()


def _shutdown(runtime: Runtime, parts: list[Service | Internet], sessions: SessionCache,
              scheduler: Scheduler) -> None:
    """Close every listener and session, then the runtime (also when a lab is collected)."""
    try:
        runtime.call(_stop_all(parts, sessions, scheduler))
    finally:
        runtime.close()
