"""A classroom's worth of load and mischief against the lab: nothing lost, nothing let in.

N outside clients each send M messages, one SMTP session per message, alternating port 25
(anonymous, to a mailbox of the organization) and port 587 (STARTTLS, then AUTH LOGIN as
alice, password Passw0rd); after each message the client also tries to relay through port 25
to an outside domain, which must get `550 5.7.1 Unable to relay`. Meanwhile K hostile sessions
send garbage, unknown verbs, long lines, bad addresses and pipelined bursts. Then it prints:

    sessions, accepted relays, messages lost and duplicated, wrong Received IPs (an outside
    client stamped as if it were an Exchange server), malformed replies, hung sessions,
    and file descriptors and threads before and after.

Target: an in-process lab (default) or `mailflowlab serve` started by this script (`--serve`;
deliveries are then counted from its screen, and Received headers are not visible). It only
ever connects to 127.0.0.1, runs a bounded number of sessions, and stops by itself after
`--deadline` seconds at the latest. Failures are expected until the core stops guessing the
caller from its source port (issue 13, D1); the figures are printed as they come.

    python bench/classroom.py                                  # 10 clients x 5, 200 fuzz sessions
    python bench/classroom.py --clients 200 --messages 20 --fuzz 10000 --deadline 900
    python bench/classroom.py --serve --clients 50 --messages 20
"""
from __future__ import annotations

import argparse
import os
import random
import re
import smtplib
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

#: The only host this script ever connects to.
LOOPBACK = "127.0.0.1"


def learner_address(n: int) -> str:
    """Where learner n connects from: a loopback address of its own (127.0.1.x, 127.0.2.x ...),
    as each learner of a real class has its own machine, so the receive connectors'
    MaxInboundConnectionPerSource (20) counts each learner, not the whole class as one."""
    return f"127.0.{1 + n // 250}.{1 + n % 250}"
#: Where outside clients appear from in the lab (TEST-NET-3); Exchange servers are 10.0.0.x.
OUTSIDE_IP = "203.0.113.50"
USER, PASSWORD = "alice", "Passw0rd"
DOMAIN = "exchange2013demo.com"
RECIPIENTS = [f"{name}@{DOMAIN}" for name in ("alice", "bob", "carol")]
OUTSIDE_RECIPIENT = "lee@contoso.com"
#: Seconds one socket operation may take before the session counts as hung.
SOCKET_TIMEOUT = 10.0
REPLY = re.compile(rb"^\d{3}[ -]")
#: The answer to STARTTLS: the next bytes must be a TLS handshake, which a hostile client lacks.
TLS_READY = b"220 2.0.0"


@dataclass
class Figures:
    """What a run counts; `report()` prints it."""
    target: str = ""
    sessions: int = 0
    sent: int = 0
    accepted: list[str] = field(default_factory=list)       # subjects answered 250 after DATA
    refused: Counter[str] = field(default_factory=Counter)  # reply or error -> count
    relays_tried: int = 0
    relays_accepted: int = 0
    delivered: Counter[str] = field(default_factory=Counter)
    wrong_received_ip: int | None = None                    # None: not observable (serve)
    fuzz_sessions: int = 0
    malformed: int = 0
    hung: int = 0
    fds: tuple[int, int] = (0, 0)
    threads: tuple[int, int] = (0, 0)
    after: str = "after close"                              # when the second fds/threads were counted
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def lost(self) -> int:
        return sum(1 for s in self.accepted if self.delivered[s] == 0)

    @property
    def duplicated(self) -> int:
        return sum(1 for s in self.accepted if self.delivered[s] > 1)

    def report(self) -> str:
        refused = ", ".join(f"{n} x {why}" for why, n in self.refused.most_common(4)) or "none"
        wrong = "not observable" if self.wrong_received_ip is None else str(self.wrong_received_ip)
        return "\n".join([
            f"target: {self.target}; {self.seconds:.1f} s",
            f"sessions: {self.sessions} ({self.sent} messages, {self.relays_tried} relay attempts, "
            f"{self.fuzz_sessions} fuzz)",
            f"messages: {self.sent} sent, {len(self.accepted)} accepted (250), refused: {refused}",
            f"delivered: {sum(self.delivered[s] for s in self.accepted)}; lost {self.lost}, "
            f"duplicated {self.duplicated}",
            f"accepted relays: {self.relays_accepted} of {self.relays_tried} anonymous attempts",
            f"wrong Received IP (an outside client stamped as a server): {wrong}",
            f"fuzz: {self.malformed} malformed reply lines, {self.hung} hung sessions",
            f"fds: {self.fds[0]} before, {self.fds[1]} {self.after}; "
            f"threads: {self.threads[0]} before, {self.threads[1]} {self.after}",
        ])


