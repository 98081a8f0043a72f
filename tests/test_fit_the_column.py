"""The organization diagrams and the panels' tables fit a page's column (issue 19): on desktop
the book's column is about 760 px wide, and 7 of chapter 1's 10 diagrams needed sideways
scrolling there; a queue's long LastError made rows hundreds of pixels tall."""
from __future__ import annotations

import re

import pytest

from mailflowlab import Lab, scenarios
from mailflowlab.ui.panel import table_html

from .conftest import ALICE, BOB, CAROL

#: The book's text column on a desktop screen, in CSS pixels (the widest a picture may be).
COLUMN = 760


def width_px(graph) -> int:  # type: ignore[no-untyped-def]
    """The rendered SVG's width in CSS pixels (Graphviz writes points: 96 px = 72 pt)."""
    svg = graph.pipe(format="svg").decode()
    return round(int(re.search(r'<svg width="(\d+)pt"', svg).group(1)) * 4 / 3)  # type: ignore[union-attr]


@pytest.mark.parametrize("scenario", ["exchange2013demo", "exchange2010demo", "exchange2010dag", "three_sites",
                                      "coexistence"])
def test_every_organization_fits_the_column(scenario: str) -> None:
    with Lab(getattr(scenarios, scenario)(), transport="memory") as lab:
        assert width_px(lab.diagram()) <= COLUMN


def test_chapter_ones_paths_fit_the_column() -> None:
    with Lab(scenarios.exchange2013demo(), transport="memory") as lab:
        widths = [width_px(lab.diagram(lab.send(ALICE, to))) for to in (BOB, CAROL)]
        lab.stop_service("MB1", "Transport")
        widths.append(width_px(lab.diagram(lab.send(ALICE, BOB))))
    for edge in ("2010", "2013"):
        with Lab(scenarios.exchange2013demo(edge=edge), transport="memory") as lab:
            widths.append(width_px(lab.diagram(lab.internet.send("someone@gmail.com", CAROL))))
    assert max(widths) <= COLUMN, widths


def test_a_long_last_error_goes_under_its_row(lab: Lab) -> None:
    lab.stop_service("MB1", "Mailbox Transport Delivery")
    lab.send(BOB, CAROL, subject="Held at MB1")
    queues = lab.queues().where(lambda q: bool(q.LastError))
    error = queues[0].LastError
    assert len(error) > 60
    html = table_html(queues, ("Identity", "Status", "MessageCount", "LastError"))
    header = re.search(r"<thead>(.*?)</thead>", html).group(1)  # type: ignore[union-attr]
    assert re.findall(r"<th[^>]*>([^<]*)</th>", header) == ["Identity", "Status", "MessageCount"]
    under = re.search(r'<tr class="mfl-long-text"><td colspan="3"[^>]*><b>LastError:</b> ([^<]*)</td></tr>', html)
    assert under is not None and under.group(1) == error.replace("&", "&amp;").replace("<", "&lt;").replace(
        ">", "&gt;").replace('"', "&quot;").replace("'", "&#x27;")
    assert "min-width:16em" not in html                  # no squeezed column left
