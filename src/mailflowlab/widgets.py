"""Panels to play with a running lab: stop and start services, send, and see where mail went.

    service_toggles(lab)      # one button per transport service: pressed = running
    mail_flow_panel(lab)      # toggles + a send form + status, hop table, hop and topology diagrams

Built only on the lab's public API (`send`, `mailbox`, `stop_service`, `tracking_log`,
`diagram`, ...), so what a panel shows is what a notebook cell would print. Everything runs
in-process on virtual time, so a click answers at once.
"""
from __future__ import annotations

import html
from typing import Callable

import graphviz
import ipywidgets as widgets

from .diagrams import hop_diagram
from .headers import hops_table, parse_hops
from .lab import Lab, LabError, SentMessage

#: Called after a toggle: (server, service, running now).
OnChange = Callable[[str, str, bool], None]


def svg_html(graph: graphviz.Digraph) -> str:
    """A graph as inline SVG for an HTML widget (without the XML prologue)."""
    text = graph.pipe(format="svg").decode()
    # Scale down to the panel's width instead of being cut off (the viewBox keeps proportions).
    return '<svg style="max-width: 100%; height: auto"' + text[text.index("<svg") + len("<svg"):]


def _paint(toggle: widgets.ToggleButton) -> None:
    toggle.button_style = "success" if toggle.value else "danger"
    toggle.icon = "play" if toggle.value else "stop"
    toggle.tooltip = "Running: click for Stop-Service" if toggle.value else "Stopped: click for Start-Service"


def toggle_buttons(lab: Lab, services: list[tuple[str, str]] | None = None,
                   on_change: OnChange | None = None) -> dict[tuple[str, str], widgets.ToggleButton]:
    """One ToggleButton per (server, service) (all of the lab's, or `services`), pressed while
    the service runs.

    Clicking one calls `lab.stop_service` or `lab.start_service`: its listeners really close
    (a client is refused) or open again, and mail that waited for it moves on."""
    running = {(r.Server, r.Service): r.Status == "Running" for r in lab.services_table().itertuples()}
    buttons: dict[tuple[str, str], widgets.ToggleButton] = {}
    for server, service in services or list(running):
        toggle = widgets.ToggleButton(value=running[(server, service)], description=f"{server} · {service}",
                                      layout=widgets.Layout(width="270px"))
        toggle.add_class("mfl-service-toggle")
        _paint(toggle)

        def flip(change: dict, server: str = server, service: str = service) -> None:  # type: ignore[type-arg]
            (lab.start_service if change["new"] else lab.stop_service)(server, service)
            _paint(change["owner"])
            if on_change is not None:
                on_change(server, service, change["new"])
        toggle.observe(flip, "value")
        buttons[(server, service)] = toggle
    return buttons


def sync_toggles(lab: Lab, buttons: dict[tuple[str, str], widgets.ToggleButton]) -> None:
    """Press or release each toggle as its service is now, when a cell (not the button)
    stopped or started it. The button's own Start-/Stop-Service then finds nothing to do."""
    status = {(r.Server, r.Service): r.Status == "Running" for r in lab.services_table().itertuples()}
    for key, toggle in buttons.items():
        toggle.value = status[key]


def service_toggles(lab: Lab, on_change: OnChange | None = None) -> widgets.Box:
    """The toggles of `toggle_buttons` for every service, in a wrapping row."""
    return widgets.Box(list(toggle_buttons(lab, on_change=on_change).values()),
                       layout=widgets.Layout(flex_flow="row wrap"))


class OwnLabPanel(widgets.VBox):
    """A panel that starts a lab of its own for each topology the learner picks, with a toggle
    per service, and closes it with itself; the chapter's own lab is never touched."""

    lab: Lab | None = None
    toggles: widgets.Box

    def use_lab(self, lab: Lab) -> None:
        """Close the previous lab, start `lab`, and give each of its services a toggle."""
        self.close_lab()
        self.lab = lab.start()
        self.toggles.children = tuple(toggle_buttons(self.lab).values())

    def close_lab(self) -> None:
        if self.lab is not None:
            self.lab.close()
            self.lab = None

    def close(self) -> None:
        """Close the lab the panel owns, then the panel itself."""
        self.close_lab()
        super().close()


def _status(lab: Lab, sent: SentMessage) -> tuple[str, str]:
    """Where the message came to rest, as (colour, text)."""
    log = lab.tracking_log(sent)
    events = list(log["EventId"])
    if "DELIVER" in events:
        where = ", ".join(dict.fromkeys(r for cell in log[log["EventId"] == "DELIVER"]["Recipients"]
                                        for r in cell.split(";")))
        return "#2b8a3e", f"Delivered to {where}."
    if "FAIL" in events:
        status = log[log["EventId"] == "FAIL"]["RecipientStatus"].iloc[-1]
        return "#c92a2a", f"NDR: {status}. The non-delivery report is in {sent.sender}'s Inbox."
    if any(item.message_id == sent.message_id for item in lab.mailbox(sent.sender).outbox):
        return "#e67700", (f"Waiting in {sent.sender}'s Outbox: no Transport service answered "
                           "Mailbox Transport Submission (SUBMITDEFER). Start one and it moves on.")
    return "#e67700", "Waiting in a Transport queue: see lab.queues()."


def mail_flow_panel(lab: Lab) -> widgets.VBox:
    """Service toggles, a send form, and after each send: status, hop table and both diagrams."""
    addresses = lab.mailboxes()
    sender = widgets.Dropdown(options=addresses, value=addresses[0], description="From")
    recipient = widgets.Combobox(options=addresses, value=addresses[1 % len(addresses)], description="To",
                                 ensure_option=False, placeholder="name@domain")
    subject = widgets.Text(value="Hello", description="Subject")
    send = widgets.Button(description="Send", button_style="primary", icon="paper-plane")
    send.add_class("mfl-send")
    status = widgets.HTML()
    status.add_class("mfl-status")
    hops = widgets.HTML()
    hops.add_class("mfl-hops")
    hop_picture = widgets.HTML()
    hop_picture.add_class("mfl-hop-diagram")
    topology = widgets.HTML(svg_html(lab.diagram()))
    topology.add_class("mfl-topology")
    last: list[SentMessage] = []

    def redraw(*_: object) -> None:
        topology.value = svg_html(lab.diagram(last[-1] if last else None))

    def on_send(_button: widgets.Button) -> None:
        hops.value = hop_picture.value = ""
        try:
            sent = lab.send(sender.value, recipient.value.strip(), subject=subject.value)
        except LabError as exc:
            status.value = f'<span style="color:#c92a2a"><b>Error:</b> {html.escape(str(exc), quote=False)}</span>'
            return
        last.append(sent)
        colour, text = _status(lab, sent)
        status.value = f'<span style="color:{colour}"><b>{html.escape(text, quote=False)}</b></span>'
        if lab.org.mailbox(sent.recipients[0]) is not None:
            inbox = lab.mailbox(sent.recipients[0]).messages
            if inbox:
                newest = parse_hops(inbox[-1])
                hops.value = (f"<b>Newest message in {html.escape(sent.recipients[0], quote=False)}'s Inbox: "
                              f"{html.escape(str(inbox[-1]['Subject']))}</b>"
                              + hops_table(newest).to_html(index=False, border=0))
                hop_picture.value = svg_html(hop_diagram(newest))
        redraw()

    send.on_click(on_send)
    toggles = service_toggles(lab, on_change=redraw)
    return widgets.VBox([toggles, widgets.HBox([sender, recipient]), widgets.HBox([subject, send]),
                         status, hops, hop_picture, topology])
