"""What every panel shares: a container of widgets, a line for errors, and how it shows itself.

A panel is not a widget: it *contains* one (`panel.widget`, a VBox) and shows it when a cell
displays the panel, after reading the lab again. Beside the live widget the cell's output
stores a picture of the panel as it first drew (`static_html`: plain HTML, nothing to press),
which is what nbconvert and a code host show; a notebook opened fresh says what the panel
needs (`FRESH_TEXT`) instead of a widget's repr. A panel that follows a lab (`follow`) redraws
whenever a later cell moves the lab's clock. A callback that fails shows what went wrong in
the panel, in words, instead of only in the Log Console.
"""
from __future__ import annotations

import html
import traceback
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import graphviz
import ipywidgets as widgets

from ..diagrams import diagram_html
from ..errors import LabError
from ..views import Table, format_cell

if TYPE_CHECKING:
    from ..lab import Lab

#: What a notebook shows in a panel's place until its cell runs (a live panel needs a kernel).
FRESH_TEXT = "▶ Run this cell to see the panel (it needs a running kernel: a live lab answers its buttons)."

#: Under the picture of a panel, where a live widget cannot be drawn: nbconvert, a code host,
#: and JupyterLab showing a notebook it does not trust yet (one opened fresh).
PICTURE_NOTE = f"Above: a picture of the panel as it first drew; its buttons do nothing. {FRESH_TEXT}"

#: Columns of long texts, shown under their row rather than in a column of their own.
LONG_TEXT = ("LastError", "RecipientStatus", "Meaning")

#: Columns whose values are numbers, shown right-aligned under a right-aligned header.
NUMERIC = (int, float)


class Panel:
    """Widgets in a VBox, plus a message line for errors; `refresh()` redraws from the lab."""

    #: One of the panel's own callbacks is running (it redraws the panel itself when done).
    _acting = False

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

    def follow(self, lab: Lab) -> None:
        """Redraw whenever a lab call moves `lab`'s virtual clock: a later cell (or another
        panel) sent mail or advanced time, and this panel shows it without being clicked."""
        lab.watch_clock(self._clock_moved)

    def _clock_moved(self) -> None:
        if not self._acting and self.widget.comm is not None:   # not its own press; not closed
            self.guard(self.refresh)()

    def guard(self, action: Callable[..., Any]) -> Callable[..., Any]:
        """`action` as a callback whose failure is shown in the panel, in words."""
        def run(*args: Any, **kwargs: Any) -> Any:
            self.message.value = ""
            acting, self._acting = self._acting, True
            try:
                return action(*args, **kwargs)
            except LabError as exc:
                self.say_error(str(exc))
            except Exception as exc:  # a bug or a closed lab: say it where the learner looks
                traceback.print_exc()
                self.say_error(f"The panel could not do that ({type(exc).__name__}: {exc}). "
                               "Run the panel's cell again to start it afresh.")
            finally:
                self._acting = acting
            return None
        return run

    def say_error(self, text: str) -> None:
        self.message.value = f'<span style="color:#c92a2a"><b>Error:</b> {html.escape(text, quote=False)}</span>'

    def close(self) -> None:
        self.widget.close()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        self.guard(self.refresh)()           # shown: as the lab is now, not as it was made
        bundle: dict[str, Any] = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = FRESH_TEXT
        bundle["text/html"] = (f'<div class="mfl-panel-picture">{static_html(self.widget)}'
                               f"<p><i>{html.escape(PICTURE_NOTE)}</i></p></div>")
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


