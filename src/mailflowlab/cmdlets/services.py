"""Stop-Service, Start-Service, Get-Service, the health reads of the Transport service and
maintenance mode (Set-/Get-ServerComponentState)."""
from __future__ import annotations

from .. import maintenance
from ..back_pressure import ResourceRow
from ..maintenance import ComponentStateRow
from ..records import ServiceStatus
from ..scheduler import Scheduler
from ..services.base import Service
from ..services.transport import Transport
from ..topology import TRANSPORT
from ..views import Table
from .base import LabBase


class ServiceCmdlets(LabBase):
    def stop_service(self, server: str, service: str) -> None:
        """Stop-Service: its listeners close, so a real client connecting now is refused.

        Like the real service it stops gracefully: a message being handed over finishes
        first, so a message is never cut off between "delivered" and its 250."""
        svc = self.service(server, service)
        self._call(_stop_one(svc, self.scheduler))

    def start_service(self, server: str, service: str) -> None:
        """Start-Service: listeners open again (same ports when free) and waiting work runs."""
        svc = self.service(server, service)
        self._call(_start_one(svc, self.scheduler))

    def services_table(self) -> Table[ServiceStatus]:
        """Every transport service with its status, like Get-Service on each server."""
        return Table([ServiceStatus(s, n, "Running" if svc.running else "Stopped")
                      for (s, n), svc in self.services.items()], ["Server", "Service", "Status"])

    def back_pressure(self, server: str | None = None) -> Table[ResourceRow]:
        """The pressure on each resource Transport watches, on every Mailbox server or one
        (what Get-ExchangeDiagnosticInfo -Process EdgeTransport -Component ResourceThrottling
        reports)."""
        wanted = self._server(server).name if server is not None else None
        return Table([row for t in self._transport_services() if wanted in (None, t.server.name)
                      for row in t.resources.rows()], list(ResourceRow.__dataclass_fields__))

    def set_server_component_state(self, server: str, component: str, state: str,
                                   requester: str = "Maintenance") -> None:
        """Set-ServerComponentState <server> -Component -State -Requester: maintenance mode
        starts with `("MB1", "HubTransport", "Draining")`. A draining Transport service takes
        no new message (`421 4.3.2 Service not available` at MAIL FROM) but delivers what it
        holds; Front End Transport and Submission pass it over. `"Active"` with the same
        requester ends it."""
        maintenance.set_state(self._server(server), component, state, requester)
        self._call(self.scheduler.run())

    def server_component_state(self, server: str | None = None) -> Table[ComponentStateRow]:
        """Get-ServerComponentState: the transport components of every 2013 server, or one."""
        servers = [self._server(server)] if server is not None else [
            s for s in self.org.servers if s.version >= 2013 and not s.has_role("Edge")]
        return Table([row for s in servers for row in maintenance.component_rows(s)],
                     list(ComponentStateRow.__dataclass_fields__))

    def set_resource_pressure(self, server: str, resource: str, pressure: str) -> None:
        """Put a resource of a server's Transport service under pressure ("Medium", "High") or
        relieve it ("Normal"): the lab's stand-in for a queue disk filling up or memory running
        short. The next MAIL FROM meets the new pressure."""
        transport = self.service(server, TRANSPORT)
        assert isinstance(transport, Transport)          # the service named Transport
        transport.resources.set(resource, pressure)


async def _start_one(svc: Service, scheduler: Scheduler) -> None:
    await svc.start()
    await scheduler.run()


async def _stop_one(svc: Service, scheduler: Scheduler) -> None:
    async with scheduler.turn:                  # the piece of work under way finishes first
        await svc.stop()
