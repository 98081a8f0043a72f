"""The receiving side: aiosmtpd served on 127.0.0.1, speaking Exchange's words.

A `Binding` is one (server, service, Exchange port) socket: one real listener, on a port the
OS chose. Several receive connectors may share a binding (a relay connector for one device's
IP beside Default Frontend on port 25); for each session Exchange picks the connector whose
RemoteIPRanges match the caller most specifically, and so does `Binding.connector_for`.

A connector's AuthMechanism decides what EHLO offers: `TLS` offers STARTTLS (with the server's
self-signed certificate, see `certificates`), `BasicAuth` offers AUTH LOGIN, and
`BasicAuthRequireTLS` keeps AUTH LOGIN back until the session is encrypted. A client that logs
on as a mailbox is an ExchangeUsers member for the rest of the session.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Protocol

from aiosmtpd.smtp import MISSING, SMTP, AuthResult, Envelope, LoginPassword, Session

from ..protocol_log import ProtocolLog, SessionLog, permissions
from ..topology import (ANONYMOUS, EXCHANGE_LEGACY_SERVERS, EXCHANGE_SERVERS, EXCHANGE_USERS,
                        PARTNERS, ReceiveConnector)
from . import replies
from .certificates import server_tls_context
from .network import Endpoint, Peer, SimulatedNetwork

if TYPE_CHECKING:
    from ..topology import Mailbox, Server

# aiosmtpd logs a learner's unknown command (and its own deprecations) as warnings on "mail.log";
# with no handler Python would print them under a notebook cell. The replies already say it.
logging.getLogger("mail.log").addHandler(logging.NullHandler())


@dataclass
class SessionInfo:
    """What a service knows about the SMTP session in front of it."""
    peer: Peer
    connector: ReceiveConnector | None
    helo: str | None

    @property
    def groups(self) -> set[str]:
        """The permission groups this caller is granted on this connector."""
        if self.connector is None:
            return set()
        have = set(self.connector.permission_groups)
        granted: set[str] = set()
        if self.peer.exchange and EXCHANGE_SERVERS in have:
            granted.add(EXCHANGE_SERVERS)
        if self.peer.legacy and EXCHANGE_LEGACY_SERVERS in have:
            granted.add(EXCHANGE_LEGACY_SERVERS)
        if self.peer.authenticated_as and EXCHANGE_USERS in have:
            granted.add(EXCHANGE_USERS)
        if PARTNERS in have and self.peer.exchange:
            granted.add(PARTNERS)
        if ANONYMOUS in have:
            granted.add(ANONYMOUS)
        return granted

    @property
    def may_relay(self) -> bool:
        """ms-Exch-SMTP-Accept-Any-Recipient: servers and authenticated users, never Anonymous,
        unless the connector grants anonymous relay (a relay connector for a device)."""
        g = self.groups
        return bool(g & {EXCHANGE_SERVERS, EXCHANGE_LEGACY_SERVERS, EXCHANGE_USERS}) or (
            self.connector is not None and getattr(self.connector, "anonymous_relay", False))

    @property
    def is_exchange_server(self) -> bool:
        return bool(self.groups & {EXCHANGE_SERVERS, EXCHANGE_LEGACY_SERVERS})

    @property
    def tls(self) -> bool:
        """Encrypted: Exchange servers always talk TLS to each other; a client after STARTTLS."""
        return self.peer.exchange or self.peer.tls

    def offers(self, mechanism: str) -> bool:
        """Whether this caller's connector lists `mechanism` (TLS, BasicAuth, ...)."""
        return self.connector is not None and mechanism in self.connector.auth_mechanisms

    @property
    def may_log_on(self) -> bool:
        """AUTH LOGIN is on offer: BasicAuth, and the session encrypted if BasicAuthRequireTLS."""
        return self.offers("BasicAuth") and (self.tls or not self.offers("BasicAuthRequireTLS"))


