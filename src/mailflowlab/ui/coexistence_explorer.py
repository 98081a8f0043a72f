"""A panel for chapter 6: step through the 2010 -> 2013 migration, choose where Internet mail
enters, stop and start services, move the clock, and send between versions or from the
Internet.

    explorer = CoexistenceExplorer()      # starts scenarios.coexistence() and owns that lab
    explorer                              # shows the panel
    explorer.close()                      # closes the lab it owns

Everything goes through the public API (`send`, `internet.send`, `path`, `stop_service`,
`advance`, `queues`), so the panel shows what a cell would print.
"""
from __future__ import annotations

import html

import ipywidgets as widgets

from .. import scenarios
from ..course import versions_table
from ..headers import parse_hops
from ..lab import Lab
from ..records import SentMessage
from .mail_flow import OwnLabPanel
from .panel import table_html
from .queue_viewer import QUEUE_COLUMNS, Clock

INTERNET_SENDER = "someone@gmail.com"


class CoexistenceExplorer(OwnLabPanel):
    """Migration phase, Internet entry side, a toggle per service, a clock, From/To and Send."""

    def __init__(self) -> None:
        self.phase = widgets.Dropdown(options=list(scenarios.COEXISTENCE_PHASES), value="mailboxes moving",
                                      description="Phase")
        self.entry = widgets.ToggleButtons(options=["2010", "2013"], description="Port 25 on")
        self.toggles = widgets.Box(layout=widgets.Layout(flex_flow="row wrap"))
        self.clock_box = widgets.Box()
        self.sender = widgets.Dropdown(description="From")
        self.recipient = widgets.Dropdown(description="To")
        self.send_button = widgets.Button(description="Send", button_style="primary")
        self.result = widgets.HTML()
        self.result.add_class("mfl-result")
        self.last: SentMessage | None = None
        self.phase.observe(self.guard(lambda _c: self.build()), "value")
        self.entry.observe(self.guard(lambda _c: self.build()), "value")
        self.send_button.on_click(self.guard(lambda _b: self.send()))
        wrap = widgets.Layout(flex_flow="row wrap")
        super().__init__([widgets.Box([self.phase, self.entry], layout=wrap), self.toggles, self.clock_box,
                          widgets.Box([self.sender, self.recipient, self.send_button], layout=wrap), self.result])
        self.build()

    def build(self) -> None:
        """Close the previous lab and start the chosen phase; an impossible entry side is
        corrected (no 2013 server yet, or no 2010 server any more)."""
        phase = self.phase.value
        fixed = {"all on 2010": "2010", "all on 2013": "2013"}.get(phase)
        if fixed is not None and self.entry.value != fixed:
            self.entry.value = fixed          # observing this calls build() again
            return
        self.use_lab(Lab(scenarios.coexistence(phase, internet_entry=self.entry.value)))
        assert self.lab is not None
        self.clock = Clock(self.lab, on_change=self.refresh)
        self.clock_box.children = (self.clock.widget,)
        self.last = None
        addresses = self.lab.mailboxes()
        self.sender.options = [*addresses, INTERNET_SENDER]
        self.sender.value = addresses[0]
        self.recipient.options = addresses
        self.recipient.value = addresses[-1]
        self.result.value = f"<i>{html.escape(self.lab.org.name)}; the MX record points at {self.lab.org.mx}.</i>"

    def send(self) -> SentMessage:
        """Send one message and show its path and the versions that stamped it."""
        assert self.lab is not None
        if self.sender.value == INTERNET_SENDER:
            self.last = self.lab.internet.send(INTERNET_SENDER, self.recipient.value, subject="Coexistence test")
        else:
            self.last = self.lab.send(self.sender.value, self.recipient.value, subject="Coexistence test")
        self.refresh()
        return self.last

    def refresh(self) -> None:
        """The last message's path and versions once delivered; until then its queues."""
        if self.lab is None:
            return
        self.clock.refresh()
        sent = self.last
        if sent is None:
            return
        steps = " → ".join(f"{server} {service}" for server, service in self.lab.path(sent))
        delivered = next((m for m in self.lab.mailbox(sent.recipients[0]).messages
                          if m["Message-ID"] == sent.message_id), None)
        if delivered is None:
            queued = self.lab.queues().where(lambda r: r.MessageCount > 0)
            self.result.value = (f"<b>Not delivered yet.</b> Path so far: {html.escape(steps)}. Start the stopped "
                                 "service, then move the clock so the next retry comes."
                                 + table_html(queued, QUEUE_COLUMNS))
        else:
            self.result.value = (f"Path: {html.escape(steps)}" + table_html(versions_table(parse_hops(delivered))))
