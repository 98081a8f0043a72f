"""The seam: where services listen and connect, over loopback sockets or in memory.

Every SMTP conversation in the lab, between services, from the Internet and from the
console, goes through one `Network`:

* `listen(endpoint, factory)`: serve a simulated endpoint (10.0.0.12:475) with a new protocol
  object per session;
* `connect(endpoint, caller)`: open a session to it as `caller` and get asyncio streams.

Two implementations. `SocketNetwork` listens on real loopback ports (127.0.0.1, port chosen
by the OS unless a teacher fixes them), so telnet, swaks and curl can connect too.
`MemoryNetwork` joins the two protocols with in-memory transports: no socket, no thread,
which is the only way there is in a browser.

**Who is calling travels with the connection**, never guessed from a port. In memory the
network hands the caller to the server's protocol as it connects. Over sockets the lab's own
client sends a one-time ticket as its first line (as Postfix's XCLIENT names a client for a
trusted proxy); the listener redeems it before the SMTP server reads anything. A connection
without a valid ticket is an outside client, whatever port it comes from.

A ticket is worth nothing to anyone who reads it off the wire (a classmate on a shared
machine who binds the port of a stopped service, issue 20 D1):

* the lab never dials an endpoint it knows is stopped: the caller hears connection refused
  (Winsock 10061), as from Exchange, and nothing leaves the lab;
* a ticket is bound to the one connection it was issued for: the lab's client binds its
  source port first and registers the ticket under it, for one endpoint; the listener
  redeems it only from that source address, at that endpoint, once, and within
  TICKET_LIFETIME seconds.

Why not a shared secret per lab, the client proving itself with an HMAC over the endpoint
and a nonce the server sends? Client and listeners live in one process and share the ticket
table, so there is no secret to share over the wire, and a nonce would have to travel in the
greeting every telnet user reads. Binding the ticket to its TCP connection gives what the
HMAC would (a captured ticket proves nothing on any other connection), with no change to
what an outside client sees.
"""
from __future__ import annotations

import asyncio
import hmac
import secrets
import socket
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ..topology import Endpoint
from .memory import pipe


@dataclass(frozen=True)
class Peer:
    """Who is on the other end of an SMTP session, as Exchange sees it."""
    name: str                   # the EHLO name it uses (an FQDN for servers)
    ip: str                     # its simulated IP
    exchange: bool = False      # an Exchange server of this organization (ExchangeServers)
    legacy: bool = False        # an Exchange 2007/2010 server (ExchangeLegacyServers)
    authenticated_as: str | None = None   # the mailbox a client logged on as (AUTH LOGIN)
    tls: bool = False           # the client's session is encrypted (it said STARTTLS)
    edge: bool = False          # an Edge Transport server: what it relays in came from the Internet
    #: Front End Transport proxying a message from the Internet that isn't authenticated: it
    #: passes its client on to Transport (the ExchangeServers right XProxyFrom, fact sheet
    #: §2.1), so Transport's anti-spam agents treat the message as what it is.
    anonymous_proxy: bool = False
    #: The name on the certificate the caller presented in TLS, when the lab needs it: an
    #: on-premises send connector's TlsCertificateName, or EOP's own certificate (`hybrid`).
    certificate: str | None = None


#: Where outside clients (telnet, swaks, a learner's smtplib) appear to come from:
#: TEST-NET-3, an address range reserved for documentation.
OUTSIDE_CLIENT = Peer("unknown", "203.0.113.50")


class ConnectFailed(ConnectionError):
    """Nothing listens at the endpoint (the service is stopped): Winsock 10061."""

    def __init__(self, endpoint: Endpoint) -> None:
        super().__init__(f"connection to {endpoint} refused")
        self.endpoint = endpoint