# --- the well-behaved clients ---------------------------------------------------------------------

def _message(subject: str, sender: str, rcpt: str) -> bytes:
    return (f"From: {sender}\r\nTo: {rcpt}\r\nSubject: {subject}\r\n"
            f"Message-ID: <{subject.replace(' ', '.')}@learners.example>\r\n\r\nfrom the class\r\n").encode()


def send_one(port: int, submission: bool, subject: str, rcpt: str, source: str = LOOPBACK) -> str:
    """One message in one session; the reply to DATA (or the error) as text."""
    sender = f"{USER}@{DOMAIN}" if submission else "kate@fabrikam.com"
    try:
        with smtplib.SMTP(LOOPBACK, port, local_hostname="learner", timeout=SOCKET_TIMEOUT,
                          source_address=(source, 0)) as s:
            if submission:
                s.starttls(context=ssl._create_unverified_context())
                s.login(USER, PASSWORD)
            s.sendmail(sender, [rcpt], _message(subject, sender, rcpt))
            return "250"
    except smtplib.SMTPResponseException as exc:
        return f"{exc.smtp_code} {exc.smtp_error.decode(errors='replace')}"
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        return f"{code} {text.decode(errors='replace')}"
    except (OSError, smtplib.SMTPException) as exc:
        return type(exc).__name__


#: Ten ways an anonymous client tries to relay, (EHLO name, MAIL FROM, RCPT TO): each one's
#: recipient is outside the organization, so each must be refused (550 5.7.1, or 501 for an
#: address Exchange can't read). None sends to an accepted domain: `lee%contoso.com@<ours>`
#: is mail for our domain (accepted, then an NDR), not a relay.
RELAY_FORMS = [
    ("relay-test", "spammer@fabrikam.com", OUTSIDE_RECIPIENT),
    ("relay-test", "spammer@fabrikam.com", OUTSIDE_RECIPIENT.upper()),
    ("relay-test", f"alice@{DOMAIN}", OUTSIDE_RECIPIENT),                      # a forged inside sender
    (f"MB1.{DOMAIN}", "spammer@fabrikam.com", OUTSIDE_RECIPIENT),              # posing as a server
    ("[10.0.0.12]", "<>", OUTSIDE_RECIPIENT),                                 # a bounce, from a server IP
    ("relay-test", "spammer@fabrikam.com", OUTSIDE_RECIPIENT + "."),           # a trailing dot
    ("relay-test", "spammer@fabrikam.com", "lee@[203.0.113.9]"),               # an address literal
    ("relay-test", "spammer@fabrikam.com", f"@{DOMAIN}:{OUTSIDE_RECIPIENT}"),  # a source route
    ("relay-test", "spammer@fabrikam.com", '"lee@contoso.com"@contoso.com'),   # a quoted local part
    ("relay-test", "spammer@fabrikam.com", f"lee@contoso.com@{DOMAIN}"),       # a second @
]


def try_relay(port: int, source: str = LOOPBACK, form: int = 0) -> bool:
    """An anonymous relay attempt to an outside domain, in one of the RELAY_FORMS; True if it
    was accepted (a hole)."""
    ehlo, sender, rcpt = RELAY_FORMS[form % len(RELAY_FORMS)]
    try:
        with smtplib.SMTP(LOOPBACK, port, local_hostname="relay-test", timeout=SOCKET_TIMEOUT,
                          source_address=(source, 0)) as s:
            s.ehlo(ehlo)
            s.mail(sender)
            code, _ = s.docmd("RCPT", f"TO:<{rcpt}>")
            s.rset()
            return code == 250
    except (OSError, smtplib.SMTPException):
        return False


