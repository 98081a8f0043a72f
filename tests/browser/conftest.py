"""Browser fixtures: Debian's Chromium driven by Playwright (no `playwright install`).

`chromium_browser` is module-scoped: Playwright's sync API keeps an asyncio loop running in the
main thread while it is open, so a session-wide browser would make every later `asyncio.run()`
(a learner's aiosmtplib script, say) fail with "cannot be called from a running event loop".
Chromium's and Jupyter's state goes to a temp dir, not the home directory (tooling notes §7).

Playwright is imported inside the fixtures and tests (a machine without it skips them), so its
types (Browser, Page, Locator...) are imported for the type checker only, under TYPE_CHECKING.
What a test collects from a page (errors, requests) lives in a small class beside the page,
never as an attribute set on Playwright's objects.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
ISOLATED_VARS = ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR",
                 "XDG_CONFIG_HOME", "XDG_CACHE_HOME")


@pytest.fixture(scope="session")
def isolated_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """os.environ with Jupyter/IPython/XDG state pointed at a session temp dir (for subprocesses)."""
    base = tmp_path_factory.mktemp("browser-home")
    env = dict(os.environ)
    for var in ISOLATED_VARS:
        d = base / var.lower()
        d.mkdir()
        env[var] = str(d)
    return env


@pytest.fixture(scope="module")
def chromium_browser(isolated_env: dict[str, str]) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium (Playwright uses Debian's build)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                    env={**isolated_env})  # a copy Playwright's wider type accepts
        try:
            yield browser
        finally:
            browser.close()
