"""The mail flow panel, driven as a learner drives it, against a real lab."""
from __future__ import annotations

import socket

import ipywidgets as widgets
import pytest

from mailflowlab import Lab
from mailflowlab.diagrams import STOPPED_FILL
from mailflowlab.widgets import mail_flow_panel, service_toggles

from .conftest import ALICE, BOB, CAROL


def find(root: widgets.Widget, cls: type | None = None, css: str | None = None) -> list[widgets.Widget]:
    """Every widget under `root` of a type and/or with a CSS class, in display order."""
    found = []
    if (cls is None or isinstance(root, cls)) and (css is None or css in root._dom_classes):
        found.append(root)
    for child in getattr(root, "children", ()):
        found += find(child, cls, css)
    return found


def toggle(root: widgets.Widget, description: str) -> widgets.ToggleButton:
    return next(t for t in find(root, css="mfl-service-toggle") if t.description == description)


def test_one_toggle_per_service_and_clicking_stops_it_for_real(lab: Lab) -> None:
    box = service_toggles(lab)
    assert [t.description for t in find(box, css="mfl-service-toggle")] == [
        f"{r.Server} · {r.Service}" for r in lab.services_table().itertuples()]
    host, port = lab.endpoint("MB2", "Default MB2")
    toggle(box, "MB2 · Transport").value = False
    assert lab.services_table().set_index(["Server", "Service"]).loc[("MB2", "Transport"), "Status"] == "Stopped"
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((host, port), timeout=2)
    toggle(box, "MB2 · Transport").value = True
    with socket.create_connection((host, port), timeout=2) as conn:
        assert conn.recv(100).startswith(b"220 ")


def panel_parts(panel: widgets.VBox) -> dict[str, widgets.Widget]:
    return {"to": find(panel, widgets.Combobox)[0], "subject": find(panel, widgets.Text)[-1],
            "from": find(panel, widgets.Dropdown)[0], "send": find(panel, css="mfl-send")[0],
            "status": find(panel, css="mfl-status")[0], "hops": find(panel, css="mfl-hops")[0],
            "topology": find(panel, css="mfl-topology")[0], "hop diagram": find(panel, css="mfl-hop-diagram")[0]}


def test_send_shows_status_hop_table_and_diagrams(lab: Lab) -> None:
    panel = mail_flow_panel(lab)
    parts = panel_parts(panel)
    assert parts["from"].options == (ALICE, BOB, CAROL)
    parts["from"].value, parts["to"].value, parts["subject"].value = ALICE, CAROL, "From the panel"
    parts["send"].click()
    assert "Delivered to carol@exchange2013demo.com." in parts["status"].value
    assert "From the panel" in parts["hops"].value
    assert parts["hops"].value.count("<tr") == 4            # header row + three hops
    assert "via Mailbox Transport" not in parts["hops"].value  # the table has a Via column instead
    assert "Mailbox Transport</td>" in parts["hops"].value
    assert parts["hop diagram"].value.startswith("<svg")
    assert "5. RPC" in parts["topology"].value


def test_outbox_wait_and_redraw_on_toggle(lab: Lab) -> None:
    panel = mail_flow_panel(lab)
    parts = panel_parts(panel)
    toggle(panel, "MB1 · Transport").value = False
    toggle(panel, "MB2 · Transport").value = False
    assert f'<title>MB2/Transport</title>\n<path fill="{STOPPED_FILL}"' in parts["topology"].value
    parts["to"].value = BOB
    parts["send"].click()
    assert "Waiting in alice@exchange2013demo.com's Outbox" in parts["status"].value
    assert parts["hops"].value == ""
    assert len(lab.mailbox(ALICE).outbox) == 1


def test_bad_input_shows_a_red_message_not_a_traceback(lab: Lab) -> None:
    parts = panel_parts(mail_flow_panel(lab))
    parts["to"].value = "not-an-address"
    parts["send"].click()
    assert parts["status"].value == ('<span style="color:#c92a2a"><b>Error:</b> \'not-an-address\' is not an '
                                     'e-mail address (expected name@domain).</span>')
    parts["to"].value = "nobody@exchange2013demo.com"
    parts["send"].click()
    assert "NDR: 550 5.1.1 RESOLVER.ADR.RecipNotFound; not found." in parts["status"].value
