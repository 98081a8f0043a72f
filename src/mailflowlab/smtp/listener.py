"""The receiving side: aiosmtpd's SMTP protocol speaking Exchange's words, on the seam.

A `Listener` serves one simulated endpoint (10.0.0.12:25) through the lab's `Network`: a new
`ExchangeSMTP` session per connection, over a loopback socket or in memory. Everything Exchange
decides about a session (which receive connector, its permission groups, relay, size limits,
logging on, the protocol log) is the handler's, in the services layer
(`services.smtp_receive`); this module only carries the dialogue:

* replies in Exchange's wording (`replies.exchange_wording`);
* the caller, as the network names it (`ExchangeSMTP.caller`), never guessed;
* STARTTLS: real TLS with the server's certificate over sockets; in memory (a browser has no
  `ssl`) the session is only marked encrypted, and the course says so;
* every line heard and said handed to the handler's tap, except the message itself and the
  answers to AUTH's challenges, for the protocol log;
* stopping: no new sessions, a message being received is finished (its 250 is sent), then
  every session is closed, as a stopped Windows service drops its clients;
* the connector's connection limits: a connection the handler does not admit hears its 421
  instead of the banner and is closed; an admitted one is closed after its inactivity and
  session timeouts (the handler sets both).
"""
from __future__ import annotations

import asyncio
import logging
import ssl
import weakref
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, cast

from aiosmtpd.smtp import MISSING, SMTP

from .. import replies
from ..topology import Endpoint
from .network import Network, Peer

# aiosmtpd logs a learner's unknown command (and its own deprecations) as warnings on "mail.log";
# with no handler Python would print them under a notebook cell. The replies already say it.
logging.getLogger("mail.log").addHandler(logging.NullHandler())


