"""In-memory transports alone: what one end writes the other receives, in order, on the next
turn of the loop; closing one end is an end-of-file and a lost connection for both."""
from __future__ import annotations

import asyncio

from mailflowlab.smtp.memory import pipe


class Side(asyncio.Protocol):
    """A protocol that writes down everything that happens to it."""

    def __init__(self) -> None:
        self.events: list[object] = []
        self.transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.events.append("made")

    def data_received(self, data: bytes) -> None:
        self.events.append(data)

    def eof_received(self) -> bool | None:
        self.events.append("eof")
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.events.append("lost")


async def _turns(n: int = 5) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


def test_bytes_cross_in_order_on_the_next_turn_and_each_side_sees_the_others_address() -> None:
    async def scenario() -> tuple[list[object], list[object], object, object]:
        client, server = Side(), Side()
        end = pipe(asyncio.get_running_loop(), client, server, ("10.0.0.11", 49152), ("10.0.0.12", 25))
        end.write(b"EHLO a\r\n")
        end.write(bytearray(b"MAIL FROM:<a@b>\r\n"))
        early = list(server.events)                      # nothing yet: it arrives on the next turn
        await _turns()
        assert server.transport is not None
        return early, server.events, end.get_extra_info("peername"), server.transport.get_extra_info("peername")
    early, got, client_sees, server_sees = asyncio.run(scenario())
    assert early == ["made"]
    assert got == ["made", b"EHLO a\r\n", b"MAIL FROM:<a@b>\r\n"]
    assert client_sees == ("10.0.0.12", 25) and server_sees == ("10.0.0.11", 49152)


def test_closing_one_end_is_eof_and_lost_for_the_other_after_the_data_in_flight() -> None:
    async def scenario() -> tuple[list[object], list[object], bool]:
        client, server = Side(), Side()
        end = pipe(asyncio.get_running_loop(), client, server, ("10.0.0.11", 49152), ("10.0.0.12", 25))
        end.write(b"QUIT\r\n")
        end.close()
        end.write(b"after close\r\n")                    # dropped: the end is closing
        end.close()                                      # twice is once
        await _turns()
        return client.events, server.events, end.is_closing()
    client_events, server_events, closing = asyncio.run(scenario())
    assert server_events == ["made", b"QUIT\r\n", "eof", "lost"]
    assert client_events == ["made", "lost"]
    assert closing


def test_the_server_hanging_up_reaches_the_client() -> None:
    async def scenario() -> list[object]:
        client, server = Side(), Side()
        pipe(asyncio.get_running_loop(), client, server, ("10.0.0.11", 49152), ("10.0.0.12", 25))
        assert isinstance(server.transport, asyncio.WriteTransport)
        server.transport.write(b"421 4.3.2 Service not active\r\n")
        server.transport.close()
        await _turns()
        return client.events
    assert asyncio.run(scenario()) == ["made", b"421 4.3.2 Service not active\r\n", "eof", "lost"]
