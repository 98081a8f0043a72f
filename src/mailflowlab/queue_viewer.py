"""Watching Transport's queues while virtual time moves: a widget and a retry timeline.

`QueueViewer(lab)` is a small Queue Viewer (the Exchange Toolbox tool): the Get-Queue and
Get-Message tables, the virtual clock, buttons that advance time (+1 min, +10 min, +1 hour,
+1 day) and a toggle per transport service (Stop-Service / Start-Service). Everything goes
through the lab's public API, so what the panel shows is what a cell would print.

`retry_timeline(lab, message)` draws one message's tracking events on a line, with the time
since the first event, so the gaps between retries are visible at a glance.
"""
from __future__ import annotations

import html
from datetime import datetime

import graphviz
import ipywidgets as widgets
import pandas as pd

from .lab import Lab, SentMessage
from .widgets import sync_toggles, toggle_buttons

#: The time steps the buttons offer, as keyword arguments of `Lab.advance`.
STEPS: dict[str, dict[str, float]] = {
    "+1 min": {"minutes": 1}, "+10 min": {"minutes": 10},
    "+1 hour": {"hours": 1}, "+1 day": {"days": 1},
}

#: Events per row of the retry timeline.
TIMELINE_ROW = 6

#: Colours of event kinds on the timeline (6-digit hex, which Graphviz 2.43 draws right).
EVENT_COLOURS = {"DEFER": "#ffe0b2", "FAIL": "#ffcdd2", "DSN": "#fff9c4", "DELIVER": "#c8e6c9",
                 "SEND": "#e3f2fd", "RECEIVE": "#e3f2fd", "SUBMIT": "#e3f2fd"}


def _table(df: pd.DataFrame, columns: list[str]) -> str:
    """A DataFrame as a compact HTML table (empty frames say so)."""
    if df.empty:
        return "<i>(none)</i>"
    return df[columns].to_html(index=False, escape=True, border=0)


class QueueViewer(widgets.VBox):
    """Get-Queue and Get-Message that refresh after every button press."""

    QUEUE_COLUMNS = ["Identity", "DeliveryType", "Status", "MessageCount", "NextHopDomain",
                     "NextRetryTime", "LastError"]
    MESSAGE_COLUMNS = ["Identity", "FromAddress", "Status", "Subject", "RetryCount", "LastError"]

    def __init__(self, lab: Lab, services: list[tuple[str, str]] | None = None) -> None:
        self.lab = lab
        self.clock = widgets.HTML()
        self.queue_table = widgets.HTML()
        self.message_table = widgets.HTML()
        steps = []
        for label, delta in STEPS.items():
            button = widgets.Button(description=label, tooltip=f"lab.advance({delta})",
                                    layout=widgets.Layout(width="90px"))
            button.on_click(lambda _b, delta=delta: self.advance(**delta))
            steps.append(button)
        self.toggles = toggle_buttons(lab, services, on_change=lambda *_: self.refresh())
        super().__init__([
            widgets.HBox([self.clock, *steps]),
            widgets.HBox(list(self.toggles.values()), layout=widgets.Layout(flex_flow="row wrap")),
            widgets.HTML("<b>Get-Queue</b>"), self.queue_table,
            widgets.HTML("<b>Get-Message</b>"), self.message_table,
        ])
        self.refresh()

    def advance(self, **delta: float) -> None:
        """Move virtual time on (due retries run), then redraw."""
        self.lab.advance(**delta)
        self.refresh()

    def refresh(self) -> None:
        """Read the queues, messages, clock and services again."""
        now = self.lab.now()
        self.clock.value = f"<b>Virtual time:</b> {html.escape(now.strftime('%Y-%m-%d %H:%M:%S %z'))}&nbsp;"
        self.queue_table.value = _table(self.lab.queues(), self.QUEUE_COLUMNS)
        self.message_table.value = _table(self.lab.queue_messages(), self.MESSAGE_COLUMNS)
        sync_toggles(self.lab, self.toggles)


def retry_timeline(lab: Lab, message: SentMessage | str) -> graphviz.Digraph:
    """One message's tracking events in reading order, rows of `TIMELINE_ROW`, each event with
    its time since the first, so the gaps between retries are visible at a glance."""
    log = lab.tracking_log(message)
    graph = graphviz.Digraph("retries", graph_attr={"rankdir": "TB", "fontname": "Helvetica",
                                                    "nodesep": "0.3", "ranksep": "0.3"},
                             node_attr={"shape": "box", "style": "rounded,filled", "fontname": "Helvetica",
                                        "fontsize": "10", "width": "1.1"})
    if log.empty:
        graph.node("none", "no tracking events for this message")
        return graph
    first = datetime.strptime(log["Timestamp"].iloc[0], "%Y-%m-%d %H:%M:%S")
    events = list(log.itertuples())
    for start in range(0, len(events), TIMELINE_ROW):
        with graph.subgraph(name=f"row{start // TIMELINE_ROW}") as row:
            row.attr(rank="same")
            for i, event in enumerate(events[start:start + TIMELINE_ROW], start):
                at = datetime.strptime(event.Timestamp, "%Y-%m-%d %H:%M:%S") - first
                minutes, seconds = divmod(int(at.total_seconds()), 60)
                label = (f"{event.EventId}\\n+{minutes // 60}:{minutes % 60:02d}:{seconds:02d}"
                         f"\\n{event.ServerHostname.split('.')[0]}")
                row.node(f"e{i}", label, fillcolor=EVENT_COLOURS.get(event.EventId, "#eeeeee"))
    for i in range(1, len(events)):
        if i % TIMELINE_ROW:
            graph.edge(f"e{i - 1}", f"e{i}")
        else:                       # a new row starts under the previous row's first event
            graph.edge(f"e{i - TIMELINE_ROW}", f"e{i}", style="invis")
            graph.edge(f"e{i - 1}", f"e{i}", constraint="false")
    return graph
