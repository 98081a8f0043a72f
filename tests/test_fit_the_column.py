"""The organization diagrams and the panels' tables fit a page's column (issue 19): the book's
column on a desktop is about 690 px wide (`diagrams.COLUMN_PX`), and 7 of chapter 1's 10
diagrams needed sideways scrolling there; a queue's long LastError made rows hundreds of
pixels tall."""
from __future__ import annotations

import re

import pytest

from mailflowlab import Lab, hop_diagram, parse_hops, scenarios
from mailflowlab.diagrams import COLUMN_PX as COLUMN
from mailflowlab.diagrams import width_px
from mailflowlab.ui.panel import table_html

from .conftest import ALICE, BOB, CAROL


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


def test_a_short_path_with_long_labels_turns_down_the_page() -> None:
    with Lab(scenarios.exchange2010dag(), transport="memory") as lab:   # chapter 1's DAG: two hosts
        lab.send("alice@exchange2010demo.com", "carol@exchange2010demo.com")
        graph = hop_diagram(parse_hops(lab.mailbox("carol@exchange2010demo.com").messages[-1]))
    assert width_px(graph) <= COLUMN and 'rankdir=TB' in graph.source
