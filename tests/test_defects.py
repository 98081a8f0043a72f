"""Defects from the classroom report (issue 13), each fixed at its cause. Every test here failed
on the core before the redesign (a472bb3)."""
from __future__ import annotations

import asyncio
import base64
import gc
import os
import smtplib
import socket
import threading
import time
from datetime import datetime, timedelta

import pytest

from mailflowlab import Lab, LabError, scenarios
from mailflowlab.runtime import LoopThread

from .conftest import ALICE, BOB, LINUX_ONLY


def test_d5_a_message_transport_refuses_for_good_gets_an_ndr_not_a_retry_for_ever(lab: Lab) -> None:
    """Submission used to retry a 5xx every virtual minute for ever (4,321 deferrals in 3 days):
    now the sender gets an NDR and the Outbox is empty."""
    lab.set_receive_connector("MB2", "Default MB2", max_message_size=1000)     # Transport's own door
    lab.send(ALICE, BOB, subject="too big", body="x" * 5000)
    assert lab.mailbox(ALICE).outbox == []
    ndr = lab.mailbox(ALICE).messages[-1]
    assert str(ndr["Subject"]) == "Undeliverable: too big"
    assert "552 5.3.4 Message size exceeds fixed maximum message size" in ndr.get_content()
    lab.advance(days=3)
    assert lab.tracking_log().where(EventId="SUBMITDEFER").empty


def test_d6_the_same_recipient_three_times_gets_one_copy(lab: Lab) -> None:
    lab.send(ALICE, [BOB, BOB, BOB.upper()], subject="once")
    assert [str(m["Subject"]) for m in lab.mailbox(BOB).messages] == ["once"]


def test_d6_a_session_past_the_recipient_limit_hears_452(socket_lab: Lab) -> None:
    """Front End connectors take 200 recipients per message (MaxRecipientsPerMessage); the 201st
    gets 452 4.5.3 and a client sends it again in another message. Repeating one recipient
    counts once."""
    with smtplib.SMTP(*socket_lab.endpoint("CA1", "Default Frontend CA1"), timeout=10) as client:
        client.ehlo("sender.fabrikam.com")
        client.mail("kate@fabrikam.com")
        for _ in range(300):
            assert client.rcpt(BOB)[0] == 250                      # one recipient, many times
        codes = [client.rcpt(f"user{n}@exchange2013demo.com")[0] for n in range(201)]
    assert codes[:199] == [250] * 199 and codes[199:] == [452, 452]      # 1 + 199 = 200 taken


def test_d7_a_call_cut_short_stops_its_work_too() -> None:
    """Runtime.call used to leave its coroutine running after a timeout or Ctrl-C: virtual time
    kept moving behind the learner."""
    runtime = LoopThread("d7")
    stopped = threading.Event()

    async def long_work() -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            stopped.set()
            raise
    try:
        with pytest.raises(TimeoutError):
            runtime.call(long_work(), timeout=0.2)
        assert stopped.wait(5)
    finally:
        runtime.close()


@LINUX_ONLY
def test_d11_a_lab_dropped_without_close_leaves_no_thread_or_descriptor() -> None:
    threads, fds = threading.active_count(), len(os.listdir("/proc/self/fd"))
    for _ in range(5):
        lab = Lab(scenarios.exchange2013demo(), transport="sockets").start()
        lab.send(ALICE, BOB, subject="dropped")
        del lab
    gc.collect()
    deadline = time.monotonic() + 10
    while threading.active_count() > threads and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() == threads
    assert len(os.listdir("/proc/self/fd")) == fds


def test_d2_stopping_a_service_does_not_wait_for_a_stream_of_mail() -> None:
    """Eight senders keep the lab busy; stop_service waits only for the hand-over under way
    (it used to wait 51-60 s, once 9 minutes, while mail kept arriving)."""
    with Lab(scenarios.exchange2013demo(), transport="sockets") as lab:
        host, port = lab.endpoint("CA1", "Default Frontend CA1")
        done = threading.Event()

        def sender(n: int) -> None:
            while not done.is_set():
                with smtplib.SMTP(host, port, timeout=30) as client:
                    client.sendmail(f"s{n}@fabrikam.com", [BOB], b"Subject: load\r\n\r\nx\r\n")
        workers = [threading.Thread(target=sender, args=(n,), daemon=True) for n in range(8)]
        for w in workers:
            w.start()
        time.sleep(1.0)
        t = time.perf_counter()
        lab.stop_service("MB1", "Mailbox Transport Delivery")
        waited = time.perf_counter() - t
        done.set()
        for w in workers:
            w.join(30)
    assert waited < 5, f"stop_service waited {waited:.1f} s under load"


