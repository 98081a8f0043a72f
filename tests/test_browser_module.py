"""mailflowlab.browser on CPython: the sentences for what a browser cannot do, and the graphviz
hook, which does nothing off the browser and, in one, routes SVG to the WebAssembly renderer
(the real renderer is checked in Chromium by tests/browser/test_lite.py)."""
from __future__ import annotations

import graphviz
import pytest

from mailflowlab import browser, header_samples, hop_diagram, parse_hops


@pytest.mark.parametrize("feature", ["endpoint", "telnet", "swaks", "serve", "tls", "STARTTLS", "render"])
def test_unavailable_is_one_sentence(feature: str) -> None:
    text = browser.unavailable(feature)
    assert text.endswith(".") and "\n" not in text and "Traceback" not in text
    assert text.count(". ") <= 1 and 40 < len(text) < 200


def test_unknown_feature_says_which_exist() -> None:
    with pytest.raises(ValueError, match="endpoint, render, serve, tls"):
        browser.unavailable("ftp")


def test_off_the_browser_graphviz_is_untouched() -> None:
    assert not browser.IN_BROWSER
    browser.install()
    assert not getattr(graphviz.piping.Pipe._pipe_future, "_mailflowlab_browser", False)


def test_in_a_browser_svg_comes_from_the_wasm_renderer(monkeypatch: pytest.MonkeyPatch) -> None:
    original = graphviz.piping.Pipe._pipe_future
    calls: list[str] = []
    monkeypatch.setattr(browser, "IN_BROWSER", True)
    monkeypatch.setattr(browser, "start", lambda: None)

    def render_svg(src: str, engine: str) -> str:
        calls.append(engine)
        return "<svg>x</svg>"
    monkeypatch.setattr(browser, "render_svg", render_svg)
    try:
        browser.install()
        graph = hop_diagram(parse_hops(header_samples.INBOUND_2013.text))
        assert graph.pipe(format="svg", encoding="utf-8") == "<svg>x</svg>"
        assert graph.pipe(format="svg") == b"<svg>x</svg>"
        assert graph._repr_mimebundle_()["image/svg+xml"] == "<svg>x</svg>"   # a cell's display
        assert calls == ["dot"] * 4      # hop_diagram measures its width once, then three renders
        with pytest.raises(RuntimeError, match="SVG only"):
            graph.pipe(format="png")
    finally:
        graphviz.piping.Pipe._pipe_future = original


def test_placeholder_before_the_engine_loads() -> None:
    svg = browser.render_svg("digraph { a -> b }")
    assert svg.startswith("<svg") and "run this cell again" in svg


def test_site_root_from_the_kernel_worker_url() -> None:
    url = "http://127.0.0.1:8000/lite/extensions/@jupyterlite/pyodide-kernel-extension/static/1.js"
    assert browser._site_root(url) == "http://127.0.0.1:8000/lite/"