class _ContextFree(logging.Filter):
    """Drops asyncio's "socket.send() raised exception." (a write to a client that has gone,
    logged with no word of which): the session's end is already in the protocol log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg != "socket.send() raised exception."


logging.getLogger("asyncio").addFilter(_ContextFree())

#: The longest line the tap keeps whole (SMTP's own limit is 512 octets; aiosmtpd refuses
#: longer command lines itself).
TAP_LINE_LIMIT = 64 * 1024

#: Real seconds a stopping listener waits for a message being received before it cuts it off.
STOP_GRACE = 10.0


class SessionHandler(Protocol):
    """What the services layer gives a session: aiosmtpd's hooks, plus the tap below."""

    def heard(self, session: ExchangeSMTP, line: str) -> None:
        """A command line the client sent (never the message, never an AUTH answer)."""

    def said(self, session: ExchangeSMTP, reply: str) -> None:
        """A reply line the server sent."""

    def lost(self, session: ExchangeSMTP) -> None:
        """The connection is gone."""

    async def may_start_tls(self, session: ExchangeSMTP) -> bool:
        """Whether this session may STARTTLS; when not, the handler has replied already."""

    async def may_log_on(self, session: ExchangeSMTP) -> bool:
        """Whether AUTH is on offer now; when not, the handler has replied already."""

    def log_on(self, server: SMTP, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
        """aiosmtpd's authenticator: check the credentials, return an AuthResult."""

    async def logon_failed(self, session: ExchangeSMTP) -> None:
        """A logon failed: return when its refusal may be sent (AuthTarpitInterval)."""

    def admit(self, session: ExchangeSMTP) -> str | None:
        """As the connection is made: the refusal (a 421) if it is over one of the connector's
        connection limits, or None, the session's timeouts set (`ExchangeSMTP.set_timeouts`)."""


class ExchangeSMTP(SMTP):
    """aiosmtpd's SMTP protocol with Exchange's banner, replies and AUTH prompts."""

    #: Exchange's AUTH LOGIN prompts, "Username:" and "Password:" in base64.
    AuthLoginUsernameChallenge = "Username:"
    AuthLoginPasswordChallenge = "Password:"

    def __init__(self, handler: SessionHandler, listener: Listener, **kwargs: Any) -> None:
        super().__init__(handler, auth_require_tls=False, auth_exclude_mechanism=["PLAIN"], **kwargs)
        self.listener = listener
        #: Who is calling, as the network said; None for an outside client.
        self.caller: Peer | None = None
        #: The session is encrypted: STARTTLS done (really, or marked in memory).
        self.encrypted = False
        #: A message is being received and answered: a stopping listener lets it finish.
        self.busy = False
        self._in_data = False
        self._in_auth = False
        self._logging_on = False
        self._pending = b""
        self._reading_sender = False
        #: Set by the network before the connection is made (see network.ServerSession).
        self.opened_for: Peer | None = None
        self.source = ""
        #: The 421 this connection hears instead of the banner, if it is over a limit.
        self.refusal: str | None = None
        #: What the connection counts against (the handler's receive connector), once admitted.
        self.admitted_on: object | None = None
        self._started = 0.0
        self._lifetime: float | None = None

    @property
    def client(self) -> Peer:
        """The caller, or the outside client the lab takes an unnamed connection for."""
        return self.caller or self.listener.network.outside_client

    # --- what is said and heard -----------------------------------------------------------
    async def push(self, status: Any) -> None:
        if isinstance(status, str):
            status = replies.exchange_wording(status)
            if status == replies.INVALID_ADDRESS and self._reading_sender:
                status = replies.INVALID_SENDER_ADDRESS       # aiosmtpd words both alike
        text = status if isinstance(status, str) else status.decode("utf-8", "replace")
        if self._logging_on and text.startswith("535"):
            await self.event_handler.logon_failed(self)
        self._in_data = text.startswith("354")
        self._in_auth = text.startswith("334")
        self.event_handler.said(self, text)
        await super().push(status)

    def data_received(self, data: bytes) -> None:
        """Pass each command line to the handler's tap before aiosmtpd reads it; a session
        older than its ConnectionTimeout hears 421 4.4.1 and is closed instead."""
        if self._lifetime is not None and asyncio.get_running_loop().time() - self._started > self._lifetime:
            if self.transport is not None and not self.transport.is_closing():
                self.event_handler.said(self, replies.CONNECTION_TIMED_OUT)
                cast(asyncio.Transport, self.transport).write(replies.CONNECTION_TIMED_OUT.encode() + b"\r\n")
                self.transport.close()
            return
        lines = (self._pending + data).split(b"\n")
        self._pending = lines.pop()[:TAP_LINE_LIMIT]     # an unfinished line waits for its end
        start = 0
        if self._in_data:                    # the message's own lines: only the final dot matters
            ends = [lines.index(end) for end in (b".\r", b".") if end in lines]
            start = min(ends) + 1 if ends else len(lines)
            self._in_data = not ends
        for line in lines[start:]:
            self._tap(line + b"\n")
        super().data_received(data)

    def _tap(self, line: bytes) -> None:
        if self._in_data:
            self._in_data = line != b".\r\n" and line != b".\n"
        elif self._in_auth:                    # an answer to AUTH's challenge: a secret
            self._in_auth = False
        else:
            text = line.rstrip(b"\r\n").decode("utf-8", "replace")
            if text[:5].upper() == "AUTH ":       # without an initial response, also a secret
                text = " ".join(text.split()[:2])
            self.event_handler.heard(self, text)

    # --- connection ---------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.listener.sessions.add(self)
        if self._original_transport is None:     # the connection itself, not TLS on top of it
            self.listener.connections.add(cast(asyncio.Transport, transport))
            self._started = asyncio.get_running_loop().time()
            self.refusal = self.event_handler.admit(self)
            if self.refusal is None and self.admitted_on is not None:
                self.listener.network.open_sessions += 1
        super().connection_made(transport)
        if self._tls_protocol is not None:       # the encrypted session after a real STARTTLS
            self.encrypted = True

    def set_timeouts(self, inactivity: float, lifetime: float) -> None:
        """ConnectionInactivityTimeout (aiosmtpd's own timer, restarted by every command) and
        ConnectionTimeout (checked as each line arrives), in real seconds."""
        self._timeout_duration = inactivity
        self._reset_timeout()
        self._lifetime = lifetime

    async def _handle_client(self) -> None:
        """aiosmtpd's session loop, after the banner, unless the connection is over a limit:
        then it hears the 421 instead and is closed."""
        if self.refusal is None:
            await super()._handle_client()
            return
        await self.push(self.refusal)
        if self.transport is not None:
            self.transport.close()

    def _timeout_cb(self) -> None:
        """ConnectionInactivityTimeout: Exchange says so before it hangs up (not to the lab's own
        servers, whose idle cached sessions simply end, as over a real network)."""
        if self.transport is not None and not self.transport.is_closing() and not self.client.exchange:
            self.event_handler.said(self, replies.TIMEOUT)
            cast(asyncio.Transport, self.transport).write(replies.TIMEOUT.encode() + b"\r\n")
        super()._timeout_cb()  # type: ignore[no-untyped-call]  # aiosmtpd's own, untyped

    def connection_lost(self, error: BaseException | None) -> None:
        if self.admitted_on is not None and self.refusal is None and self._original_transport is None:
            self.listener.network.open_sessions -= 1
            self.admitted_on = None
        self.listener.sessions.discard(self)
        self.event_handler.lost(self)
        super().connection_lost(error)  # type: ignore[arg-type]

    async def smtp_DATA(self, arg: str) -> None:
        self.busy = True
        try:
            await super().smtp_DATA(arg)
        finally:
            self.busy = False
            self.listener.quiet.set()

    async def smtp_MAIL(self, arg: str) -> None:
        """aiosmtpd's MAIL, noting that an address it can't read is the sender's (5.1.7).

        A MaxMessageSize raised since the session opened lets the next message through: the
        session's own limit (SIZE at MAIL, the cut-off during DATA) grows to the listener's as
        it is now. A lowered one needs no change here: handle_DATA judges each message by the
        caller's connector as it is now."""
        self.data_size_limit = max(self.data_size_limit or 0, self.listener.data_size_limit())
        self._reading_sender = True
        try:
            await super().smtp_MAIL(arg)
        finally:
            self._reading_sender = False

    async def smtp_STARTTLS(self, arg: str) -> None:
        """Encrypt the session if the handler allows it: real TLS over a socket; in memory the
        session is marked encrypted and starts again (the client says EHLO again)."""
        if not await self.event_handler.may_start_tls(self):
            return
        if not self.listener.network.has_sockets:
            await self.push(replies.TLS_READY)
            self._set_rset_state()  # type: ignore[no-untyped-call]  # aiosmtpd's own, untyped
            assert self.session is not None
            self.session.host_name = None
            self.session.extended_smtp = False
            self.encrypted = True
            return
        self.tls_context = self.listener.tls_context()
        await super().smtp_STARTTLS(arg)

    async def smtp_AUTH(self, arg: str) -> None:
        """AUTH only where the handler offers it (e.g. after STARTTLS on Client Frontend); a
        refused logon is answered when the handler says so."""
        if await self.event_handler.may_log_on(self):
            self._logging_on = True
            try:
                await super().smtp_AUTH(arg)
            finally:
                self._logging_on = False

    async def smtp_XSHADOWDISCARD(self, arg: str) -> None:
        """Shadow redundancy: a primary server names the shadow copies this one may drop.
        The verb is the lab's own; the handler decides who may use it."""
        status = await self._call_handler_hook("XSHADOWDISCARD", arg)
        await self.push(replies.UNRECOGNIZED if status is MISSING else status)


class Listener:
    """One served endpoint: its sessions, its start and its stop."""

    def __init__(self, network: Network, endpoint: Endpoint, hostname: str,
                 handler: Callable[[], SessionHandler],
                 banner: Callable[[], str], data_size_limit: Callable[[], int],
                 tls_context: Callable[[], ssl.SSLContext]) -> None:
        self.network = network
        self.endpoint = endpoint
        self.hostname = hostname
        self.handler = handler
        self.banner = banner
        self.data_size_limit = data_size_limit
        self.tls_context = tls_context
        self.sessions: set[ExchangeSMTP] = set()
        #: Every connection made to this listener while it ran (aborting a closed one is a no-op).
        self.connections: weakref.WeakSet[asyncio.Transport] = weakref.WeakSet()
        self.quiet = asyncio.Event()

    @property
    def listening(self) -> bool:
        return self.network.listening(self.endpoint)

    def _session(self) -> ExchangeSMTP:
        handler = self.handler()
        return ExchangeSMTP(handler, self, hostname=self.hostname, ident=self.banner(),
                            data_size_limit=self.data_size_limit(), authenticator=handler.log_on,
                            loop=asyncio.get_running_loop())

    async def start(self) -> None:
        await self.network.listen(self.endpoint, self._session)

    async def stop(self) -> None:
        """Stop listening; let a message being received get its reply; close every session."""
        await self.network.unlisten(self.endpoint)
        if not self.sessions and not self.connections:
            return                                # nobody connected: nothing to wait for
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STOP_GRACE
        while any(s.busy for s in self.sessions) and loop.time() < deadline:
            self.quiet.clear()
            try:
                await asyncio.wait_for(self.quiet.wait(), deadline - loop.time())
            except TimeoutError:
                break
        for s in list(self.sessions):           # close() sends what was written (a 250) first
            if s.transport is not None:
                s.transport.close()
        for _ in range(3):
            await asyncio.sleep(0)
        for connection in list(self.connections):   # a TLS session may wait for its client
            connection.abort()                        # to end TLS: cut every connection off
        self.connections.clear()


def banner_ident(fqdn: str, now: datetime) -> str:
    """The banner after `220 <FQDN> `: `Microsoft ESMTP MAIL Service ready at <date>`."""
    return replies.banner(fqdn, now)[len(f"220 {fqdn} "):]

