"""The inline runtime (memory mode): runs the lab's coroutines to completion in the caller's
thread, even from inside a running loop and task, as a notebook cell is (ipykernel, Pyodide)."""
from __future__ import annotations

import asyncio
import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from mailflowlab.errors import LabError
from mailflowlab.runtime import Inline, task_swapper


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


def test_the_task_swapper_is_asyncios_own_on_this_python() -> None:
    swap = task_swapper()
    if sys.version_info < (3, 12):
        assert swap is None                       # 3.11 keeps the current task per loop
    else:
        assert swap is asyncio.tasks._swap_current_task


def test_a_python_without_the_task_swapper_is_told_in_one_sentence() -> None:
    assert task_swapper((3, 11), SimpleNamespace()) is None
    with pytest.raises(LabError) as caught:
        task_swapper((3, 15), SimpleNamespace())            # renamed or removed
    assert str(caught.value).startswith("Python 3.15 has no asyncio.tasks._swap_current_task, ")
    assert "\n" not in str(caught.value)


#: Imports the runtime alone (no graphviz, no aiosmtpd: a bare interpreter has neither) and runs
#: a call from inside a running task, then the same with the private function taken away.
ON_OTHER_PYTHON = """
import asyncio, sys, types
package = types.ModuleType("mailflowlab")
package.__path__ = [sys.argv[1]]
sys.modules["mailflowlab"] = package
from mailflowlab.errors import LabError
from mailflowlab.runtime import Inline

async def cell():
    me = asyncio.current_task()
    runtime = Inline()
    try:
        result = runtime.call(asyncio.sleep(3600, result="done"))
    finally:
        runtime.close()
    return result, asyncio.current_task() is me

print(asyncio.run(cell()))
if sys.version_info >= (3, 12):
    del asyncio.tasks._swap_current_task
    try:
        asyncio.run(cell())
    except LabError as exc:
        print(str(exc).split(",")[0])
"""


def _interpreters() -> list[Any]:
    found = {f"{sys.version_info.major}.{sys.version_info.minor}": sys.executable}
    for minor in ("3.12", "3.13"):
        # pyenv's own builds first: its shims on PATH fail for a version not selected
        builds = sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{minor}.*/bin/python")))
        path = builds[-1] if builds else shutil.which(f"python{minor}")
        if path:
            found.setdefault(minor, path)
    return [pytest.param(found.get(v, f"missing:{v}"), id=v) for v in ("3.11", "3.12", "3.13")]


@pytest.mark.parametrize("python", _interpreters())
def test_the_inline_runtime_steps_aside_on_each_python(python: str) -> None:
    if python.startswith("missing:"):
        pytest.skip(f"no Python {python[8:]} on this machine")
    src = str(Path(__file__).resolve().parents[2] / "src" / "mailflowlab")
    out = subprocess.run([python, "-c", ON_OTHER_PYTHON, src], capture_output=True, text=True, timeout=60,
                         check=True).stdout.splitlines()
    assert out[0] == "('done', True)"
    version = subprocess.run([python, "-c", "import sys; print(sys.version_info >= (3, 12))"],
                             capture_output=True, text=True, check=True).stdout.strip()
    if version == "True":
        assert out[1].endswith("has no asyncio.tasks._swap_current_task")
    else:
        assert out[1:] == []
