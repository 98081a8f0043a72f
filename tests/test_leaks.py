"""No listener, thread, port or file descriptor outlives a lab."""
from __future__ import annotations

import os
import smtplib
import socket
import threading

import pytest

from mailflowlab import Lab, scenarios
from mailflowlab.smtp.network import SocketNetwork

from .conftest import ALICE, BOB, LINUX_ONLY


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@LINUX_ONLY
def test_closing_a_lab_leaves_nothing_behind() -> None:
    with Lab(scenarios.exchange2013demo(), transport="sockets") as warm:       # import-time and first-use costs
        warm.send(ALICE, BOB)
    threads, fds = threading.active_count(), _fds()
    ports = []
    for _ in range(3):
        with Lab(scenarios.exchange2013demo(), transport="sockets") as lab:
            lab.send(ALICE, BOB)
            lab.stop_service("MB2", "Transport")
            lab.send(ALICE, BOB)
            ports = [int(a.rsplit(":", 1)[1]) for a in lab.endpoints()["LabAddress"]]
    assert threading.active_count() == threads
    assert _fds() == fds
    for port in ports:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()


@LINUX_ONLY
def test_tls_sessions_leave_nothing_behind() -> None:
    """A logged-on TLS session, finished or left open when the lab closes, keeps no descriptor."""
    def session(lab: Lab) -> smtplib.SMTP:
        client = smtplib.SMTP(*lab.endpoint("CA1", "Client Frontend CA1"), timeout=10)
        client.starttls()
        client.login("alice", "Passw0rd")
        return client

    with Lab(scenarios.exchange2013demo(), transport="sockets") as warm:       # the certificate is made once per process
        session(warm).quit()
    threads, fds = threading.active_count(), _fds()
    for _ in range(3):
        with Lab(scenarios.exchange2013demo(), transport="sockets") as lab:
            finished = session(lab)
            finished.sendmail(ALICE, [BOB], b"Subject: over TLS\r\n\r\nhi\r\n")
            finished.quit()
            left_open = session(lab)
        left_open.close()
    assert threading.active_count() == threads
    assert _fds() == fds


def test_every_listener_binds_loopback_only() -> None:
    with Lab(scenarios.exchange2013demo(), transport="sockets") as lab:
        assert isinstance(lab.network, SocketNetwork)
        for svc in lab.services.values():
            for binding in svc.bindings:
                server = lab.network._servers.get(binding.endpoint)     # the socket network's listener
                assert server is not None
                assert {s.getsockname()[0] for s in server.sockets} == {"127.0.0.1"}


@LINUX_ONLY
def test_a_memory_lab_starts_no_thread_and_leaves_nothing_behind() -> None:
    with Lab(scenarios.exchange2013demo(), transport="memory") as warm:
        warm.send(ALICE, BOB)
    threads, fds = threading.active_count(), _fds()
    for _ in range(3):
        with Lab(scenarios.exchange2013demo(), transport="memory") as lab:
            assert threading.active_count() == threads, "memory mode runs in the caller's thread"
            lab.send(ALICE, BOB)
            lab.stop_service("MB2", "Transport")
            lab.send(ALICE, BOB)
            assert set(lab.endpoints()["LabAddress"]) == {"(in memory)"}
    assert threading.active_count() == threads
    assert _fds() == fds
