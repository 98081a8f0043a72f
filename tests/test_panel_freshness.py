"""Panels show the lab as it is now, and leave a picture of themselves for readers without a
kernel (issue 19): a panel made before later cells changed the lab redraws when the lab's clock
moves and when it is shown again; its cell's output carries a plain-HTML picture of its first
state beside the live widget."""
from __future__ import annotations

import re

from mailflowlab import Lab, scenarios
from mailflowlab.ui import QueueViewer, mail_flow_panel, service_toggles
from mailflowlab.ui.panel import FRESH_TEXT, PICTURE_NOTE, static_html

from .conftest import BOB, CAROL
from .test_widgets import find, toggle

DELIVERY = ("MB1", "Mailbox Transport Delivery")


def test_a_queue_viewer_made_earlier_shows_what_later_cells_did(lab: Lab) -> None:
    viewer = QueueViewer(lab)                           # the viewer's cell
    assert "(none)" in viewer.message_table.value
    lab.stop_service(*DELIVERY)                         # later cells, no button pressed
    lab.send(BOB, CAROL, subject="Held at MB1")
    assert "Held at MB1" in viewer.message_table.value
    assert "Retry" in viewer.queue_table.value and "MB1" in viewer.queue_table.value
    assert not toggle(viewer, "MB1 · Mailbox Transport Delivery").value
    lab.advance(minutes=10)
    assert lab.now().strftime("%Y-%m-%d %H:%M:%S") in viewer.clock.time.value
    lab.start_service(*DELIVERY)                        # the queue's retry delivers it
    lab.advance(minutes=5)
    assert "(none)" in viewer.message_table.value and toggle(viewer, "MB1 · Mailbox Transport Delivery").value


def test_shown_again_a_panel_reads_the_lab(lab: Lab) -> None:
    toggles = service_toggles(lab)
    lab.stop_service("MB2", "Transport")                # moves no clock: no redraw yet
    assert toggle(toggles, "MB2 · Transport").value
    bundle = toggles._repr_mimebundle_()                # the cell displays it again
    assert not toggle(toggles, "MB2 · Transport").value
    assert bundle["text/plain"] == FRESH_TEXT and "application/vnd.jupyter.widget-view+json" in bundle


def test_a_closed_panel_is_left_alone(lab: Lab) -> None:
    viewer = QueueViewer(lab)
    shown = viewer.clock.time.value
    viewer.close()
    lab.advance(minutes=10)                             # no redraw of a closed panel, no error
    assert viewer.clock.time.value == shown and viewer.message.value == ""


def test_a_panels_own_button_redraws_once(lab: Lab) -> None:
    panel = mail_flow_panel(lab)
    drawn: list[int] = []
    real = panel.refresh

    def counted() -> None:                              # count the redraws
        drawn.append(1)
        real()
    panel.refresh = counted  # type: ignore[method-assign]
    find(panel, css="mfl-send")[0].click()
    assert len(drawn) == 1 and "Delivered" in find(panel, css="mfl-status")[0].value


def test_the_output_carries_a_picture_of_the_panels_first_state() -> None:
    pictures = []
    for transport in ("sockets", "memory"):
        with Lab(scenarios.exchange2013demo(), transport=transport) as lab:
            lab.stop_service(*DELIVERY)
            lab.send(BOB, CAROL, subject="Held at MB1")
            pictures.append(QueueViewer(lab)._repr_mimebundle_()["text/html"])
    picture = pictures[0]
    assert pictures[0] == pictures[1]                   # the same picture in both modes
    assert PICTURE_NOTE in picture and "<script" not in picture
    assert "Held at MB1" in picture and "Get-Queue" in picture and "Virtual time:" in picture
    assert re.search(r'<button disabled aria-pressed="false"[^>]*>MB1 · Mailbox Transport Delivery</button>', picture)
    assert re.search(r'<button disabled aria-pressed="true"[^>]*>MB2 · Transport</button>', picture)
    assert ">+10 min</button>" in picture


def test_the_picture_shows_each_kind_of_field() -> None:
    import ipywidgets as widgets
    box = widgets.VBox([widgets.Dropdown(options=["a@x", "b@x"], value="b@x", description="From"),
                        widgets.Text(value="Hello <you>", description="Subject"),
                        widgets.Checkbox(value=True, description="hub"),
                        widgets.Textarea(value="EHLO x"), widgets.HTML("<b>bold</b>")])
    picture = static_html(box)
    assert "<option selected>b@x</option>" in picture and 'value="Hello &lt;you&gt;"' in picture
    assert "checked> hub" in picture and ">EHLO x</textarea>" in picture and "<b>bold</b>" in picture
    assert "flex-flow:column" in picture