def static_html(widget: widgets.Widget) -> str:
    """A widget tree as plain HTML, as it shows now: boxes as wrapping rows or columns, HTML as
    itself, buttons pressed or not, fields with their values; nothing reacts."""
    if isinstance(widget, widgets.Box):
        row = not isinstance(widget, widgets.VBox) and "column" not in (widget.layout.flex_flow or "")
        inner = "".join(static_html(child) for child in widget.children)
        return (f'<div style="display:flex; flex-flow:{"row" if row else "column"} wrap; gap:4px; '
                f'align-items:{"center" if row else "stretch"}; min-width:0; max-width:100%">{inner}</div>')
    if isinstance(widget, widgets.HTML):
        return f'<div style="min-width:0; max-width:100%">{widget.value}</div>' if widget.value else ""
    label = html.escape(getattr(widget, "description", "") or "")
    if isinstance(widget, widgets.ToggleButton):
        pressed = "true" if widget.value else "false"
        look = "#e7f5ff; border:2px solid #1971c2" if widget.value else "#f1f3f5; border:1px solid #adb5bd"
        return f'<button disabled aria-pressed="{pressed}" style="background:{look}; color:#000">{label}</button>'
    if isinstance(widget, widgets.Button):
        return f'<button disabled style="color:#000">{label}</button>'
    if isinstance(widget, (widgets.Dropdown, widgets.ToggleButtons)):
        chosen = html.escape(str(widget.label if widget.label is not None else ""))
        return f'<label>{label} <select disabled><option selected>{chosen}</option></select></label>'
    if isinstance(widget, widgets.Checkbox):
        return f'<label><input type="checkbox" disabled{" checked" if widget.value else ""}> {label}</label>'
    if isinstance(widget, widgets.Textarea):
        return (f'<label>{label}<br><textarea disabled rows="4" style="width:100%">'
                f"{html.escape(widget.value)}</textarea></label>")
    if isinstance(widget, widgets.ValueWidget):     # Text, Combobox, sliders: the value as shown
        return (f'<label>{label} <input disabled value="{html.escape(str(widget.value))}" '
                f'style="max-width:100%"></label>')
    return ""


def svg_html(graph: graphviz.Digraph | graphviz.Graph, description: str = "") -> str:
    """A graph for an HTML widget: an image at its own size (its text stays 10 px or more) with
    alt text, in a frame that scrolls sideways when the graph is wider than the panel."""
    return diagram_html(graph.pipe(format="svg").decode(), getattr(graph, "description", "") or description)


def table_html(table: Table[Any], columns: Sequence[str] | None = None) -> str:
    """A Table as a compact HTML table for a panel: nothing cut, no mid-word wraps, numbers
    right-aligned under right-aligned headers, text left-aligned under left-aligned headers.
    Long texts (LastError, RecipientStatus, a header's Meaning) are not squeezed into a column,
    where one error made a row hundreds of pixels tall: each goes on a line of its own under
    its row, the table's whole width, as `queue_text` prints them."""
    shown = table.select(*columns) if columns else table
    if shown.empty:
        return "<i>(none)</i>"
    grid = [c for c in shown.columns if c not in LONG_TEXT] or list(shown.columns)
    long = [c for c in shown.columns if c not in grid]
    numeric = {c: all(isinstance(v, NUMERIC) and not isinstance(v, bool) for v in shown[c] if v is not None)
               for c in grid}

    def cell(tag: str, column: str, value: str) -> str:
        align = "right" if numeric[column] else "left"
        return (f'<{tag} style="text-align:{align}; white-space:nowrap; padding:2px 8px">'
                f"{html.escape(value)}</{tag}>")

    def under(column: str, value: object) -> str:
        text = format_cell(value)
        return (f'<tr class="mfl-long-text"><td colspan="{len(grid)}" style="text-align:left; '
                f'white-space:normal; padding:0 8px 4px 24px; max-width:0">'
                f"<b>{html.escape(column)}:</b> {html.escape(text)}</td></tr>") if text else ""

    values = {c: shown[c] for c in shown.columns}
    head = "".join(cell("th", c, c) for c in grid)
    body = "".join("<tr>" + "".join(cell("td", c, format_cell(values[c][i])) for c in grid) + "</tr>"
                   + "".join(under(c, values[c][i]) for c in long) for i in range(len(shown)))
    return (f'<div class="mfl-table-frame" style="overflow-x:auto; max-width:100%">'
            f'<table class="mfl-table" style="border-collapse:collapse"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")
