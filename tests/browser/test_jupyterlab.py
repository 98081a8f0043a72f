"""Chapter 1's mail-flow panel and chapter 10's header analyzer, live in JupyterLab, driven by
Debian's Chromium (tooling notes §7).

Starts `jupyter lab` from this interpreter's environment on a free 127.0.0.1 port with a random
token, in a temp copy of notebooks/ (outputs cleared, so every widget on the page is live), with
Jupyter's config isolated and the news announcements off. Opens the chapter, runs all its cells
(none may fail), then, after Run All, sends once, stops MB2's Transport service with its toggle,
sends again and checks that the hop table and the topology diagram change as the lab predicts
(panels survive Run All: no cell closes the lab). Checks every diagram's text is at least 10 px
as drawn. Opens a chapter fresh, with its stored outputs and no kernel run: panels say to run
their cell, never a widget repr. And lays one chapter out on a phone-sized viewport. Screenshots
go to artifacts/screenshots/. The kernel and the server are always stopped and the port checked
closed.
"""
from __future__ import annotations

import base64
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
CHAPTER = "01-internal-mail-flow.ipynb"
HEADERS_CHAPTER = "10-reading-headers.ipynb"
FRESH_CHAPTER = "fresh-01-internal-mail-flow.ipynb"   # chapter 1 as stored: outputs, no kernel run
MIN_TEXT_PX = 10
SHOTS = ROOT / "artifacts" / "screenshots"
PANEL_CALL = "mail_flow_panel("
STOPPED = "MB2 · Transport"       # the toggle's label in ui.mail_flow_panel
STOPPED_NODE = "MB2/Transport"    # its node id (the SVG <title>) in diagrams.topology_diagram
GREY = "#dddddd"                  # diagrams.STOPPED_FILL
DOMAIN = "exchange2013demo.com"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


@dataclass
class JupyterLab:
    url: str
    token: str
    port: int
    root: Path

    def api(self, method: str, path: str) -> Any:
        """The server's REST API: the JSON it answers (None for an empty body)."""
        req = urllib.request.Request(f"{self.url}{path}?token={self.token}", method=method)
        with urllib.request.urlopen(req, timeout=10) as res:
            body = res.read()
        return json.loads(body) if body else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _children(pid: int) -> set[int]:
    """Every live descendant of pid (the kernels the server started), read from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, todo = set(), [pid]
    while todo:
        p = todo.pop()
        kids = {c for c, pp in parents.items() if pp == p}
        found |= kids
        todo.extend(kids)
    return found


def _copy_notebooks(dest: Path) -> None:
    """notebooks/ without outputs or saved widget state (only the live kernel draws widgets), on
    this environment's python3 kernel (no kernel-picker dialog)."""
    shutil.copytree(NOTEBOOKS, dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    for path in dest.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        nb.metadata.pop("widgets", None)
        nb.metadata["kernelspec"] = KERNELSPEC
        nbformat.write(nb, path)
    shutil.copy(NOTEBOOKS / CHAPTER, dest / FRESH_CHAPTER)     # as a learner finds it: stored outputs


def _isolated_config(env: dict[str, str], base: Path) -> dict[str, str]:
    """A fresh config dir: announcements off (what `jupyter labextension disable` writes) and
    every cell attached to the DOM, so a widget below the fold is there to find."""
    config = base / "jupyter-config"
    (config / "labconfig").mkdir(parents=True)
    (config / "labconfig" / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    tracker = config / "lab" / "user-settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    src = str(ROOT / "src")
    return {**env, "JUPYTER_CONFIG_DIR": str(config),
            "PYTHONPATH": os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))}