class PortInUse(OSError):
    """A fixed port a teacher asked for is taken by another program."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(f"port {port} on {host} is in use")
        self.port = port


class ServerSession(Protocol):
    """What a listener's protocol offers the network: a place to put the caller, and, before
    the connection is made, where it comes from (for the receive connector's limits)."""
    caller: Peer | None
    #: The lab's caller this connection was opened for (known from its source address before
    #: its first line), or None for an outside client.
    opened_for: Peer | None
    #: Where the connection comes from, as the per-source limits count it: the simulated IP of
    #: the lab's caller, else the real address of the client (each learner's machine).
    source: str

    def connection_made(self, transport: asyncio.BaseTransport) -> None: ...


SessionFactory = Callable[[], ServerSession]
Streams = tuple[asyncio.StreamReader, asyncio.StreamWriter]
#: A real (host, port): where a connection comes from.
Address = tuple[str, int]

#: Real seconds a ticket may wait for its listener: the lab sends it at once, in milliseconds.
TICKET_LIFETIME = 5.0


@dataclass(frozen=True)
class Ticket:
    """What the lab's client registers before it dials: who calls, which endpoint, until when."""
    token: str
    caller: Peer
    endpoint: Endpoint
    expires: float              # the loop's clock (real seconds)


class Network(ABC):
    """Listeners and connections for one lab, by simulated endpoint."""

    #: Whether sessions run over real sockets: an outside client (telnet, swaks) can reach
    #: each endpoint at a real port, and STARTTLS is real TLS. In memory neither is so.
    has_sockets: bool = False

    def __init__(self) -> None:
        #: Who an outside client is taken to be (`mailflowlab serve --client-ip` changes it).
        self.outside_client: Peer = OUTSIDE_CLIENT
        #: SMTP sessions open on every listener of the lab now, and how many it may hold in all
        #: (None: no limit beyond each connector's; over sockets, under the process's file limit).
        self.open_sessions = 0
        self.session_budget: int | None = None

    @abstractmethod
    async def listen(self, endpoint: Endpoint, factory: SessionFactory) -> None:
        """Serve `endpoint`: each new session gets a protocol from `factory`."""

    @abstractmethod
    async def unlisten(self, endpoint: Endpoint) -> None:
        """Stop accepting sessions at `endpoint` (open sessions are the service's to end)."""

    @abstractmethod
    async def connect(self, endpoint: Endpoint, caller: Peer | None) -> Streams:
        """Open a session to `endpoint` as `caller` (None: an outside client, unnamed);
        ConnectFailed if nothing listens."""

    def address(self, endpoint: Endpoint) -> tuple[str, int] | None:
        """The real (host, port) a client outside the lab can connect to, if there is one."""
        return None

    def listening(self, endpoint: Endpoint) -> bool:
        return False


class SocketNetwork(Network):
    """Loopback TCP: each endpoint a real listening socket on `host` (127.0.0.1 unless a
    teacher serves a classroom), at the port `port_for` gives it or one the OS chooses."""

    has_sockets = True
    #: The first line a lab client sends over a socket: its one-time ticket.
    TICKET = b"XCALLER "
    #: Real seconds a ticket stays good (TICKET_LIFETIME unless a test shortens it).
    ticket_lifetime = TICKET_LIFETIME

    def __init__(self, host: str = "127.0.0.1",
                 port_for: Callable[[Endpoint], int] | None = None,
                 hosts_for: Callable[[Endpoint], tuple[str, ...]] | None = None) -> None:
        super().__init__()
        self.host = host
        self.port_for = port_for
        #: Where an endpoint listens besides `host`: only `mailflowlab serve --listen` adds any.
        self.hosts_for = hosts_for
        self._servers: dict[Endpoint, asyncio.Server] = {}
        self._ports: dict[Endpoint, int] = {}
        #: Tickets not yet redeemed, by the source address of the connection they belong to.
        self._tickets: dict[Address, Ticket] = {}
        self.session_budget = session_budget()

    async def listen(self, endpoint: Endpoint, factory: SessionFactory) -> None:
        if endpoint in self._servers:
            return
        loop = asyncio.get_running_loop()
        wanted = self._ports.get(endpoint) or (self.port_for(endpoint) if self.port_for else 0)

        def protocol() -> asyncio.Protocol:
            return _Ticketed(factory(), self, endpoint)
        hosts = list(self.hosts_for(endpoint)) if self.hosts_for else [self.host]
        try:
            server = await loop.create_server(protocol, hosts, wanted)
        except OSError:
            if self.port_for is not None and wanted:   # a fixed port in use: the teacher must know
                raise PortInUse(hosts[0], wanted) from None
            server = await loop.create_server(protocol, hosts, 0)
        self._servers[endpoint] = server
        self._ports[endpoint] = server.sockets[0].getsockname()[1]

    async def unlisten(self, endpoint: Endpoint) -> None:
        server = self._servers.pop(endpoint, None)
        if server is not None:
            server.close()
            await server.wait_closed()

    def listening(self, endpoint: Endpoint) -> bool:
        return endpoint in self._servers

    def address(self, endpoint: Endpoint) -> tuple[str, int] | None:
        port = self._ports.get(endpoint)
        return (self.host, port) if port is not None else None

    async def connect(self, endpoint: Endpoint, caller: Peer | None) -> Streams:
        port = self._ports.get(endpoint)
        if port is None or endpoint not in self._servers:
            raise ConnectFailed(endpoint)       # stopped: never dial whoever holds its port now
        loop = asyncio.get_running_loop()
        self._forget_expired(loop.time())
        token = secrets.token_hex(16)
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        source: Address | None = None
        try:
            sock.setblocking(False)
            # The source port first, so the ticket can name it; a port whose last connection is
            # in TIME_WAIT may serve again (bind() would otherwise pass it over, and a busy lab
            # would run out of ports long before connect() alone does).
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, 0))
            source = sock.getsockname()[:2]
            if caller is not None:
                self._tickets[source] = Ticket(token, caller, endpoint, loop.time() + self.ticket_lifetime)
            await loop.sock_connect(sock, (self.host, port))
            reader, writer = await asyncio.open_connection(sock=sock)
        except OSError as exc:
            sock.close()
            if source is not None:
                self._tickets.pop(source, None)
            raise ConnectFailed(endpoint) from exc
        if caller is not None:
            writer.write(self.TICKET + token.encode() + b"\r\n")
        return reader, writer

    def opened_for(self, source: Address | None, endpoint: Endpoint) -> Peer | None:
        """The caller the lab's client registered for a connection from `source` to `endpoint`
        (its ticket is still to come; no other program can connect from that address while the
        lab's socket holds it)."""
        ticket = self._tickets.get(source) if source is not None else None
        return ticket.caller if ticket is not None and ticket.endpoint == endpoint else None

    def _forget_expired(self, now: float) -> None:
        for source in [a for a, t in self._tickets.items() if t.expires < now]:
            del self._tickets[source]

    def redeem(self, token: bytes, endpoint: Endpoint, source: Address | None) -> Peer | None:
        """The caller a ticket names: only at the endpoint it was issued for, from the source
        address of the connection it was issued with, once, before it expires; else None."""
        ticket = self._tickets.get(source) if source is not None else None
        if source is None or ticket is None or not hmac.compare_digest(ticket.token.encode(), token):
            return None
        del self._tickets[source]
        if ticket.endpoint != endpoint or ticket.expires < asyncio.get_running_loop().time():
            return None
        return ticket.caller


