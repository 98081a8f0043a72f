"""Where the lab's receive connectors listen, and telnet-like sessions at them."""
from __future__ import annotations

import ipaddress

from .. import arguments, browser, connectors, console
from ..errors import LabError
from ..records import ListenerRow
from ..smtp.network import Peer
from ..topology import Endpoint
from ..views import Table
from .base import LabBase


class ListenerCmdlets(LabBase):
    def endpoint(self, server: str, connector: str) -> tuple[str, int]:
        """("127.0.0.1", port) of a receive connector, for telnet, swaks or smtplib."""
        c = connectors.find_receive_connector(self.org, self._server(server).name,
                                              arguments.name(connector, "receive connector"))
        srv = self.org.server(c.server)
        address = self.network.address(Endpoint(srv.ip, c.port))
        if address is None:
            if browser.IN_BROWSER:
                raise LabError(browser.unavailable("endpoint"))
            if not self.network.has_sockets:
                raise LabError("This lab runs in memory: it has no port for telnet, swaks or smtplib. "
                               "Use smtp_session() here, or Lab(..., transport='sockets').")
            raise LabError(f"{c.name} has not been started yet.")
        return address

    def endpoints(self) -> Table[ListenerRow]:
        """Every listener: Exchange's name and port beside the lab's real address."""
        rows = []
        for svc in self.services.values():
            for b in svc.bindings:
                address = self.network.address(b.endpoint)
                lab = f"{address[0]}:{address[1]}" if address else (
                    "" if self.network.has_sockets else "(in memory)")
                for c in b.connectors:
                    rows.append(ListenerRow(svc.server.name, svc.name, c.name, f"{svc.server.ip}:{b.port}",
                                            lab, "Listening" if b.listening else "Stopped"))
        return Table(rows, ["Server", "Service", "Connector", "ExchangeAddress", "LabAddress", "Status"])

    def smtp_session(self, server: str, connector: str, commands: list[str] | str, *,
                     as_ip: str | None = None, as_name: str = "unknown") -> console.Transcript:
        """A telnet-like session at a receive connector (see `console`): the transcript, after
        the lab has settled. `as_ip` makes it come from a simulated address (a printer)."""
        c = connectors.find_receive_connector(self.org, self._server(server).name, connector)
        srv = self.org.server(c.server)
        lines = arguments.lines(commands, "commands")
        caller = None
        if as_ip is not None:
            try:
                ipaddress.ip_address(as_ip)
            except ValueError:
                raise LabError(f"'{as_ip}' is not an IP address.") from None
            caller = Peer(as_name, as_ip)
        transcript = self._call(
            console.run_session(self.network, Endpoint(srv.ip, c.port), srv.fqdn, lines, caller))
        self.settle()
        return transcript

    def open_connections(self, server: str, connector: str, count: int, *, as_ip: str | None = None) -> list[str]:
        """`count` connections to a receive connector held open at once by one client (from
        `as_ip`, else an outside client): the first line each heard, the banner or, past the
        connector's connection limits, a 421. All are closed before it returns."""
        c = connectors.find_receive_connector(self.org, self._server(server).name, connector)
        caller = None if as_ip is None else Peer("unknown", arguments.ip_address(as_ip, "as_ip"))
        endpoint = Endpoint(self.org.server(c.server).ip, c.port)
        heard: list[str] = self._call(console.first_replies(
            self.network, endpoint, arguments.whole(count, "count", 1, 100), caller))
        self.settle()
        return heard
