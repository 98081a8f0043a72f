"""A panel for chapters 2 and 5: pick a topology, stop and start its services, send from the
Internet, move the virtual clock, and see the hops the message collected (its own sender's
hops included) or the queues it waits in.

    explorer = InboundExplorer()          # starts the article's org with no Edge
    explorer                              # shows the panel
    explorer.close()                      # closes the lab it owns

Everything goes through the public API (`lab.internet.send`, `parse_hops`, `stop_service`,
`advance`, `queues`), so the panel shows what a cell would print.
"""
from __future__ import annotations

import html

import ipywidgets as widgets

from .. import scenarios
from ..course import hop_table
from ..diagrams import hop_diagram
from ..headers import parse_hops
from ..lab import Lab
from ..records import SentMessage
from .mail_flow import OwnLabPanel
from .panel import svg_html, table_html
from .queue_viewer import QUEUE_COLUMNS, Clock

#: The topologies the panel offers: label -> the `edge` argument of exchange2013demo.
TOPOLOGIES: dict[str, str | None] = {"No Edge: MX -> CA1": None,
                                     "Exchange 2010 Edge (the article)": "2010",
                                     "Exchange 2013 SP1 Edge with EdgeSync": "2013"}


class InboundExplorer(OwnLabPanel):
    """Topology dropdown, a toggle per transport service, a clock, a Send button, and the hops
    and diagram of the message (or, while it waits, the queues holding it)."""

    def __init__(self, sender: str = "someone@gmail.com", recipient: str = "carol@exchange2013demo.com") -> None:
        self.topology = widgets.Dropdown(options=list(TOPOLOGIES), description="Topology",
                                         layout=widgets.Layout(width="auto", max_width="420px"))
        self.sender = widgets.Text(value=sender, description="From")
        self.recipient = widgets.Text(value=recipient, description="To")
        self.send_button = widgets.Button(description="Send from the Internet", button_style="primary",
                                          layout=widgets.Layout(width="auto"))
        self.toggles = widgets.Box(layout=widgets.Layout(flex_flow="row wrap"))
        self.clock_box = widgets.Box()
        self.result = widgets.HTML()
        self.result.add_class("mfl-result")
        self.diagram = widgets.HTML()
        self.last: SentMessage | None = None
        self.topology.observe(self.guard(lambda _c: self.build()), "value")
        self.send_button.on_click(self.guard(lambda _b: self.send()))
        super().__init__([self.topology, self.toggles, self.clock_box,
                          widgets.Box([self.sender, self.recipient], layout=widgets.Layout(flex_flow="row wrap")),
                          self.send_button, self.result, self.diagram])
        self.build()

    def build(self) -> None:
        """Close the previous lab and start the chosen topology."""
        self.use_lab(Lab(scenarios.exchange2013demo(edge=TOPOLOGIES[self.topology.value])))
        assert self.lab is not None
        self.clock = Clock(self.lab, on_change=self.refresh)
        self.clock_box.children = (self.clock.widget,)
        self.last = None
        self.result.value = f"<i>{html.escape(self.lab.org.name)}: the MX record points at {self.lab.org.mx}.</i>"
        self.diagram.value = ""

    def send(self) -> SentMessage:
        """Send one message from outside and show where it got to."""
        assert self.lab is not None
        self.last = self.lab.internet.send(self.sender.value, self.recipient.value, subject="Explorer test")
        self.refresh()
        return self.last

    def refresh(self) -> None:
        """The last message's hops once delivered; until then the queues that hold it."""
        if self.lab is None:
            return
        self.clock.refresh()
        sent = self.last
        if sent is None:
            return
        box = self.lab.mailbox(self.recipient.value) if self.lab.org.mailbox(self.recipient.value) else None
        delivered = next((m for m in (box.messages if box else []) if m["Message-ID"] == sent.message_id), None)
        if delivered is None:
            queued = self.lab.queues().where(lambda r: r.MessageCount > 0)
            self.result.value = ("<b>Not delivered yet.</b> Start the stopped service, then move the clock "
                                 "(+1 min, +10 min) so the sender's next retry comes.<br>Outside sender's queue:"
                                 + table_html(self.lab.internet.queue())
                                 + "Exchange queues:" + table_html(queued, QUEUE_COLUMNS))
            self.diagram.value = ""
            return
        hops = parse_hops(delivered)
        self.result.value = "<b>Delivered.</b> Its hops:" + table_html(hop_table(hops))
        self.diagram.value = svg_html(hop_diagram(hops), "The hops of the message from the Internet")
