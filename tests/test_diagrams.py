"""Diagrams, checked on the SVG that Graphviz really renders."""
from __future__ import annotations

import re
from datetime import timedelta

import graphviz

from mailflowlab import Lab, hop_diagram, parse_hops, scenarios
from mailflowlab.diagrams import STOPPED_FILL, format_delay

from .conftest import ALICE, BOB, CAROL


def svg(graph: graphviz.Graph) -> str:
    return str(graph.pipe(format="svg").decode())


def titles(text: str) -> list[str]:
    return re.findall(r"<title>(.*?)</title>", text)


def edges(text: str) -> list[tuple[str, str]]:
    """(from->to, label) of every edge, in the order of the number its label starts with."""
    found = []
    for group in re.findall(r'<g id="edge\d+" class="edge">(.*?)</g>', text, re.S):
        title = re.search(r"<title>(.*?)</title>", group).group(1).replace("&#45;&gt;", "->")  # type: ignore[union-attr]
        found.append((title, " ".join(re.findall(r">([^<>]+)</text>", group))))
    return sorted(found, key=lambda e: int(e[1].split(".")[0]))


def edge_labels(text: str) -> list[str]:
    return [label for _, label in edges(text)]


def test_delays_read_like_a_header_analyzer() -> None:
    assert [format_delay(timedelta(seconds=s)) for s in (1, 600, 605, 7500, 90000, -5)] == \
        ["+1 s", "+10 min", "+10 min 5 s", "+2 h 5 min", "+1 d 1 h", "-5 s"]


def test_hop_diagram_has_one_node_per_host_and_numbered_edges(lab: Lab) -> None:
    lab.send(ALICE, CAROL, subject="to MB1")
    text = svg(hop_diagram(parse_hops(lab.mailbox(CAROL).messages[-1])))
    assert [t for t in titles(text) if "&#45;" not in t] == ["hops", "h1", "h2"]
    assert "MB2.exchange2013demo.com" in text and "MB1.exchange2013demo.com" in text
    # Submission and Transport stamp the same second (one session); Delivery one hop later.
    assert edge_labels(text) == ["1. with mapi", "2. with Microsoft SMTP Server (TLS) +0 s",
                                 "3. with Microsoft SMTP Server (TLS) via Mailbox Transport +1 s"]


def test_topology_shows_services_databases_and_greys_a_stopped_service(lab: Lab) -> None:
    lab.stop_service("CA1", "Front End Transport")
    text = svg(lab.diagram())
    assert {"CA1/Front End Transport", "MB2/Transport", "MB1/Mailbox Transport Delivery", "db/DB02",
            "cluster_CA1"} <= set(titles(text))
    assert "CA1 · Client Access · 10.0.0.10" in text
    assert ">Default MB2 :25</text>" in text and ">Client Proxy :465</text>" in text   # a line each
    stopped = re.search(r"<title>CA1/Front End Transport</title>\s*<path fill=\"(#[0-9a-f]+)\"[^>]*"
                        r"stroke-dasharray", text)
    assert stopped is not None and stopped.group(1) == STOPPED_FILL
    running = re.search(r"<title>MB2/Transport</title>\s*<path fill=\"(#[0-9a-f]+)\"", text)
    assert running is not None and running.group(1) != STOPPED_FILL


def test_topology_draws_the_path_numbered_to_the_database(lab: Lab) -> None:
    msg = lab.send(ALICE, CAROL, subject="path")
    text = svg(lab.diagram(msg))
    assert "Outlook" in titles(text)
    assert edge_labels(text) == ["1. MAPI", "2. RPC", "3. SMTP", "4. SMTP", "5. RPC"]
    assert [t for t, _ in edges(text)] == ["Outlook->db/DB02", "db/DB02->MB2/Mailbox Transport Submission",
                     "MB2/Mailbox Transport Submission->MB2/Transport",
                     "MB2/Transport->MB1/Mailbox Transport Delivery", "MB1/Mailbox Transport Delivery->db/DB01"]


def test_2010_store_driver_delivers_straight_to_the_database() -> None:
    with Lab(scenarios.exchange2010demo()) as lab:
        msg = lab.send("alice@exchange2010demo.com", "bob@exchange2010demo.com", subject="2010")
        text = svg(lab.diagram(msg))
    assert [t for t, _ in edges(text)] == ["Outlook->db/Mailbox Database 01", "db/Mailbox Database 01->EX2010/Hub Transport",
                     "EX2010/Hub Transport->db/Mailbox Database 01"]
    assert edge_labels(text)[-1] == "3. MAPI (store driver)"


def test_same_actions_give_byte_identical_svg() -> None:
    outputs = []
    for _ in range(2):
        with Lab(scenarios.exchange2013demo()) as lab:
            lab.stop_service("MB1", "Transport")
            msg = lab.send(ALICE, BOB, subject="same")
            outputs.append((svg(lab.diagram(msg)), svg(hop_diagram(parse_hops(lab.mailbox(BOB).messages[-1])))))
    assert outputs[0] == outputs[1]


def dot_edges(graph: graphviz.Digraph) -> list[str]:
    """The path's arrows in the DOT source, as 'from->to' in number order (the layout's
    invisible edges left out)."""
    found = re.findall(r'^\t"?([^"\n]+?)"? -> "?([^"\n]+?)"? \[.*xlabel="(\d+)\. ', graph.source, re.M)
    return [f"{src}->{dst}" for src, dst, _ in sorted(found, key=lambda e: int(e[2]))]


def test_a_2010_edge_path_ends_in_the_mailbox_not_on_the_internet() -> None:
    """The 2010 Edge's hand-made `To CA1` connector (smart host CA1) carries Internet mail in:
    its SEND is no way out, so the drawing ends at Carol's database, as her headers do."""
    with Lab(scenarios.exchange2013demo(edge="2010")) as lab:
        msg = lab.internet.send("someone@gmail.com", CAROL, subject="in through EDGE2010")
        stamped = [hop.by_host.split(".")[0] for hop in parse_hops(lab.mailbox(CAROL).messages[-1])
                   if hop.by_host and hop.by_host.endswith("exchange2013demo.com")]
        drawn = dot_edges(lab.diagram(msg))
    assert stamped == ["EDGE2010", "CA1", "MB1", "MB1"]
    assert drawn == ["Internet->EDGE2010/Edge Transport", "EDGE2010/Edge Transport->CA1/Front End Transport",
                     "CA1/Front End Transport->MB1/Transport", "MB1/Transport->MB1/Mailbox Transport Delivery",
                     "MB1/Mailbox Transport Delivery->db/DB01"]


def test_mail_that_leaves_by_a_send_connector_ends_on_the_internet(lab: Lab) -> None:
    lab.new_send_connector("To Internet", address_spaces=["*"], source_servers=["MB1"])
    msg = lab.send(ALICE, "kate@fabrikam.com", subject="out")
    assert dot_edges(lab.diagram(msg))[-1] == "MB1/Transport->Internet"
