"""What every panel shares: a container of widgets, a line for errors, and how it shows itself.

A panel is not a widget: it *contains* one (`panel.widget`, a VBox) and shows it when a cell
displays the panel. Opened fresh, before its cell has run, a notebook shows the panel's text
form, which says so (`FRESH_TEXT`) instead of a widget's repr. A callback that fails shows
what went wrong in the panel, in words, instead of only in the Log Console.
"""
from __future__ import annotations

import html
import traceback
from collections.abc import Callable, Sequence
from typing import Any

import graphviz
import ipywidgets as widgets

from ..diagrams import diagram_html
from ..errors import LabError
from ..views import Table, format_cell

#: What a notebook shows in a panel's place until its cell runs (a live panel needs a kernel).
FRESH_TEXT = "▶ Run this cell to see the panel (it needs a running kernel: a live lab answers its buttons)."

#: Columns whose values are numbers, shown right-aligned under a right-aligned header.
NUMERIC = (int, float)


class Panel:
    """Widgets in a VBox, plus a message line for errors; `refresh()` redraws from the lab."""

    def __init__(self, children: Sequence[widgets.Widget] = ()) -> None:
        self.message = widgets.HTML()
        self.message.add_class("mfl-message")
        self.widget = widgets.VBox([*children, self.message])
        self.widget.add_class("mfl-panel")
        fit(self.widget)

    @property
    def children(self) -> tuple[widgets.Widget, ...]:
        """The panel's widgets, the message line last."""
        children: tuple[widgets.Widget, ...] = self.widget.children
        return children

    def set_children(self, children: Sequence[widgets.Widget]) -> None:
        self.widget.children = (*children, self.message)
        fit(self.widget)

    def refresh(self) -> None:
        """Read the lab again and redraw (panels that show lab state override this)."""

    def guard(self, action: Callable[..., Any]) -> Callable[..., Any]:
        """`action` as a callback whose failure is shown in the panel, in words."""
        def run(*args: Any, **kwargs: Any) -> Any:
            self.message.value = ""
            try:
                return action(*args, **kwargs)
            except LabError as exc:
                self.say_error(str(exc))
            except Exception as exc:  # a bug or a closed lab: say it where the learner looks
                traceback.print_exc()
                self.say_error(f"The panel could not do that ({type(exc).__name__}: {exc}). "
                               "Run the panel's cell again to start it afresh.")
            return None
        return run

    def say_error(self, text: str) -> None:
        self.message.value = f'<span style="color:#c92a2a"><b>Error:</b> {html.escape(text, quote=False)}</span>'

    def close(self) -> None:
        self.widget.close()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle: dict[str, Any] = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = FRESH_TEXT
        return bundle

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {FRESH_TEXT}>"


def fit(widget: widgets.Widget) -> None:
    """Keep a panel as wide as the page, not as wide as its widest diagram: boxes and HTML
    widgets may shrink below their content (a wide diagram or table then scrolls in its own
    frame), so rows wrap and text fields stay on a phone's screen."""
    if isinstance(widget, (widgets.Box, widgets.HTML)):
        widget.layout.min_width = "0"
        widget.layout.max_width = "100%"
    for child in getattr(widget, "children", ()):
        fit(child)


def svg_html(graph: graphviz.Digraph | graphviz.Graph, description: str = "") -> str:
    """A graph for an HTML widget: an image at its own size (its text stays 10 px or more) with
    alt text, in a frame that scrolls sideways when the graph is wider than the panel."""
    return diagram_html(graph.pipe(format="svg").decode(), getattr(graph, "description", "") or description)


def table_html(table: Table[Any], columns: Sequence[str] | None = None) -> str:
    """A Table as a compact HTML table for a panel: nothing cut, no mid-word wraps, numbers
    right-aligned under right-aligned headers, text left-aligned under left-aligned headers,
    long texts (LastError) wrapped at spaces within a readable width."""
    shown = table.select(*columns) if columns else table
    if shown.empty:
        return "<i>(none)</i>"
    numeric = {c: all(isinstance(v, NUMERIC) and not isinstance(v, bool) for v in shown[c] if v is not None)
               for c in shown.columns}

    def cell(tag: str, column: str, value: str) -> str:
        align = "right" if numeric[column] else "left"
        wrapped = column in ("LastError", "RecipientStatus", "Meaning")
        wide = "min-width:16em; max-width:32em; white-space:normal" if wrapped else "white-space:nowrap"
        return f'<{tag} style="text-align:{align}; {wide}; padding:2px 8px">{html.escape(value)}</{tag}>'

    head = "".join(cell("th", c, c) for c in shown.columns)
    rows = zip(*(shown[c] for c in shown.columns), strict=True)
    body = "".join("<tr>" + "".join(cell("td", c, format_cell(v)) for c, v in zip(shown.columns, row, strict=True))
                   + "</tr>" for row in rows)
    return (f'<div class="mfl-table-frame" style="overflow-x:auto; max-width:100%">'
            f'<table class="mfl-table" style="border-collapse:collapse"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")
