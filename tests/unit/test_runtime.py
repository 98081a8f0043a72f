"""The inline runtime (memory mode): runs the lab's coroutines to completion in the caller's
thread, even from inside a running loop and task, as a notebook cell is (ipykernel, Pyodide)."""
from __future__ import annotations

import asyncio

from mailflowlab.runtime import Inline


def test_a_call_from_inside_a_running_task_runs_and_gives_the_task_back() -> None:
    runtime = Inline()

    async def lab_work() -> str:
        await asyncio.sleep(3600)                 # waiting skips ahead: nothing else can come
        return "done"

    async def cell() -> tuple[str, bool, bool]:
        me = asyncio.current_task()
        loop = asyncio.get_running_loop()
        result = runtime.call(lab_work())
        return result, asyncio.current_task() is me, asyncio.get_running_loop() is loop

    try:
        assert asyncio.run(cell()) == ("done", True, True)
    finally:
        runtime.close()


def test_a_timeout_fires_at_once_instead_of_hanging() -> None:
    runtime = Inline()

    async def wait_for_nothing() -> str:
        try:
            async with asyncio.timeout(30):
                await asyncio.get_running_loop().create_future()
        except TimeoutError:
            return "timed out"
        return "never"

    try:
        assert runtime.call(wait_for_nothing()) == "timed out"
    finally:
        runtime.close()
