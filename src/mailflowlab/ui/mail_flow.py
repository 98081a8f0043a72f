"""Panels to play with a running lab: stop and start services, send, and see where mail went.

    service_toggles(lab)      # one button per transport service: pressed = running
    mail_flow_panel(lab)      # toggles + a send form + status, hop table, hop and topology diagrams

Built only on the lab's public API (`send`, `mailbox`, `stop_service`, `tracking_log`,
`diagram`, ...), so what a panel shows is what a notebook cell would print. Everything runs
in-process on virtual time, so a click answers at once.
"""
from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as widgets

from ..course import hop_table
from ..diagrams import hop_diagram
from ..headers import parse_hops
from ..lab import Lab
from ..records import SentMessage
from .panel import Panel, svg_html, table_html

#: Called after a toggle: (server, service, running now).
OnChange = Callable[[str, str, bool], None]


def _paint(toggle: widgets.ToggleButton) -> None:
    toggle.button_style = "success" if toggle.value else "danger"
    toggle.icon = "play" if toggle.value else "stop"
    toggle.tooltip = "Running: click for Stop-Service" if toggle.value else "Stopped: click for Start-Service"


def _running(lab: Lab) -> dict[tuple[str, str], bool]:
    return {(r.Server, r.Service): r.Status == "Running" for r in lab.services_table()}


def toggle_buttons(lab: Lab, services: list[tuple[str, str]] | None = None,
                   on_change: OnChange | None = None,
                   guard: Callable[[Callable[..., object]], Callable[..., object]] = lambda f: f,
                   ) -> dict[tuple[str, str], widgets.ToggleButton]:
    """One ToggleButton per (server, service) (all of the lab's, or `services`), pressed while
    the service runs.

    Clicking one calls `lab.stop_service` or `lab.start_service`: its listeners really close
    (a client is refused) or open again, and mail that waited for it moves on. `guard` wraps
    the click so that a failure is shown by the panel holding the buttons."""
    running = _running(lab)
    buttons: dict[tuple[str, str], widgets.ToggleButton] = {}
    for server, service in services or list(running):
        toggle = widgets.ToggleButton(value=running[(server, service)], description=f"{server} · {service}",
                                      layout=widgets.Layout(width="auto", flex="0 0 auto"))
        toggle.add_class("mfl-service-toggle")
        _paint(toggle)

        def flip(change: dict, server: str = server, service: str = service) -> None:  # type: ignore[type-arg]
            (lab.start_service if change["new"] else lab.stop_service)(server, service)
            _paint(change["owner"])
            if on_change is not None:
                on_change(server, service, change["new"])
        toggle.observe(guard(flip), "value")
        buttons[(server, service)] = toggle
    return buttons


def sync_toggles(lab: Lab, buttons: dict[tuple[str, str], widgets.ToggleButton]) -> None:
    """Press or release each toggle as its service is now, when a cell (not the button)
    stopped or started it. The button's own Start-/Stop-Service then finds nothing to do."""
    status = _running(lab)
    for key, toggle in buttons.items():
        toggle.value = status[key]