@pytest.fixture
def jupyter_lab(isolated_env: dict[str, str], tmp_path: Path) -> Iterator[JupyterLab]:
    if not (NOTEBOOKS / CHAPTER).exists():
        pytest.skip(f"notebooks/{CHAPTER} is not written yet")
    root = tmp_path / "notebooks"
    _copy_notebooks(root)
    env = _isolated_config(isolated_env, tmp_path)
    port, token = _free_port(), secrets.token_hex(16)
    log = (tmp_path / "jupyter-lab.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
         f"--port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={root}", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    lab = JupyterLab(f"http://127.0.0.1:{port}", token, port, root)
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited {proc.returncode}:\n{(tmp_path / 'jupyter-lab.log').read_text()[-4000:]}")
            try:
                lab.api("GET", "/api/status")
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    pytest.fail(f"jupyter lab not ready in 30 s:\n{(tmp_path / 'jupyter-lab.log').read_text()[-4000:]}")
                time.sleep(0.2)
        yield lab
    finally:
        kernels = _children(proc.pid)
        try:
            for kernel in lab.api("GET", "/api/kernels") or []:
                lab.api("DELETE", f"/api/kernels/{kernel['id']}")
        except (urllib.error.URLError, ConnectionError):
            pass  # the server is already gone; terminate() below still reaps it
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        assert not _port_open(port), f"port {port} still open after jupyter lab stopped"
        deadline = time.monotonic() + 15          # a kernel may still be shutting down
        while (left := {p for p in kernels if _alive(p)}) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not left, f"processes outlived jupyter lab: {left}"


def _hop_rows(hops: Locator) -> list[dict[str, str]]:
    """The hop table the panel shows, as {column: text} per row."""
    head = [h.strip() for h in hops.locator("thead th").all_inner_texts()]
    return [dict(zip(head, (c.strip() for c in row.locator("td").all_inner_texts()), strict=True))
            for row in hops.locator("tbody tr").all()]


def _alive(pid: int) -> bool:
    """A process that still runs: one that exited and only waits to be reaped (a zombie, state Z)
    does not count."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _run(page: Page, item: str) -> None:
    """Run menu > item (the menu, not keys: Shift+Enter flaked on a cold kernel, tooling notes §7)."""
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(rf"^{re.escape(item)}")).click()


def _counts(page: Page, timeout_ms: int) -> list[int]:
    """Wait until no code cell is queued or running and the last one has run; return the counts.
    (A cell whose input is hidden shows an empty prompt.)"""
    script = """() => {
        const ps = [...document.querySelectorAll(
            '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')].map(e => e.textContent.trim());
        const done = t => /^\\[\\d+\\]:$/.test(t);
        return ps.length > 0 && done(ps[ps.length - 1]) && ps.every(t => t === '' || done(t)) && ps;
    }"""
    prompts = page.wait_for_function(script, timeout=timeout_ms).json_value()
    return [int(t[1:-2]) for t in prompts if t]


def _svg(image: Locator) -> str:
    """The SVG a diagram <img> shows (diagrams are data: URLs with alt text)."""
    src = image.get_attribute("src")
    assert src and src.startswith("data:image/svg+xml;base64,"), src
    return base64.b64decode(src.split(",", 1)[1]).decode()


def _node_fill(topology: Locator, node: str) -> str | None:
    """The fill of a node's shape in the topology SVG (its <title> is the node id)."""
    svg = _svg(topology.locator("img").first)
    match = re.search(rf"<title>{re.escape(node)}</title>\n<(?:path|polygon) fill=\"([^\"]+)\"", svg)
    return match.group(1) if match else None


#: For each diagram <img> on the page: the smallest font size in its SVG, in CSS px as drawn
#: (font-size in the SVG's user units, times the drawn width over the viewBox width).
TEXT_PX = """() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .mfl-diagram img')]
    .filter(img => img.complete && img.naturalWidth > 0)
    .map(img => {
        const svg = atob(img.src.split(',')[1]);
        const box = svg.match(/viewBox="[\\d.-]+ [\\d.-]+ ([\\d.]+) /);
        const sizes = [...svg.matchAll(/font-size="([\\d.]+)"/g)].map(m => Number(m[1]));
        return {alt: img.alt, px: Math.min(...sizes) * img.getBoundingClientRect().width / Number(box[1])};
    })"""


def _open_and_run_all(page: Page, lab: JupyterLab, chapter: str, idle: Locator) -> Locator:
    """Open a chapter, run all its cells, and fail with the traceback if any cell failed."""
    from playwright.sync_api import expect
    page.goto(f"{lab.url}/lab/tree/{chapter}?token={lab.token}")
    expect(idle).to_be_visible(timeout=60_000)
    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")
    _run(page, "Run All Cells")
    _counts(page, 60_000)
    expect(idle).to_be_visible(timeout=30_000)
    outputs = notebook.locator(".jp-OutputArea-output").all_inner_texts()
    errors = [o for o in outputs if "Traceback" in o or "Error displaying widget" in o]
    assert not errors, f"{chapter} failed in JupyterLab:\n{errors[0][-2000:]}"
    return notebook


def test_mail_flow_panel_reroutes_when_mb2_transport_stops(chromium_browser: Browser, jupyter_lab: JupyterLab) -> None:
    from playwright.sync_api import expect

    cells = nbformat.read(jupyter_lab.root / CHAPTER, as_version=4).cells
    panel_cell = next(i for i, c in enumerate(cells) if c.cell_type == "code" and PANEL_CALL in c.source)
    context = chromium_browser.new_context(viewport={"width": 1400, "height": 2400})
    page = context.new_page()
    idle = page.locator(".jp-StatusBar-Widget", has_text=re.compile(r"\| Idle"))
    try:
        notebook = _open_and_run_all(page, jupyter_lab, CHAPTER, idle)

        # Every diagram, as drawn after Run All, has text of at least 10 px, and alt text.
        drawn = page.evaluate(TEXT_PX)
        assert len(drawn) >= 8, drawn
        small = [d for d in drawn if d["px"] < MIN_TEXT_PX or not d["alt"]]
        assert not small, small

        # After Run All the panel still works (no cell closed its lab).
        panel = notebook.locator(".jp-Cell").nth(panel_cell).locator(".jp-OutputArea-output").filter(
            has=page.locator(".mfl-send"))
        expect(panel).to_have_count(1, timeout=10_000)
        send, hops, status = panel.locator(".mfl-send"), panel.locator(".mfl-hops"), panel.locator(".mfl-status")
        topology = panel.locator(".mfl-topology")
        toggle = panel.locator(".mfl-service-toggle", has_text=re.compile(rf"^\s*{re.escape(STOPPED)}\s*$"))
        expect(toggle).to_have_count(1)
        expect(toggle).to_have_class(re.compile(r"\bmod-active\b"))  # pressed: running
        assert _node_fill(topology, STOPPED_NODE) not in (None, GREY)

        send.click()
        expect(status).to_have_text(f"Delivered to bob@{DOMAIN}.", timeout=15_000)
        expect(hops.locator("tbody tr")).to_have_count(3)
        before = _hop_rows(hops)
        # mapi on MB2, Submission -> MB2's Transport, Transport -> MB2's Mailbox Transport Delivery
        assert [r["By"].split()[0] for r in before] == [f"MB2.{DOMAIN}"] * 3, before
        SHOTS.mkdir(parents=True, exist_ok=True)
        panel.screenshot(path=str(SHOTS / "jupyterlab-panel-before.png"))

        toggle.click()
        expect(toggle).not_to_have_class(re.compile(r"\bmod-active\b"))
        page.wait_for_function("""([sel, node, grey]) => {
            const img = document.querySelector(sel);
            return img && atob(img.src.split(',')[1]).includes(`<title>${node}</title>\\n<path fill="${grey}"`);
        }""", arg=[".jp-NotebookPanel:not(.lm-mod-hidden) .mfl-topology img", STOPPED_NODE, GREY], timeout=10_000)
        shown = hops.inner_text()
        send.click()
        expect(hops).not_to_have_text(shown, timeout=15_000)
        expect(status).to_have_text(f"Delivered to bob@{DOMAIN}.")
        expect(hops.locator("tbody tr")).to_have_count(3)
        after = _hop_rows(hops)
        # MB2's Mailbox Transport Submission has no local Transport: it submits to MB1's instead,
        # and MB1's Transport delivers back to MB2 (the database's server).
        assert [r["By"].split()[0] for r in after] == [f"MB2.{DOMAIN}", f"MB1.{DOMAIN}", f"MB2.{DOMAIN}"], after
        assert [r["From"].split()[0] for r in after] == [f"MB2.{DOMAIN}", f"MB2.{DOMAIN}", f"MB1.{DOMAIN}"], after
        assert _node_fill(topology, STOPPED_NODE) == GREY
        panel.screenshot(path=str(SHOTS / "jupyterlab-panel-after.png"))
    finally:
        context.close()


def test_header_analyzer_panel_reads_pasted_headers_live(chromium_browser: Browser, jupyter_lab: JupyterLab) -> None:
    """Chapter 10 runs whole in JupyterLab; its panel answers garbage in words and reads a sample."""
    from playwright.sync_api import expect

    from mailflowlab import header_samples
    from mailflowlab.headers import NO_RECEIVED

    context = chromium_browser.new_context(viewport={"width": 1400, "height": 2400})
    page = context.new_page()
    idle = page.locator(".jp-StatusBar-Widget", has_text=re.compile(r"\| Idle"))
    try:
        notebook = _open_and_run_all(page, jupyter_lab, HEADERS_CHAPTER, idle)
        panel = notebook.locator(".jp-OutputArea-output").filter(has=page.locator("textarea"))
        expect(panel).to_have_count(1, timeout=10_000)
        box, analyze = panel.locator("textarea"), panel.get_by_role("button", name="Analyze")
        hop_table = panel.locator("table").first          # the decoded fields' table follows it
        expect(hop_table).to_contain_text("Edge Transport (inferred)")   # the sample it starts with
        box.fill("this is not a header block")
        analyze.click()
        expect(panel.locator("b.mfl-parse-error")).to_have_text(NO_RECEIVED, timeout=10_000)
        expect(panel.locator("table")).to_have_count(0)
        box.fill(header_samples.EXCHANGE_2010.text)
        analyze.click()
        expect(hop_table).to_contain_text("Hub Transport store driver", timeout=10_000)
        expect(panel.locator(".mfl-diagram img")).to_have_count(1)
        assert "<svg" in _svg(panel.locator(".mfl-diagram img"))
        SHOTS.mkdir(parents=True, exist_ok=True)
        panel.screenshot(path=str(SHOTS / "jupyterlab-header-analyzer.png"))
    finally:
        context.close()


def test_a_chapter_opened_fresh_says_run_this_cell_and_shows_its_diagrams(chromium_browser: Browser, jupyter_lab: JupyterLab) -> None:
    """Chapter 1 as stored (outputs, no kernel run): where a panel goes the page shows the
    stored picture of the panel (its buttons and diagrams) and says to run the cell, never
    `VBox(children=...`; the diagrams show, each with a description as alt text."""
    from playwright.sync_api import expect

    from mailflowlab.ui.panel import FRESH_TEXT

    context = chromium_browser.new_context(viewport={"width": 1400, "height": 2400})
    page = context.new_page()
    try:
        page.goto(f"{jupyter_lab.url}/lab/tree/{FRESH_CHAPTER}?token={jupyter_lab.token}")
        notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")
        expect(notebook.locator(".jp-OutputArea-output").first).to_be_visible(timeout=60_000)
        outputs = notebook.locator(".jp-OutputArea-output").all_inner_texts()
        assert any(FRESH_TEXT in o for o in outputs), outputs[:5]
        picture = notebook.locator(".jp-OutputArea-output").filter(has_text="a picture of the panel")
        expect(picture).to_have_count(1)                 # chapter 1 has one panel
        assert "Send" in picture.inner_text() and picture.locator(".mfl-diagram img").count() >= 1
        assert not [o for o in outputs if re.search(r"VBox\(|children=\(|Widget\(", o)]
        alts = notebook.locator(".mfl-diagram img").evaluate_all("els => els.map(e => e.alt)")
        assert alts and all(a and not a.endswith(".svg") for a in alts), alts
    finally:
        context.close()


def test_a_chapter_on_a_phone(chromium_browser: Browser, jupyter_lab: JupyterLab) -> None:
    """Chapter 1 at 390 x 844 after Run All: the panel's To field fits, no button's label is cut,
    and nothing makes a cell scroll sideways (diagrams and tables scroll in their own frames)."""
    from playwright.sync_api import expect

    context = chromium_browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                           device_scale_factor=2)
    page = context.new_page()
    idle = page.locator(".jp-StatusBar-Widget", has_text=re.compile(r"\| Idle"))
    try:
        notebook = _open_and_run_all(page, jupyter_lab, CHAPTER, idle)
        # A phone has no room for JupyterLab's file browser beside the chapter: close it.
        if page.locator("#jp-left-stack").is_visible():
            page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").first.click()
            expect(page.locator("#jp-left-stack")).to_be_hidden()
        panel = notebook.locator(".jp-OutputArea-output").filter(has=page.locator(".mfl-send"))
        expect(panel).to_have_count(1, timeout=10_000)
        right = page.evaluate("() => document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)')"
                              ".getBoundingClientRect().right")
        SHOTS.mkdir(parents=True, exist_ok=True)
        panel.screenshot(path=str(SHOTS / "jupyterlab-phone-panel.png"))
        box = panel.locator("input[list]").first.bounding_box()          # the To field (a Combobox)
        assert box is not None and box["x"] + box["width"] <= right + 1, (box, right)
        cut = panel.locator("button").evaluate_all(
            "els => els.filter(b => b.scrollWidth > b.clientWidth + 1).map(b => b.textContent.trim())")
        assert not cut, f"button labels cut: {cut}"
        wide = page.evaluate("""() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell')]
            .filter(c => c.scrollWidth > c.clientWidth + 1 && !c.querySelector('.mfl-diagram, .mfl-table-frame, pre'))
            .map(c => c.innerText.slice(0, 80))""")
        assert not wide, wide
    finally:
        context.close()
