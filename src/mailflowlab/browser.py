"""The one module that knows about running in a browser (Pyodide, in the book's JupyterLite lab).

Two things differ there, and only here:

1. **Diagrams.** A browser has no `dot` binary and no processes. `install()` (called once by
   `diagrams`) makes every `graphviz` object (`Digraph`, `Graph`, `Source`) render SVG with
   Graphviz compiled to WebAssembly (@viz-js/viz, served by the Lite site itself at
   `static/mailflowlab/viz-global.js`), so `hop_diagram(...)`, `lab.diagram(...)`, a panel's
   `graph.pipe(format="svg")` and displaying a graph in a cell behave exactly as on a desktop.
   Elsewhere `install()` does nothing and the real `dot` draws.

   Loading the WebAssembly is asynchronous and Python cells are not, so loading starts when
   mailflowlab is imported, and the Pyodide kernel is asked to wait for it before it runs the
   next cell (an async cell transform, the hook the kernel itself uses for `%pip`). In the very
   cell that first imports mailflowlab, a diagram waits for the engine where the browser has
   JSPI (`pyodide.ffi.run_sync`: Chrome, Edge, Firefox); in Safari it is a one-line placeholder
   picture that asks to run the cell again.

2. **What a browser cannot do**: `unavailable(feature)` gives the one sentence to show instead of
   a traceback (no listening sockets for telnet or swaks, no `mailflowlab serve`, no real TLS).
"""
from __future__ import annotations

import html
import sys
from typing import Any

#: True inside Pyodide (the JupyterLite lab): no sockets, no threads, no subprocesses.
IN_BROWSER = sys.platform == "emscripten"

#: Where the Lite site serves Graphviz compiled to WebAssembly (book/build_lite.sh puts it there),
#: relative to the site's root (the folder holding `extensions/`, `static/`, `lab/`).
VIZ_PATH = "static/mailflowlab/viz-global.js"

_MESSAGES = {
    "endpoint": ("In the browser the lab has no network ports, so telnet, swaks or smtplib cannot "
                 "connect to it; run the course on your machine (make course) or on Binder for that."),
    "serve": ("`mailflowlab serve` needs real network listeners, which a browser cannot open; run it "
              "on your machine: .venv/bin/mailflowlab serve."),
    "tls": ("Real TLS needs sockets and the cryptography package, which Python in a browser does not "
            "have; run this part on your machine (make course) or on Binder."),
    "render": ("In the browser diagrams are drawn as SVG only (Graphviz compiled to WebAssembly); "
               "other formats need the real Graphviz on your machine."),
}
_ALIASES = {"telnet": "endpoint", "swaks": "endpoint", "smtplib": "endpoint", "socket": "endpoint",
            "sockets": "endpoint", "starttls": "tls", "ssl": "tls", "cli": "serve"}


def unavailable(feature: str) -> str:
    """The sentence to show when a learner asks the browser for `feature`.

    `feature` is one of "endpoint" (also "telnet", "swaks", "smtplib", "sockets"), "serve",
    "tls" (also "starttls", "ssl") or "render".
    """
    key = _ALIASES.get(feature.lower(), feature.lower())
    try:
        return _MESSAGES[key]
    except KeyError:
        raise ValueError(f"unknown feature {feature!r}; known: {', '.join(sorted(_MESSAGES))}") from None


# ---------------------------------------------------------------------------------------------
# Diagrams: Graphviz compiled to WebAssembly, inside the kernel's worker.

_viz = None        # the @viz-js/viz instance once loaded (a JsProxy)
_loading = None    # the asyncio task loading it
_promise = None    # the JS promise of that instance
_failed: str | None = None


def _site_root(href: str) -> str:
    """The Lite site's root from the kernel worker's URL (…/lite/extensions/@jupyterlite/…/x.js)."""
    if "/extensions/" in href:
        return href.split("/extensions/")[0] + "/"
    return href.rsplit("/", 1)[0] + "/"


