"""The listener alone, over the in-memory network: Exchange's banner and wording for aiosmtpd's
own replies, the tap that feeds the protocol log (never the message, never AUTH's secret), the
caller as the network names it, and a stop that closes every session."""
from __future__ import annotations

import asyncio
import ssl
from datetime import UTC, datetime
from typing import Any

from aiosmtpd.smtp import SMTP

from mailflowlab import replies
from mailflowlab.runtime import Inline
from mailflowlab.smtp.listener import ExchangeSMTP, Listener, banner_ident
from mailflowlab.smtp.network import MemoryNetwork, Peer
from mailflowlab.topology import Endpoint

MB2 = Endpoint("10.0.0.12", 25)
MB1 = Peer("MB1.example.com", "10.0.0.11", exchange=True)
WHEN = datetime(2014, 3, 4, 9, 0, tzinfo=UTC)


class Handler:
    """A session handler that takes every message and writes down what the tap gives it."""

    def __init__(self, refusal: str | None = None) -> None:
        self.refusal = refusal                  # what `admit` answers: None lets every session in
        self.lines_heard: list[str] = []
        self.lines_said: list[str] = []
        self.callers: list[Peer | None] = []
        self.messages: list[bytes] = []

    def heard(self, session: ExchangeSMTP, line: str) -> None:
        self.lines_heard.append(line)

    def said(self, session: ExchangeSMTP, reply: str) -> None:
        self.lines_said.append(reply)

    def lost(self, session: ExchangeSMTP) -> None:
        self.callers.append(session.caller)

    def admit(self, session: ExchangeSMTP) -> str | None:
        return self.refusal

    async def may_start_tls(self, session: ExchangeSMTP) -> bool:
        return True

    async def may_log_on(self, session: ExchangeSMTP) -> bool:
        await session.push(replies.UNRECOGNIZED_AUTH_TYPE)
        return False

    def log_on(self, server: SMTP, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
        raise AssertionError("no logon is offered")

    async def logon_failed(self, session: ExchangeSMTP) -> None:
        raise AssertionError("no logon is offered")

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.original_content)
        return "250 2.6.0 queued"


def _no_tls() -> ssl.SSLContext:
    raise AssertionError("in memory there is no TLS context to make")


async def _reply(reader: asyncio.StreamReader) -> list[str]:
    """One reply, all its lines (a multi-line reply ends at the line with a space after the code)."""
    lines = []
    while True:
        line = (await reader.readline()).decode().rstrip("\r\n")
        lines.append(line)
        if len(line) < 4 or line[3] != "-":
            return lines


async def _session(network: MemoryNetwork, commands: list[str], caller: Peer | None) -> list[list[str]]:
    reader, writer = await network.connect(MB2, caller)
    said = [await _reply(reader)]
    for command in commands:
        writer.write(command.encode() + b"\r\n")
        if command != "Subject: hi" and command != "body":
            said.append(await _reply(reader))
    writer.close()
    return said


def _run(commands: list[str], caller: Peer | None = None,
         refusal: str | None = None) -> tuple[list[list[str]], Handler, Listener]:
    network, runtime, handler = MemoryNetwork(), Inline(), Handler(refusal)
    listener = Listener(network, MB2, "mb2.example.com", lambda: handler,
                        lambda: banner_ident("mb2.example.com", WHEN), lambda: 1000, _no_tls)

    async def scenario() -> list[list[str]]:
        await listener.start()
        said = await _session(network, commands, caller)
        await listener.stop()
        return said
    try:
        return runtime.call(scenario()), handler, listener
    finally:
        runtime.close()


def test_the_banner_and_aiosmtpds_own_replies_are_in_exchanges_words() -> None:
    said, handler, _ = _run(["MAIL FROM:<a@example.com>", "EHLO client.example.com", "MAIL FROM:<a@example.com>",
                             "DATA", "FROB", "QUIT"])
    assert said[0] == [replies.banner("mb2.example.com", WHEN)]
    assert said[1] == [replies.SEND_HELLO_FIRST]                 # aiosmtpd: "503 Error: send HELO first"
    assert said[2][0] == "250-mb2.example.com"
    assert said[3] == [replies.OK]                               # aiosmtpd: "250 OK"
    assert said[4] == [replies.NEED_RCPT]
    assert said[5] == [replies.UNRECOGNIZED]
    assert said[6] == [replies.CLOSING]
    assert handler.lines_said == [line for reply in said for line in reply]


def test_the_tap_hears_commands_but_neither_the_message_nor_an_auth_secret() -> None:
    said, handler, _ = _run(["EHLO client.example.com", "AUTH LOGIN c2VjcmV0", "MAIL FROM:<a@example.com>",
                             "RCPT TO:<b@example.com>", "DATA", "Subject: hi", "body", ".", "QUIT"])
    assert said[2] == [replies.UNRECOGNIZED_AUTH_TYPE]
    assert handler.lines_heard == ["EHLO client.example.com", "AUTH LOGIN", "MAIL FROM:<a@example.com>",
                                   "RCPT TO:<b@example.com>", "DATA", "QUIT"]
    assert handler.messages == [b"Subject: hi\r\nbody\r\n"]


def test_the_caller_is_the_one_the_network_names_and_stop_closes_the_listener() -> None:
    _, handler, listener = _run(["EHLO MB1.example.com", "QUIT"], caller=MB1)
    _, outside, _ = _run(["QUIT"])
    assert handler.callers == [MB1] and outside.callers == [None]
    assert not listener.listening and not listener.sessions


def test_a_connection_the_handler_does_not_admit_hears_its_refusal_instead_of_the_banner() -> None:
    """The receive connector's connection limits: the 421 comes first and alone, the session is
    closed, and nothing the client then sends reaches the handler."""
    said, handler, listener = _run([], refusal=replies.TOO_MANY_CONNECTIONS_PER_SOURCE)
    assert said == [[replies.TOO_MANY_CONNECTIONS_PER_SOURCE]]
    assert handler.lines_heard == [] and not listener.sessions