def test_d12_bad_arguments_after_close_are_one_sentence() -> None:
    lab = Lab(scenarios.exchange2013demo(), transport="memory").start()
    lab.close()
    with pytest.raises(LabError, match="The lab is not running"):
        lab.stop_service("MB1", "Transport")


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


GUESS = ["EHLO OL2013", "STARTTLS", "EHLO OL2013", "AUTH LOGIN", _b64("alice"), _b64("guess")]


def test_d10_a_failed_logon_is_answered_after_the_auth_tarpit_interval(lab: Lab) -> None:
    """AuthTarpitInterval (5 s by default): the 535 is written 5 virtual seconds after the
    password, and a right password right after is answered at once."""
    lab.set_receive_connector("CA1", "Client Frontend CA1", protocol_logging="Verbose")
    start = lab.now()
    t = lab.smtp_session("CA1", "Client Frontend CA1",
                         GUESS + ["AUTH LOGIN", _b64("alice"), _b64("Passw0rd"), "QUIT"])
    assert t.replies[-6:-4] == ["334 UGFzc3dvcmQ6", "535 5.7.3 Authentication unsuccessful"]
    assert t.replies[-2] == "235 2.7.0 Authentication successful"
    said: dict[str, datetime] = {}
    for row in lab.protocol_log("CA1").where(event=">"):
        said.setdefault(row.data, datetime.fromisoformat(row.date_time.replace("Z", "+00:00")))
    assert said["334 UGFzc3dvcmQ6"] == start
    assert said["535 5.7.3 Authentication unsuccessful"] == start + timedelta(seconds=5)
    assert said["235 2.7.0 Authentication successful"] == start + timedelta(seconds=5)


def test_d10_the_interval_is_the_connectors_setting_and_bad_values_are_refused(lab: Lab) -> None:
    lab.set_receive_connector("CA1", "Client Frontend CA1", auth_tarpit_interval=timedelta(seconds=30))
    start = lab.now()
    lab.smtp_session("CA1", "Client Frontend CA1", GUESS + ["QUIT"])
    assert lab.now() - start == timedelta(seconds=30)
    lab.set_receive_connector("CA1", "Client Frontend CA1", auth_tarpit_interval=0)
    start = lab.now()
    lab.smtp_session("CA1", "Client Frontend CA1", GUESS + ["QUIT"])
    assert lab.now() == start
    for bad in (-1, "5", float("nan")):
        with pytest.raises(LabError, match="AuthTarpitInterval"):
            lab.set_receive_connector("CA1", "Client Frontend CA1", auth_tarpit_interval=bad)


def test_d10_a_real_password_guesser_gets_one_guess_per_interval_of_lab_time(socket_lab: Lab) -> None:
    """Over a real socket, outside any lab call: 20 wrong passwords on one connection cost the
    guesser 100 seconds of the lab's time (before the fix: none, 1,382 guesses a second)."""
    lab = socket_lab
    start = lab.now()
    with smtplib.SMTP(*lab.endpoint("CA1", "Client Frontend CA1"), timeout=10) as guesser:
        guesser.starttls()
        for i in range(20):
            with pytest.raises(smtplib.SMTPAuthenticationError):
                guesser.login("alice", f"guess{i}")
    lab.settle()
    assert lab.now() - start == timedelta(seconds=100)


def test_d10_a_guesser_that_hangs_up_in_the_tarpit_cuts_no_work_short(socket_lab: Lab) -> None:
    """The tarpit's wait runs the lab in a task of its own: a client that disconnects while it
    waits does not cancel the hand-over that happens to be running."""
    lab = socket_lab
    lab.stop_service("MB2", "Mailbox Transport Delivery")
    lab.send(ALICE, BOB, subject="waits in a queue")
    lab.start_service("MB2", "Mailbox Transport Delivery")
    start = lab.now()
    # Default MB2 offers AUTH LOGIN before TLS (TLS, BasicAuth, ExchangeServer, Integrated).
    with socket.create_connection(lab.endpoint("MB2", "Default MB2"), timeout=10) as raw:
        replies = raw.makefile("rb")

        def reply() -> bytes:
            while (line := replies.readline())[3:4] == b"-":
                pass
            return line
        reply()
        raw.sendall(b"EHLO guesser\r\n")
        reply()
        raw.sendall(b"AUTH LOGIN " + _b64("alice").encode() + b"\r\n")
        assert reply().startswith(b"334 UGFzc3dvcmQ6")
        raw.sendall(_b64("wrong").encode() + b"\r\n")
        replies.close()
    lab.settle()
    assert lab.now() - start >= timedelta(seconds=5)
    lab.advance(minutes=5)
    assert [m["Subject"] for m in lab.mailbox(BOB).messages] == ["waits in a queue"]
    assert lab.services_table().where(Status="Stopped").empty
