"""The scheduler: due work in a heap, and the only thing that moves the virtual clock.

As in SimPy's core, every piece of work a service has to do later sits in one heap of
(due time, sequence number, work). Running the lab means popping the earliest entry, moving
the clock to its due time and awaiting it; the sequence number breaks ties, so the same
actions always run in the same order.

Two kinds of entry:

* **In flight**: a message handed on. It is due `HOP_LATENCY` after it was queued and always
  runs when the lab settles, moving the clock one second: that second is what a hop costs.
* **Timers**: retries, delay notifications, expiry. They run only when the clock reaches them,
  which is what `Lab.advance()` does.

A session can also **wait** on the clock (`wait`): a receive connector holding back its answer
to a failed logon (AuthTarpitInterval) or to a blocked recipient (TarpitInterval). The wait is
in flight too, so the clock moves on as far as the wait asks, and work due meanwhile runs
first. A session that a piece of work itself opened (a server handing a message on) cannot run
the lab while that work waits for it: its wait moves the clock at once, and what fell due
meanwhile runs after the work.

So `settle()` runs until nothing is in flight and no timer is due, and `run(until=t)` runs
everything due by `t` as well. Work for a stopped service is dropped when it comes up; the
service schedules its work again when it starts.
"""
from __future__ import annotations

import asyncio
import heapq
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from .clock import VirtualClock

#: What one SMTP hop costs in virtual time. Real Exchange hops on one LAN take well under a
#: second; one second keeps hop order visible in the headers without hiding queue delays.
HOP_LATENCY = timedelta(seconds=1)

Work = Callable[[], Awaitable[None]]
T = TypeVar("T")


@dataclass
class Entry:
    """One piece of due work."""
    due: datetime
    sequence: int
    key: Hashable
    work: Work
    in_flight: bool


class Scheduler:
    """A heap of due work over a `VirtualClock`."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        #: (due, sequence, entry): the heap compares the plain tuple's first two items in C,
        #: never the entry (sequences are unique).
        self._heap: list[tuple[datetime, int, Entry]] = []
        self._pending: set[Hashable] = set()
        self._sequence = 0
        self._in_flight = 0
        #: Pieces of work run so far (a benchmark reads it: passes per delivered message).
        self.passes = 0
        #: One piece of work runs at a time; `Lab.stop_service` waits for the current one only.
        self.turn = asyncio.Lock()
        #: Over sockets, mail can arrive from real clients between lab calls: `wake()` then
        #: runs it in the background. In memory nothing arrives outside a lab call.
        self.background = False
        self._runner: asyncio.Task[None] | None = None
        self._calls = 0
        #: A piece of work is running (between its pop and its end).
        self._working = False

    def __len__(self) -> int:
        return len(self._heap)

    def hand_on(self, key: Hashable, work: Work) -> None:
        """A message is on its way: run `work` one hop from now, when the lab settles."""
        self._push(self.clock.now() + HOP_LATENCY, key, work, in_flight=True)

    def now(self, key: Hashable, work: Work) -> None:
        """Run `work` at the current time when the lab settles (a service that just started)."""
        self._push(self.clock.now(), key, work, in_flight=True)

    def at(self, when: datetime, key: Hashable, work: Work) -> None:
        """A timer: run `work` when the clock reaches `when` (a retry, an expiry)."""
        self._push(when, key, work, in_flight=False)

    async def wait(self, delta: timedelta) -> None:
        """Hold the calling session for `delta` of virtual time: the clock moves that far (no
        real time passes), running whatever falls due on the way. The runner task carries the
        clock there, even during a lab call (whose own settling would come only after this
        session ends); a session that goes away meanwhile never cuts a piece of work short.
        Inside a running piece of work (whose SMTP session this is) the clock simply moves on:
        that work holds the turn. A wait of zero (a tarpit set to 00:00:00) returns at once."""
        if delta <= timedelta(0):
            return
        if self._working:
            self.clock.advance_to(self.clock.now() + delta)
            return
        loop = asyncio.get_running_loop()
        reached = loop.create_future()

        async def release() -> None:
            if not reached.done():
                reached.set_result(None)
        self._sequence += 1
        self._push(self.clock.now() + delta, ("wait", self._sequence), release, in_flight=True)
        if self._runner is None or self._runner.done():
            self._runner = loop.create_task(self.run())
        await reached

    def _push(self, due: datetime, key: Hashable, work: Work, *, in_flight: bool) -> None:
        """Add an entry, unless the same key is already waiting for the same time."""
        if (key, due) in self._pending:
            return
        self._pending.add((key, due))
        self._sequence += 1
        self._in_flight += in_flight
        heapq.heappush(self._heap, (due, self._sequence, Entry(due, self._sequence, key, work, in_flight)))

    def next_due(self) -> datetime | None:
        """When the earliest piece of work is due, if there is any."""
        return self._heap[0][0] if self._heap else None

    def _pop(self, until: datetime) -> Entry | None:
        """The next entry to run: anything while work is in flight, else a timer due by `until`."""
        if not self._heap or (self._in_flight == 0 and self._heap[0][0] > until):
            return None
        entry = heapq.heappop(self._heap)[2]
        self._pending.discard((entry.key, entry.due))
        self._in_flight -= entry.in_flight
        return entry

    async def run(self, until: datetime | None = None) -> None:
        """Run work in order until nothing is in flight and no timer is due by `until`
        (default: now). The clock moves to each entry's due time, never backward."""
        while True:
            async with self.turn:
                entry = self._pop(until if until is not None else self.clock.now())
                if entry is None:
                    return
                self.clock.advance_to(entry.due)
                self.passes += 1
                self._working = True
                try:
                    await entry.work()
                finally:
                    self._working = False

    def wake(self) -> None:
        """Mail arrived from a real client outside any lab call: run what it set going. During a
        lab call nothing starts in the background (the call settles the lab itself), so a
        session the lab runs (the console) sees the same clock over sockets as in memory."""
        if self.background and not self._calls and (self._runner is None or self._runner.done()):
            self._runner = asyncio.get_running_loop().create_task(self.run())

    async def during_call(self, coro: Awaitable[T]) -> T:
        """Run one lab call; work that arrived meanwhile and is still in flight runs after it."""
        self._calls += 1
        try:
            return await coro
        finally:
            self._calls -= 1
            if self._in_flight:
                self.wake()

    async def advance(self, delta: timedelta) -> None:
        """Run everything due in the next `delta`, then set the clock to its end."""
        target = self.clock.now() + delta
        await self.run(until=target)
        self.clock.advance_to(target)
        await self.run()
