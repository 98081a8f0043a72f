"""The scheduler alone: order, ties, in-flight work versus timers, and the clock it moves."""
from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any, TypeVar

from mailflowlab.clock import EPOCH, VirtualClock
from mailflowlab.scheduler import HOP_LATENCY, Scheduler

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def test_in_flight_work_runs_on_settle_and_moves_the_clock_one_hop() -> None:
    clock = VirtualClock(EPOCH)
    s = Scheduler(clock)
    seen: list[object] = []

    async def work() -> None:
        seen.append(clock.now())
    s.hand_on("a", work)
    run(s.run())
    assert seen == [EPOCH + HOP_LATENCY] and clock.now() == EPOCH + HOP_LATENCY and s.passes == 1


def test_timers_wait_for_advance_and_run_in_time_then_sequence_order() -> None:
    clock = VirtualClock(EPOCH)
    s = Scheduler(clock)
    seen: list[str] = []

    def note(name: str):  # type: ignore[no-untyped-def]
        async def work() -> None:
            seen.append(f"{name}@{(clock.now() - EPOCH).total_seconds():g}")
        return work
    s.at(EPOCH + timedelta(minutes=5), "late", note("late"))
    s.at(EPOCH + timedelta(minutes=1), "b", note("b"))
    s.at(EPOCH + timedelta(minutes=1), "a", note("a"))       # same time: the sequence decides
    run(s.run())
    assert seen == [] and clock.now() == EPOCH                # settling does not move to timers
    run(s.advance(timedelta(minutes=2)))
    assert seen == ["b@60", "a@60"] and clock.now() == EPOCH + timedelta(minutes=2)
    run(s.advance(timedelta(minutes=10)))
    assert seen == ["b@60", "a@60", "late@300"]


def test_the_same_work_for_the_same_time_is_queued_once() -> None:
    s = Scheduler(VirtualClock(EPOCH))
    count = 0

    async def work() -> None:
        nonlocal count
        count += 1
    for _ in range(3):
        s.hand_on("same", work)
    s.now("same", work)                                       # another time: a second entry
    run(s.run())
    assert count == 2 and s.passes == 2


def test_work_scheduled_by_work_runs_in_the_same_settle() -> None:
    clock = VirtualClock(EPOCH)
    s = Scheduler(clock)
    hops: list[object] = []

    def hop(n: int):  # type: ignore[no-untyped-def]
        async def work() -> None:
            hops.append(clock.now())
            if n < 3:
                s.hand_on(n + 1, hop(n + 1))
        return work
    s.hand_on(1, hop(1))
    run(s.run())
    assert hops == [EPOCH + HOP_LATENCY * k for k in (1, 2, 3)]


def test_a_timer_due_before_in_flight_work_runs_first() -> None:
    clock = VirtualClock(EPOCH)
    s = Scheduler(clock)
    seen: list[str] = []

    def note(name: str):  # type: ignore[no-untyped-def]
        async def work() -> None:
            seen.append(name)
        return work
    s.at(EPOCH + HOP_LATENCY, "timer", note("timer"))
    s.hand_on("hop", note("hop"))
    run(s.run())
    assert seen == ["timer", "hop"]


def test_the_clock_never_runs_backward() -> None:
    clock = VirtualClock(EPOCH + timedelta(hours=1))
    s = Scheduler(clock)

    async def work() -> None:
        pass
    s.at(EPOCH, "past", work)                                 # due before now: runs now
    run(s.run())
    assert clock.now() == EPOCH + timedelta(hours=1) and s.passes == 1


def test_wait_moves_the_clock_and_runs_what_falls_due_on_the_way() -> None:
    clock = VirtualClock(EPOCH)
    s = Scheduler(clock)
    seen: list[float] = []

    async def work() -> None:
        seen.append((clock.now() - EPOCH).total_seconds())
    s.at(EPOCH + timedelta(seconds=3), "retry", work)
    s.at(EPOCH + timedelta(seconds=9), "later", work)
    run(s.wait(timedelta(seconds=5)))
    assert seen == [3] and clock.now() == EPOCH + timedelta(seconds=5)


def test_a_waiting_session_that_goes_away_cuts_no_work_short() -> None:
    """The wait's clock is carried by a runner task, not by the waiting session: cancelling
    the session (its client hung up) leaves a hand-over that is under way to finish."""
    clock = VirtualClock(EPOCH)
    s = Scheduler(clock)
    finished: list[bool] = []

    async def main() -> None:
        started = asyncio.Event()

        async def hand_over() -> None:
            started.set()
            await asyncio.sleep(0.01)            # a relay under way
            finished.append(True)
        s.hand_on("relay", hand_over)
        session = asyncio.create_task(s.wait(timedelta(seconds=5)))
        await started.wait()
        session.cancel()
        await asyncio.gather(session, return_exceptions=True)
        await s.run()
    run(main())
    assert finished == [True] and clock.now() == EPOCH + timedelta(seconds=5)


def test_a_wait_of_zero_returns_at_once_and_runs_nothing() -> None:
    """A tarpit set to 00:00:00: the session goes on without moving the clock or running the
    hand-overs in flight (they run when the lab settles, as without a tarpit)."""
    clock = VirtualClock(EPOCH)
    s = Scheduler(clock)
    seen: list[str] = []

    async def work() -> None:
        seen.append("handed on")
    s.hand_on("relay", work)
    run(s.wait(timedelta(0)))
    assert seen == [] and clock.now() == EPOCH and len(s) == 1
