"""A telnet window in a notebook: pick a receive connector, say who you connect as, type
SMTP commands, press Run session, read every reply (the session itself is `smtp_session`)."""
from __future__ import annotations

import ipywidgets as widgets

from ..console import DEFAULT_COMMANDS, smtp_session
from ..lab import Lab
from .panel import Panel


class ConsolePanel(Panel):
    """Connector dropdown, From IP, the commands, Run session, and the transcript."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        options = [(f"{row.Connector} ({row.Server}, {row.ExchangeAddress})", (row.Server, row.Connector))
                   for row in lab.endpoints()]
        self.target = widgets.Dropdown(options=options, description="Connector",
                                       layout=widgets.Layout(width="100%", max_width="560px"))
        self.as_ip = widgets.Text(value=lab.network.outside_client.ip, description="From IP")
        self.text = widgets.Textarea(value=DEFAULT_COMMANDS,
                                     layout=widgets.Layout(width="100%", max_width="560px", height="190px"))
        self.run_button = widgets.Button(description="Run session", button_style="primary")
        self.transcript = widgets.Textarea(disabled=True, placeholder="The session's transcript appears here.",
                                           layout=widgets.Layout(width="100%", max_width="760px", height="260px"))
        self.transcript.add_class("mfl-transcript")
        self.run_button.on_click(self.guard(lambda _b: self.run()))
        super().__init__([self.target, self.as_ip, self.text, self.run_button, self.transcript])

    def run(self) -> str:
        """Run the typed session against the chosen connector and show the transcript."""
        self.transcript.value = ""
        server, connector = self.target.value
        text = str(smtp_session(self.lab, server, connector, self.text.value,
                                as_ip=self.as_ip.value.strip() or None))
        self.transcript.value = text
        return text


def console_widget(lab: Lab) -> ConsolePanel:
    """A telnet window: pick a receive connector, say who you connect as, type, press Run."""
    return ConsolePanel(lab)