class ServiceToggles(Panel):
    """A toggle per transport service, in a wrapping row; it follows the lab's clock, and
    `refresh()` after a cell that only stopped or started a service."""

    def __init__(self, lab: Lab, on_change: OnChange | None = None) -> None:
        self.lab = lab
        self.buttons = toggle_buttons(lab, on_change=on_change, guard=self.guard)
        row = widgets.Box(list(self.buttons.values()), layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__([row])
        self.follow(lab)

    def refresh(self) -> None:
        sync_toggles(self.lab, self.buttons)


def service_toggles(lab: Lab, on_change: OnChange | None = None) -> ServiceToggles:
    """The toggles of `toggle_buttons` for every service, in a wrapping row."""
    return ServiceToggles(lab, on_change)


class OwnLabPanel(Panel):
    """A panel that starts a lab of its own for each topology the learner picks, with a toggle
    per service, and closes it with itself; the chapter's own lab is never touched."""

    lab: Lab | None = None
    toggles: widgets.Box

    def use_lab(self, lab: Lab) -> None:
        """Close the previous lab, start `lab`, and give each of its services a toggle."""
        self.close_lab()
        self.lab = lab.start()
        self.toggles.children = tuple(toggle_buttons(self.lab, on_change=lambda *_: self.refresh(),
                                                     guard=self.guard).values())

    def close_lab(self) -> None:
        if self.lab is not None:
            self.lab.close()
            self.lab = None

    def close(self) -> None:
        """Close the lab the panel owns, then the panel itself."""
        self.close_lab()
        super().close()


def status_of(lab: Lab, sent: SentMessage) -> tuple[str, str]:
    """Where the message came to rest, as (colour, text)."""
    log = lab.tracking_log(sent)
    delivered = log.where(EventId="DELIVER")
    if delivered:
        where = ", ".join(dict.fromkeys(r for recipients in delivered["Recipients"] for r in recipients))
        return "#2b8a3e", f"Delivered to {where}."
    failed = log.where(EventId="FAIL")
    if failed:
        return "#c92a2a", (f"NDR: {failed[-1].RecipientStatus}. "
                           f"The non-delivery report is in {sent.sender}'s Inbox.")
    if any(item.message_id == sent.message_id for item in lab.mailbox(sent.sender).outbox):
        return "#e67700", (f"Waiting in {sent.sender}'s Outbox: no Transport service answered "
                           "Mailbox Transport Submission (SUBMITDEFER). Start one and it moves on.")
    return "#e67700", "Waiting in a Transport queue: see lab.queues()."


class MailFlowPanel(Panel):
    """Service toggles, a send form, and after each send: status, hop table and both diagrams."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        addresses = lab.mailboxes()
        self.sender = widgets.Dropdown(options=addresses, value=addresses[0], description="From",
                                       layout=widgets.Layout(width="100%", max_width="360px"))
        self.recipient = widgets.Combobox(options=addresses, value=addresses[1 % len(addresses)],
                                          description="To", ensure_option=False, placeholder="name@domain",
                                          layout=widgets.Layout(width="100%", max_width="360px"))
        self.subject = widgets.Text(value="Hello", description="Subject",
                                    layout=widgets.Layout(width="100%", max_width="360px"))
        self.send_button = widgets.Button(description="Send", button_style="primary", icon="paper-plane")
        self.send_button.add_class("mfl-send")
        self.status = widgets.HTML()
        self.status.add_class("mfl-status")
        self.hops = widgets.HTML()
        self.hops.add_class("mfl-hops")
        self.hop_picture = widgets.HTML()
        self.hop_picture.add_class("mfl-hop-diagram")
        self.topology = widgets.HTML()
        self.topology.add_class("mfl-topology")
        self.last: SentMessage | None = None
        self.toggles = ServiceToggles(lab, on_change=lambda *_: self.refresh())
        self.send_button.on_click(self.guard(lambda _b: self.send()))
        wrap = widgets.Layout(flex_flow="row wrap")
        super().__init__([self.toggles.widget, widgets.Box([self.sender, self.recipient], layout=wrap),
                          widgets.Box([self.subject, self.send_button], layout=wrap),
                          self.status, self.hops, self.hop_picture, self.topology])
        self.refresh()
        self.follow(lab)

    def refresh(self) -> None:
        """Toggles as the services are now, and the organization with the last path drawn."""
        self.toggles.refresh()
        self.topology.value = svg_html(self.lab.diagram(self.last),
                                       "The organization, the last message's path drawn on it")

    def send(self) -> SentMessage:
        """Send from the form and show where the message came to rest."""
        self.hops.value = self.hop_picture.value = self.status.value = ""
        sent = self.lab.send(self.sender.value, self.recipient.value.strip(), subject=self.subject.value)
        self.last = sent
        colour, text = status_of(self.lab, sent)
        self.status.value = f'<span style="color:{colour}"><b>{html.escape(text, quote=False)}</b></span>'
        if self.lab.org.mailbox(sent.recipients[0]) is not None:
            inbox = self.lab.mailbox(sent.recipients[0]).messages
            if inbox:
                newest = parse_hops(inbox[-1])
                self.hops.value = (f"<b>Newest message in {html.escape(sent.recipients[0], quote=False)}'s Inbox: "
                                   f"{html.escape(str(inbox[-1]['Subject']))}</b>" + table_html(hop_table(newest)))
                self.hop_picture.value = svg_html(hop_diagram(newest), "The hops of the newest message")
        self.refresh()
        return sent


def mail_flow_panel(lab: Lab) -> MailFlowPanel:
    """Service toggles, a send form, and after each send: status, hop table and both diagrams."""
    return MailFlowPanel(lab)
