"""Shared fixtures: a fresh lab of the article's organization for each test.

`lab` runs each test twice, over loopback sockets and in memory: the same actions must give
the same mail either way. A test that talks to the lab with a real client (smtplib, swaks,
curl, a raw socket) through `lab.endpoint(...)` needs ports, so it takes `socket_lab`.
A test that builds its own Lab takes `transport` and passes it on.

Tests are type-checked with mypy --strict, like the library (`mypy` from the root checks both):
- every test returns `-> None`; a fixture is annotated with what it gives (`-> Lab`, or
  `-> Iterator[Lab]` when it yields), and a test names a fixture's type the same way;
- pytest's own fixtures by pytest's types: `tmp_path: Path`, `monkeypatch: pytest.MonkeyPatch`,
  `capsys: pytest.CaptureFixture[str]`, `request: pytest.FixtureRequest`;
- a fixture that gives a function names its type once (`OpenPage = Callable[[str], WatchedPage]`);
- a value that comes back as Any (json.loads, nbformat, Playwright's evaluate) is given its type
  in a local (`seconds: float = page.evaluate(...)`) before it is returned;
- a library without type information goes in pyproject.toml's ignore_missing_imports list;
- browser tests import Playwright's types under TYPE_CHECKING (tests/browser/conftest.py).
"""
from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from mailflowlab import Lab, scenarios

TRANSPORTS = ("sockets", "memory")

#: For a test that counts descriptors or listeners in /proc: only Linux has it.
LINUX_ONLY = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc, which only Linux has")
#: For a test that stops `mailflowlab serve` with SIGINT or SIGTERM: Windows cannot send them to a process.
POSIX_SIGNALS = pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT/SIGTERM, which Windows cannot send")


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def lab(transport: str) -> Iterator[Lab]:
    with Lab(scenarios.exchange2013demo(), transport=transport) as running:
        yield running


@pytest.fixture
def socket_lab() -> Iterator[Lab]:
    with Lab(scenarios.exchange2013demo(), transport="sockets") as running:
        yield running


ALICE = "alice@exchange2013demo.com"
BOB = "bob@exchange2013demo.com"
CAROL = "carol@exchange2013demo.com"

#: The article's organization is in Brisbane (+10:00); its clock starts on Tue, 4 Mar 2014 09:00:00.
BRISBANE = timezone(timedelta(hours=10))


def at(hms: str, day: int = 4) -> datetime:
    """A time of the article's day (or another day of March 2014) in the organization's zone."""
    h, m, s = (int(x) for x in hms.split(":"))
    return datetime(2014, 3, day, h, m, s, tzinfo=BRISBANE)


def values(table: Any, *columns: str) -> list[list[Any]]:
    """The named columns of each row, row by row (what DataFrame[...].values.tolist() gave)."""
    return [list(row) for row in zip(*(table[c] for c in columns), strict=True)] if len(table) else []


def records(table: Any) -> list[dict[str, Any]]:
    """Each row as a dict of all its fields (what DataFrame.to_dict("records") gave)."""
    return [dataclasses.asdict(r) if dataclasses.is_dataclass(r) and not isinstance(r, type) else dict(r)
            for r in table]
