"""Virtual time: the only clock the lab reads.

Headers, queues, retries and tracking logs all take their time from a `VirtualClock`,
so the same actions give byte-identical results on any machine. Only the `Scheduler` moves
it: to each piece of due work it runs (a hop costs one second), and to the end of
`Lab.advance()` (like trio's MockClock or SimPy's environment).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

#: The lab's day one: a week after Exchange 2013 SP1 (15.0.847.32) shipped on 25 Feb 2014.
EPOCH = datetime(2014, 3, 4, 9, 0, 0, tzinfo=timezone(timedelta(hours=10)))


class VirtualClock:
    """A clock that only moves forward when told to."""

    def __init__(self, start: datetime = EPOCH) -> None:
        if start.tzinfo is None:
            raise ValueError("the virtual clock needs a timezone-aware start time")
        self._now = start

    def now(self) -> datetime:
        """The current virtual time, in the organization's time zone."""
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by `delta` (never backward) and return the new time."""
        if delta < timedelta(0):
            raise ValueError("virtual time never runs backward")
        self._now += delta
        return self._now

    def advance_to(self, when: datetime) -> datetime:
        """Move forward to `when`; a time already passed leaves the clock where it is."""
        if when > self._now:
            self._now = when
        return self._now