def known_info(session: Session | None) -> SessionInfo | None:
    """The SessionInfo this SMTP session already has (set by the first command), if any."""
    return getattr(session, "exchange_info", None)


class Receiver(Protocol):
    """What a transport service provides to its listeners."""

    async def check_recipient(self, session: SessionInfo, address: str) -> str: ...

    async def receive(self, session: SessionInfo, mail_from: str, recipients: list[str],
                      content: bytes) -> str: ...


class ExchangeSMTP(SMTP):
    """aiosmtpd's SMTP protocol with Exchange's banner and reply texts."""

    #: Exchange's AUTH LOGIN prompts, "Username:" and "Password:" in base64.
    AuthLoginUsernameChallenge = "Username:"
    AuthLoginPasswordChallenge = "Password:"

    def __init__(self, handler: Any, binding: "Binding", **kwargs: Any) -> None:
        super().__init__(handler, authenticator=binding.log_on, auth_require_tls=False,
                         auth_exclude_mechanism=["PLAIN"], **kwargs)
        self.binding = binding
        self.protocol_log: SessionLog | None = None   # when the caller's connector is Verbose
        self._banner: str | None = None               # said before we know who is calling
        self._started = False
        self._in_data = False
        self._in_auth = False

    async def push(self, status: Any) -> None:
        if isinstance(status, str):
            status = replies.exchange_wording(status)
        self._said(status if isinstance(status, str) else status.decode("utf-8", "replace"))
        await super().push(status)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.binding.sessions.add(self)
        super().connection_made(transport)

    def connection_lost(self, error: BaseException | None) -> None:
        self.binding.sessions.discard(self)
        if self.protocol_log is not None:
            self.protocol_log.disconnected()
        super().connection_lost(error)

    # --- the protocol log: what the connector heard and said ---------------------------------
    def _cb_client_connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        super()._cb_client_connected(reader, writer)
        heard = reader.readuntil

        async def readuntil(separator: bytes = b"\n") -> bytes:
            line = await heard(separator)
            self._heard(line)
            return line
        reader.readuntil = readuntil  # type: ignore[method-assign]

    def _said(self, reply: str) -> None:
        if not self._started:
            self._banner = reply
        elif self.protocol_log is not None:
            self.protocol_log.sent(reply)
        self._in_data = reply.startswith("354")
        self._in_auth = reply.startswith("334")

    def _heard(self, line: bytes) -> None:
        """A command line is logged; the message after DATA and the answers to AUTH's
        challenges are not.

        The log starts at the first line heard: a lab service names itself (registers its
        port) before it says anything, so only then is the caller, and its connector, known."""
        if not self._started:
            self._started = True
            self.protocol_log = self.binding.session_log(self.event_handler.info(self.session))
            if self.protocol_log is not None and self._banner is not None:
                self.protocol_log.sent(self._banner)
        if self._in_data:
            self._in_data = line != b".\r\n"
        elif self._in_auth:                    # an answer to AUTH's challenge: a secret
            self._in_auth = False
        elif self.protocol_log is not None:
            text = line.rstrip(b"\r\n").decode("utf-8", "replace")
            if text[:5].upper() == "AUTH ":       # without an initial response, also a secret
                text = " ".join(text.split()[:2])
            self.protocol_log.received(text)

    async def smtp_STARTTLS(self, arg: str) -> None:
        """Encrypt the session with the server's certificate, if the connector offers TLS."""
        info = known_info(self.session)
        if info is None or not info.offers("TLS") or self._tls_protocol is not None:
            await self.push(replies.UNRECOGNIZED if info is not None else replies.SEND_HELLO_FIRST)
            return
        server = self.binding.server
        self.tls_context = server_tls_context(server.name, server.fqdn)
        await super().smtp_STARTTLS(arg)     # a new, encrypted session: the client says EHLO again

    async def smtp_AUTH(self, arg: str) -> None:
        """AUTH LOGIN where the connector offers it; before STARTTLS on a connector with
        BasicAuthRequireTLS the mechanism is unknown, as EHLO did not offer it."""
        info = known_info(self.session)
        if info is not None and not info.may_log_on:
            await self.push(replies.UNRECOGNIZED_AUTH_TYPE)
            return
        await super().smtp_AUTH(arg)

    async def smtp_XSHADOWDISCARD(self, arg: str) -> None:
        """Shadow redundancy: a primary server names the shadow copies this one may drop.
        The verb is the lab's own; only Exchange servers may use it."""
        status = await self._call_handler_hook("XSHADOWDISCARD", arg)
        await self.push(replies.UNRECOGNIZED if status is MISSING else status)


