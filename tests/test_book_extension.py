"""book/_ext/mfl_live.py without a book build: the links it makes from the theme's launch menu,
with and without a JupyterHub URL."""
from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

spec = importlib.util.spec_from_file_location(
    "mfl_live", Path(__file__).resolve().parents[1] / "book" / "_ext" / "mfl_live.py")
assert spec is not None and spec.loader is not None
mfl_live = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mfl_live)

SNAPSHOT = '<script type="application/vnd.jupyter.widget-view+json">{"model_id": "x"}</script>'
BINDER = "https://mybinder.org/v2/gh/o/r/main?urlpath=lab/tree/notebooks/01-x.ipynb"
HUB = "https://hub.example.edu/hub/user-redirect/git-pull?repo=https://github.com/o/r&urlpath=..."


def context(with_hub: bool) -> dict[str, Any]:
    buttons = [{"type": "link", "text": "Binder", "url": BINDER}]
    if with_hub:
        buttons.append({"type": "link", "text": "JupyterHub", "url": HUB})
    buttons.append({"type": "link", "text": "JupyterLite",
                    "url": "lite/lab/index.html?path=notebooks/01-x.ipynb"})
    return {"header_buttons": [{"type": "group", "label": "launch-buttons", "buttons": buttons}],
            "pathto": lambda uri, resource=0: "../" + uri,
            "body": f"<section><h1>Chapter 1</h1><p>text</p>{SNAPSHOT}<p>more</p></section>"}


@pytest.mark.parametrize("with_hub", [False, True])
def test_bar_and_snapshot_note(with_hub: bool) -> None:
    ctx = context(with_hub)
    mfl_live.add_live_links(None, "notebooks/01-x", "page.html", ctx, None)
    body = ctx["body"]
    lite = "../lite/lab/index.html?path=notebooks/01-x.ipynb"
    assert body.index("</h1>") < body.index("mfl-live-bar") < body.index("<p>text")
    assert f'class="mfl-live-button" href="{lite}"' in body
    assert body.index("mfl-snapshot-note") < body.index(SNAPSHOT)   # right above the panel
    note = body[body.index("mfl-snapshot-note"):]
    assert "A picture of a panel." in note and lite in note and BINDER in note
    assert (HUB.replace("&", "&amp;") in note) is with_hub
    assert body.count("mfl-live-jupyterhub") == (2 if with_hub else 0)
    menu = ctx["header_buttons"][0]["buttons"]
    assert menu[0]["text"] == "Run live in your browser" and menu[0]["url"] == lite


def test_pages_without_launch_buttons_are_untouched() -> None:
    ctx = {"header_buttons": [], "body": "<h1>Intro</h1>"}
    mfl_live.add_live_links(None, "intro", "page.html", ctx, None)
    assert ctx["body"] == "<h1>Intro</h1>"
