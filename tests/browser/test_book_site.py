"""The built book, checked in headless Chromium: every page loads from a local server only,
its diagrams are visible, and widget snapshots render with the vendored widget JS.

Builds the book first (bash book/build.sh with this Python's bin dir) unless MFL_BOOK_BUILT=1 and
book/_build/html exists. Full-page screenshots go to artifacts/screenshots/.
"""
from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlparse

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Response, ViewportSize

pytestmark = [pytest.mark.browser, pytest.mark.book]

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"
HTML = BOOK / "_build" / "html"
SHOTS = ROOT / "artifacts" / "screenshots"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
# The chapters, in toc order: _toc.yml globs book/notebooks/*, which build.sh copies from notebooks/.
CHAPTERS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="session")
def book_html(isolated_env: dict[str, str]) -> Path:
    if os.environ.get("MFL_BOOK_BUILT") == "1" and (HTML / "intro.html").exists():
        return HTML
    bindir = Path(sys.executable).parent
    t0 = time.perf_counter()
    r = subprocess.run(["bash", str(BOOK / "build.sh"), str(bindir)], cwd=ROOT, env=isolated_env,
                       capture_output=True, text=True, timeout=1800)
    if r.returncode != 0:
        pytest.fail(f"book/build.sh failed (exit {r.returncode}):\n{(r.stdout + r.stderr)[-6000:]}")
    print(f"\nbook build: {time.perf_counter() - t0:.1f} s ({r.stdout.strip().splitlines()[-1]})")
    return HTML


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
        pass


@pytest.fixture(scope="session")
def site(book_html: Path) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(book_html)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class Visit:
    """A page opened in a fresh context, with every request and failed response recorded."""

    def __init__(self, browser: Browser, url: str, viewport: ViewportSize | None = None) -> None:
        self.context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.failures: list[tuple[int, str]] = []
        self.page.on("request", lambda req: self.requests.append(req.url))
        self.page.on("response", self._record_failure)
        self.response = self.page.goto(url, wait_until="networkidle", timeout=60_000)

    def _record_failure(self, res: Response) -> None:
        if res.status >= 400:
            self.failures.append((res.status, res.url))

    def check_local_only(self) -> None:
        urls = [u for u in self.requests if not u.startswith(("data:", "blob:"))]
        foreign = sorted({u for u in urls if urlparse(u).hostname != "127.0.0.1"})
        assert not foreign, f"requests left 127.0.0.1: {foreign}"
        # Everything a page asks for is served, the widget icons' Font Awesome files included.
        assert not self.failures, f"local requests failed: {self.failures}"

    def svg_text(self, src: str | None) -> str:
        assert src, "an <img> without a src"
        res = self.page.request.get(urljoin(self.page.url, src))
        assert res.status == 200, f"{src}: HTTP {res.status}"
        return res.text()

    def graphviz_diagrams(self) -> int:
        """Visible Graphviz diagrams in the article: inline <svg> or <img> of a Graphviz SVG."""
        main = self.page.locator("main, article").first
        count = 0
        inline = main.locator("svg g.graph")
        count += sum(1 for i in range(inline.count()) if inline.nth(i).is_visible())
        # The chapters' diagrams: SVG as a data: URL, alt text describing it, in a scroll frame.
        drawn = main.locator(".mfl-diagram img").evaluate_all(
            """els => els.filter(e => e.offsetParent !== null && e.complete && e.naturalWidth > 0
                                      && e.alt && atob(e.src.split(',')[1]).includes('class="graph"'))""")
        count += len(drawn)
        imgs = main.locator("img[src$='.svg']")
        for i in range(imgs.count()):
            img = imgs.nth(i)
            if not img.is_visible():
                continue
            loaded = img.evaluate("el => el.complete && el.naturalWidth > 0")
            if loaded and 'class="graph"' in self.svg_text(img.get_attribute("src")):
                count += 1
        return count

    def screenshot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"book-{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()


#: The `visit` fixture: opens a path of the site (and an optional viewport) as a Visit.
OpenVisit = Callable[..., Visit]


