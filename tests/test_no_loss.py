"""Nothing lost, nothing twice: a message that got a 250 arrives exactly once (fact sheet §1, §4).

Over 1,000 messages go in while a seeded random hand stops and starts every transport
service: Outlook-style submissions (the Outbox waits while Submission cannot hand over),
mail from the lab's Internet (a Gmail-like server that keeps and retries a message on a 4xx),
and outside clients talking SMTP to Default Frontend with smtplib (a refused connection or a
4xx is theirs to retry, as a real sending server would). In the end, with every service
running again, each accepted message is in each recipient's Inbox exactly once.
"""
from __future__ import annotations

import random
import re
import smtplib
import time
from collections import Counter

from mailflowlab import Lab, scenarios

ALICE = "alice@exchange2013demo.com"
BOB = "bob@exchange2013demo.com"
CAROL = "carol@exchange2013demo.com"

MESSAGES = 1500
MAILBOXES = [ALICE, BOB, CAROL]
SERVICES = [("CA1", "Front End Transport"),
            ("MB1", "Transport"), ("MB2", "Transport"),
            ("MB1", "Mailbox Transport Submission"), ("MB2", "Mailbox Transport Submission"),
            ("MB1", "Mailbox Transport Delivery"), ("MB2", "Mailbox Transport Delivery")]


def _outside_message(n: int, rcpts: list[str]) -> bytes:
    return (f"From: device{n}@outside.example\r\nTo: {', '.join(rcpts)}\r\nSubject: outside {n}\r\n"
            f"Message-ID: <outside-{n}@outside.example>\r\n\r\nreading {n}\r\n").encode()


def _smtp_send(address: tuple[str, int], n: int, rcpts: list[str]) -> str:
    """One attempt of an outside sender: '250', or the refusal it saw ('451 ...', 'refused')."""
    try:
        with smtplib.SMTP(*address, timeout=10) as client:
            client.sendmail(f"device{n}@outside.example", rcpts, _outside_message(n, rcpts))
        return "250"
    except ConnectionRefusedError:
        return "refused"
    except smtplib.SMTPDataError as exc:
        said = exc.smtp_error
        return f"{exc.smtp_code} {said.decode() if isinstance(said, bytes) else said}"
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        return f"{code} {text.decode()}"


def test_every_accepted_message_arrives_exactly_once_whatever_is_stopped() -> None:
    rng = random.Random(2013)
    started = time.perf_counter()
    expected: Counter[tuple[str, str]] = Counter()     # (Message-ID, recipient) -> 1
    pending: dict[int, list[str]] = {}                 # outside messages the sender must retry
    seen: Counter[str] = Counter()                     # every refusal an outside sender saw
    with Lab(scenarios.exchange2013demo(), transport="sockets") as lab:
        address = lab.endpoint("CA1", "Default Frontend CA1")
        stopped: set[tuple[str, str]] = set()
        for n in range(MESSAGES):
            if rng.random() < 0.06:
                svc = rng.choice(SERVICES)
                if svc in stopped:
                    lab.start_service(*svc)
                    stopped.discard(svc)
                else:
                    lab.stop_service(*svc)
                    stopped.add(svc)
            if rng.random() < 0.03:
                lab.advance(minutes=rng.choice([1, 5, 15]))
            rcpts = rng.sample(MAILBOXES, rng.choice([1, 1, 2]))
            kind = rng.random()
            if kind < 0.4:
                sent = lab.send(rng.choice(MAILBOXES), rcpts, subject=f"inside {n}")
                expected.update((sent.message_id, r) for r in rcpts)
                continue
            if kind < 0.6:
                sent = lab.internet.send(f"user{n}@gmail.com", rcpts, subject=f"internet {n}")
                expected.update((sent.message_id, r) for r in rcpts)
                continue
            outcome = _smtp_send(address, n, rcpts)
            if outcome == "250":
                expected.update((f"<outside-{n}@outside.example>", r) for r in rcpts)
            else:
                seen[outcome] += 1
                pending[n] = rcpts
            if rng.random() < 0.2 and pending:          # an outside sender's retry comes round
                retry = rng.choice(sorted(pending))
                if _smtp_send(address, retry, pending[retry]) == "250":
                    expected.update((f"<outside-{retry}@outside.example>", r) for r in pending.pop(retry))

        for svc in sorted(stopped):
            lab.start_service(*svc)
        for n, rcpts in sorted(pending.items()):
            assert _smtp_send(address, n, rcpts) == "250"
            expected.update((f"<outside-{n}@outside.example>", r) for r in rcpts)
        lab.settle()
        lab.advance(hours=1)                     # the Internet retries every 30 minutes

        delivered: Counter[tuple[str, str]] = Counter()
        for address_ in MAILBOXES:
            for msg in lab.mailbox(address_).messages:
                if str(msg["Subject"]).startswith(("inside ", "internet ", "outside ")):
                    delivered[(str(msg["Message-ID"]), address_)] += 1
        elapsed = time.perf_counter() - started
        print(f"\n{MESSAGES} messages, {sum(expected.values())} deliveries in {elapsed:.1f} s "
              f"({sum(expected.values()) / elapsed:.0f} deliveries/s); refusals seen: {dict(seen)}")

        assert len(expected) == sum(expected.values())            # each (message, recipient) once
        assert delivered == expected                              # nothing lost, nothing twice
        assert all(lab.mailbox(a).outbox == [] for a in MAILBOXES)
        assert lab.internet.queue().empty                         # no outside sender still retrying
        assert not any(lab.internet.mailbox(f"user{n}@gmail.com").messages for n in range(MESSAGES))
        queued = lab.queue_messages()
        assert not any(re.match(r"(inside|internet|outside) \d+$", s) for s in queued["Subject"])
        # The run did meet every kind of failure it is meant to survive.
        assert set(seen) == {"refused", "451 4.7.0 Temporary server error. Please try again later. PRX5"}
        events = Counter(lab.tracking_log()["EventId"])
        assert events["DEFER"] > 0 and events["SUBMITDEFER"] > 0
