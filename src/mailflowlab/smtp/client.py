"""The sending side of SMTP, used by every service for its next hop.

A small client on asyncio streams rather than smtplib or aiosmtplib, for two reasons the
course needs: it opens its connection through the lab's `Network` as a named caller (so the
far side knows who is calling, over sockets or in memory alike), and it keeps a transcript of
every line. Open sessions are kept for the next message, as Exchange's SMTP Send keeps its
connections, in a bounded `SessionCache`.
"""
from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..topology import Endpoint
from .network import Network, Peer

#: Real-time limit for one reply on loopback (for a transaction's MAIL, RCPT, DATA and final
#: replies together); a lab that needs longer is broken, not slow.
REPLY_TIMEOUT = 30.0


@dataclass(frozen=True)
class Reply:
    """One SMTP reply: code and the text lines (without the code)."""
    code: int
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        """The reply as a single line, e.g. '250 2.1.5 Recipient OK'."""
        return f"{self.code} {' '.join(self.lines)}".strip()

    @property
    def ok(self) -> bool:
        return 200 <= self.code < 400

    @property
    def transient(self) -> bool:
        return 400 <= self.code < 500


@dataclass
class SmtpClient:
    """One SMTP session from `peer` to `endpoint`; use `async with` to QUIT at the end."""
    network: Network
    endpoint: Endpoint
    peer: Peer
    transcript: list[str] = field(default_factory=list)
    #: When the session was first kept for another message (the cache's clock): its age.
    opened: datetime | None = None
    _reader: asyncio.StreamReader | None = None
    _writer: asyncio.StreamWriter | None = None

    async def connect(self) -> Reply:
        """Open the connection as `peer` and read the banner."""
        self._reader, self._writer = await self.network.connect(self.endpoint, self.peer)
        return await self.read_reply()

    async def read_reply(self) -> Reply:
        """The next reply, within REPLY_TIMEOUT."""
        async with asyncio.timeout(REPLY_TIMEOUT):
            return await self._next_reply()

    async def _next_reply(self) -> Reply:
        """The next reply, with no timer of its own (the caller's covers it)."""
        assert self._reader is not None
        lines: list[str] = []
        while True:
            raw = await self._reader.readline()
            if not raw:
                raise ConnectionResetError("the server closed the connection")
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.transcript.append(f"S: {line}")
            lines.append(line[4:])
            if len(line) < 4 or line[3] != "-":
                return Reply(int(line[:3]), tuple(lines))

    async def command(self, line: str, *, timed: bool = True) -> Reply:
        """Send one command line and read its reply (`timed=False`: inside the caller's timer)."""
        assert self._writer is not None
        self.transcript.append(f"C: {line}")
        self._writer.write(line.encode("utf-8") + b"\r\n")
        await self._writer.drain()
        return await (self.read_reply() if timed else self._next_reply())

    async def data(self, message: bytes) -> Reply:
        """Send the message body after a 354, dot-stuffed, and read the final reply (within
        the caller's timer: the transaction's)."""
        assert self._writer is not None
        body = message.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        body = (b"." if body.startswith(b".") else b"") + body.replace(b"\r\n.", b"\r\n..")
        self.transcript.append(f"C: <message, {len(message)} bytes>")
        self.transcript.append("C: .")
        self._writer.write(body + b".\r\n")
        await self._writer.drain()
        return await self._next_reply()

    async def close(self) -> None:
        if self._writer is None:
            return
        try:
            if not self._writer.is_closing():
                await self.command("QUIT")
        except (TimeoutError, ConnectionError, ValueError):
            pass
        finally:
            self._writer.close()
            try:
                await self._writer.wait_closed()
            except (ConnectionError, OSError):
                pass
            self._writer = None

    async def abort(self) -> None:
        """Drop the connection without QUIT (it is already broken)."""
        if self._writer is not None:
            self._writer.transport.abort()
            self._writer = None

    async def __aenter__(self) -> SmtpClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


