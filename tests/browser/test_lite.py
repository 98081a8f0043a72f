"""The book's JupyterLite lab (book/_build/html/lite), checked in headless Chromium.

Served from 127.0.0.1 like the published site: the Pyodide kernel starts, `mailflowlab` loads
from the site's own wheels with nothing typed, a hop diagram renders as SVG with Graphviz
compiled to WebAssembly, and not one request leaves 127.0.0.1. Prints the site's size and the
ratio (page open -> first output) / (bare Pyodide kernel start), measured in the same run.

Uses the built book when MFL_BOOK_BUILT=1 (make test), else builds only the Lite site (about 5 s).
The kernel is driven through the Lite app's own service manager (window.jupyterapp, exposed for
the test session only), so the probe needs no notebook of its own in the site.
"""
from __future__ import annotations

import functools
import html
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import pytest

if TYPE_CHECKING:
    from nbformat import NotebookNode
    from playwright.sync_api import Browser, BrowserContext, Locator, Page, Response, Route

pytestmark = [pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"
HTML = BOOK / "_build" / "html"
LITE = HTML / "lite"
SHOTS = ROOT / "artifacts" / "screenshots"

PROBE = '''
import sys
from mailflowlab import parse_hops, hop_diagram
from mailflowlab import header_samples
hops = parse_hops(header_samples.INBOUND_2013.text)
print(sys.platform, len(hops), "hops")
'''
DRAW = "hop_diagram(hops)"
#: An iopub message the kernel sent, as LitePage.execute returns it: {"type": ..., "content": ...}.
IOPub = dict[str, Any]


@pytest.fixture(scope="module")
def lite_site(isolated_env: dict[str, str]) -> Path:
    if os.environ.get("MFL_BOOK_BUILT") == "1" and (LITE / "jupyter-lite.json").exists():
        return LITE
    r = subprocess.run(["bash", str(BOOK / "build_lite.sh"), str(Path(sys.executable).parent)],
                       cwd=ROOT, env=isolated_env, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        pytest.fail(f"book/build_lite.sh failed (exit {r.returncode}):\n{(r.stdout + r.stderr)[-4000:]}")
    print("\n" + r.stdout.strip().splitlines()[-1])
    return LITE


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def served(lite_site: Path) -> Iterator[str]:
    """The book's html folder on 127.0.0.1 (the Lite lab is its lite/ folder)."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(lite_site.parent)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def site_mb() -> float:
    return sum(p.stat().st_size for p in LITE.rglob("*") if p.is_file()) / 1e6


def _assert_local(requests: list[str]) -> None:
    """Every request the page made (but inline data: and blob: ones) went to 127.0.0.1."""
    foreign = sorted({u for u in requests if not u.startswith(("data:", "blob:"))
                      and urlparse(u).hostname != "127.0.0.1"})
    assert not foreign, f"requests left 127.0.0.1: {foreign}"


def _recorded_context(browser: Browser, width: int, height: int) -> tuple[BrowserContext, list[str]]:
    """A fresh browser context whose Lite app is exposed to the test (see `LitePage._expose_app`),
    and the list it records every requested URL into."""
    context = browser.new_context(viewport={"width": width, "height": height})
    requests: list[str] = []
    context.on("request", lambda req: requests.append(req.url))
    context.route("**/lite/jupyter-lite.json", LitePage._expose_app)
    return context, requests


class LitePage:
    """A Lite lab page in a fresh browser context; every request is recorded."""

    def __init__(self, browser: Browser, url: str) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.requests: list[str] = []
        self.failures: list[tuple[int, str]] = []
        self.context.on("request", lambda req: self.requests.append(req.url))
        self.context.on("response", self._record_failure)
        # Expose the app object to the test (a page option JupyterLite reads from its config).
        self.context.route("**/lite/jupyter-lite.json", self._expose_app)
        self.page = self.context.new_page()
        self.t_open = time.perf_counter()
        self.page.goto(url, wait_until="domcontentloaded", timeout=120_000)
        self.page.wait_for_function("() => window.jupyterapp && window.jupyterapp.serviceManager",
                                    timeout=120_000)

    def _record_failure(self, res: Response) -> None:
        if res.status >= 400:
            self.failures.append((res.status, res.url))

    @staticmethod
    def _expose_app(route: Route) -> None:
        res = route.fetch()
        config = res.json()
        config["jupyter-config-data"]["exposeAppInBrowser"] = "true"
        route.fulfill(response=res, body=json.dumps(config))

    def start_kernel(self) -> float:
        """Start a Pyodide kernel and wait until it answers; seconds taken."""
        seconds: float = self.page.evaluate("""async () => {
            const t0 = performance.now();
            const app = window.jupyterapp, sm = app.serviceManager;
            await app.restored;
            await sm.ready;
            await sm.kernelspecs.ready;
            const kernel = window.mflKernel = await sm.kernels.startNew({name: 'python'});
            while (kernel.connectionStatus !== 'connected')
                await new Promise((r) => setTimeout(r, 50));
            await kernel.requestKernelInfo();   // answered once Pyodide and the kernel have booted
            return (performance.now() - t0) / 1000;
        }""")
        return seconds

    def execute(self, code: str, timeout_s: float = 180) -> list[IOPub]:
        """Run code in the kernel; the iopub messages (msg_type, content) it produced."""
        out: list[IOPub] = self.page.evaluate("""async ([code, timeout]) => {
            const out = [];
            const future = window.mflKernel.requestExecute({code, store_history: false});
            future.onIOPub = (msg) => {
                if (['stream', 'display_data', 'execute_result', 'error'].includes(msg.header.msg_type))
                    out.push({type: msg.header.msg_type, content: msg.content});
            };
            const done = future.done;
            const timer = new Promise((_, rej) => setTimeout(() => rej(new Error('timeout')), timeout * 1000));
            await Promise.race([done, timer]);
            return out;
        }""", [code, timeout_s])
        return out

    def check_local_only(self) -> None:
        _assert_local(self.requests)
        assert not self.failures, f"local requests failed (a /favicon.ico too): {self.failures}"

    def close(self) -> None:
        self.context.close()


def text_of(outputs: list[IOPub]) -> str:
    parts: list[str] = []
    for o in outputs:
        c = o["content"]
        if o["type"] == "stream":
            parts.append(c["text"])
        elif o["type"] == "error":
            parts.append(f"{c['ename']}: {c['evalue']}\n" + "\n".join(c.get("traceback", [])))
        else:
            parts.append(c["data"].get("text/plain", ""))
    return "".join(parts)


def svg_texts(svg: str) -> list[str]:
    return sorted(html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg))


def desktop_svg() -> str:
    """The probe's hop diagram drawn by the real Graphviz `dot`, in this process."""
    if shutil.which("dot") is None:
        pytest.skip("Graphviz `dot` is not installed")
    from mailflowlab import header_samples, hop_diagram, parse_hops
    svg: str = hop_diagram(parse_hops(header_samples.INBOUND_2013.text)).pipe(format="svg", encoding="utf-8")
    return svg


def svg_of(outputs: list[IOPub]) -> str:
    return "".join(o["content"]["data"].get("image/svg+xml", "") for o in outputs
                   if o["type"] in ("display_data", "execute_result"))


#: The `lite_page` fixture: opens a path of the site as a LitePage.
OpenLitePage = Callable[[str], LitePage]


@pytest.fixture
def lite_page(chromium_browser: Browser, served: str) -> Iterator[OpenLitePage]:
    opened: list[LitePage] = []

    def _open(path: str) -> LitePage:
        p = LitePage(chromium_browser, served + path)
        opened.append(p)
        return p

    yield _open
    for p in opened:
        p.close()


def test_lite_lab_imports_mailflowlab_and_draws_a_hop_diagram_offline(lite_page: OpenLitePage) -> None:
    assert (LITE / "static" / "mailflowlab" / "viz-global.js").exists()
    # A bare kernel in this site: the cost any page pays before its first output.
    bare = lite_page("lite/lab/index.html")
    bare_start = bare.start_kernel()
    bare.check_local_only()
    bare.close()

    # Page open -> first output of mailflowlab, nothing typed but the cells' own code.
    page = lite_page("lite/lab/index.html")
    page.start_kernel()
    first = page.execute(PROBE)
    first_output = time.perf_counter() - page.t_open
    text = text_of(first)
    assert "emscripten 3 hops" in text, text
    drawn = page.execute(DRAW)
    assert not [o for o in drawn if o["type"] == "error"], text_of(drawn)
    svg = svg_of(drawn)
    assert svg.lstrip().startswith(("<?xml", "<!--", "<svg")) and "<svg" in svg, svg[:300]
    # The same words as the real `dot` draws on this machine (the static book's pictures).
    drawn_texts = svg_texts(svg)
    assert "E2013-1-E.e.local" in drawn_texts and "1. with Microsoft SMTP Server" in drawn_texts, drawn_texts
    assert drawn_texts == svg_texts(desktop_svg()), "the browser drew other words than dot"
    # The panels draw with graph.pipe(format="svg"): same engine, same answer.
    piped = page.execute("_svg = hop_diagram(hops).pipe(format='svg', encoding='utf-8')\n"
                         "print('<svg' in _svg, _svg.count('<text'))")
    assert text_of(piped).strip() == f"True {len(drawn_texts)}", text_of(piped)
    page.check_local_only()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.page.screenshot(path=str(SHOTS / "lite-lab.png"))
    print(f"\nlite site: {site_mb():.0f} MB; bare Pyodide kernel start {bare_start:.1f} s; "
          f"page open -> first mailflowlab output {first_output:.1f} s; "
          f"ratio {first_output / bare_start:.2f}")


def test_lite_lab_serves_every_chapter(lite_site: Path) -> None:
    contents = json.loads((LITE / "api" / "contents" / "notebooks" / "all.json").read_text())
    names = {c["name"] for c in contents["content"]}
    chapters = {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert chapters and chapters <= names, sorted(chapters - names)
    for name in chapters:  # the very files JupyterLab opens
        assert (LITE / "files" / "notebooks" / name).read_bytes() == (ROOT / "notebooks" / name).read_bytes(), name
    settings = json.loads((LITE / "jupyter-lite.json").read_text())["jupyter-config-data"]
    kernel = settings["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["disablePyPIFallback"] is True
    assert kernel["pyodideUrl"] == "./static/pyodide/pyodide.mjs"
    lock = json.loads((LITE / "static" / "pyodide" / "pyodide-lock.json").read_text())["packages"]
    assert lock["mailflowlab"]["imports"] == ["mailflowlab"]
    assert not {"pandas", "cryptography"} & set(lock["mailflowlab"]["depends"])


def test_book_button_opens_the_chapter_in_the_lite_lab(chromium_browser: Browser, served: str) -> None:
    """The link the chapter pages carry opens that notebook in the Lite lab, with the Pyodide kernel."""
    from playwright.sync_api import expect

    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(served + f"lite/lab/index.html?path=notebooks/{CHAPTER}", timeout=120_000)
        tab = page.locator(".lm-TabBar-tab", has_text=CHAPTER)
        expect(tab.first).to_be_visible(timeout=60_000)
        expect(page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").first).to_be_visible()
        expect(page.get_by_text("Python (Pyodide)").first).to_be_visible(timeout=60_000)
    finally:
        context.close()


CHAPTER = "01-internal-mail-flow.ipynb"

WIDGET_CELL = '''
import ipywidgets as w
from mailflowlab import header_samples, hop_diagram, parse_hops
from mailflowlab.ui.panel import svg_html
def draw(sample):
    return svg_html(hop_diagram(parse_hops(sample.text)))
toggle = w.ToggleButton(description="Edge sample", value=False)
picture = w.HTML(draw(header_samples.INBOUND_2013))
picture.add_class("probe-diagram")
toggle.observe(lambda change: setattr(picture, "value", draw(
    header_samples.EDGE_2013 if change["new"] else header_samples.INBOUND_2013)), "value")
w.VBox([toggle, picture])
'''


def test_a_panel_redraws_its_diagram_live_in_lite(chromium_browser: Browser, served: str) -> None:
    """A panel the way the course builds them (a toggle; a diagram drawn with graph.pipe into an
    HTML widget): in a notebook of the Lite lab, pressing the toggle redraws the diagram, drawn
    by Graphviz compiled to WebAssembly. Proves the widget front end and the renderer in the
    browser on their own; chapter 1's own panel, on the lab in memory, is checked below."""
    from playwright.sync_api import expect

    context, requests = _recorded_context(chromium_browser, 1280, 1400)
    try:
        page = context.new_page()
        page.goto(served + "lite/lab/index.html", timeout=120_000)
        page.wait_for_function("() => window.jupyterapp", timeout=120_000)
        page.evaluate("""async () => {
            const app = window.jupyterapp;
            await app.restored;
            await app.serviceManager.kernelspecs.ready;
            await app.commands.execute('notebook:create-new', {kernelName: 'python'});
        }""")
        idle = page.locator(".jp-StatusBar-Widget", has_text=re.compile(r"\| Idle"))
        expect(idle).to_be_visible(timeout=180_000)
        cells = [WIDGET_CELL]
        for code in cells:
            page.evaluate("""(code) => {
                const nb = window.jupyterapp.shell.currentWidget.content;
                nb.activeCell.model.sharedModel.setSource(code);
            }""", code)
            page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-cell-and-insert-below')")
            expect(idle).to_be_visible(timeout=120_000)
        # Panels show a diagram as an image of its SVG (alt text = its description, full size).
        image = page.locator('.probe-diagram img[src^="data:image/svg+xml"]')
        try:
            expect(image).to_be_visible(timeout=60_000)
        except AssertionError:
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "lite-widget-probe-failed.png"))
            outputs = page.locator(".jp-OutputArea-output").all_inner_texts()
            raise AssertionError(f"no diagram in the panel; outputs: {outputs}") from None
        assert image.evaluate("img => img.naturalWidth") > 0          # the SVG really drew
        before_src, before_alt = image.get_attribute("src"), image.get_attribute("alt") or ""
        assert "E2013-1-E.e.local" in before_alt, before_alt
        page.locator(".widget-toggle-button", has_text="Edge sample").click()
        expect(image).not_to_have_attribute("src", before_src, timeout=30_000)
        assert image.evaluate("img => img.naturalWidth") > 0
        assert image.get_attribute("alt") != before_alt
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "lite-widget-probe.png"))
        _assert_local(requests)
    finally:
        context.close()


@pytest.mark.parametrize("chapter", [CHAPTER, "04-message-queues.ipynb", "13-current-versions.ipynb",
                                     "14-hybrid.ipynb"])
def test_chapter_runs_all_in_lite_like_in_jupyterlab(chromium_browser: Browser, served: str, chapter: str) -> None:
    """Issue 10's acceptance: the chapter Run All in the Lite lab, no cell fails, every output
    nbval checks is the committed text; in chapter 1 the panel reroutes when MB2's Transport
    stops (as tests/browser/test_jupyterlab.py checks in JupyterLab), and page open -> first hop
    table is at most 2x a bare Pyodide kernel start in the same site."""
    import nbformat
    from playwright.sync_api import expect

    from .test_jupyterlab import _counts, _run

    cells = nbformat.read(ROOT / "notebooks" / chapter, as_version=4).cells
    bare_start: float | None = None
    if chapter == CHAPTER:
        bare = LitePage(chromium_browser, served + "lite/lab/index.html")
        bare_start = bare.start_kernel()
        bare.close()
    context, requests = _recorded_context(chromium_browser, 1400, 2400)
    try:
        page = context.new_page()
        t_open = time.perf_counter()
        page.goto(served + f"lite/lab/index.html?path=notebooks/{chapter}", timeout=120_000)
        idle = page.locator(".jp-StatusBar-Widget", has_text=re.compile(r"\| Idle"))
        expect(idle).to_be_visible(timeout=180_000)
        _run(page, "Run All Cells")
        first_table: float | None = None
        if chapter == CHAPTER:
            first = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output",
                                 has_text=re.compile(r"Hop\s+From\s+By")).first
            try:
                first.wait_for(timeout=180_000)          # the chapter prints its first hop table
            except Exception:
                SHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SHOTS / f"lite-{chapter}-failed.png"), full_page=True)
                raise
            first_table = time.perf_counter() - t_open
        _counts(page, 300_000)
        expect(idle).to_be_visible(timeout=60_000)
        outputs = page.evaluate("""() => {
            const model = window.jupyterapp.shell.currentWidget.content.model;
            const out = [];
            for (let i = 0; i < model.cells.length; i++) out.push(model.cells.get(i).toJSON());
            return out;
        }""")
        for cell, got in zip(cells, outputs, strict=True):
            if cell.cell_type != "code":
                continue
            errors = [o for o in got.get("outputs", []) if o["output_type"] == "error"]
            assert not errors, f"{chapter}: {errors[0]['ename']}: {errors[0]['evalue']}\n{cell.source}"
            if _nbval_checks(cell):
                want = "".join(_text_of_nb_output(nbformat.from_dict(o)) for o in cell.outputs)
                have = "".join(_text_of_nb_output(nbformat.from_dict(o)) for o in got["outputs"])
                assert have == want, f"{chapter}: output differs from nbval's for:\n{cell.source}"
        if chapter == CHAPTER:
            _panel_reroutes(page, cells, idle)
            assert first_table is not None and bare_start is not None   # both measured for chapter 1
            ratio = first_table / bare_start
            print(f"\nchapter 1 in Lite: first hop table {first_table:.1f} s after page open; bare "
                  f"kernel {bare_start:.1f} s; ratio {ratio:.2f}; site {site_mb():.0f} MB")
        _assert_local(requests)
    finally:
        context.close()


