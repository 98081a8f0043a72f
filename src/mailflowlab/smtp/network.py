"""The simulated network: Exchange addresses on top of real loopback sockets.

Every listener really listens on 127.0.0.1 at a port the OS chose. The lab keeps two
tables so that headers and routing can speak of 10.0.0.12:475 instead:

* `Endpoint` -> real port: where a service's connector listens (its "IP and port").
* real client port -> `Peer`: who is calling. A service registers the local port of each
  connection it opens, so the listener can stamp `from MB2.exchange2013demo.com (10.0.0.12)`.
  A connection from an unregistered port is an outside client (telnet, swaks, curl): it gets
  the lab's "Internet" address unless the lab was told otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Endpoint:
    """A simulated address and an Exchange port, e.g. Endpoint("10.0.0.12", 475)."""
    ip: str
    port: int

    def __str__(self) -> str:
        return f"{self.ip}:{self.port}"


@dataclass(frozen=True)
class Peer:
    """Who is on the other end of an SMTP session, as Exchange sees it."""
    name: str                   # the EHLO name it uses (an FQDN for servers)
    ip: str                     # its simulated IP
    exchange: bool = False      # an Exchange server of this organization (ExchangeServers)
    legacy: bool = False        # an Exchange 2007/2010 server (ExchangeLegacyServers)
    authenticated_as: str | None = None   # the mailbox a client logged on as (AUTH LOGIN)
    tls: bool = False           # the client's session is encrypted (it said STARTTLS)


#: Where outside clients (telnet, swaks, a learner's smtplib) appear to come from:
#: TEST-NET-3, an address range reserved for documentation.
OUTSIDE_CLIENT = Peer("unknown", "203.0.113.50")


class SimulatedNetwork:
    """Lab-wide address book of listeners and callers."""

    def __init__(self) -> None:
        self._ports: dict[Endpoint, int] = {}
        self._callers: dict[int, Peer] = {}
        self.outside_client: Peer = OUTSIDE_CLIENT
        #: Open SMTP sessions kept for the next message to the same place (see client.relay).
        self.idle_sessions: dict[tuple[Endpoint, Peer], Any] = {}

    def publish(self, endpoint: Endpoint, real_port: int) -> None:
        """A listener for `endpoint` now lives at 127.0.0.1:`real_port`."""
        self._ports[endpoint] = real_port

    def real_port(self, endpoint: Endpoint) -> int | None:
        """The loopback port of `endpoint`, or None if nothing was ever started there.
        A stopped service keeps its port number, so connecting to it is refused for real."""
        return self._ports.get(endpoint)

    def endpoint_of(self, real_port: int) -> Endpoint | None:
        for ep, port in self._ports.items():
            if port == real_port:
                return ep
        return None

    def register_caller(self, local_port: int, peer: Peer) -> None:
        self._callers[local_port] = peer

    def forget_caller(self, local_port: int) -> None:
        self._callers.pop(local_port, None)

    def caller(self, local_port: int) -> Peer:
        """Who opened the connection from 127.0.0.1:`local_port`."""
        return self._callers.get(local_port, self.outside_client)