@dataclass
class Outcome:
    """What happened to one message handed to the next hop."""
    accepted: list[str]                 # recipients the far side took
    refused: dict[str, Reply]           # recipient -> its refusal
    final: Reply | None                 # the reply to the final dot (None if never reached)
    transcript: list[str]
    #: The refusal of the banner or of EHLO: the session never began, so nothing was offered.
    #: Exchange's SMTP Send fails over to the next target on it, as on a failed connection.
    setup: Reply | None = None


class _Unsent(Exception):
    """A cached session broke before the message was handed over: safe to try a new one."""


async def _transaction(client: SmtpClient, mail_from: str, recipients: list[str],
                       message: bytes) -> Outcome:
    """MAIL, RCPT per recipient, DATA on an open session. A broken connection before the final
    dot raises _Unsent (nothing was delivered); after it, the error propagates."""
    start = len(client.transcript)

    def outcome(accepted: list[str], refused: dict[str, Reply], final: Reply | None) -> Outcome:
        return Outcome(accepted, refused, final, client.transcript[start:])

    handed_over = False
    try:
        # One timer for the transaction's replies: a timer per reply costs as much as the
        # replies themselves in memory.
        async with asyncio.timeout(REPLY_TIMEOUT):
            reply = await client.command(f"MAIL FROM:<{mail_from}>", timed=False)
            if not reply.ok:
                return outcome([], {r: reply for r in recipients}, None)
            accepted: list[str] = []
            refused: dict[str, Reply] = {}
            for rcpt in recipients:
                reply = await client.command(f"RCPT TO:<{rcpt}>", timed=False)
                (accepted.append(rcpt) if reply.ok else refused.__setitem__(rcpt, reply))
            if not accepted:
                return outcome([], refused, None)
            reply = await client.command("DATA", timed=False)
            if reply.code != 354:
                return outcome([], {**refused, **{r: reply for r in accepted}}, None)
            handed_over = True
            final = await client.data(message)
    except (TimeoutError, ConnectionError, OSError) as exc:
        if handed_over:
            raise
        raise _Unsent() from exc
    if not final.ok:
        return outcome([], {**refused, **{r: final for r in accepted}}, final)
    return outcome(accepted, refused, final)


SessionKey = tuple[Endpoint, Peer]

#: How long the far side lets a session from a caller idle, and last, before it hangs up (its
#: receive connector's ConnectionInactivityTimeout and ConnectionTimeout).
Timeouts = Callable[[Endpoint, str], tuple[timedelta, timedelta]]


class SessionCache:
    """Open sessions kept for the next message from the same caller to the same endpoint, at
    most `limit` of them: the least recently used is closed (QUIT) to make room.

    With a clock (`now`, the lab's virtual time) and the far side's `timeouts`, a session is
    not used again once it has idled past the far connector's ConnectionInactivityTimeout or
    lived past its ConnectionTimeout: the far side has hung up, so the next message opens a new
    session and meets the connectors as they are now, as over a real network."""

    def __init__(self, network: Network, limit: int = 32, now: Callable[[], datetime] | None = None,
                 timeouts: Timeouts | None = None) -> None:
        self.network = network
        self.limit = limit
        self._now = now
        self._timeouts = timeouts
        self._idle: OrderedDict[SessionKey, tuple[SmtpClient, datetime]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._idle)

    async def take(self, key: SessionKey) -> SmtpClient | None:
        """The idle session for `key`, now in use (no longer in the cache); None if there is
        none or the far side has timed it out (then it is dropped)."""
        kept = self._idle.pop(key, None)
        if kept is None:
            return None
        client, idle_since = kept
        if self._now is not None and self._timeouts is not None and client.opened is not None:
            now = self._now()
            idle, lifetime = self._timeouts(key[0], key[1].ip)
            if now - idle_since > idle or now - client.opened > lifetime:
                await client.abort()
                return None
        return client

    async def keep(self, key: SessionKey, client: SmtpClient) -> None:
        """Put a session back for the next message; close whatever it displaces. Its transcript
        starts afresh: each message's lines went out in its Outcome, and a session that carries
        thousands of messages would otherwise hold every line of every one."""
        client.transcript.clear()
        now = self._now() if self._now is not None else datetime.min
        if client.opened is None:
            client.opened = now
        old = self._idle.pop(key, None)
        self._idle[key] = (client, now)
        if old is not None and old[0] is not client:
            await old[0].close()
        while len(self._idle) > self.limit:
            _, (oldest, _) = self._idle.popitem(last=False)
            await oldest.close()

    async def close_all(self) -> None:
        """QUIT every idle session (when the lab closes)."""
        sessions, self._idle = list(self._idle.values()), OrderedDict()
        for client, _ in sessions:
            await client.close()