def _nbval_checks(cell: NotebookNode) -> bool:
    # --nbval-lax: only cells marked NBVAL_CHECK_OUTPUT are compared.
    return "NBVAL_CHECK_OUTPUT" in cell.source or "nbval-check-output" in cell.metadata.get("tags", [])


def _text_of_nb_output(o: NotebookNode) -> str:
    text: str = ""
    if o.output_type == "stream":
        text = o.text
    elif o.output_type in ("display_data", "execute_result"):
        text = o.get("data", {}).get("text/plain", "")
    return text


def _panel_reroutes(page: Page, cells: list[NotebookNode], idle: Locator) -> None:
    """Chapter 1's panel after Run All, as in JupyterLab: send, stop MB2's Transport, send, the route
    changes."""
    from playwright.sync_api import expect

    from .test_jupyterlab import DOMAIN, GREY, PANEL_CALL, STOPPED, STOPPED_NODE, _counts, _hop_rows, _node_fill, _svg

    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")
    panel_cell = next(i for i, c in enumerate(cells) if c.cell_type == "code" and PANEL_CALL in c.source)
    _counts(page, 60_000)          # after Run All, with nothing re-run: the panel must still work
    panel = notebook.locator(".jp-Cell").nth(panel_cell).locator(".jp-OutputArea-output").filter(
        has=page.locator(".mfl-send"))
    expect(panel).to_have_count(1, timeout=20_000)
    send, hops, status = panel.locator(".mfl-send"), panel.locator(".mfl-hops"), panel.locator(".mfl-status")
    topology, picture = panel.locator(".mfl-topology"), panel.locator(".mfl-hop-diagram")
    toggle = panel.locator(".mfl-service-toggle", has_text=re.compile(rf"^\s*{re.escape(STOPPED)}\s*$"))
    send.click()
    expect(status).to_have_text(f"Delivered to bob@{DOMAIN}.", timeout=30_000)
    expect(hops.locator("tbody tr")).to_have_count(3)
    before_rows, before_svg = _hop_rows(hops), _svg(picture.locator("img"))
    assert "<svg" in before_svg and [r["By"].split()[0] for r in before_rows] == [f"MB2.{DOMAIN}"] * 3, before_rows
    toggle.click()
    expect(toggle).not_to_have_class(re.compile(r"\bmod-active\b"))
    shown = hops.inner_text()
    send.click()
    expect(hops).not_to_have_text(shown, timeout=30_000)
    expect(status).to_have_text(f"Delivered to bob@{DOMAIN}.")
    expect(hops.locator("tbody tr")).to_have_count(3)
    expect(hops).to_contain_text(f"MB1.{DOMAIN}")         # the new table is all there
    after_rows = _hop_rows(hops)
    assert [r["By"].split()[0] for r in after_rows] == [f"MB2.{DOMAIN}", f"MB1.{DOMAIN}", f"MB2.{DOMAIN}"], after_rows
    after_svg = _svg(picture.locator("img"))
    assert after_svg != before_svg and "MB1" in after_svg                          # the diagram changed
    assert _node_fill(topology, STOPPED_NODE) == GREY
    SHOTS.mkdir(parents=True, exist_ok=True)
    panel.screenshot(path=str(SHOTS / "lite-panel-after.png"))