def client(n: int, messages: int, ports: tuple[int, int], figures: Figures, stop_at: float) -> None:
    for m in range(messages):
        if time.monotonic() > stop_at:
            return
        submission = (n + m) % 2 == 1
        subject = f"load c{n} m{m}"
        source = learner_address(n)
        outcome = send_one(ports[1] if submission else ports[0], submission, subject, RECIPIENTS[(n + m) % 3], source)
        relayed = try_relay(ports[0], source, n + m)
        with figures.lock:
            figures.sessions += 2
            figures.sent += 1
            figures.relays_tried += 1
            figures.relays_accepted += relayed
            if outcome == "250":
                figures.accepted.append(subject)
            else:
                figures.refused[outcome[:60]] += 1


# --- the hostile sessions -------------------------------------------------------------------------------

def _hostile_script(rng: random.Random) -> list[bytes]:
    """A few lines of mischief; several may go in one write (pipelining)."""
    pieces = [
        lambda: b"EHLO " + rng.choice([b"x", b"", b"a" * 300, b"[10.0.0.11]", b"MB1.exchange2013demo.com"]),
        lambda: b"HELO " + bytes(rng.randrange(33, 127) for _ in range(rng.randrange(0, 20))),
        lambda: b"MAIL FROM:<" + rng.choice([b"a@@b", b"bob>@x", b"", "b\u00f8b@x".encode(), b"x" * 2000]) + b">",
        lambda: b"RCPT TO:<" + rng.choice([b"bob@" + DOMAIN.encode(), OUTSIDE_RECIPIENT.encode(), b"a@@b",
                                           b"<<>>", b"postmaster"]) + b">",
        lambda: b"DATA\r\nSubject: fuzz\r\n\r\nx\r\n.",
        lambda: rng.choice([b"AUTH LOGIN", b"AUTH PLAIN AGFsaWNlAFBhc3N3MHJk", b"AUTH GARBAGE", b"STARTTLS"]),
        lambda: rng.choice([b"RSET", b"NOOP", b"VRFY bob", b"EXPN all", b"XSHADOWDISCARD x", b"HELP", b"TURN"]),
        lambda: bytes(rng.randrange(0, 256) for _ in range(rng.randrange(1, 200))).replace(b"\n", b""),
        lambda: b"A" * rng.choice([1000, 5000, 20000]),
    ]
    return [rng.choice(pieces)() for _ in range(rng.randrange(1, 9))]


def hostile(seed: int, ports: tuple[int, int], figures: Figures, stop_at: float) -> None:
    """One hostile session: a script of mischief, pipelined in bursts, then QUIT; every line
    heard must be a reply, and the server must answer QUIT or close within the timeout."""
    if time.monotonic() > stop_at:
        return
    rng = random.Random(seed)
    malformed = hung = 0
    try:
        with socket.create_connection((LOOPBACK, rng.choice(ports)), timeout=SOCKET_TIMEOUT) as sock:
            stream = sock.makefile("rb")
            script = _hostile_script(rng)
            burst = rng.randrange(1, 4)
            for i in range(0, len(script), burst):
                sock.sendall(b"".join(line + b"\r\n" for line in script[i:i + burst]))
            sock.sendall(b"QUIT\r\n")
            sock.settimeout(SOCKET_TIMEOUT)
            for line in iter(stream.readline, b""):
                if not REPLY.match(line):
                    malformed += 1
                if line.startswith((b"221", TLS_READY)):     # after 220 2.0.0 only TLS may follow:
                    break                                    # this client has none, so it leaves
    except TimeoutError:
        hung = 1
    except OSError:
        pass                                  # reset by the server: an answer, not a hang
    with figures.lock:
        figures.sessions += 1
        figures.fuzz_sessions += 1
        figures.malformed += malformed
        figures.hung += hung


# --- targets -----------------------------------------------------------------------------------------------

def _fds(pid: int | str = "self") -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def _threads(pid: int | str = "self") -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^Threads:\s+(\d+)", status, re.M)[1])  # type: ignore[index]


def run(clients: int, messages: int, fuzz: int, deadline: float, seed: int = 2013,
        serve: bool = False) -> Figures:
    """Start the target, run the load and the fuzz side by side, collect the figures."""
    figures = Figures()
    started = time.monotonic()
    stop_at = started + deadline

    def work(ports: tuple[int, int]) -> None:
        with ThreadPoolExecutor(max_workers=min(32, max(1, clients)), thread_name_prefix="learner") as learners, \
                ThreadPoolExecutor(max_workers=8, thread_name_prefix="hostile") as hostiles:
            jobs = [learners.submit(client, n, messages, ports, figures, stop_at) for n in range(clients)]
            jobs += [hostiles.submit(hostile, seed + k, ports, figures, stop_at) for k in range(fuzz)]
            for job in jobs:
                job.result()
    (run_served if serve else run_in_process)(work, figures, stop_at)
    figures.seconds = time.monotonic() - started
    return figures


