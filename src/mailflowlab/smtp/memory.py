"""In-memory connections: two asyncio transports joined back to back, no socket anywhere.

`pipe(loop, client, server, ...)` joins a client protocol and a server protocol the way a TCP
connection would: what one side writes, the other receives (on the next turn of the loop,
in order), and closing one end is an end-of-file and a lost connection for the other.
aiosmtpd's own `SMTP` protocol runs over it unmodified, which is how the lab runs in a browser.
"""
from __future__ import annotations

import asyncio
from typing import Any


class MemoryTransport(asyncio.Transport):
    """One end of an in-memory connection."""

    def __init__(self, loop: asyncio.AbstractEventLoop, protocol: asyncio.BaseProtocol,
                 extra: dict[str, Any]) -> None:
        super().__init__(extra)
        self._loop = loop
        self._protocol = protocol
        self._peer: MemoryTransport | None = None
        self._closing = False
        self._lost = False

    # --- the transport interface the protocols use ----------------------------------------
    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._protocol

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._protocol = protocol

    def is_closing(self) -> bool:
        return self._closing

    def is_reading(self) -> bool:
        return not self._closing

    def pause_reading(self) -> None:
        """Nothing to pause: data arrives only as fast as the other side writes it."""

    def resume_reading(self) -> None:
        """See pause_reading."""

    def get_write_buffer_size(self) -> int:
        return 0

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        """No buffer: every write is handed to the other side at once."""

    def can_write_eof(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._closing or self._peer is None:
            return
        self._loop.call_soon(self._peer._receive, bytes(data))

    def write_eof(self) -> None:
        if self._peer is not None:
            self._loop.call_soon(self._peer._end_of_file)

    def close(self) -> None:
        """Close this end: both protocols see the connection lost, after any data in flight."""
        if self._closing:
            return
        self._closing = True
        self._loop.call_soon(self._connection_lost)
        if self._peer is not None:
            self._loop.call_soon(self._peer._end_of_file)
            self._loop.call_soon(self._peer._peer_closed)

    def abort(self) -> None:
        self.close()

    # --- what the other end does to this one ----------------------------------------------
    def _receive(self, data: bytes) -> None:
        if not self._lost:
            self._protocol.data_received(data)  # type: ignore[attr-defined]

    def _end_of_file(self) -> None:
        if not self._lost and not self._closing:
            self._protocol.eof_received()  # type: ignore[attr-defined]

    def _peer_closed(self) -> None:
        if not self._closing:
            self._closing = True
            self._connection_lost()

    def _connection_lost(self) -> None:
        if not self._lost:
            self._lost = True
            self._protocol.connection_lost(None)


def pipe(loop: asyncio.AbstractEventLoop, client: asyncio.BaseProtocol, server: asyncio.BaseProtocol,
         client_name: tuple[str, int], server_name: tuple[str, int]) -> MemoryTransport:
    """Connect `client` to `server` and return the client's transport. Each side's
    `peername` is the other's (simulated) address."""
    client_end = MemoryTransport(loop, client, {"peername": server_name, "sockname": client_name})
    server_end = MemoryTransport(loop, server, {"peername": client_name, "sockname": server_name})
    client_end._peer, server_end._peer = server_end, client_end
    server.connection_made(server_end)
    client.connection_made(client_end)
    return client_end
