"""A hostile classmate on the same machine (issue 20). Each test plays the attacker with real
sockets on 127.0.0.1 and fails on the code before its fix.

D1: the lab's ticket (the first line its own client sends, naming the caller) could be read by
whoever bound the port of a stopped service, and replayed anywhere, any number of times, for
ever.
"""
from __future__ import annotations

import asyncio
import smtplib
import socket
import threading

from mailflowlab import Lab
from mailflowlab.smtp.network import Endpoint, Peer, SocketNetwork

from .conftest import BOB

SERVER = Peer("MB1.exchange2013demo.com", "10.0.0.12", exchange=True)


class Eavesdropper:
    """A classmate's program: listens on a port, answers like an SMTP server, keeps every byte."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.heard: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(1.0)
                conn.sendall(b"220 attacker ready\r\n")
                try:
                    while data := conn.recv(4096):
                        self.heard.append(data)
                        conn.sendall(b"250 OK\r\n" * data.count(b"\n"))
                except OSError:
                    pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


def test_d1_a_classmate_on_a_stopped_transport_s_port_hears_nothing_and_the_sender_hears_prx(socket_lab: Lab) -> None:
    lab = socket_lab
    port = lab.endpoint("MB1", "Default MB1")[1]
    other = lab.endpoint("MB2", "Default MB2")[1]
    lab.stop_service("MB1", "Transport")
    lab.stop_service("MB2", "Transport")
    spy = Eavesdropper(port)                    # the classmate takes the stopped port at once
    try:
        with smtplib.SMTP("127.0.0.1", lab.endpoint("CA1", "Default Frontend CA1")[1], timeout=10) as s:
            s.ehlo("learner")
            s.mail("kate@fabrikam.com")
            s.rcpt(BOB)
            code, text = s.data(b"Subject: test\r\n\r\nhello\r\n")
        assert (code, text.decode()) == (451, "4.7.0 Temporary server error. Please try again later. PRX5")
        assert spy.heard == [], "the lab dialled a port it knew was stopped and sent its ticket"
    finally:
        spy.close()
    assert other != port
    lab.start_service("MB1", "Transport")         # the port is free again; the lab listens anew
    lab.start_service("MB2", "Transport")
    lab.settle()
    assert lab.endpoints().select("Server", "Status")[3].Status == "Listening"


async def _capture_a_ticket(network: SocketNetwork, spy: Eavesdropper) -> tuple[bytes, tuple[str, int]]:
    """Make the lab dial an endpoint whose listener the classmate stands in for: the lab listens
    on 127.0.0.2 but dials `host` (127.0.0.1), where the spy listens on the same port. Returns
    the ticket line the spy read and the source address it came from."""
    reader, writer = await network.connect(Endpoint("10.0.0.99", 25), SERVER)
    source = writer.get_extra_info("sockname")[:2]
    await reader.readline()                              # the spy's banner
    for _ in range(50):
        if spy.heard:
            break
        await asyncio.sleep(0.02)
    writer.close()
    return spy.heard[0].split(b"\r\n")[0], source


class Recorder(asyncio.Protocol):
    """A listener's session that says who the network told it was calling."""
    callers: list[Peer | None] = []

    def __init__(self) -> None:
        self.caller: Peer | None = None

    def data_received(self, data: bytes) -> None:
        Recorder.callers.append(self.caller)


def _replay_network(spy_port: int) -> SocketNetwork:
    return SocketNetwork(port_for=lambda e: spy_port if e.ip == "10.0.0.99" else 0,
                         hosts_for=lambda e: ("127.0.0.2",) if e.ip == "10.0.0.99" else ("127.0.0.1",))


async def _replay(network: SocketNetwork, endpoint: Endpoint, line: bytes) -> None:
    address = network.address(endpoint)
    assert address is not None
    host = "127.0.0.2" if endpoint.ip == "10.0.0.99" else address[0]   # the lab's own listener
    _, writer = await asyncio.open_connection(host, address[1])
    writer.write(line + b"\r\nNOOP\r\n")
    await writer.drain()
    await asyncio.sleep(0.1)
    writer.close()


def test_d1_a_captured_ticket_is_refused_at_another_listener_and_a_second_time() -> None:
    spy = Eavesdropper()
    Recorder.callers = []

    async def attack() -> None:
        network = _replay_network(spy.port)
        await network.listen(Endpoint("10.0.0.99", 25), Recorder)     # the lab's, on 127.0.0.2
        await network.listen(Endpoint("10.0.0.11", 717), Recorder)    # another listener of the lab
        line, _ = await _capture_a_ticket(network, spy)
        assert line.startswith(SocketNetwork.TICKET)
        await _replay(network, Endpoint("10.0.0.11", 717), line)     # to another listener
        await _replay(network, Endpoint("10.0.0.99", 25), line)      # to its own endpoint
        await _replay(network, Endpoint("10.0.0.99", 25), line)      # and again
        for endpoint in (Endpoint("10.0.0.99", 25), Endpoint("10.0.0.11", 717)):
            await network.unlisten(endpoint)
    try:
        asyncio.run(attack())
    finally:
        spy.close()
    assert len(Recorder.callers) == 3
    assert Recorder.callers == [None, None, None], "a replayed ticket named the lab's server as the caller"


def test_d1_a_ticket_expires_within_seconds_and_names_its_caller_only_before() -> None:
    spy = Eavesdropper()

    async def attack() -> tuple[Peer | None, Peer | None]:
        network = _replay_network(spy.port)
        network.ticket_lifetime = 0.3              # the same rule, at a test's pace
        await network.listen(Endpoint("10.0.0.99", 25), Recorder)
        line, source = await _capture_a_ticket(network, spy)
        token = line[len(SocketNetwork.TICKET):]
        endpoint = Endpoint("10.0.0.99", 25)
        in_time = network.redeem(token, endpoint, source)          # the connection it was issued for
        line, source = await _capture_a_ticket(network, spy)
        await asyncio.sleep(network.ticket_lifetime + 0.2)
        too_late = network.redeem(line[len(SocketNetwork.TICKET):], endpoint, source)
        await network.unlisten(endpoint)
        return in_time, too_late
    try:
        in_time, too_late = asyncio.run(attack())
    finally:
        spy.close()
    assert in_time == SERVER
    assert too_late is None
    assert SocketNetwork.ticket_lifetime <= 10
