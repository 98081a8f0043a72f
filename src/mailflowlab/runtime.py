"""One background thread running one asyncio loop for every listener in a lab.

Notebook code is synchronous: `Runtime.call(coro)` runs a coroutine on the lab's loop and
waits for its result, so a cell never needs `await` (and never touches the kernel's own
loop, which is already running and cannot be reused).
"""
from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

#: Longest a single lab call may take in real time before it is reported as stuck.
CALL_TIMEOUT = 120.0


class Runtime:
    """Owns the loop thread; start it once, stop it once."""

    def __init__(self, name: str = "mailflowlab") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._started = threading.Event()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(self._started.set)
        self.loop.run_forever()

    def start(self) -> None:
        self._thread.start()
        self._started.wait()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = CALL_TIMEOUT) -> T:
        """Run `coro` on the lab loop and return its result (exceptions come back as-is)."""
        if threading.current_thread() is self._thread:
            raise RuntimeError("Runtime.call() cannot be used from inside the lab loop")
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        """Cancel what is left, stop the loop, join the thread and close the loop."""
        if not self._thread.is_alive():
            return

        async def _cancel_rest() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(_cancel_rest(), self.loop).result(CALL_TIMEOUT)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(CALL_TIMEOUT)
        self.loop.close()