def run_in_process(work: Callable[[tuple[int, int]], None], figures: Figures, stop_at: float) -> None:
    from mailflowlab import Lab, parse_hops, scenarios
    with Lab(scenarios.exchange2013demo()) as warm:           # import-time and first-use costs
        warm.send(f"{USER}@{DOMAIN}", RECIPIENTS[1])
    before = (_fds(), threading.active_count())
    with Lab(scenarios.exchange2013demo()) as lab:
        figures.target = "a lab in this process (exchange2013demo)"
        work((lab.endpoint("CA1", "Default Frontend CA1")[1], lab.endpoint("CA1", "Client Frontend CA1")[1]))
        lab.settle()
        lab.advance(minutes=30)                                  # retries that fall due run
        wrong = 0
        for address in RECIPIENTS:
            for msg in lab.mailbox(address).messages:
                subject = str(msg["Subject"])
                if subject.startswith("load "):
                    figures.delivered[subject] += 1
                    if parse_hops(msg)[0].from_ip != OUTSIDE_IP:
                        wrong += 1
        figures.wrong_received_ip = wrong
    figures.fds = (before[0], _fds())
    figures.threads = (before[1], threading.active_count())


def _free_base(count: int) -> int:
    rng = random.Random()
    for _ in range(100):
        base = rng.randrange(20000, 60000)
        try:
            for port in range(base, base + count):
                with socket.socket() as probe:
                    probe.bind((LOOPBACK, port))
        except OSError:
            continue
        return base
    raise SystemExit("no free range of ports on 127.0.0.1")


def run_served(work: Callable[[tuple[int, int]], None], figures: Figures, stop_at: float) -> None:
    base = _free_base(9)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "mailflowlab", "serve", "--base-port", str(base)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    figures.target = f"mailflowlab serve --base-port {base} (pid {proc.pid})"
    screen: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            screen.append(line)
            if "Ctrl-C" in line:
                ready.set()
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if not ready.wait(60):
            raise SystemExit("mailflowlab serve did not start: " + "".join(screen[-5:]))
        time.sleep(1.0)                                      # the prompt's thread starts after that line
        before = (_fds(proc.pid), _threads(proc.pid))
        work((base, base + 1))                               # Default Frontend 25, Client Frontend 587
        quiet_until = min(stop_at, time.monotonic() + 60)
        seen = -1
        while time.monotonic() < quiet_until and seen != len(screen):
            seen = len(screen)
            time.sleep(2.0)                                  # until the screen has been quiet for 2 s
        figures.after = "after the load, the lab still serving"
        figures.fds = (before[0], _fds(proc.pid))
        figures.threads = (before[1], _threads(proc.pid))
        assert proc.stdin is not None
        proc.stdin.write("quit\n")
        proc.stdin.flush()
        figures.target += f", exit code {proc.wait(timeout=60)} after quit"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(timeout=10)
    for line in screen:
        if " DELIVER " in line and "'load c" in line:
            figures.delivered[line.split("'")[1]] += 1


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", type=int, default=10, help="outside clients (default 10; the issue's big run: 200)")
    p.add_argument("--messages", type=int, default=5, help="messages per client (default 5; big run: 20)")
    p.add_argument("--fuzz", type=int, default=200, help="hostile sessions (default 200; big run: 10000)")
    p.add_argument("--deadline", type=float, default=120, help="stop starting work after this many seconds")
    p.add_argument("--seed", type=int, default=2013)
    p.add_argument("--serve", action="store_true", help="run against `mailflowlab serve` started here")
    args = p.parse_args()
    for name in ("clients", "messages", "fuzz"):
        if not 0 <= getattr(args, name) <= 100_000:
            p.error(f"--{name} must be from 0 to 100000")
    figures = run(args.clients, args.messages, args.fuzz, args.deadline, args.seed, args.serve)
    print(f"classroom: {args.clients} clients x {args.messages} messages on ports 25 and 587, "
          f"{args.fuzz} hostile sessions")
    print(figures.report())


if __name__ == "__main__":
    main()