async def _open(network: Network, endpoint: Endpoint, peer: Peer) -> tuple[SmtpClient, Reply]:
    """Connect, read the banner and say EHLO; the reply is the first refusal, or the EHLO's."""
    client = SmtpClient(network, endpoint, peer)
    reply = await client.connect()
    if reply.ok:
        reply = await client.command(f"EHLO {peer.name}")
    return client, reply


async def offers_starttls(network: Network, endpoint: Endpoint, peer: Peer) -> bool:
    """Whether the server at `endpoint` offers STARTTLS to `peer` in its EHLO reply (then QUIT):
    what a sender that requires TLS asks before it hands a message over."""
    client, reply = await _open(network, endpoint, peer)
    try:
        return reply.ok and any(line.upper().startswith("STARTTLS") for line in reply.lines)
    finally:
        await client.close()


async def relay(cache: SessionCache, endpoint: Endpoint, peer: Peer,
                mail_from: str, recipients: list[str], message: bytes) -> Outcome:
    """Hand one message to the next hop: EHLO, MAIL, RCPT per recipient, DATA.

    Like Exchange's SMTP Send, it keeps the session open afterwards and uses it for the next
    message from `peer` to `endpoint`; a cached session that has gone (the far service was
    stopped) is replaced by a new connection, but only if the message was not yet handed over.
    Raises ConnectFailed when nothing listens. A refusal before DATA (a 4xx or 5xx to EHLO or
    MAIL) refuses every recipient with that reply.
    """
    key = (endpoint, peer)
    cached = await cache.take(key)
    if cached is not None:
        try:
            result = await _transaction(cached, mail_from, recipients, message)
        except _Unsent:
            await cached.abort()
        else:
            await _keep_or_close(cache, key, cached, result)
            return result
    client, reply = await _open(cache.network, endpoint, peer)
    if not reply.ok:
        await client.close()
        return Outcome([], {r: reply for r in recipients}, None, client.transcript, setup=reply)
    greeting = list(client.transcript)
    try:
        result = await _transaction(client, mail_from, recipients, message)
    except _Unsent as exc:
        await client.abort()
        raise ConnectionResetError(f"{endpoint} closed the session") from exc
    except BaseException:
        await client.abort()
        raise
    result.transcript[:0] = greeting
    await _keep_or_close(cache, key, client, result)
    return result


async def _keep_or_close(cache: SessionCache, key: SessionKey, client: SmtpClient,
                         result: Outcome) -> None:
    """Cache a session in a clean state (RSET after a refused transaction); close the rest."""
    try:
        if result.final is None or not result.final.ok:
            if not (await client.command("RSET")).ok:
                raise ConnectionResetError("RSET refused")
    except (TimeoutError, ConnectionError, OSError):
        await client.abort()
        return
    await cache.keep(key, client)


async def converse(cache: SessionCache, endpoint: Endpoint, peer: Peer,
                   lines: list[str]) -> list[Reply]:
    """Send command lines (no message) on a cached or new session, stopping at the first
    refusal; for idempotent commands only, since a broken cached session is simply replaced."""
    key = (endpoint, peer)
    for client in (await cache.take(key), None):
        if client is None:
            client, reply = await _open(cache.network, endpoint, peer)
            if not reply.ok:
                await client.close()
                return [reply]
        replies: list[Reply] = []
        try:
            for line in lines:
                replies.append(await client.command(line))
                if not replies[-1].ok:
                    break
        except (TimeoutError, ConnectionError, OSError):
            await client.abort()
            continue
        await cache.keep(key, client)
        return replies
    raise ConnectionResetError(f"{endpoint} closed the session")
