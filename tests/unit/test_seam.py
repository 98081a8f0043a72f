"""The SMTP seam alone, both implementations: aiosmtpd's own protocol answers, and the caller
travels with the connection (never guessed from a port)."""
from __future__ import annotations

import asyncio
import socket

import pytest
from aiosmtpd.smtp import SMTP

from mailflowlab.runtime import Inline, LoopThread, Runtime
from mailflowlab.smtp.client import SessionCache, relay
from mailflowlab.smtp.network import ConnectFailed, MemoryNetwork, Network, Peer, SocketNetwork
from mailflowlab.topology import Endpoint

SERVER = Endpoint("10.0.0.12", 25)
MB1 = Peer("MB1.example", "10.0.0.11", exchange=True)


class Recorder:
    """A plain aiosmtpd handler that keeps what it got and who sent it."""

    def __init__(self) -> None:
        self.got: list[tuple[Peer | None, str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.got.append((server.caller, envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


class Named(SMTP):
    """aiosmtpd's SMTP with the fields the network fills in (network.ServerSession)."""
    caller: Peer | None = None
    opened_for: Peer | None = None
    source: str = ""


def make(kind: str) -> tuple[Network, Runtime]:
    return (MemoryNetwork(), Inline()) if kind == "memory" else (SocketNetwork(), LoopThread())


@pytest.mark.parametrize("kind", ["memory", "sockets"])
def test_a_message_crosses_the_seam_with_its_caller(kind: str) -> None:
    network, runtime = make(kind)
    handler = Recorder()
    try:
        async def scenario() -> tuple[list[str], list[str]]:
            await network.listen(SERVER, lambda: Named(handler, hostname="mb2"))
            cache = SessionCache(network)
            out = await relay(cache, SERVER, MB1, "a@x", ["b@y"], b"Subject: hi\r\n\r\nbody\r\n")
            await cache.close_all()
            await network.unlisten(SERVER)
            return out.accepted, out.transcript
        accepted, transcript = runtime.call(scenario())
    finally:
        runtime.close()
    assert accepted == ["b@y"]
    assert transcript[0].startswith("S: 220 mb2") and "C: EHLO MB1.example" in transcript
    assert handler.got == [(MB1, "a@x", ["b@y"], b"Subject: hi\r\n\r\nbody\r\n")]


def test_a_kept_session_holds_no_transcript_between_messages() -> None:
    """Each message's dialogue is in its own Outcome; the session kept for the next message
    forgets it, so a session that carries many messages does not grow with them."""
    network, runtime = make("memory")
    try:
        async def scenario() -> tuple[list[list[str]], list[str]]:
            await network.listen(SERVER, lambda: Named(Recorder(), hostname="mb2"))
            cache = SessionCache(network)
            outcomes = [await relay(cache, SERVER, MB1, "a@x", ["b@y"], b"Subject: hi\r\n\r\nbody\r\n")
                        for _ in range(3)]
            kept = await cache.take((SERVER, MB1))
            assert kept is not None
            held = list(kept.transcript)
            await kept.close()
            await network.unlisten(SERVER)
            return [o.transcript for o in outcomes], held
        transcripts, held = runtime.call(scenario())
    finally:
        runtime.close()
    assert transcripts[0][0].startswith("S: 220 mb2")          # the first one opened the session
    assert transcripts[1] == transcripts[2] and transcripts[1][0] == "C: MAIL FROM:<a@x>"
    assert held == []


class Silent:
    """A handler that never answers RCPT TO."""

    async def handle_RCPT(self, server, session, envelope, address, options):  # type: ignore[no-untyped-def]
        await asyncio.Event().wait()


def test_a_server_that_stops_answering_before_data_gets_nothing_handed_over() -> None:
    """The replies up to DATA share one REPLY_TIMEOUT (in memory the loop reaches it at once, as
    nothing else can happen): the session is dropped and the message counts as never sent."""
    network, runtime = make("memory")
    try:
        async def scenario() -> None:
            await network.listen(SERVER, lambda: Named(Silent(), hostname="mb2"))
            await relay(SessionCache(network), SERVER, MB1, "a@x", ["b@y"], b"Subject: hi\r\n\r\nbody\r\n")
        with pytest.raises(ConnectionResetError, match="closed the session"):
            runtime.call(scenario())
    finally:
        runtime.close()


@pytest.mark.parametrize("kind", ["memory", "sockets"])
def test_nothing_listening_is_a_refused_connection(kind: str) -> None:
    network, runtime = make(kind)
    try:
        with pytest.raises(ConnectFailed):
            runtime.call(network.connect(SERVER, MB1))
    finally:
        runtime.close()


def test_a_socket_client_without_a_ticket_is_an_outside_client() -> None:
    """The old lab took a caller for a server when it came from a port a server had used.
    Now no port is looked at: a raw client is unnamed, even right after a server's session,
    and even when it sends a ticket of its own making."""
    network, runtime = SocketNetwork(), LoopThread()
    handler = Recorder()
    try:
        runtime.call(network.listen(SERVER, lambda: Named(handler, hostname="mb2")))
        host, port = network.address(SERVER)  # type: ignore[misc]
        cache = SessionCache(network)
        runtime.call(relay(cache, SERVER, MB1, "a@x", ["b@y"], b"Subject: x\r\n\r\n"))
        runtime.call(cache.close_all())
        with socket.create_connection((host, port), timeout=5) as raw:
            f = raw.makefile("rwb")
            f.readline()
            for line in (b"XCALLER 00000000000000000000000000000000", b"EHLO x", b"MAIL FROM:<a@x>",
                         b"RCPT TO:<b@y>", b"DATA"):
                f.write(line + b"\r\n")
                f.flush()
                reply = f.readline()
                if line.startswith(b"XCALLER"):
                    assert reply.startswith(b"500")          # a forged ticket: an unknown command
                while reply[3:4] == b"-":
                    reply = f.readline()
            f.write(b"Subject: x\r\n\r\n.\r\n")
            f.flush()
            assert f.readline().startswith(b"250")
    finally:
        runtime.call(network.unlisten(SERVER))
        runtime.close()
    assert [caller for caller, *_ in handler.got] == [MB1, None]
