"""A telnet-like console: type SMTP commands at any receive connector and read every reply.

    print(smtp_session(lab, "CA1", "Default Frontend CA1",
                       ["EHLO fabrikam.com", "MAIL FROM:<a@fabrikam.com>", "RCPT TO:<bob@exchange2013demo.com>"]))

Each command is sent as one line and its reply read in full, as a person at a telnet prompt
would; after a `354` reply to DATA, the lines up to the lone `.` are the message and get no
reply until the dot. After `220` to STARTTLS the console goes on over TLS, as
`openssl s_client -starttls smtp` would, and notes the certificate the server showed. The
transcript shows the server's lines as they came and the client's as typed, so the learner
sees exactly what telnet would show. `as_ip` makes the session come
from a simulated address (a printer at 10.0.0.50, a spam filter), which is how a receive
connector's RemoteIPRanges pick it out.
"""
from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field
from typing import Protocol

from .smtp.certificates import peer_certificate_subject
from .smtp.network import ConnectFailed, Network, Peer
from .topology import Endpoint

#: Real seconds to wait for a reply before the console reports that none came.
REPLY_WAIT = 5.0


@dataclass
class Transcript:
    """What a telnet window would show: `lines`, oldest first; `replies` the server's only."""
    target: str
    lines: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    closed_by_server: bool = False

    def __str__(self) -> str:
        return "\n".join(self.lines)

    def __repr__(self) -> str:
        return str(self)

    @property
    def last_reply(self) -> str:
        """The last complete reply (its final line), e.g. '550 5.7.1 Unable to relay'."""
        return self.replies[-1] if self.replies else ""


async def _read_reply(reader: asyncio.StreamReader, t: Transcript) -> bool:
    """Read one (possibly multi-line) reply into the transcript; False if the server hung up."""
    while True:
        try:
            raw = await asyncio.wait_for(reader.readline(), REPLY_WAIT)
        except TimeoutError:
            t.lines.append(f"(no reply within {REPLY_WAIT:g} seconds)")
            return True
        if not raw:
            t.lines.append("Connection closed by foreign host.")
            t.closed_by_server = True
            return False
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        t.lines.append(line)
        if len(line) < 4 or line[3] != "-":
            t.replies.append(line)
            return True


async def _start_tls(writer: asyncio.StreamWriter, network: Network, t: Transcript) -> None:
    """Go on encrypted, as `openssl s_client -starttls smtp` would (telnet cannot). Like a
    client of a fresh Exchange server, accept its self-signed certificate without trusting it.
    In memory (a browser has no TLS) the session is only marked encrypted, and says so."""
    if not network.has_sockets:
        t.lines.append("(TLS started: in memory the session is only marked as encrypted; "
                       "the socket lab does real TLS)")
        return
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    await writer.start_tls(context)
    der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
    subject, issuer = peer_certificate_subject(der)
    t.lines.append(f"(TLS started; the server's certificate is {subject}, issued by {issuer})")


async def run_session(network: Network, endpoint: Endpoint, host: str, commands: list[str],
                      caller: Peer | None) -> Transcript:
    """The session itself, on the lab's loop, through the lab's network as `caller` (None:
    an outside client, as telnet would be)."""
    t = Transcript(f"{endpoint.ip} {endpoint.port}")
    t.lines.append(f"$ telnet {endpoint.ip} {endpoint.port}")
    t.lines.append(f"Trying {endpoint.ip}...")
    try:
        reader, writer = await network.connect(endpoint, caller)
    except ConnectFailed:
        t.lines.append("telnet: Unable to connect to remote host: Connection refused")
        t.closed_by_server = True
        return t
    t.lines += [f"Connected to {host}.", "Escape character is '^]'."]
    try:
        alive = await _read_reply(reader, t)
        in_data = False
        for command in commands:
            if not alive:
                break
            t.lines.append(command)
            try:
                writer.write(command.encode("utf-8") + b"\r\n")
                await writer.drain()
            except ConnectionError:                      # it hung up while we typed
                t.lines.append("Connection closed by foreign host.")
                t.closed_by_server = True
                break
            if in_data:
                if command == ".":
                    in_data = False
                    alive = await _read_reply(reader, t)
                continue
            alive = await _read_reply(reader, t)
            in_data = command.strip().upper() == "DATA" and t.last_reply.startswith("354")
            if alive and command.strip().upper() == "STARTTLS" and t.last_reply.startswith("220"):
                await _start_tls(writer, network, t)
        if alive and t.last_reply.startswith("221"):
            await _read_reply(reader, t)                 # the server hangs up after QUIT
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass
    return t


async def first_replies(network: Network, endpoint: Endpoint, count: int, caller: Peer | None) -> list[str]:
    """`count` connections opened one after another and held open together (a client with many
    telnet windows): the first line each one heard, the banner or a refusal; then all close."""
    writers: list[asyncio.StreamWriter] = []
    heard: list[str] = []
    try:
        for _ in range(count):
            try:
                reader, writer = await network.connect(endpoint, caller)
            except ConnectFailed:
                heard.append("telnet: Unable to connect to remote host: Connection refused")
                continue
            writers.append(writer)
            try:
                line = await asyncio.wait_for(reader.readline(), REPLY_WAIT)
            except TimeoutError:
                line = b""
            heard.append(line.decode("utf-8", "replace").rstrip("\r\n")
                         or f"(no reply within {REPLY_WAIT:g} seconds)")
    finally:
        for writer in writers:
            writer.close()
        for writer in writers:
            try:
                await writer.wait_closed()
            except OSError:
                pass
    return heard


class SessionHost(Protocol):
    """What `smtp_session` needs of a lab: its own `smtp_session` (a `Lab` has it)."""

    def smtp_session(self, server: str, connector: str, commands: list[str] | str, *,
                     as_ip: str | None = None, as_name: str = "unknown") -> Transcript: ...


def smtp_session(lab: SessionHost, server: str, connector: str, commands: list[str] | str, *,
                 as_ip: str | None = None, as_name: str = "unknown") -> Transcript:
    """Run a raw SMTP session against a receive connector and return its transcript.

    `commands` is a list of lines (or one string of lines). The lab settles afterwards, so
    a message the session handed over has come to rest when this returns."""
    return lab.smtp_session(server, connector, commands, as_ip=as_ip, as_name=as_name)


DEFAULT_COMMANDS = """EHLO fabrikam.com
MAIL FROM:<someone@fabrikam.com>
RCPT TO:<bob@exchange2013demo.com>
DATA
Subject: Hello from telnet

Typed by hand.
.
QUIT"""