def _begin() -> Any:
    """Start fetching and compiling viz.js in the kernel's worker; its promise."""
    global _promise
    if _promise is None:
        from js import location  # the worker's location
        from pyodide.code import run_js

        url = _site_root(str(location.href)) + VIZ_PATH
        _promise = run_js("(async (url) => { await import(url); return await globalThis.Viz.instance(); })")(url)
    return _promise


async def _load() -> None:
    global _viz, _failed
    try:
        _viz = await _begin()
    except Exception as exc:  # noqa: BLE001 - reported once, in the placeholder picture
        _failed = f"{type(exc).__name__}: {exc}"


def _wait_here() -> None:
    """In the very cell that imported mailflowlab: block on the engine where the browser can
    (JSPI: Chrome, Edge, Firefox); elsewhere (Safari) the caller draws a placeholder."""
    global _viz, _failed
    try:
        from pyodide.ffi import can_run_sync, run_sync
    except ImportError:
        return
    if can_run_sync():
        try:
            _viz = run_sync(_begin())
        except Exception as exc:  # noqa: BLE001
            _failed = f"{type(exc).__name__}: {exc}"


def start() -> None:
    """Start loading Graphviz (WebAssembly) and ask the kernel to wait for it before the next cell."""
    global _loading
    if _loading is not None or not IN_BROWSER:
        return
    import asyncio

    _loading = asyncio.ensure_future(_load())
    try:
        import pyodide_kernel  # the JupyterLite kernel; absent in plain Pyodide
        transforms = pyodide_kernel.kernel_instance.lite_transform_manager.line_transforms
    except (ImportError, AttributeError):
        return

    async def wait_for_graphviz(lines: list[str]) -> list[str]:
        if _viz is None and _failed is None:
            await _loading
        if wait_for_graphviz in transforms:
            transforms.remove(wait_for_graphviz)
        return lines

    transforms.insert(0, wait_for_graphviz)


def ready() -> bool:
    return _viz is not None


def _placeholder(reason: str) -> str:
    text = html.escape(reason)
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="560" height="40" role="img" '
            f'aria-label="{text}"><text x="8" y="24" font-family="Helvetica" font-size="13">'
            f'{text}</text></svg>')


def render_svg(source: str, engine: str = "dot") -> str:
    """DOT source -> SVG text, with Graphviz compiled to WebAssembly (browser only)."""
    if _viz is None and _failed is None:
        _wait_here()
    if _viz is None:
        if _failed:
            return _placeholder(f"Graphviz (WebAssembly) did not load: {_failed}")
        return _placeholder("The diagram engine is still loading: run this cell again.")
    from js import Object
    from pyodide.ffi import to_js

    options = to_js({"format": "svg", "engine": engine}, dict_converter=Object.fromEntries)
    result = _viz.render(source, options)
    if str(result.status) != "success":
        errors = "; ".join(str(e.message) for e in result.errors)
        raise RuntimeError(f"Graphviz could not draw this graph: {errors}")
    return str(result.output)


def install() -> None:
    """In a browser, render every graphviz object's SVG with WebAssembly; elsewhere do nothing."""
    if not IN_BROWSER:
        return
    import graphviz.piping

    pipe_class = graphviz.piping.Pipe
    if getattr(pipe_class._pipe_future, "_mailflowlab_browser", False):
        return

    def _pipe_future(self: Any, format: str | None = None, *, renderer: str | None = None,
                     formatter: str | None = None, neato_no_op: Any = None, quiet: bool = False,
                     engine: str | None = None, encoding: str | None = None) -> str | bytes:
        fmt = format or self.format
        if fmt != "svg" or renderer or formatter:
            raise RuntimeError(unavailable("render"))
        svg = render_svg(self.source, engine or self.engine)
        return svg if encoding is not None else svg.encode(self.encoding)

    _pipe_future._mailflowlab_browser = True  # type: ignore[attr-defined]  # marks it installed
    pipe_class._pipe_future = _pipe_future
    start()