INCIDENTS = "12-incidents.ipynb"


def test_incidents_chapter_runs_a_worked_and_a_learner_incident_in_lite(chromium_browser: Browser, served: str) -> None:
    """Chapter 12 opened in the Lite lab, in its own Pyodide kernel (where the lab runs in
    memory): the first worked incident and the first learner incident start broken, `verify()`
    says NOT YET, and after `reference_fix()` it says PASSED, as in JupyterLab; nothing leaves
    127.0.0.1. The cells' code is the chapter's own, read from the notebook."""
    import nbformat
    from playwright.sync_api import expect

    code = [c.source for c in nbformat.read(ROOT / "notebooks" / INCIDENTS, as_version=4).cells
            if c.cell_type == "code"]
    setup = code[0]
    starts = [s for s in code if re.match(r"\w+ = incidents\.start\(", s)]
    worked, learner = starts[0], next(s for s in starts if "seed=SEED" in s)
    context, requests = _recorded_context(chromium_browser, 1280, 900)
    try:
        page = context.new_page()
        page.goto(served + f"lite/lab/index.html?path=notebooks/{INCIDENTS}", timeout=120_000)
        idle = page.locator(".jp-StatusBar-Widget", has_text=re.compile(r"\| Idle"))
        expect(idle).to_be_visible(timeout=180_000)

        def run(source: str) -> str:
            """Run code in the chapter's own kernel; its text output (an error as its name)."""
            outputs = page.evaluate("""async (code) => {
                const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
                const out = [];
                const future = kernel.requestExecute({code, store_history: false});
                future.onIOPub = (msg) => {
                    if (['stream', 'execute_result', 'error'].includes(msg.header.msg_type))
                        out.push({type: msg.header.msg_type, content: msg.content});
                };
                await future.done;
                return out;
            }""", source)
            return text_of(outputs)

        assert "Error" not in run(setup)
        for start in (worked, learner):
            ticket = start.split("=")[0].strip()
            text = run(f"{start}\nprint({ticket}.lab.transport)\nprint({ticket}.verify().passed)\n"
                       f"{ticket}.reference_fix()\nprint({ticket}.verify())")
            lines = text.splitlines()
            assert lines[1:3] == ["memory", "False"], text
            assert lines[3].startswith("PASSED: "), text
        _assert_local(requests)
    finally:
        context.close()


