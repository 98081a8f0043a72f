"""Shared fixtures: a fresh lab of the article's organization for each test."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from mailflowlab import Lab, scenarios


@pytest.fixture
def lab() -> Iterator[Lab]:
    with Lab(scenarios.exchange2013demo()) as running:
        yield running


ALICE = "alice@exchange2013demo.com"
BOB = "bob@exchange2013demo.com"
CAROL = "carol@exchange2013demo.com"