#: File descriptors kept free of SMTP sessions: the lab's own client connections, its log
#: files, the notebook's kernel.
RESERVED_DESCRIPTORS = 128


def session_budget() -> int | None:
    """How many SMTP sessions a lab over sockets may hold at once: half the descriptors the
    process may open (the lab's own hops take one at each end), less a reserve. None where the
    limit can't be read."""
    try:
        import resource
    except ImportError:                                  # not on this platform (Windows)
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return None
    return max(16, (soft - RESERVED_DESCRIPTORS) // 2)


class _Ticketed(asyncio.Protocol):
    """Stands in front of a listener's protocol until the first line: a lab client's ticket
    names the caller and is consumed; anything else goes to the SMTP server as it came."""

    LIMIT = 256

    def __init__(self, inner: ServerSession, network: SocketNetwork, endpoint: Endpoint) -> None:
        self.inner = inner
        self.network = network
        self.endpoint = endpoint
        self.source: Address | None = None
        self._buffer: bytes | None = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        peer = transport.get_extra_info("peername")
        self.source = (peer[0], peer[1]) if peer else None
        self.inner.opened_for = self.network.opened_for(self.source, self.endpoint)
        self.inner.source = self.inner.opened_for.ip if self.inner.opened_for else str(peer[0] if peer else "")
        self.inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self._buffer is None:
            self.inner.data_received(data)  # type: ignore[attr-defined]
            return
        self._buffer += data
        prefix = SocketNetwork.TICKET
        head = self._buffer[:len(prefix)]
        if not prefix.startswith(head) or len(self._buffer) > self.LIMIT:
            self._flush(self._buffer)
        elif b"\n" in self._buffer and self._buffer.startswith(prefix):
            line, _, rest = self._buffer.partition(b"\n")
            caller = self.network.redeem(line[len(prefix):].strip(), self.endpoint, self.source)
            if caller is None:
                self._flush(self._buffer)      # a forged ticket is just a line the server refuses
            else:
                self.inner.caller = caller
                self._flush(rest)

    def _flush(self, data: bytes) -> None:
        self._buffer = None
        if data:
            self.inner.data_received(data)  # type: ignore[attr-defined]

    def eof_received(self) -> bool | None:
        if self._buffer:
            self._flush(self._buffer)
        return self.inner.eof_received()  # type: ignore[attr-defined, no-any-return]

    def connection_lost(self, exc: Exception | None) -> None:
        self.inner.connection_lost(exc)  # type: ignore[attr-defined]

    def pause_writing(self) -> None:
        self.inner.pause_writing()  # type: ignore[attr-defined]

    def resume_writing(self) -> None:
        self.inner.resume_writing()  # type: ignore[attr-defined]


class MemoryNetwork(Network):
    """In memory: `connect` builds the server's protocol and joins it to the client's streams
    with in-memory transports. Nothing is reachable from outside the lab."""

    #: Simulated source ports of the lab's connections count up from Windows' dynamic range.
    FIRST_PORT = 49152

    def __init__(self) -> None:
        super().__init__()
        self._listeners: dict[Endpoint, SessionFactory] = {}
        self._next_port = self.FIRST_PORT

    async def listen(self, endpoint: Endpoint, factory: SessionFactory) -> None:
        self._listeners[endpoint] = factory

    async def unlisten(self, endpoint: Endpoint) -> None:
        self._listeners.pop(endpoint, None)

    def listening(self, endpoint: Endpoint) -> bool:
        return endpoint in self._listeners

    async def connect(self, endpoint: Endpoint, caller: Peer | None) -> Streams:
        factory = self._listeners.get(endpoint)
        if factory is None:
            raise ConnectFailed(endpoint)
        loop = asyncio.get_running_loop()
        server = factory()
        server.caller = server.opened_for = caller
        server.source = (caller or self.outside_client).ip
        reader = asyncio.StreamReader(loop=loop)
        protocol = asyncio.StreamReaderProtocol(reader, loop=loop)
        port, self._next_port = self._next_port, self._next_port + 1
        ip = (caller or self.outside_client).ip
        transport = pipe(loop, protocol, server,  # type: ignore[arg-type]
                         (ip, port), (endpoint.ip, endpoint.port))
        return reader, asyncio.StreamWriter(transport, protocol, reader, loop)