def _open_chapter(page: Page, url: str) -> dict[str, Any]:
    """Open a chapter the way the book's button does; once its kernel is idle, which chapters
    the page shows and how many kernels run."""
    page.goto(url, timeout=120_000)
    page.wait_for_function("() => window.jupyterapp", timeout=120_000)
    shown: dict[str, Any] = page.evaluate("""async () => {
        const app = window.jupyterapp;
        await app.restored;
        for (let i = 0; i < 3000; i++) {
            const w = app.shell.currentWidget;
            const kernel = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
            if (kernel && kernel.status === 'idle') break;
            await new Promise((r) => setTimeout(r, 100));
        }
        const open = [...app.shell.widgets('main')].filter((w) => w.sessionContext).map((w) => w.context.path);
        return {open, kernels: [...app.serviceManager.kernels.running()].length};
    }""")
    return shown


def test_run_live_opens_one_chapter_at_a_time(chromium_browser: Browser, served: str) -> None:
    """Issue 19: each "Run live in your browser" click used to open another chapter beside the
    ones opened before, each with its own Pyodide kernel (three chapters, three kernels, each
    start slower). The book's button (jupyterlite_url in book/_config.yml, plus ?path= as the
    theme adds it) now shows the one chapter, with one kernel, however many were opened before."""
    import yaml

    lite_url = yaml.safe_load((BOOK / "_config.yml").read_text())["launch_buttons"]["jupyterlite_url"]
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/lite/jupyter-lite.json", LitePage._expose_app)
    try:
        page = context.new_page()
        times = []
        for chapter in ("04-message-queues", "05-edge-transport", CHAPTER.removesuffix(".ipynb")):
            t0 = time.perf_counter()
            shown = _open_chapter(page, f"{served}{lite_url}?path=notebooks/{chapter}.ipynb")
            times.append(time.perf_counter() - t0)
            assert shown == {"open": [f"notebooks/{chapter}.ipynb"], "kernels": 1}, shown
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "lite-one-chapter.png"))
        print("\nchapter open -> kernel idle, three chapters in a row: " + ", ".join(f"{t:.1f} s" for t in times))
    finally:
        context.close()


def test_a_cell_run_before_the_setup_cell_names_it_in_lite(lite_page: OpenLitePage) -> None:
    """The Lite kernel reads the course's IPython config from the mailflowlab wheel (loaded as
    Pyodide starts), so `lab` used before the setup cell gets the same sentence as in JupyterLab."""
    from mailflowlab.errors import SETUP_FIRST

    page = lite_page("lite/lab/index.html")
    page.start_kernel()
    said = page.execute("print(lab.queues())")
    assert text_of(said).strip() == "NameError: " + SETUP_FIRST.format(name="lab"), said
    assert not [o for o in said if o["type"] == "error"], said
    page.execute("from mailflowlab import Lab, scenarios\nlab = Lab(scenarios.exchange2013demo()).start()")
    typo = page.execute("lab_typo")             # after the setup: IPython's own NameError
    assert "NameError" in text_of(typo) and SETUP_FIRST[:20] not in text_of(typo), typo
    page.check_local_only()
