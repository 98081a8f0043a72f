"""A panel for chapter 5: step through the 2010 -> 2013 migration, choose where Internet mail
enters, stop and start services, and send between versions or from the Internet.

    explorer = CoexistenceExplorer()      # starts scenarios.coexistence() and owns that lab
    explorer                              # shows the panel
    explorer.close()                      # closes the lab it owns

Everything goes through the public API (`send`, `internet.send`, `path`, `stop_service`,
`queues`), so the panel shows what a cell would print.
"""
from __future__ import annotations

import html

import ipywidgets as widgets
import pandas as pd

from . import scenarios
from .header_analyzer import NOT_EXCHANGE, product, stamped_by
from .headers import Hop, parse_hops
from .lab import Lab, LabError, SentMessage
from .widgets import OwnLabPanel

INTERNET_SENDER = "someone@gmail.com"


def version_of(hop: Hop) -> str:
    """Which Exchange version stamped a hop, read from its build id (14.x = 2010, 15.0 = 2013)."""
    if stamped_by(hop) == NOT_EXCHANGE:
        return "outside"
    return product(hop.id) or "outside"


def versions_table(hops: list[Hop]) -> pd.DataFrame:
    """Hops with the build id and the Exchange version that wrote each Received header."""
    rows = [{"Hop": h.number, "From": (h.from_host or "").split(".")[0], "By": (h.by_host or "").split(".")[0],
             "With": h.protocol or "", "Id": h.id or "", "Via": h.via or "", "Version": version_of(h)}
            for h in hops]
    return pd.DataFrame(rows, columns=["Hop", "From", "By", "With", "Id", "Via", "Version"])


class CoexistenceExplorer(OwnLabPanel):
    """Migration phase, Internet entry side, a toggle per service, From/To and Send."""

    def __init__(self) -> None:
        self.phase = widgets.Dropdown(options=list(scenarios.COEXISTENCE_PHASES), value="mailboxes moving",
                                      description="Phase")
        self.entry = widgets.ToggleButtons(options=["2010", "2013"], description="Port 25 on")
        self.toggles = widgets.Box(layout=widgets.Layout(flex_flow="row wrap"))
        self.sender = widgets.Dropdown(description="From")
        self.recipient = widgets.Dropdown(description="To")
        self.send_button = widgets.Button(description="Send", button_style="primary")
        self.result = widgets.HTML()
        self.phase.observe(lambda _c: self.build(), "value")
        self.entry.observe(lambda _c: self.build(), "value")
        self.send_button.on_click(lambda _b: self.send())
        super().__init__([widgets.HBox([self.phase, self.entry]), self.toggles,
                          widgets.HBox([self.sender, self.recipient, self.send_button]), self.result])
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
        addresses = self.lab.mailboxes()
        self.sender.options = [*addresses, INTERNET_SENDER]
        self.sender.value = addresses[0]
        self.recipient.options = addresses
        self.recipient.value = addresses[-1]
        self.result.value = f"<i>{html.escape(self.lab.org.name)}; the MX record points at {self.lab.org.mx}.</i>"

    def send(self) -> SentMessage | None:
        """Send one message and show its path and the versions that stamped it."""
        assert self.lab is not None
        try:
            if self.sender.value == INTERNET_SENDER:
                sent = self.lab.internet.send(INTERNET_SENDER, self.recipient.value, subject="Coexistence test")
            else:
                sent = self.lab.send(self.sender.value, self.recipient.value, subject="Coexistence test")
        except LabError as exc:
            self.result.value = f"<b>Error:</b> {html.escape(str(exc))}"
            return None
        steps = " → ".join(f"{server} {service}" for server, service in self.lab.path(sent))
        delivered = next((m for m in self.lab.mailbox(self.recipient.value).messages
                          if m["Message-ID"] == sent.message_id), None)
        if delivered is None:
            q = self.lab.queues()
            self.result.value = (f"<b>Not delivered yet.</b> Path so far: {html.escape(steps)}"
                                 + q[q["MessageCount"] > 0].to_html(index=False, border=0))
        else:
            self.result.value = (f"Path: {html.escape(steps)}"
                                 + versions_table(parse_hops(delivered)).to_html(index=False, border=0))
        return sent
