"""`mailflowlab serve`: start, connect with a real client, send, stop; nothing left behind."""
from __future__ import annotations

import os
import signal
import smtplib
import socket
import subprocess
import sys
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _start(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": SRC, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "mailflowlab", "serve", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def _read_until(proc: subprocess.Popen[str], marker: str) -> list[str]:
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line.rstrip("\n"))
        if marker in line:
            return lines
    raise AssertionError(f"'{marker}' never printed; got {lines} and {proc.stderr.read() if proc.stderr else ''}")


def _port(lines: list[str], connector: str) -> int:
    row = next(ln for ln in lines if connector in ln)
    return int(row.split("127.0.0.1:")[1].split()[0])


def test_serve_prints_listeners_delivers_mail_and_stops_cleanly() -> None:
    proc = _start("exchange2013demo", "--edge", "2013")
    try:
        lines = _read_until(proc, "Ctrl-C")
        assert lines[0] == "Exchange 2013 demo with an Exchange 2013 Edge: exchange2013demo.com, MX -> EDGE2013"
        assert lines[1].split() == ["Server", "Service", "Connector", "Exchange", "address", "Lab", "address"]
        assert any("Default internal receive connector EDGE2013" in ln and "172.16.0.11:25" in ln for ln in lines)
        port = _port(lines, "Default internal receive connector EDGE2013")
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
            s.sendmail("kate@fabrikam.com", ["bob@exchange2013demo.com"],
                       b"Subject: from the class\r\n\r\nhello\r\n")
        delivered = _read_until(proc, "DELIVER")[-1]
        assert delivered.endswith("DELIVER bob@exchange2013demo.com <- kate@fabrikam.com 'from the class' "
                                  "on MB2.exchange2013demo.com 250 2.1.5 Recipient OK")
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _err = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert out.strip().endswith("Stopping the lab.")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_a_bad_scenario_is_a_one_line_error_with_exit_code_2() -> None:
    proc = _start("exchange2099demo")
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("mailflowlab: error: unknown scenario 'exchange2099demo'; choose one of: ")
    assert "exchange2013demo" in err and "Traceback" not in err


def test_a_port_in_use_is_a_one_line_error_with_exit_code_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = _start("exchange2013demo", "--port", str(port))
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert err.strip() == f"mailflowlab: error: port {port} on 127.0.0.1 is in use; pick another or leave --port out"


def test_a_fixed_port_is_used_for_the_mx() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = _start("exchange2013demo", "--port", str(port))
    try:
        lines = _read_until(proc, "Ctrl-C")
        assert _port(lines, "Default Frontend CA1") == port
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    assert proc.returncode == 0


def test_edge_option_belongs_to_the_article_scenario_only() -> None:
    proc = _start("exchange2010demo", "--edge", "2013")
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert err.strip() == "mailflowlab: error: --edge applies to exchange2013demo only, not to 'exchange2010demo'"


def test_protocol_log_option_prints_what_a_learner_typed_and_heard() -> None:
    proc = _start("--protocol-log")
    try:
        lines = _read_until(proc, "Ctrl-C")
        port = _port(lines, "Default Frontend CA1")
        with socket.create_connection(("127.0.0.1", port), timeout=10) as telnet:
            stream = telnet.makefile("rb")
            stream.readline()
            telnet.sendall(b"EHLO learner07\r\nMAIL FROM:<a@fabrikam.com>\r\nRCPT TO:<lee@contoso.com>\r\nQUIT\r\n")
            while not stream.readline().startswith(b"221"):
                pass
        shown = _read_until(proc, "> 221 2.0.0 Service closing transmission channel")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert proc.returncode == 0
    prefix = "CA1\\Default Frontend CA1 "
    mine = [ln.removeprefix(prefix).split(" ", 2)[1:] for ln in shown if ln.startswith(prefix)]
    assert ["<", "RCPT TO:<lee@contoso.com>"] in mine and [">", "550 5.7.1 Unable to relay"] in mine
    assert mine[0] == [">", "220 CA1.exchange2013demo.com Microsoft ESMTP MAIL Service ready at Tue, 4 Mar 2014 09:00:00 +1000"]
