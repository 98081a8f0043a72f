"""The static book says what is live: every chapter page has a working "Run live in your
browser" button (into the Lite lab built beside it) and a Binder button built from the one
repository URL in book/_config.yml; each widget snapshot carries a note that it is a picture,
with the same buttons; and no page logs a script error (sphinx-thebe's doubled
`const THEBE_JS_URL` used to, on every page).

Reuses the built book and its local server from test_book_site.py.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urljoin, urlparse

import pytest
import yaml

from .test_book_site import BOOK, CHAPTERS, book_html, site  # noqa: F401 - fixtures

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Response

pytestmark = [pytest.mark.browser, pytest.mark.book]

CONFIG = yaml.safe_load((BOOK / "_config.yml").read_text())
REPO = CONFIG["repository"]["url"].rstrip("/")
ORG_REPO = urlparse(REPO).path.strip("/")


@dataclass
class WatchedPage:
    """A book page and every script error and failed request it logged, as it logged them."""
    page: Page
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", self._console_error)
        self.page.on("response", self._failed_response)

    def _console_error(self, msg: ConsoleMessage) -> None:
        # A missing file shows up as a failed response below, with its URL (the console says less).
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            self.errors.append(msg.text)

    def _failed_response(self, res: Response) -> None:
        if res.status >= 400:
            self.errors.append(f"HTTP {res.status} {res.url}")


#: The `open_page` fixture: opens a path of the site, watched, in its own browser context.
OpenPage = Callable[[str], WatchedPage]


@pytest.fixture
def open_page(chromium_browser: Browser, site: str) -> Iterator[OpenPage]:  # noqa: F811
    contexts: list[BrowserContext] = []

    def _open(path: str) -> WatchedPage:
        context = chromium_browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        watched = WatchedPage(context.new_page())
        watched.page.goto(urljoin(site, path), wait_until="networkidle", timeout=60_000)
        return watched

    yield _open
    for context in contexts:
        context.close()


def test_intro_page_has_no_script_errors(open_page: OpenPage) -> None:
    watched = open_page("intro.html")
    assert not watched.errors, watched.errors


@pytest.mark.parametrize("chapter", CHAPTERS or [pytest.param(None, marks=pytest.mark.skip(
    reason="no notebooks in notebooks/ yet"))])
def test_chapter_says_how_to_run_it_live(open_page: OpenPage, book_html: Path, chapter: str) -> None:  # noqa: F811
    watched = open_page(f"notebooks/{chapter}.html")
    page = watched.page
    assert not watched.errors, f"{chapter}: {watched.errors}"

    button = page.locator("main .mfl-live-bar a.mfl-live-button")
    assert button.count() == 1 and button.is_visible(), f"{chapter}: no 'Run live' button"
    assert "Run live in your browser" in button.inner_text()
    lite = urlparse(urljoin(page.url, button.get_attribute("href")))
    assert lite.path.endswith("/lite/notebooks/index.html"), lite   # one chapter at a time
    assert parse_qs(lite.query)["path"] == [f"notebooks/{chapter}.ipynb"]
    # it resolves: the Lite lab and this very notebook are in the built site
    assert (book_html / "lite" / "notebooks" / "index.html").exists()
    assert (book_html / "lite" / "files" / "notebooks" / f"{chapter}.ipynb").exists()
    assert page.request.get(urljoin(page.url, button.get_attribute("href"))).status == 200

    binder = page.locator("main .mfl-live-bar a.mfl-live-binder").get_attribute("href")
    assert binder == (f"{CONFIG['launch_buttons']['binderhub_url'].rstrip('/')}/v2/gh/{ORG_REPO}/"
                      f"{CONFIG['repository']['branch']}?urlpath=lab/tree/notebooks/{chapter}.ipynb")
    hub_links = page.locator("main a.mfl-live-jupyterhub").count()
    assert bool(hub_links) == bool(CONFIG["launch_buttons"].get("jupyterhub_url")), chapter
    # the theme's rocket menu offers it first, under the same name
    menu_item = page.locator("a.btn-launch-lite-button")
    assert menu_item.count() == 1 and menu_item.get_attribute("href") == button.get_attribute("href")
    assert (menu_item.text_content() or "").strip() == "Run live in your browser"
    assert menu_item.evaluate("a => a.closest('ul').querySelector('a') === a"), "not first in the menu"

    snapshots = page.locator("main script[type='application/vnd.jupyter.widget-view+json']").count()
    notes = page.locator("main .mfl-snapshot-note")
    assert notes.count() == snapshots, f"{chapter}: {snapshots} snapshots, {notes.count()} notes"
    for i in range(notes.count()):
        note = notes.nth(i)
        assert note.is_visible() and "picture" in note.inner_text()
        # right above the panel it speaks of
        assert note.evaluate("n => !!n.nextElementSibling && /widget/.test(n.nextElementSibling.className)"), \
            f"{chapter}: note {i} is not right above a rendered widget"
        assert note.locator("a.mfl-live-lite").get_attribute("href") == button.get_attribute("href")
        assert note.locator("a.mfl-live-binder").get_attribute("href") == binder
