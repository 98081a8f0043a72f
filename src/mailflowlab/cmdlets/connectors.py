"""Get-, Set- and New-ReceiveConnector; Get-, New- and Set-SendConnector."""
from __future__ import annotations

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
        auth_tarpit_interval= and tarpit_interval= seconds or a timedelta): the next SMTP
        session meets the new settings."""
        connectors.set_receive_connector(self.org, self._server(server).name, name, **changes)

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

    def set_send_connector(self, name: str, *, frontend_proxy: bool) -> None:
        """Set-SendConnector -FrontendProxyEnabled: "Proxy through Client Access server"."""
        connectors.find_send_connector(self.org, name).frontend_proxy = bool(frontend_proxy)
        self._routing_changed()
