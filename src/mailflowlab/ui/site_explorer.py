"""A panel for chapter 7: change site link costs and hub sites, send between sites, and see
the least-cost path (blue) beside the route the message really took (red).

    explorer = SiteExplorer(lab)          # a lab of scenarios.three_sites(...)
    explorer                              # shows the panel

Everything goes through the public API (`set_site_link_cost`, `set_hub_site`, `send`,
`path`), so the panel shows what a cell would print. `route_table` is in `mailflowlab.course`.
"""
from __future__ import annotations

import html

import ipywidgets as widgets

from .. import sites
from ..diagrams import site_diagram
from ..lab import Lab
from ..records import SentMessage
from .panel import Panel, svg_html


class SiteExplorer(Panel):
    """A cost slider per IP site link, a hub-site switch per site, From/To, and Send."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.sliders = {link.name: widgets.IntSlider(value=link.cost, min=1, max=500, step=10,
                                                     description=f"{link.name} cost",
                                                     continuous_update=False)
                        for link in lab.org.site_links}
        self.hubs = {site.name: widgets.Checkbox(value=site.hub_site, description=f"{site.name} is a hub site",
                                                 indent=False)
                     for site in lab.org.sites}
        mailboxes = lab.mailboxes()
        self.sender = widgets.Dropdown(options=mailboxes, value=mailboxes[1 % len(mailboxes)], description="From")
        self.recipient = widgets.Dropdown(options=mailboxes, value=mailboxes[-1], description="To")
        self.send_button = widgets.Button(description="Send", button_style="primary")
        self.result = widgets.HTML()
        self.diagram = widgets.HTML()
        for name, slider in self.sliders.items():
            slider.observe(self.guard(lambda c, n=name: self.set_cost(n, c["new"])), "value")
        for name, box in self.hubs.items():
            box.observe(self.guard(lambda c, n=name: self.set_hub(n, c["new"])), "value")
        self.sender.observe(self.guard(lambda _c: self.show_plan()), "value")
        self.recipient.observe(self.guard(lambda _c: self.show_plan()), "value")
        self.send_button.on_click(self.guard(lambda _b: self.send()))
        wrap = widgets.Layout(flex_flow="row wrap")
        super().__init__([widgets.Box(list(self.sliders.values()), layout=wrap),
                          widgets.Box(list(self.hubs.values()), layout=wrap),
                          widgets.Box([self.sender, self.recipient, self.send_button], layout=wrap),
                          self.result, self.diagram])
        self.show_plan()

    def _sites(self) -> tuple[str, str]:
        org = self.lab.org
        return (org.mailbox_server(org.mailbox(self.sender.value)).site,   # type: ignore[arg-type]
                org.mailbox_server(org.mailbox(self.recipient.value)).site)  # type: ignore[arg-type]

    def set_cost(self, link: str, cost: int) -> None:
        self.lab.set_site_link_cost(link, cost)
        self.show_plan()

    def set_hub(self, site: str, enabled: bool) -> None:
        self.lab.set_hub_site(site, enabled)
        self.show_plan()

    def show_plan(self, route: list[str] | None = None) -> None:
        """The least-cost path between the chosen mailboxes' sites and where Transport connects."""
        source, destination = self._sites()
        way = sites.plan(self.lab.org, source, destination)
        text = (f"Least-cost path {' → '.join(way.path)} (cost {way.cost}). "
                f"Transport in site {source} connects to site {way.next_site}"
                + (" (a hub site on the path)." if way.next_site != destination else " directly."))
        if route is not None:
            text += f" The message went {' → '.join(route)}."
        self.result.value = html.escape(text)
        self.diagram.value = svg_html(site_diagram(self.lab.org, way.path, route),
                                      "The AD sites: the least-cost path and the route taken")

    def refresh(self) -> None:
        self.show_plan()

    def send(self) -> SentMessage:
        """Send one message and draw the sites it passed through."""
        sent = self.lab.send(self.sender.value, self.recipient.value, subject="Site explorer test")
        self.show_plan(sites.site_of_steps(self.lab.org, self.lab.path(sent)))
        return sent
