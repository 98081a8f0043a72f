"""The mail flow panel, driven as a learner drives it, against a real lab."""
from __future__ import annotations

import base64
import re
import socket

import ipywidgets as widgets
import pytest

from mailflowlab import Lab, scenarios
from mailflowlab.diagrams import STOPPED_FILL
from mailflowlab.ui import mail_flow_panel, service_toggles
from mailflowlab.ui.panel import FRESH_TEXT

from .conftest import ALICE, BOB, CAROL


def find(root: widgets.Widget, cls: type | None = None, css: str | None = None) -> list[widgets.Widget]:
    """Every widget under `root` of a type and/or with a CSS class, in display order."""
    root = getattr(root, "widget", root)          # a panel: look inside its container
    found = []
    if (cls is None or isinstance(root, cls)) and (css is None or css in root._dom_classes):
        found.append(root)
    for child in getattr(root, "children", ()):
        found += find(child, cls, css)
    return found


def svg_of(html: str) -> str:
    """The SVG inside a panel's diagram (an <img> with a data: URL, alt text and a scroll frame)."""
    found = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert found is not None, "no diagram in the panel"
    return base64.b64decode(found.group(1)).decode()


def toggle(root: widgets.Widget, description: str) -> widgets.ToggleButton:
    return next(t for t in find(root, css="mfl-service-toggle") if t.description == description)


def test_one_toggle_per_service_and_clicking_stops_it_for_real(socket_lab: Lab) -> None:
    lab = socket_lab                                    # a real client checks the port
    box = service_toggles(lab)
    assert [t.description for t in find(box, css="mfl-service-toggle")] == [
        f"{r.Server} · {r.Service}" for r in lab.services_table()]
    host, port = lab.endpoint("MB2", "Default MB2")
    toggle(box, "MB2 · Transport").value = False
    assert lab.services_table().where(Server="MB2", Service="Transport")[0].Status == "Stopped"
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((host, port), timeout=2)
    toggle(box, "MB2 · Transport").value = True
    with socket.create_connection((host, port), timeout=2) as conn:
        assert conn.recv(100).startswith(b"220 ")


def panel_parts(panel: object) -> dict[str, widgets.Widget]:
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
    assert ">1 s</td>" in parts["hops"].value                   # Delay with its unit
    assert svg_of(parts["hop diagram"].value).startswith("<svg")
    assert 'alt="Hop diagram of 3 Received headers' in parts["hop diagram"].value
    assert "5. RPC" in svg_of(parts["topology"].value)
    assert "max-width:none" in parts["topology"].value and "overflow-x:auto" in parts["topology"].value


def test_outbox_wait_and_redraw_on_toggle(lab: Lab) -> None:
    panel = mail_flow_panel(lab)
    parts = panel_parts(panel)
    toggle(panel, "MB1 · Transport").value = False
    toggle(panel, "MB2 · Transport").value = False
    assert f'<title>MB2/Transport</title>\n<path fill="{STOPPED_FILL}"' in svg_of(parts["topology"].value)
    parts["to"].value = BOB
    parts["send"].click()
    assert "Waiting in alice@exchange2013demo.com's Outbox" in parts["status"].value
    assert parts["hops"].value == ""
    assert len(lab.mailbox(ALICE).outbox) == 1


def test_bad_input_shows_a_red_message_not_a_traceback(lab: Lab) -> None:
    panel = mail_flow_panel(lab)
    parts = panel_parts(panel)
    parts["to"].value = "not-an-address"
    parts["send"].click()
    assert panel.message.value == ('<span style="color:#c92a2a"><b>Error:</b> 5.1.3 Invalid recipient address: '
                                     '\'not-an-address\' is not an e-mail address (expected name@domain).</span>')
    parts["to"].value = "nobody@exchange2013demo.com"
    parts["send"].click()
    assert "NDR: 550 5.1.1 RESOLVER.ADR.RecipNotFound; not found." in parts["status"].value


def test_a_panel_opened_fresh_says_to_run_its_cell_not_a_repr(lab: Lab) -> None:
    panel = mail_flow_panel(lab)
    bundle = panel._repr_mimebundle_()
    assert bundle["text/plain"] == FRESH_TEXT and "VBox" not in bundle["text/plain"]
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == panel.widget.model_id


def test_a_failing_callback_says_so_in_the_panel() -> None:
    lab = Lab(scenarios.exchange2013demo()).start()
    panel = mail_flow_panel(lab)
    lab.close()                                  # whatever broke, the learner reads it in the panel
    panel_parts(panel)["send"].click()
    assert "Error:" in panel.message.value and "lab is not running" in panel.message.value


def test_the_panel_refreshes_after_a_cell_stopped_a_service(lab: Lab) -> None:
    panel = mail_flow_panel(lab)
    lab.stop_service("MB1", "Transport")
    panel.refresh()
    assert toggle(panel, "MB1 · Transport").value is False
