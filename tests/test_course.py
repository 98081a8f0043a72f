"""The chapters' shared helpers: tables with units and whole errors, diagrams that say what
they show, and exercises whose checks fail on a stub."""
from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from mailflowlab import Lab, parse_hops
from mailflowlab.course import newest_hops, queue_text
from mailflowlab.diagrams import diagram_html, hop_diagram
from mailflowlab.exercises import EXERCISES, MISSING, check, verdict

from .conftest import ALICE, BOB, CAROL


def test_hop_table_has_records_with_delays_in_units(lab: Lab) -> None:
    lab.send(ALICE, BOB, subject="units")
    table = newest_hops(lab, BOB)
    assert [row.Hop for row in table] == [1, 2, 3]
    # Submission hands the message to Transport in the second it picks it up; the hand-on to
    # Mailbox Transport Delivery costs the scheduler's one-second hop.
    assert [row.Delay for row in table] == [None, timedelta(0), timedelta(seconds=1)]
    assert "0 s" in str(table) and "1 s" in str(table) and "Mailbox Transport" in str(table)


def test_queue_text_prints_last_error_whole_below_the_grid(lab: Lab) -> None:
    lab.stop_service("MB1", "Mailbox Transport Delivery")
    lab.send(ALICE, CAROL, subject="waits")
    text = queue_text(lab.queues())
    grid, errors = text.split("\n\n")
    assert "LastError" not in grid.splitlines()[0]
    assert max(map(len, grid.splitlines())) < 120                     # no 400-character padding
    assert errors.startswith("MB2\\") and errors.rstrip().endswith("10.0.0.11:475")


def test_a_diagram_says_what_it_shows_as_alt_text_at_its_own_size(lab: Lab) -> None:
    lab.internet.send("someone@gmail.com", CAROL, subject="described")
    hops = parse_hops(lab.mailbox(CAROL).messages[-1])
    graph = hop_diagram(hops)
    assert graph.description.startswith(f"Hop diagram of {len(hops)} Received headers, oldest first: ")
    assert "via Frontend Transport" in graph.description
    assert 'rankdir=TB' in graph.source                               # a long path reads down the page
    bundle = graph._repr_mimebundle_()
    assert bundle["text/plain"] == graph.description
    html = bundle["text/html"]
    assert f'alt="{graph.description}"' in html and "max-width:none" in html and "overflow-x:auto" in html
    svg = base64.b64decode(html.split("base64,")[1].split('"')[0]).decode()
    assert svg.startswith("<svg") and 'class="graph"' in svg
    topology = lab.diagram()
    assert topology.description.startswith("The organization exchange2013demo.com: CA1 (Client Access")
    assert diagram_html("<?xml?><svg/>", "").count('alt="a diagram"') == 1


def test_every_check_answers_a_stub_with_write_your_answer(capsys: pytest.CaptureFixture[str]) -> None:
    assert len(EXERCISES) >= 30
    check("internal.1", answer=MISSING)
    assert "Not answered yet" in capsys.readouterr().out
    assert verdict("internal.1", answer="Transport")[0] is False
    assert verdict("internal.1", answer="Mailbox Transport Delivery")[0] is True
    passed, text = verdict("internal.3", lab=None, stamped_by="MB1")    # no lab: a hint, no traceback
    assert passed is False and "Hint" in text