class _Hooks:
    """aiosmtpd handler hooks: check the connector's permissions, then ask the service."""

    def __init__(self, binding: "Binding") -> None:
        self.binding = binding

    def info(self, session: Session) -> SessionInfo:
        info = known_info(session)
        if info is None:
            peer = self.binding.network.caller(session.peer[1])
            if session.ssl is not None:
                peer = dataclasses.replace(peer, tls=True)
            info = SessionInfo(peer, self.binding.connector_for(peer.ip), session.host_name)
            session.exchange_info = info  # type: ignore[attr-defined]
        info.helo = session.host_name
        return info

    async def handle_EHLO(self, server: SMTP, session: Session, envelope: Envelope,
                          hostname: str, responses: list[str]) -> list[str]:
        session.host_name = hostname
        info = self.info(session)
        if info.connector is None:
            return [replies.SERVICE_NOT_ACTIVE]
        lines = [f"{self.binding.server.fqdn} Hello [{info.peer.ip}]",
                 f"SIZE {info.connector.max_message_size}", "PIPELINING", "ENHANCEDSTATUSCODES"]
        if info.offers("TLS") and not info.tls:
            lines.append("STARTTLS")
        if info.may_log_on:
            lines.append("AUTH LOGIN")
        lines.append("8BITMIME")
        return [f"250-{ln}" for ln in lines[:-1]] + [f"250 {lines[-1]}"]

    async def handle_HELO(self, server: SMTP, session: Session, envelope: Envelope, hostname: str) -> str:
        session.host_name = hostname
        info = self.info(session)
        return f"250 {self.binding.server.fqdn} Hello [{info.peer.ip}]"

    async def handle_RSET(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        return replies.RESETTING

    async def handle_NOOP(self, server: SMTP, session: Session, envelope: Envelope, arg: str) -> str:
        return replies.OK

    async def handle_XSHADOWDISCARD(self, server: SMTP, session: Session, envelope: Envelope,
                                    arg: str) -> str:
        info = self.info(session)
        discard = getattr(self.binding.receiver, "discard_shadows", None)
        if discard is None or not info.is_exchange_server:
            return replies.UNRECOGNIZED
        return await discard(info, arg.split())

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, mail_options: list[str]) -> str:
        info = self.info(session)
        if info.connector is None:
            return replies.SERVICE_NOT_ACTIVE
        if not info.groups:
            return replies.NOT_AUTHENTICATED
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return replies.SENDER_OK

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        info = self.info(session)
        domain = address.rpartition("@")[2]
        if not self.binding.is_accepted(domain) and not info.may_relay:
            return replies.UNABLE_TO_RELAY
        reply = await self.binding.receiver.check_recipient(info, address)
        if reply.startswith("2"):
            envelope.rcpt_tos.append(address)
        return reply

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        info = self.info(session)
        content = envelope.original_content or b""
        if info.connector is not None and len(content) > info.connector.max_message_size:
            # The listener's own limit is the largest of the connectors sharing its port, set
            # when the session opened; the connector that serves this caller decides, as it is now.
            return replies.TOO_BIG
        return await self.binding.receiver.receive(info, envelope.mail_from or "", list(envelope.rcpt_tos), content)


