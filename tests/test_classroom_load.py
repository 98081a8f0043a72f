"""A classroom at CI size against a lab in this process (bench/classroom.py at its smallest):
20 outside clients x 5 messages on port 25 and 587 (STARTTLS + AUTH LOGIN), a relay attempt
after each message, and 300 hostile sessions (issue 13). The 200-client and 10,000-session
runs are `python bench/classroom.py --clients 200 --messages 20 --fuzz 10000`."""
from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "classroom.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("classroom_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module                  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def figures():  # type: ignore[no-untyped-def]
    started = time.monotonic()
    run = _bench().run(clients=20, messages=5, fuzz=300, deadline=60)
    run.wall = time.monotonic() - started
    print(run.report())
    return run


def test_the_whole_class_is_served(figures) -> None:  # type: ignore[no-untyped-def]
    """Counts, not times: every learner's message and every hostile session ran (the deadline
    is only a guard against a hang, well above the few seconds it takes)."""
    assert figures.sent == 100 and figures.fuzz_sessions == 300


def test_every_accepted_message_is_delivered_exactly_once(figures) -> None:  # type: ignore[no-untyped-def]
    assert figures.accepted
    assert (figures.lost, figures.duplicated) == (0, 0)


def test_every_message_is_accepted(figures) -> None:  # type: ignore[no-untyped-def]
    assert len(figures.accepted) == figures.sent, figures.refused


def test_no_anonymous_relay_is_accepted(figures) -> None:  # type: ignore[no-untyped-def]
    assert figures.relays_tried == 100
    assert figures.relays_accepted == 0


def test_no_outside_client_is_stamped_as_an_exchange_server(figures) -> None:  # type: ignore[no-untyped-def]
    assert figures.wrong_received_ip == 0


def test_hostile_sessions_get_replies_and_never_hang(figures) -> None:  # type: ignore[no-untyped-def]
    assert (figures.malformed, figures.hung) == (0, 0)


def test_nothing_is_left_after_close(figures) -> None:  # type: ignore[no-untyped-def]
    assert figures.fds[1] == figures.fds[0]
    assert figures.threads[1] == figures.threads[0]


def test_a_full_classroom_lets_no_relay_through() -> None:
    """D1, at the size where port guessing showed (50 clients x 20 messages; 20 x 5 did not):
    when the caller was guessed from its port, 9 of 9 runs accepted 2 to 29 of 1,000 anonymous
    relay attempts and stamped 4 to 14 outside messages with a server's 10.0.0.x instead of
    203.0.113.50. The caller now travels with the connection: none of either."""
    run = _bench().run(clients=50, messages=20, fuzz=0, deadline=60)
    assert (run.relays_accepted, run.wrong_received_ip) == (0, 0)
