"""Sphinx extension for the Mail Flow Lab book: every chapter says how to run it live.

- **Launch buttons.** sphinx-book-theme builds the rocket menu (Binder, JupyterHub when
  `launch_buttons.jupyterhub_url` is set, JupyterLite) from `repository.url` and `launch_buttons`
  in _config.yml, the one place they are set. Here the JupyterLite entry becomes "Run live in
  your browser", first in the menu, with its link made relative to the page (the site may be
  published under a sub-path), and the same links appear as a bar under each chapter's title.
- **Snapshots say they are pictures.** Beside each widget snapshot (a saved panel, drawn by the
  vendored widget JS) a note says it is a picture and offers the same links, so the reader can
  make it live: in the browser, on Binder, on a JupyterHub.
- **Each inline script once** (the THEBE_JS_URL console error): see `_dedupe_inline_scripts`.

Done in the build, from the HTML Sphinx writes, so the notebooks stay as they are.
"""
from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

LIVE_TEXT = "Run live in your browser"
WIDGET_VIEW = re.compile(
    r'(<script type="application/vnd\.jupyter\.widget-view\+json">.*?</script>)', re.S)
STATIC = Path(__file__).parent / "static"


def live_links(app, pagename: str, context: dict[str, Any]) -> list[tuple[str, str, str]]:
    """[(key, text, url)] from the theme's launch menu of this page: lite, binder, hub."""
    links = []
    for group in context.get("header_buttons", []):
        if group.get("label") != "launch-buttons":
            continue
        lite = [b for b in group["buttons"] if b.get("text") in ("JupyterLite", LIVE_TEXT)]
        for button in lite:
            url = button["url"]
            if "://" not in url and not url.startswith("/"):
                url = context["pathto"](url.split("?")[0], 1) + "?" + url.split("?", 1)[1]
            button.update(text=LIVE_TEXT, tooltip=f"{LIVE_TEXT} (JupyterLite: nothing to install)",
                          url=url, label="launch-lite-button")
        group["buttons"] = lite + [b for b in group["buttons"] if b not in lite]
        for button in group["buttons"]:
            key = {"launch-lite-button": "lite"}.get(button.get("label"), button.get("text", "").lower())
            if key in ("lite", "binder", "jupyterhub") and button.get("type") == "link":
                text = {"lite": "in your browser", "binder": "Binder", "jupyterhub": "JupyterHub"}[key]
                links.append((key, text, button["url"]))
    return links


def _anchors(links) -> str:
    return " · ".join(f'<a class="mfl-live-{key}" href="{html.escape(url)}">{html.escape(text)}</a>'
                      for key, text, url in links)


def add_live_links(app, pagename, templatename, context, doctree):
    if not context.get("body") or "header_buttons" not in context:
        return
    links = live_links(app, pagename, context)
    if not links:
        return
    body = context["body"]
    lite = [link for link in links if link[0] == "lite"]
    others = [link for link in links if link[0] != "lite"]
    bar = ('<div class="mfl-live-bar" role="note">'
           + (f'<a class="mfl-live-button" href="{html.escape(lite[0][2])}">▶ {LIVE_TEXT}</a> '
              if lite else "")
           + '<span class="mfl-live-where">nothing to install; the lab runs inside this browser tab'
           + (f' · or on {_anchors(others)}' if others else "") + "</span></div>")
    body = re.sub(r"(</h1>)", lambda m: m.group(1) + bar, body, count=1)
    note = ('<div class="mfl-snapshot-note" role="note"><strong>A picture of a panel.</strong> It shows '
            'the panel as the lab drew it when this page was built; its buttons do nothing here. '
            f'Make it live: {_anchors(links)}.</div>')
    # Before the snapshot: the widget JS draws the panel just before its script tag, so the note
    # sits right above the panel, where the reader meets it before pressing anything.
    body = WIDGET_VIEW.sub(lambda m: note + m.group(1), body)
    context["body"] = body


def _dedupe_inline_scripts(app, env, docnames):
    """Fix "Identifier 'THEBE_JS_URL' has already been declared" on every page.

    sphinx-thebe adds its inline `<script>const THEBE_JS_URL = ...</script>` with
    `app.add_js_file(None, body=...)` in `env-before-read-docs`, after the HTML builder started.
    Sphinx 7.4 puts it in two lists: the registry, and the builder's own list with filename None.
    Before writing, the builder copies the registry's scripts into its list again, now with
    filename '' (`prepare_writing`: `js_filename or ''`), which its duplicate check does not
    match to None, so every page gets the script twice and the second `const` throws
    (sphinx-togglebutton's `var togglebuttonSelector` is doubled the same way, harmlessly).
    Dropping the builder's None-named inline scripts leaves exactly the registry's copy.
    """
    scripts = getattr(app.builder, "_js_files", None)
    if scripts:
        scripts[:] = [s for s in scripts if getattr(s, "filename", "") is not None]


def setup(app):
    app.connect("builder-inited", lambda app: app.config.html_static_path.append(str(STATIC)))
    app.add_css_file("mfl-live.css")
    app.connect("html-page-context", add_live_links, priority=510)  # after the theme's (501)
    app.connect("env-before-read-docs", _dedupe_inline_scripts, priority=900)  # after sphinx-thebe's
    return {"parallel_read_safe": True, "parallel_write_safe": True}
