"""Where the lab's asyncio code runs, behind one synchronous `call(coro)`.

Notebook code is synchronous: `runtime.call(coro)` runs a coroutine of the lab and returns
its result, so a cell never needs `await` and never touches the kernel's own event loop.

* `LoopThread` (sockets): one background thread runs one loop for every listener, so telnet,
  swaks and curl are served while the notebook waits for its next cell.
* `Inline` (memory): no thread at all. A private loop with no I/O (`MemoryLoop`) runs each
  call to completion in the caller's thread, which is all a browser allows. Nothing can
  arrive from outside in memory, so while the loop would wait it jumps its own time to the
  next timer instead (as trio's autojump clock does): a timeout fires at once, never hangs.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import sys
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from .errors import LabError

T = TypeVar("T")

#: Longest a single lab call may take in real time before it is reported as stuck.
CALL_TIMEOUT = 120.0


async def _cancel_rest() -> None:
    """Cancel every task left on the loop and let closing transports release their sockets."""
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for _ in range(5):
        await asyncio.sleep(0)


class Runtime(ABC):
    """Runs the lab's coroutines for synchronous callers."""

    loop: asyncio.AbstractEventLoop

    @abstractmethod
    def call(self, coro: Coroutine[Any, Any, T], timeout: float = CALL_TIMEOUT) -> T:
        """Run `coro` on the lab's loop and return its result (exceptions come back as-is)."""

    @abstractmethod
    def close(self) -> None:
        """Cancel what is left and release the loop (and its thread, if any)."""


#: Real seconds between two reports of the same trouble with the lab's sockets.
REPORT_EVERY = 60.0
#: What asyncio says when accept() finds no free file descriptor (it then waits 1 s and retries).
OUT_OF_DESCRIPTORS = "socket.accept() out of system resource"
logger = logging.getLogger("mailflowlab")


class _Reporter:
    """The loop's exception handler: a listener that runs out of file descriptors is reported
    in one line (at most every REPORT_EVERY seconds; asyncio itself backs off and retries),
    not a traceback a second per listener; anything else goes to asyncio's own handler."""

    def __init__(self) -> None:
        self._last: float | None = None

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if context.get("message") != OUT_OF_DESCRIPTORS:
            loop.default_exception_handler(context)
            return
        now = time.monotonic()
        if self._last is not None and now - self._last < REPORT_EVERY:
            return
        self._last = now
        logger.warning("mailflowlab: out of file descriptors (%s); new connections wait a second "
                       "and retry. Lower the receive connectors' MaxInboundConnection or raise "
                       "`ulimit -n`.", context.get("exception"))


class LoopThread(Runtime):
    """A loop in a daemon thread, for a lab of real sockets."""

    def __init__(self, name: str = "mailflowlab") -> None:
        self.loop = asyncio.new_event_loop()
        self.loop.set_exception_handler(_Reporter())
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        started = threading.Event()
        self.loop.call_soon(started.set)
        self._thread.start()
        started.wait()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = CALL_TIMEOUT) -> T:
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("Runtime.call() cannot be used from inside the lab loop")
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout)
        except (concurrent.futures.TimeoutError, KeyboardInterrupt):
            # Ctrl-C or a stuck call: stop the work too, so nothing goes on behind the learner.
            future.cancel()
            raise

    def close(self) -> None:
        if not self._thread.is_alive():
            return

        asyncio.run_coroutine_threadsafe(_cancel_rest(), self.loop).result(CALL_TIMEOUT)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(CALL_TIMEOUT)
        self.loop.close()


class _NoSelector:
    """The selector of a loop without I/O: nothing is ever ready; waiting skips ahead."""

    def __init__(self, loop: MemoryLoop) -> None:
        self.loop = loop

    def select(self, timeout: float | None) -> list[Any]:
        if timeout is None:
            raise RuntimeError("the lab is waiting for something that can never happen "
                               "(no work is due and nothing can arrive in memory)")
        self.loop.skipped += timeout
        return []

    def close(self) -> None:
        """Nothing to release."""


class MemoryLoop(asyncio.BaseEventLoop):
    """An asyncio loop for in-memory transports only: no sockets, no self-pipe, no thread."""

    def __init__(self) -> None:
        super().__init__()
        self.skipped = 0.0
        self._selector = _NoSelector(self)

    def time(self) -> float:
        return time.monotonic() + self.skipped

    def _process_events(self, event_list: list[Any]) -> None:
        """No I/O events exist."""

    def _write_to_self(self) -> None:
        """Nothing to wake: the loop never blocks."""


def task_swapper(version: tuple[int, int] | None = None, tasks: object = None) -> Callable[[Any, Any], Any] | None:
    """asyncio's private `_swap_current_task(loop, task)` (Python 3.12 and later), which takes
    the caller's current task off its loop for one call and puts it back after. None on 3.11,
    which has no such function and needs none: it keeps the current task per loop, so the
    lab's loop never meets the caller's task. Checked on CPython 3.11, 3.12 and 3.13
    (tests/unit/test_runtime.py) and on Pyodide's 3.14, where the browser tests run the chapters.

    Where a later Python has renamed or removed it, say so in one sentence instead of
    letting a cell in the browser fail in a way nobody can read."""
    version = version or (sys.version_info.major, sys.version_info.minor)
    if version < (3, 12):
        return None
    swap: object = getattr(asyncio.tasks if tasks is None else tasks, "_swap_current_task", None)
    if not callable(swap):
        raise LabError(f"Python {version[0]}.{version[1]} has no asyncio.tasks._swap_current_task, which the lab "
                       "needs to run in memory inside a running event loop (a notebook cell, a browser): use "
                       "Python 3.11 to 3.14, or Lab(..., transport='sockets') outside a browser.")
    return swap


def _step_aside() -> tuple[asyncio.AbstractEventLoop | None, Any]:
    """The caller may already be inside a running loop and task (a notebook kernel's cell;
    Pyodide's WebLoop): take both off this thread for one call, so the lab's own loop can run.
    asyncio's private `_set_running_loop` and (Python 3.12+) `_swap_current_task` are used here
    and nowhere else; Python 3.14 keeps the current task per thread, so both are needed."""
    outer = asyncio.events._get_running_loop()
    outer_task = None
    swap = task_swapper() if outer is not None else None
    if swap is not None:
        outer_task = swap(outer, None)
    asyncio.events._set_running_loop(None)
    return outer, outer_task


def _step_back(saved: tuple[asyncio.AbstractEventLoop | None, Any]) -> None:
    """Put back the caller's running loop and task (see `_step_aside`)."""
    outer, outer_task = saved
    asyncio.events._set_running_loop(outer)
    swap = task_swapper() if outer is not None else None
    if swap is not None:
        swap(outer, outer_task)


class Inline(Runtime):
    """Each call runs the private loop to completion in the calling thread."""

    def __init__(self) -> None:
        self.loop = MemoryLoop()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = CALL_TIMEOUT) -> T:
        outer = _step_aside()
        task = self.loop.create_task(coro)
        try:
            return self.loop.run_until_complete(task)
        except KeyboardInterrupt:
            task.cancel()
            self.loop.run_until_complete(asyncio.gather(task, return_exceptions=True))
            raise
        finally:
            _step_back(outer)

    def close(self) -> None:
        if self.loop.is_closed():
            return

        self.call(_cancel_rest())
        self.loop.close()
