"""Watching Transport's queues while virtual time moves.

`QueueViewer(lab)` is a small Queue Viewer (the Exchange Toolbox tool): the Get-Queue and
Get-Message tables, the virtual clock, buttons that advance time (+1 min, +10 min, +1 hour,
+1 day) and a toggle per transport service (Stop-Service / Start-Service). Everything goes
through the lab's public API, so what the panel shows is what a cell would print. It redraws
after its own buttons, whenever a later cell moves the lab's clock (sends mail, advances time)
and when shown again; after a cell that only stopped or started a service, press Refresh (or
call `viewer.refresh()`).
"""
from __future__ import annotations

import html

import ipywidgets as widgets

from ..lab import Lab
from .mail_flow import sync_toggles, toggle_buttons
from .panel import Panel, table_html

#: The time steps the buttons offer, as keyword arguments of `Lab.advance`.
STEPS: dict[str, dict[str, float]] = {
    "+1 min": {"minutes": 1}, "+10 min": {"minutes": 10},
    "+1 hour": {"hours": 1}, "+1 day": {"days": 1},
}

QUEUE_COLUMNS = ("Identity", "DeliveryType", "Status", "MessageCount", "Velocity", "NextHopDomain", "NextRetryTime",
                 "LastError")
MESSAGE_COLUMNS = ("Identity", "FromAddress", "Status", "Subject", "RetryCount", "LastError")


class Clock(Panel):
    """The virtual clock with a button per time step and a Refresh button; `on_change` runs
    after every press (the panel holding the clock redraws)."""

    def __init__(self, lab: Lab, on_change=None) -> None:  # type: ignore[no-untyped-def]
        self.lab = lab
        self.on_change = on_change
        self.time = widgets.HTML()
        self.time.add_class("mfl-clock")
        buttons = []
        for label, delta in STEPS.items():
            button = widgets.Button(description=label, tooltip=f"lab.advance({delta})",
                                    layout=widgets.Layout(width="auto", flex="0 0 auto"))
            button.add_class("mfl-time-step")
            button.on_click(self.guard(lambda _b, delta=delta: self.advance(**delta)))
            buttons.append(button)
        refresh = widgets.Button(description="Refresh", icon="refresh", tooltip="Read the lab again",
                                 layout=widgets.Layout(width="auto", flex="0 0 auto"))
        refresh.add_class("mfl-refresh")
        refresh.on_click(self.guard(lambda _b: self._changed()))
        super().__init__([widgets.Box([self.time, *buttons, refresh],
                                      layout=widgets.Layout(flex_flow="row wrap", align_items="center"))])
        self.refresh()

    def advance(self, **delta: float) -> None:
        """Move virtual time on (due retries run), then redraw."""
        self.lab.advance(**delta)
        self._changed()

    def _changed(self) -> None:
        self.refresh()
        if self.on_change is not None:
            self.on_change()

    def refresh(self) -> None:
        now = self.lab.now()
        self.time.value = f"<b>Virtual time:</b> {html.escape(now.strftime('%Y-%m-%d %H:%M:%S'))}&nbsp;"


class QueueViewer(Panel):
    """Get-Queue and Get-Message that refresh after every button press."""

    def __init__(self, lab: Lab, services: list[tuple[str, str]] | None = None) -> None:
        self.lab = lab
        self.queue_table = widgets.HTML()
        self.queue_table.add_class("mfl-queues")
        self.message_table = widgets.HTML()
        self.clock = Clock(lab, on_change=self.refresh)
        self.toggles = toggle_buttons(lab, services, on_change=lambda *_: self.refresh(), guard=self.guard)
        super().__init__([
            self.clock.widget,
            widgets.Box(list(self.toggles.values()), layout=widgets.Layout(flex_flow="row wrap")),
            widgets.HTML("<b>Get-Queue</b>"), self.queue_table,
            widgets.HTML("<b>Get-Message</b>"), self.message_table,
        ])
        self.refresh()
        self.follow(lab)

    def advance(self, **delta: float) -> None:
        """Move virtual time on (due retries run), then redraw."""
        self.clock.advance(**delta)

    def refresh(self) -> None:
        """Read the queues, messages, clock and services again."""
        self.clock.refresh()
        self.queue_table.value = table_html(self.lab.queues(), QUEUE_COLUMNS)
        self.message_table.value = table_html(self.lab.queue_messages(), MESSAGE_COLUMNS)
        sync_toggles(self.lab, self.toggles)