@dataclass(eq=False)
class Binding:
    """One listening socket of one service: the connectors that share an Exchange port."""
    server: "Server"
    service: str
    port: int                                  # the Exchange port (25, 2525, 475, ...)
    connectors: list[ReceiveConnector]
    network: SimulatedNetwork
    receiver: Receiver
    is_accepted: Callable[[str], bool]
    clock_now: Callable[[], datetime]
    authenticate: Callable[[str, str], "Mailbox | None"]
    protocol_log: ProtocolLog
    real_port: int | None = None
    #: HOOK(classroom): where it listens; only `mailflowlab serve --listen` adds an address.
    hosts: tuple[str, ...] = ("127.0.0.1",)
    sessions: set[ExchangeSMTP] = field(default_factory=set)
    _server: asyncio.base_events.Server | None = None

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint(self.server.ip, self.port)

    @property
    def listening(self) -> bool:
        return self._server is not None

    def connector_for(self, ip: str) -> ReceiveConnector | None:
        """The enabled connector whose RemoteIPRanges match `ip` most specifically."""
        matching = [c for c in self.connectors if c.enabled and c.accepts_ip(ip)]
        return min(matching, key=lambda c: c.specificity(ip)) if matching else None

    def session_log(self, info: SessionInfo) -> SessionLog | None:
        """A protocol log for a new session, if the caller's connector keeps one (Verbose)."""
        c = info.connector
        if c is None or c.protocol_logging != "Verbose":
            return None
        log = self.protocol_log.session(f"{c.server}\\{c.name}", str(self.endpoint), info.peer.ip)
        log.connected(permissions(info.groups, c.anonymous_relay))
        return log

    def log_on(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
               auth_data: Any) -> AuthResult:
        """aiosmtpd's authenticator: check the user name and password against the mailboxes;
        the session then belongs to that mailbox's user (ExchangeUsers)."""
        info = known_info(session)
        if info is None or not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False, message=replies.AUTH_FAILED)
        mailbox = self.authenticate(auth_data.login.decode("utf-8", "replace"),
                                    auth_data.password.decode("utf-8", "replace"))
        if mailbox is None:
            return AuthResult(success=False, handled=False, message=replies.AUTH_FAILED)
        info.peer = dataclasses.replace(info.peer, authenticated_as=mailbox.address)
        return AuthResult(success=True, message=replies.AUTH_OK)

    def _protocol(self) -> ExchangeSMTP:
        largest = max((c.max_message_size for c in self.connectors), default=0)
        fqdn = self.server.fqdn
        return ExchangeSMTP(_Hooks(self), self, hostname=fqdn,
                            ident=replies.banner(fqdn, self.clock_now())[len(f"220 {fqdn} "):],
                            data_size_limit=largest,
                            loop=asyncio.get_running_loop())

    async def start(self) -> None:
        """Listen on 127.0.0.1 only (or `hosts`); reuse the previous port when it is still free."""
        if self._server is not None:
            return
        loop = asyncio.get_running_loop()
        try:
            self._server = await loop.create_server(self._protocol, list(self.hosts), self.real_port or 0)
        except OSError:
            self._server = await loop.create_server(self._protocol, list(self.hosts), 0)
        self.real_port = self._server.sockets[0].getsockname()[1]
        self.network.publish(self.endpoint, self.real_port)

    async def stop(self) -> None:
        """Close the socket and drop every open session, as stopping the service would."""
        if self._server is None:
            return
        await close_server(self._server, self.sessions)
        self._server = None


async def close_server(server: asyncio.base_events.Server, sessions: set[Any]) -> None:
    """Stop listening and drop every open session at once (no goodbye), as a stopped
    Windows service does to the clients connected to it."""
    server.close()
    for s in list(sessions):
        if s.transport is not None:
            s.transport.abort()
        if s._handler_coroutine is not None:
            s._handler_coroutine.cancel()
    await server.wait_closed()
