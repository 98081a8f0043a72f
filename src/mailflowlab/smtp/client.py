"""The sending side of SMTP, used by every service for its next hop.

A small client on asyncio streams rather than smtplib or aiosmtplib, for two reasons the
course needs: it registers who is calling with the `SimulatedNetwork` before it says EHLO
(so the far side can stamp the simulated sender), and it keeps a transcript of every line,
which the telnet-like console shows to the learner.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from .network import Endpoint, Peer, SimulatedNetwork

#: Real-time limit for one reply on loopback; a lab that needs longer is broken, not slow.
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


class ConnectFailed(ConnectionError):
    """Nothing listens at the endpoint (the service is stopped): Winsock 10061."""

    def __init__(self, endpoint: Endpoint) -> None:
        super().__init__(f"connection to {endpoint} refused")
        self.endpoint = endpoint


@dataclass
class SmtpClient:
    """One SMTP session from `peer` to `endpoint`; use `async with` to QUIT at the end."""
    network: SimulatedNetwork
    endpoint: Endpoint
    peer: Peer
    transcript: list[str] = field(default_factory=list)
    _reader: asyncio.StreamReader | None = None
    _writer: asyncio.StreamWriter | None = None
    _local_port: int | None = None

    async def connect(self) -> Reply:
        """Open the TCP connection and read the banner."""
        port = self.network.real_port(self.endpoint)
        if port is None:
            raise ConnectFailed(self.endpoint)
        try:
            self._reader, self._writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError as exc:
            raise ConnectFailed(self.endpoint) from exc
        self._local_port = self._writer.get_extra_info("sockname")[1]
        self.network.register_caller(self._local_port, self.peer)
        return await self.read_reply()

    async def read_reply(self) -> Reply:
        assert self._reader is not None
        lines: list[str] = []
        while True:
            async with asyncio.timeout(REPLY_TIMEOUT):
                raw = await self._reader.readline()
            if not raw:
                raise ConnectionResetError("the server closed the connection")
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.transcript.append(f"S: {line}")
            lines.append(line[4:])
            if len(line) < 4 or line[3] != "-":
                return Reply(int(line[:3]), tuple(lines))

    async def command(self, line: str) -> Reply:
        """Send one command line and read its reply."""
        assert self._writer is not None
        self.transcript.append(f"C: {line}")
        self._writer.write(line.encode("utf-8") + b"\r\n")
        await self._writer.drain()
        return await self.read_reply()

    async def data(self, message: bytes) -> Reply:
        """Send the message body after a 354, dot-stuffed, and read the final reply."""
        assert self._writer is not None
        body = message.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        body = b"\r\n".join(b"." + ln if ln.startswith(b".") else ln for ln in body.split(b"\r\n"))
        self.transcript.append(f"C: <message, {len(message)} bytes>")
        self.transcript.append("C: .")
        self._writer.write(body + b".\r\n")
        await self._writer.drain()
        return await self.read_reply()

    async def close(self) -> None:
        if self._writer is None:
            return
        try:
            if not self._writer.is_closing():
                await self.command("QUIT")
        except (ConnectionError, asyncio.TimeoutError, ValueError):
            pass
        finally:
            self._writer.close()
            try:
                await self._writer.wait_closed()
            except (ConnectionError, OSError):
                pass
            if self._local_port is not None:
                self.network.forget_caller(self._local_port)
            self._writer = None

    async def __aenter__(self) -> "SmtpClient":
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


async def relay(network: SimulatedNetwork, endpoint: Endpoint, peer: Peer,
                mail_from: str, recipients: list[str], message: bytes) -> Outcome:
    """Hand one message to the next hop: EHLO, MAIL, RCPT per recipient, DATA.

    Raises ConnectFailed when nothing listens. A refusal before DATA (a 4xx or 5xx to EHLO or
    MAIL) refuses every recipient with that reply.
    """
    client = SmtpClient(network, endpoint, peer)
    async with client:
        banner = await client.connect()
        if not banner.ok:
            return Outcome([], {r: banner for r in recipients}, None, client.transcript)
        for step in (f"EHLO {peer.name}", f"MAIL FROM:<{mail_from}>"):
            reply = await client.command(step)
            if not reply.ok:
                return Outcome([], {r: reply for r in recipients}, None, client.transcript)
        accepted: list[str] = []
        refused: dict[str, Reply] = {}
        for rcpt in recipients:
            reply = await client.command(f"RCPT TO:<{rcpt}>")
            (accepted.append(rcpt) if reply.ok else refused.__setitem__(rcpt, reply))
        if not accepted:
            return Outcome([], refused, None, client.transcript)
        reply = await client.command("DATA")
        if reply.code != 354:
            return Outcome([], {**refused, **{r: reply for r in accepted}}, None, client.transcript)
        final = await client.data(message)
        if not final.ok:
            return Outcome([], {**refused, **{r: final for r in accepted}}, final, client.transcript)
        return Outcome(accepted, refused, final, client.transcript)
