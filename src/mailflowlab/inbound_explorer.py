"""A panel for chapters 2 and 4: pick a topology, stop and start its services, send from the
Internet, and see the hops the message collected (its own sender's hops included).

    explorer = InboundExplorer()          # starts the article's org with no Edge
    explorer                              # shows the panel
    explorer.close()                      # closes the lab it owns

Everything goes through the public API (`lab.internet.send`, `parse_hops`, `hops_table`,
`stop_service`), so the panel shows what a cell would print.
"""
from __future__ import annotations

import html

import ipywidgets as widgets

from . import scenarios
from .headers import hops_table, parse_hops
from .lab import Lab
from .widgets import OwnLabPanel

#: The topologies the panel offers: label -> the `edge` argument of exchange2013demo.
TOPOLOGIES: dict[str, str | None] = {"No Edge: MX -> CA1": None,
                                     "Exchange 2010 Edge (the article)": "2010",
                                     "Exchange 2013 SP1 Edge with EdgeSync": "2013"}


class InboundExplorer(OwnLabPanel):
    """Topology dropdown, a toggle per transport service, a Send button, hops and diagram."""

    def __init__(self, sender: str = "someone@gmail.com", recipient: str = "carol@exchange2013demo.com") -> None:
        self.topology = widgets.Dropdown(options=list(TOPOLOGIES), description="Topology",
                                         layout=widgets.Layout(width="420px"))
        self.sender = widgets.Text(value=sender, description="From")
        self.recipient = widgets.Text(value=recipient, description="To")
        self.send_button = widgets.Button(description="Send from the Internet", button_style="primary",
                                          layout=widgets.Layout(width="200px"))
        self.toggles = widgets.Box(layout=widgets.Layout(flex_flow="row wrap"))
        self.result = widgets.HTML()
        self.diagram = widgets.Output()
        self.topology.observe(lambda _c: self.build(), "value")
        self.send_button.on_click(lambda _b: self.send())
        super().__init__([self.topology, self.toggles, widgets.HBox([self.sender, self.recipient]),
                          self.send_button, self.result, self.diagram])
        self.build()

    def build(self) -> None:
        """Close the previous lab and start the chosen topology."""
        self.use_lab(Lab(scenarios.exchange2013demo(edge=TOPOLOGIES[self.topology.value])))
        self.result.value = f"<i>{html.escape(self.lab.org.name)}: the MX record points at {self.lab.org.mx}.</i>"
        self.diagram.clear_output()

    def send(self) -> None:
        """Send one message from outside and show where it got to."""
        from .diagrams import hop_diagram
        from .lab import LabError
        assert self.lab is not None
        self.diagram.clear_output()
        try:
            sent = self.lab.internet.send(self.sender.value, self.recipient.value, subject="Explorer test")
        except LabError as exc:
            self.result.value = f"<b>Error:</b> {html.escape(str(exc))}"
            return
        box = self.lab.mailbox(self.recipient.value) if self.lab.org.mailbox(self.recipient.value) else None
        delivered = next((m for m in (box.messages if box else []) if m["Message-ID"] == sent.message_id), None)
        if delivered is None:
            waiting = self.lab.queues()
            self.result.value = ("<b>Not delivered yet.</b> Outside sender's queue:"
                                 + self.lab.internet.queue().to_html(index=False, border=0)
                                 + "Exchange queues:" + waiting.to_html(index=False, border=0))
            return
        hops = parse_hops(delivered)
        self.result.value = hops_table(hops).to_html(index=False, border=0)
        with self.diagram:
            from IPython.display import display
            display(hop_diagram(hops))
