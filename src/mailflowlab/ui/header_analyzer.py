"""The header analyzer panel: paste a message's headers (Outlook: File > Properties > Internet
headers), press Analyze, and read the hops explained and drawn (the reading is
`mailflowlab.header_analyzer.explain`), then every field of Exchange Online Protection's and
Exchange's own headers decoded (`mailflowlab.header_fields`). Pasted garbage gets a sentence,
not a traceback."""
from __future__ import annotations

import html

import ipywidgets as widgets

from ..diagrams import hop_diagram
from ..header_analyzer import explain
from ..header_fields import fields_table
from ..headers import HeaderParseError, parse_hops
from .panel import Panel, svg_html, table_html


class HeaderAnalyzer(Panel):
    """A text box for headers, an Analyze button, the explained hops and their diagram."""

    def __init__(self, text: str = "") -> None:
        self.box = widgets.Textarea(value=text, placeholder="Received: from ... by ... with ...; <date>",
                                    layout=widgets.Layout(width="100%", height="180px"))
        self.button = widgets.Button(description="Analyze", button_style="primary")
        self.result = widgets.HTML()
        self.button.on_click(self.guard(lambda _b: self.analyze()))
        super().__init__([self.box, self.button, self.result])
        if text:
            self.analyze()

    def analyze(self) -> None:
        fields = fields_table(self.box.value)
        decoded = f"<h4>Fields decoded</h4>{table_html(fields)}" if len(fields) else ""
        try:
            hops = parse_hops(self.box.value)
        except HeaderParseError as exc:
            self.result.value = f"<b class='mfl-parse-error'>{html.escape(str(exc))}</b>{decoded}"
            return
        self.result.value = (table_html(explain(hops)) + svg_html(hop_diagram(hops), "The hops of the pasted message")
                             + decoded)


def header_analyzer(text: str = "") -> HeaderAnalyzer:
    """Paste a message's headers, press Analyze: the hops explained, and the hop diagram."""
    return HeaderAnalyzer(text)