@pytest.fixture
def visit(chromium_browser: Browser, site: str) -> Iterator[OpenVisit]:
    opened: list[Visit] = []

    def _open(path: str, viewport: ViewportSize | None = None) -> Visit:
        v = Visit(chromium_browser, urljoin(site, path), viewport)
        opened.append(v)
        return v

    yield _open
    for v in opened:
        v.close()


def test_landing_page_shows_three_hops_and_lists_chapters(visit: OpenVisit) -> None:
    v = visit("intro.html")
    assert v.response is not None and v.response.status == 200
    img = v.page.locator("img[src$='three-hops.svg']")
    assert img.count() == 1 and img.is_visible(), "the three-hop diagram is not on the landing page"
    assert img.evaluate("el => el.complete && el.naturalWidth > 0"), "three-hops.svg did not load"
    svg = v.svg_text(img.get_attribute("src"))
    assert 'class="graph"' in svg, "three-hops.svg is not Graphviz output"
    for stamp in ("with mapi", "Default MB2", "port 25", "SMTP Server (TLS)", "Delivery, port 475",
                  "via Mailbox"):
        assert stamp in svg, f"three-hops.svg lacks {stamp!r}"
    body = v.page.inner_text("main")
    for words in ("make course", "make test", "Binder"):
        assert words in body, f"landing page lacks {words!r}"
    # the generated toc: every notebook is a chapter, in file-name order
    hrefs = v.page.locator("nav.bd-links a.reference.internal").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))")
    links = [h.split("#")[0] for h in hrefs if h.split("#")[0]]  # drop the self-link to intro
    assert links == [f"notebooks/{c}.html" for c in CHAPTERS], links
    v.screenshot("intro")
    v.check_local_only()


@pytest.mark.parametrize("chapter", CHAPTERS or [pytest.param(None, marks=pytest.mark.skip(
    reason="no notebooks in notebooks/ yet"))])
def test_chapter_page(visit: OpenVisit, book_html: Path, chapter: str) -> None:
    v = visit(f"notebooks/{chapter}.html")
    assert v.response is not None and v.response.status == 200, f"{chapter}: not served"
    if chapter != "glossary":
        assert v.graphviz_diagrams() >= 1, f"{chapter}: no visible Graphviz diagram"
    if WIDGET_STATE in (book_html / "notebooks" / f"{chapter}.html").read_text():
        widgets = v.page.locator("main [class*='widget-']")
        widgets.first.wait_for(state="visible", timeout=20_000)
        assert widgets.count() > 0, f"{chapter}: widget snapshot did not render"
        # vendored JS loaded exactly once (JB1 would load every .js in _static on every page)
        scripts = v.page.locator("script[src*='embed-amd']").count()
        assert scripts == 1, f"{chapter}: embed-amd.js included {scripts} times"
    v.screenshot(chapter)
    v.check_local_only()


def test_a_chapter_on_a_phone_and_the_sidebar_button(visit: OpenVisit) -> None:
    """Chapter 8 (long inline code, wide tables and diagrams) at 390 x 844: the page never
    scrolls sideways (wide outputs scroll in their own frames), and the sidebar button opens
    the chapter list. On a desktop the same button hides and shows the sidebar."""
    phone = visit("notebooks/08-recipients-and-size-limits.html", {"width": 390, "height": 844})
    page = phone.page
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the page scrolls sideways"
    toggle = page.locator("button.primary-toggle:visible").first
    toggle.click()
    page.locator("#pst-primary-sidebar-modal[open], .bd-sidebar-primary:visible").first.wait_for(timeout=5_000)
    phone.screenshot("phone-sidebar-open")
    desktop = visit("notebooks/01-internal-mail-flow.html")
    sidebar = desktop.page.locator("#pst-primary-sidebar")
    assert sidebar.is_visible()
    desktop.page.locator("button.primary-toggle:visible").first.click()
    desktop.page.wait_for_function(
        "() => document.querySelector('#pst-primary-sidebar').classList.contains('pst-sidebar-hidden')", timeout=5_000)
