"""Get-, Set- and New-ReceiveConnector; Get-, New- and Set-SendConnector."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import connectors
from ..views import Table
from .base import LabBase


class ConnectorCmdlets(LabBase):
    def receive_connectors(self, server: str | None = None) -> Table[connectors.ReceiveConnectorRow]:
        """Get-ReceiveConnector: name, service, port, permission groups, remote IP ranges."""
        return connectors.receive_connector_table(self.org, self._server(server).name if server else None)

    def set_receive_connector(self, server: str, name: str, **changes: Any) -> None:
        """Set-ReceiveConnector (permission_groups=, remote_ip_ranges=, enabled=,
        max_message_size=, auth_mechanism=, protocol_logging="Verbose"|"None",
        auth_tarpit_interval= and tarpit_interval= seconds or a timedelta; the connection
        limits max_inbound_connection=, max_inbound_connection_per_source= (a number or
        "Unlimited"), max_inbound_connection_percentage_per_source=, connection_timeout= and
        connection_inactivity_timeout=; tls_domain_capabilities=; bindings="0.0.0.0:25"): the
        next SMTP session meets the new settings; a new binding listens at once."""
        c = connectors.set_receive_connector(self.org, self._server(server).name, name, **changes)
        if changes.get("bindings") is not None:
            svc = self.service(c.server, c.service)
            if self._driver.runtime is not None:
                self._call(svc.rebind())
            else:
                svc.sync_bindings()

    def new_receive_connector(self, server: str, name: str, **settings: Any) -> None:
        """New-ReceiveConnector (remote_ip_ranges=, port=25, permission_groups=,
        anonymous_relay=): e.g. a relay connector for a device's IP; it listens at once."""
        c = connectors.new_receive_connector(self.org, self._server(server).name, name, **settings)
        svc = self.service(c.server, c.service)
        svc.sync_bindings()
        if svc.running and self._driver.runtime is not None:
            self._call(svc.start())

    def send_connectors(self) -> Table[connectors.SendConnectorRow]:
        """Get-SendConnector."""
        return connectors.send_connector_table(self.org)

    def new_send_connector(self, name: str, **settings: Any) -> None:
        """New-SendConnector (address_spaces=["*"], source_servers=, frontend_proxy=False, smart_hosts=): a
        routing change, so every Unreachable queue is resubmitted and its mail moves on."""
        connectors.new_send_connector(self.org, name, **settings)
        self._routing_changed()

    def set_send_connector(self, name: str, *, frontend_proxy: bool | None = None,
                           smart_hosts: list[str] | None = None,
                           address_spaces: str | Iterable[str] | None = None) -> None:
        """Set-SendConnector -FrontendProxyEnabled ("Proxy through Client Access server"),
        -SmartHosts (the names the next hop is found by) and -AddressSpaces (the domains it
        sends to, '*' for all): a routing change."""
        connectors.set_send_connector(self.org, name, frontend_proxy=frontend_proxy, smart_hosts=smart_hosts,
                                      address_spaces=address_spaces)
        self._routing_changed()
