"""What every cmdlet may use of the lab: its parts and a few shared helpers.

The cmdlet mixins derive from `LabBase`; `Lab` sets these attributes when it is built.
"""
from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from .. import arguments
from ..clock import VirtualClock
from ..errors import LabError
from ..ids import IdSource
from ..runtime import Runtime
from ..scheduler import Scheduler
from ..services.base import Service
from ..services.context import LabContext
from ..services.hub2010 import HubTransport2010
from ..services.internet import Internet
from ..services.transport import Transport
from ..smtp.network import Network
from ..store import Database, MailboxFolders
from ..topology import Organization, Server, names_service
from ..tracking import TrackingLog

T = TypeVar("T")


class Driver:
    """The running lab's runtime and scheduler, for whatever must settle the lab
    (`lab.internet.send`) without holding the Lab itself."""

    def __init__(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler
        self.runtime: Runtime | None = None
        self._watchers: list[Callable[[], Callable[[], object] | None]] = []

    def require(self) -> Runtime:
        if self.runtime is None:
            raise LabError("The lab is not running: use `with Lab(...) as lab:` or call lab.start().")
        return self.runtime

    def settle(self) -> None:
        self.call(self.scheduler.run())

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine of the lab, which must be running; when it moved the clock, tell
        whoever watches it (`watch`)."""
        try:
            runtime = self.require()
        except LabError:
            coro.close()
            raise
        before = self.scheduler.clock.now()
        try:
            return runtime.call(self.scheduler.during_call(coro))
        finally:
            if self.scheduler.clock.now() != before:
                self._clock_moved()

    def watch(self, callback: Callable[[], object]) -> None:
        """Call `callback()` after each call that moved the clock; a bound method weakly."""
        self._watchers.append(weakref.WeakMethod(callback) if inspect.ismethod(callback)
                              else lambda: callback)

    def _clock_moved(self) -> None:
        alive = [(ref, callback) for ref in self._watchers if (callback := ref()) is not None]
        self._watchers = [ref for ref, _ in alive]
        for _, callback in alive:
            callback()


class LabBase:
    """The parts of a lab the cmdlets work on (set by `Lab.__init__`) and their shared helpers."""

    org: Organization
    clock: VirtualClock
    scheduler: Scheduler
    ids: IdSource
    tracking: TrackingLog
    network: Network
    ctx: LabContext
    databases: dict[str, Database]
    services: dict[tuple[str, str], Service]
    internet: Internet
    _hubs: dict[str, HubTransport2010]
    _driver: Driver

    def settle(self) -> None:
        """Wait until mail sent from outside (telnet, swaks, smtplib) has come to rest."""
        self._driver.settle()

    def service(self, server: str, service: str) -> Service:
        """Find a service by server and any of its names ('Transport', 'MSExchangeTransport' or
        'Microsoft Exchange Transport')."""
        srv = self._server(server)
        service = arguments.name(service, "service")
        for (s, n), svc in self.services.items():
            if s == srv.name and names_service(service, n):
                return svc
        runs = ", ".join(srv.services) or "no transport service"
        raise LabError(f"{srv.name} does not run a service named '{service}'. It runs: {runs}.")

    def _require_running(self) -> Runtime:
        return self._driver.require()

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine of the lab, which must be running."""
        return self._driver.call(coro)

    def _server(self, name: str) -> Server:
        name = arguments.name(name, "server")
        try:
            return self.org.server(name)
        except KeyError as exc:
            raise LabError(exc.args[0]) from None

    def _folders(self, address: str) -> MailboxFolders:
        mbx = self.org.mailbox(arguments.address(address, "mailbox"))
        if mbx is None:
            known = ", ".join(m.address for m in self.org.mailboxes)
            raise LabError(f"There is no mailbox '{address}' in {self.org.domain}. Mailboxes: {known}.")
        return self.databases[mbx.database].folders(mbx.address)

    def _transport_services(self) -> list[Transport]:
        return [s for s in self.services.values() if isinstance(s, Transport)]

    def _routing_changed(self) -> None:
        """Routes are worked out again: idle queues forget their next hop; Unreachable is
        resubmitted."""
        for t in self._transport_services():
            t.routing_changed()
        self._call(self.scheduler.run())
