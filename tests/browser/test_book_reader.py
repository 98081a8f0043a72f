"""The reader's rough edges, as Chromium lays them out (issue 19): chapter 1's organization
diagrams fit the book's column on a desktop instead of scrolling sideways, and a queue table's
long LastError no longer makes its row hundreds of pixels tall.

Reuses the built book and its local server from test_book_site.py.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

from mailflowlab import Lab, scenarios
from mailflowlab.ui.panel import table_html

from .test_book_site import SHOTS, book_html, site  # noqa: F401 - fixtures

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.browser]

#: The `page_at` fixture: a new page of the given viewport width (and height).
PageAt = Callable[..., "Page"]

CHAPTER_ONE = "notebooks/01-internal-mail-flow.html"


@pytest.fixture
def page_at(chromium_browser: Browser) -> Iterator[PageAt]:
    contexts = []

    def _open(width: int, height: int = 900) -> Page:
        context = chromium_browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        return context.new_page()

    yield _open
    for context in contexts:
        context.close()


@pytest.mark.book
def test_chapter_ones_diagrams_fit_the_column_on_a_desktop(page_at: PageAt, site: str) -> None:  # noqa: F811
    page = page_at(1280)
    page.goto(site + CHAPTER_ONE, wait_until="networkidle", timeout=60_000)
    frames = page.locator("main .cell_output .mfl-diagram").evaluate_all(
        """frames => frames.map(f => {
            const img = f.querySelector('img');
            return {alt: img.alt.slice(0, 60), img: img.getBoundingClientRect().width, frame: f.clientWidth};
        })""")
    assert len(frames) >= 10, frames
    wide = [f for f in frames if f["img"] > f["frame"] + 1]
    assert not wide, f"{len(wide)} of {len(frames)} diagrams scroll sideways: {wide}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "book-01-desktop.png"), full_page=True)
    phone = page_at(390, 844)
    phone.goto(site + CHAPTER_ONE, wait_until="networkidle", timeout=60_000)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390, "the page scrolls sideways"
    phone.screenshot(path=str(SHOTS / "book-01-phone.png"), full_page=False)


@pytest.mark.parametrize("width", [390, 760])
def test_a_long_last_error_keeps_queue_rows_one_line_tall(page_at: PageAt, width: int) -> None:
    with Lab(scenarios.exchange2013demo(), transport="memory") as lab:
        lab.stop_service("MB1", "Mailbox Transport Delivery")
        lab.send("bob@exchange2013demo.com", "carol@exchange2013demo.com", subject="Held at MB1")
        table = table_html(lab.queues(), ("Identity", "DeliveryType", "Status", "MessageCount", "NextHopDomain",
                                          "LastError"))
    page = page_at(width)
    page.set_content(f'<body style="margin:0; font:14px sans-serif"><div style="width:{width - 20}px">'
                     f"{table}</div></body>")
    rows = page.locator("table.mfl-table tbody tr:not(.mfl-long-text)").evaluate_all(
        "rows => rows.map(r => r.getBoundingClientRect().height)")
    line = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize) * 1.6")
    assert rows and max(rows) <= line + 4, f"rows {rows} px at {width} px; one line is {line} px"
    error = page.locator("tr.mfl-long-text td")
    assert error.count() == 1 and "441 4.4.1" in error.inner_text()
    assert error.evaluate("td => td.getBoundingClientRect().width") >= width / 2   # the table's width
