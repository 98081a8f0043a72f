"""Shared fixtures: a fresh lab of the article's organization for each test.

`lab` runs each test twice, over loopback sockets and in memory: the same actions must give
the same mail either way. A test that talks to the lab with a real client (smtplib, swaks,
curl, a raw socket) through `lab.endpoint(...)` needs ports, so it takes `socket_lab`.
A test that builds its own Lab takes `transport` and passes it on.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from mailflowlab import Lab, scenarios

TRANSPORTS = ("sockets", "memory")


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
