"""Pictures of mail flow, drawn with Graphviz: the hops of one message, and the organization.

`hop_diagram(hops)` draws what a header analyzer draws: one box per host that handled the
message, and one numbered arrow per Received header, oldest first, left to right.

`topology_diagram(lab, path)` draws the organization as the lab runs it: each server a frame,
inside it the transport services with the Exchange ports of their receive connectors and the
mailbox databases with their mailboxes. Stopped services are greyed out; a message's path
(`lab.path(msg)`) is drawn on top as thick numbered arrows.

Colours are 6-digit hex or names: Debian's Graphviz 2.43 draws `#eef` black.
"""
from __future__ import annotations

import base64
import html
import itertools
import re
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import graphviz

from . import graphviz_engine
from .dot import dot_label
from .headers import Hop, checked_hops
from .topology import (
    EDGE_TRANSPORT,
    FRONT_END_TRANSPORT,
    HUB_TRANSPORT_2010,
    MAILBOX_TRANSPORT_DELIVERY,
    MAILBOX_TRANSPORT_SUBMISSION,
    TRANSPORT,
    Organization,
    SendConnector,
    Server,
)

if TYPE_CHECKING:
    from .records import ServiceStatus
    from .tracking import TrackingEvent

FONT = "Helvetica"
PATH_COLOUR = "#d9480f"
STOPPED_FILL = "#dddddd"
STOPPED_FONT = "#888888"
DATABASE_FILL = "#fff8e1"
SERVICE_FILLS = {FRONT_END_TRANSPORT: "#e3f2fd", TRANSPORT: "#fff3e0", HUB_TRANSPORT_2010: "#fff3e0",
                 MAILBOX_TRANSPORT_SUBMISSION: "#e8f5e9", MAILBOX_TRANSPORT_DELIVERY: "#e8f5e9",
                 EDGE_TRANSPORT: "#f3e5f5"}
ROLE_NAMES = {"ClientAccess": "Client Access", "Mailbox": "Mailbox", "HubTransport": "Hub Transport",
              "Edge": "Edge Transport"}
#: The step Exchange 2010's Hub Transport records when its store driver writes to a database.
STORE_DRIVER = "store driver"
OUTLOOK = "Outlook"
INTERNET = "Internet"


#: Paths with more hosts than this are drawn top to bottom, so they fit a page's width.
HORIZONTAL_HOSTS = 3

#: The book's text column on a desktop screen, in CSS pixels: a diagram at most this wide is
#: shown at full size without scrolling sideways.
COLUMN_PX = 680


def width_px(graph: graphviz.Digraph | graphviz.Graph) -> int:
    """The width `graph` is drawn at, in CSS pixels (Graphviz writes points: 96 px = 72 pt;
    the sentence drawn when no Graphviz is installed is in pixels)."""
    svg = graph.pipe(format="svg").decode()
    found = re.search(r'<svg[^>]*?\swidth="([\d.]+)(pt)?"', svg)
    if found is None:
        return 0
    return round(float(found.group(1)) * (4 / 3 if found.group(2) else 1))


class Described:
    """A Graphviz graph that says in words what it shows (`description`), and shows itself in
    a notebook or a book page as an image whose alt text is that description, at its own size
    in a frame that scrolls sideways when the page is narrower: its text stays readable
    (labels are 10-12 pt, about 13-16 px) instead of being shrunk to the column."""

    description: str = ""

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict[str, str]:
        svg = self.pipe(format="svg").decode()  # type: ignore[attr-defined]
        bundle = {"image/svg+xml": svg, "text/html": diagram_html(svg, self.description),
                  "text/plain": self.description or "a diagram"}
        return {k: v for k, v in bundle.items()
                if (include is None or k in include) and (exclude is None or k not in exclude)}


class Diagram(Described, graphviz.Digraph):  # type: ignore[misc]  # graphviz has no type information
    """A directed Graphviz graph with a description (see `Described`)."""

    def __init__(self, *args: Any, description: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.description = description


class UndirectedDiagram(Described, graphviz.Graph):  # type: ignore[misc]  # (see Diagram)
    """An undirected Graphviz graph with a description (see `Described`)."""

    def __init__(self, *args: Any, description: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.description = description


def diagram_html(svg: str, description: str) -> str:
    """The SVG as an <img> with alt text, at its own size, in a frame that scrolls sideways."""
    svg = svg[svg.index("<svg"):]
    data = base64.b64encode(svg.encode()).decode()
    alt = html.escape(description or "a diagram")
    return (f'<div class="mfl-diagram" style="overflow-x:auto; max-width:100%">'
            f'<img src="data:image/svg+xml;base64,{data}" alt="{alt}" title="{alt}" '
            f'style="max-width:none; height:auto"></div>')


def format_delay(delay: timedelta) -> str:
    """`+1 s`, `+10 min`, `+2 h 5 min`, `+1 d 3 h`: the time a message spent before a hop."""
    seconds = int(delay.total_seconds())
    sign = "-" if seconds < 0 else "+"
    seconds = abs(seconds)
    if seconds < 60:
        return f"{sign}{seconds} s"
    if seconds < 3600:
        minutes, rest = divmod(seconds, 60)
        return f"{sign}{minutes} min" + (f" {rest} s" if rest else "")
    if seconds < 86400:
        hours, rest = divmod(seconds, 3600)
        return f"{sign}{hours} h" + (f" {rest // 60} min" if rest // 60 else "")
    days, rest = divmod(seconds, 86400)
    return f"{sign}{days} d" + (f" {rest // 3600} h" if rest // 3600 else "")


def hop_diagram(hops: list[Hop]) -> graphviz.Digraph:
    """One node per host (name and IP), one numbered edge per hop: 'with', 'via' and delay."""
    hops = checked_hops(hops, "hop_diagram")
    graph = Diagram("hops", graph_attr={"rankdir": "LR", "fontname": FONT, "nodesep": "0.6"},
                             node_attr={"shape": "box", "style": "rounded,filled", "fillcolor": "#e3f2fd",
                                        "fontname": FONT, "fontsize": "11"},
                             edge_attr={"fontname": FONT, "fontsize": "10", "color": PATH_COLOUR,
                                        "fontcolor": "#333333"})
    seen: dict[str, str] = {}

    def node(host: str | None, ip: str | None) -> str:
        key = (host or ip or "unknown").lower()
        if key not in seen:
            seen[key] = f"h{len(seen) + 1}"
            label = dot_label(*(x for x in (host or "unknown", ip if ip and ip != host else None) if x))
            graph.node(seen[key], label, tooltip=dot_label(key))
        return seen[key]

    previous: str | None = None
    steps: list[str] = []
    for hop in hops:
        # A header with no `from` (Gmail's `by 10.68.139.34 with SMTP id ...`) continues from
        # the host of the hop before it, so an outside sender's own hops form one chain.
        has_from = bool(hop.from_host or hop.from_ip)
        src = node(hop.from_host or hop.from_ip, hop.from_ip) if has_from or previous is None else previous
        dst = node(hop.by_host or hop.by_ip, hop.by_ip)
        previous = dst
        parts = [f"{hop.number}. with {hop.protocol or '?'}"]
        if hop.via:
            parts.append(f"via {hop.via}")
        if hop.delay is not None:
            parts.append(format_delay(hop.delay))
        graph.edge(src, dst, label=dot_label(*parts))
        sender = f"from {hop.from_host or hop.from_ip} " if has_from else ""
        steps.append(f"{hop.number}. {sender}to {hop.by_host or hop.by_ip} {parts[0].split('. ', 1)[1]}"
                     + (f" via {hop.via}" if hop.via else "")
                     + (f", {format_delay(hop.delay)} after the hop before" if hop.delay is not None else ""))
    if len(seen) > HORIZONTAL_HOSTS or width_px(graph) > COLUMN_PX:
        graph.attr(rankdir="TB")          # a long path reads down the page, at full size
    graph.description = (f"Hop diagram of {len(hops)} Received headers, oldest first: " + "; ".join(steps) + "."
                         if hops else "Hop diagram: no Received headers.")
    return graph


def _node_id(server: str, service: str) -> str:
    return f"{server}/{service}"


def _short(connector: str, server: str) -> str:
    """`Client Proxy MB2` -> `Client Proxy`; `Default MB2` stays (plain 'Default' says nothing)."""
    suffix = f" {server}"
    short = connector[: -len(suffix)] if connector.endswith(suffix) else connector
    return connector if short == "Default" else short


def _cluster_label(server: Server) -> str:
    """`CA1 · Client Access · 10.0.0.10`; a server of many roles names them on a second line."""
    roles = ", ".join(ROLE_NAMES.get(r, r) for r in server.roles)
    version = "" if server.version == 2013 else f" ({server.edition})"
    one_line = f"{server.name}{version} · {roles} · {server.ip}"
    return one_line if len(one_line) <= 40 else f"{server.name}{version} · {server.ip}\n{roles}"


def _service_label(org: Organization, server: Server, service: str) -> str:
    """The service's name, then each receive connector and its port on a line of its own (one
    long line per service made the organization wider than a page)."""
    ports = [f"{_short(c.name, server.name)} :{c.port}" for c in org.connectors_of(server.name, service)]
    if service == MAILBOX_TRANSPORT_SUBMISSION:
        ports = ["SMTP client, no listener"]
    return "\n".join([service, *ports])


def _db_id(name: str) -> str:
    return f"db/{name}"


def topology_diagram(org: Organization, services: Iterable[ServiceStatus],
                     path: list[tuple[str, str]] | None = None, *,
                     events: Sequence[TrackingEvent] | None = None) -> graphviz.Digraph:
    """The organization, its services (stopped ones greyed) and databases, with `path` drawn on it.

    `path` is a list of (server, service) steps as `lab.path(msg)` returns. When the message's
    tracking `events` are given too, they say which databases it left from and was delivered
    to, and whether it left for the Internet; without them the step's own server's database is used.
    """
    running = {(r.Server, r.Service): r.running for r in services}
    graph = Diagram("topology", graph_attr={"rankdir": "TB", "fontname": FONT, "compound": "true",
                                                     "nodesep": "0.3", "ranksep": "0.35"},
                             node_attr={"shape": "box", "style": "rounded,filled", "fontname": FONT,
                                        "fontsize": "10"},
                             edge_attr={"fontname": FONT, "fontsize": "10"})
    columns = _server_columns(org)
    for server in _layout_order(org):
        with graph.subgraph(name=f"cluster_{server.name}") as frame:
            frame.attr(label=_cluster_label(server), style="rounded", color="#607d8b", fontname=FONT,
                       fontsize="11")
            for service in server.services:
                up = running.get((server.name, service), False)
                frame.node(_node_id(server.name, service), _service_label(org, server, service),
                           fillcolor=SERVICE_FILLS.get(service, "#ffffff") if up else STOPPED_FILL,
                           fontcolor="#000000" if up else STOPPED_FONT,
                           style="rounded,filled" if up else "rounded,filled,dashed")
            for db in org.databases:
                if db.server == server.name:
                    users = [m.address.split("@")[0] for m in org.mailboxes if m.database == db.name]
                    frame.node(_db_id(db.name), "\n".join([db.name, *users]), shape="cylinder",
                               style="filled", fillcolor=DATABASE_FILL)
    _lay_out(graph, columns)
    stopped = [f"{server} {service}" for (server, service), up in running.items() if not up]
    graph.description = (f"The organization {org.domain}: "
                         + "; ".join(f"{srv.name} ({', '.join(ROLE_NAMES.get(r, r) for r in srv.roles)}, {srv.ip}) "
                                     f"runs {', '.join(srv.services) or 'no transport service'}"
                                     for srv in org.servers)
                         + (f". Stopped: {', '.join(stopped)}" if stopped else ". Every service runs"))
    if path:
        edges = _draw_path(org, graph, path, list(events or []))
        graph.description += ". The message's path: " + "; ".join(
            f"{n}. {_words(src)} to {_words(dst)} by {how}" for n, (src, dst, how) in enumerate(edges, start=1))
    graph.description += "."
    return graph


#: Servers side by side in the organization diagram; more start a new row below, so the
#: picture fits a page's column (about 750 px) at full size instead of scrolling sideways.
SERVERS_PER_ROW = 2


def _layout_order(org: Organization) -> list[Server]:
    """The servers as drawn, row by row: the perimeter (Edge) first, where mail comes in."""
    return sorted(org.servers, key=lambda server: "Edge" not in server.roles)


def _server_columns(org: Organization) -> list[list[str]]:
    """Each server's nodes top to bottom: its services, then its databases."""
    return [[*(_node_id(server.name, service) for service in server.services),
             *(_db_id(db.name) for db in org.databases if db.server == server.name)]
            for server in _layout_order(org)]


def _lay_out(graph: graphviz.Digraph, columns: list[list[str]]) -> None:
    """Invisible edges that stack each server's nodes in a column and put the servers in rows
    of `SERVERS_PER_ROW`; the path's arrows (drawn without constraint) then move nothing."""
    for column in columns:
        for upper, lower in itertools.pairwise(column):
            graph.edge(upper, lower, style="invis")
    for above, below in zip(columns, columns[SERVERS_PER_ROW:], strict=False):
        if above and below:
            graph.edge(above[-1], below[0], style="invis", weight="0")


def _words(node_id: str) -> str:
    """A node id of the topology diagram as words: 'MB2/Transport' -> 'MB2 Transport'."""
    return node_id.replace("db/", "database ").replace("/", " ")


def _leads_inside(org: Organization, connector: SendConnector) -> bool:
    """Whether a send connector hands mail to the organization's own servers: EdgeSync's `Inbound
    to <Site>` (smart host `--`, the site's Mailbox servers) or a 2010 Edge's hand-made connector
    whose smart host is CA1. A SEND over any other one leaves for the Internet."""
    inside = {"--"} | {name.lower() for server in org.servers for name in (server.name, server.fqdn, server.ip)}
    return bool(connector.smart_hosts) and all(host.lower() in inside for host in connector.smart_hosts)


def _draw_path(org: Organization, graph: graphviz.Digraph, path: list[tuple[str, str]],
               log: list[TrackingEvent]) -> list[tuple[str, str, str]]:
    """Thick numbered arrows: where the message came from, each step, where it came to rest."""
    edges: list[tuple[str, str, str]] = []

    def databases_of(addresses: list[str]) -> list[str]:
        found = [m.database for a in addresses if (m := org.mailbox(a)) is not None]
        return list(dict.fromkeys(found))

    def delivered_to(server: str) -> list[str]:
        fqdn = org.server(server).fqdn
        found = databases_of([r for e in log if e.EventId == "DELIVER" and e.ServerHostname == fqdn
                              for r in e.Recipients])
        if found:
            return found
        return [d.name for d in org.databases if d.server == server]

    first_server, first_service = path[0]
    from_outbox = first_service == MAILBOX_TRANSPORT_SUBMISSION or bool(log and log[0].Source == "STOREDRIVER")
    if from_outbox:
        sender_dbs = databases_of([log[0].Sender]) if log else []
        candidates = sender_dbs or [d.name for d in org.databases if d.server == first_server]
        source_db = candidates[0] if candidates else None
        graph.node(OUTLOOK, OUTLOOK, shape="box", style="rounded,filled", fillcolor="#ffffff")
        if source_db is not None:
            edges.append((OUTLOOK, _db_id(source_db), "MAPI"))
            edges.append((_db_id(source_db), _node_id(first_server, first_service), "RPC"))
        else:
            edges.append((OUTLOOK, _node_id(first_server, first_service), "MAPI"))
    else:
        graph.node(INTERNET, INTERNET, shape="ellipse", style="filled", fillcolor="#ffffff")
        edges.append((INTERNET, _node_id(first_server, first_service), "SMTP"))
    previous = _node_id(first_server, first_service)
    steps = list(path)
    for i, (server, service) in enumerate(steps):
        if i > 0:
            if service == STORE_DRIVER:
                for db in delivered_to(server):
                    edges.append((previous, _db_id(db), "MAPI (store driver)"))
                continue
            current = _node_id(server, service)
            edges.append((previous, current, "SMTP"))
            previous = current
        if service == MAILBOX_TRANSPORT_DELIVERY:
            for db in delivered_to(server):
                edges.append((previous, _db_id(db), "RPC"))
    if log:
        outbound = {c.name for c in org.send_connectors if not _leads_inside(org, c)}
        if any(e.EventId == "SEND" and e.ConnectorId in outbound for e in log):
            graph.node(INTERNET, INTERNET, shape="ellipse", style="filled", fillcolor="#ffffff")
            edges.append((previous, INTERNET, "SMTP"))
    # Outlook or the Internet on top of the first server drawn, not beside the servers.
    top = next((column[0] for column in _server_columns(org) if column), None)
    if top is not None:
        graph.edge(edges[0][0], top, style="invis")
    for number, (src, dst, how) in enumerate(edges, start=1):
        # Drawn over the organization's layout without changing it; the labels are placed
        # once the nodes are, so they widen nothing.
        graph.edge(src, dst, xlabel=f"{number}. {how}", color=PATH_COLOUR, fontcolor=PATH_COLOUR,
                   penwidth="2.5", constraint="false")
    return edges


#: Events per row of the retry timeline.
TIMELINE_ROW = 6

#: Colours of event kinds on the timeline (6-digit hex, which Graphviz 2.43 draws right).
EVENT_COLOURS = {"DEFER": "#ffe0b2", "FAIL": "#ffcdd2", "DSN": "#fff9c4", "DELIVER": "#c8e6c9",
                 "SEND": "#e3f2fd", "RECEIVE": "#e3f2fd", "SUBMIT": "#e3f2fd"}


def retry_timeline(events: Sequence[TrackingEvent]) -> graphviz.Digraph:
    """One message's tracking events (`lab.tracking_log(msg)`) in reading order, rows of
    `TIMELINE_ROW`, each with its time since the first, so the gaps between retries show."""
    log = list(events)
    graph = Diagram("retries", graph_attr={"rankdir": "TB", "fontname": FONT,
                                                    "nodesep": "0.3", "ranksep": "0.3"},
                             node_attr={"shape": "box", "style": "rounded,filled", "fontname": FONT,
                                        "fontsize": "12", "width": "1.1"})
    if not log:
        graph.node("none", "no tracking events for this message")
        return graph
    first = log[0].Timestamp
    events = log
    for start in range(0, len(events), TIMELINE_ROW):
        with graph.subgraph(name=f"row{start // TIMELINE_ROW}") as row:
            row.attr(rank="same")
            for i, event in enumerate(events[start:start + TIMELINE_ROW], start):
                minutes, seconds = divmod(int((event.Timestamp - first).total_seconds()), 60)
                label = (f"{event.EventId}\\n+{minutes // 60}:{minutes % 60:02d}:{seconds:02d}"
                         f"\\n{event.ServerHostname.split('.')[0]}")
                row.node(f"e{i}", label, fillcolor=EVENT_COLOURS.get(event.EventId, "#eeeeee"))
    graph.description = ("Tracking events of one message in time order, with the time since the first: "
                         + "; ".join(f"{e.EventId} at +{e.Timestamp - first} on {e.ServerHostname.split('.')[0]}"
                                     for e in events) + ".")
    for i in range(1, len(events)):
        if i % TIMELINE_ROW:
            graph.edge(f"e{i - 1}", f"e{i}")
        else:                       # a new row starts under the previous row's first event
            graph.edge(f"e{i - TIMELINE_ROW}", f"e{i}", style="invis")
            graph.edge(f"e{i - 1}", f"e{i}", constraint="false")
    return graph


# `dot` on PATH, else graphviz-pure, in a browser WebAssembly, else a sentence saying how to install it.
graphviz_engine.install()


# --- AD sites (see `sites`) ---------------------------------------------------------------------
SITE_PATH_COLOUR = "#1f77b4"
SITE_ROUTE_COLOUR = "#d62728"
SITE_HUB_FILL = "#fff2cc"


def site_diagram(org: Organization, path: tuple[str, ...] = (), route: list[str] | None = None,
                 title: str = "") -> graphviz.Graph:
    """AD sites and IP site links with their costs. `path` (the least-cost path) is drawn
    thick blue; `route` (the sites a message really visited) as red arrows. Hub sites are
    filled yellow."""
    g = UndirectedDiagram("sites", format="svg")
    g.attr(rankdir="LR", fontname="Helvetica", label=title, labelloc="t")
    g.attr("node", shape="ellipse", fontname="Helvetica", style="filled", fillcolor="white")
    g.attr("edge", fontname="Helvetica")
    for site in org.sites:
        servers = ", ".join(s.name for s in org.site_servers(site.name)) or "no servers"
        label = f"Site {site.name}\\n{servers}" + ("\\n(hub site)" if site.hub_site else "")
        g.node(site.name, label, fillcolor=SITE_HUB_FILL if site.hub_site else "white",
               penwidth="2" if site.hub_site else "1")
    on_path = {frozenset(p) for p in itertools.pairwise(path)}
    for link in org.site_links:
        a, b = link.sites
        if frozenset((a, b)) in on_path:
            g.edge(a, b, f"{link.name}\\ncost {link.cost}", color=SITE_PATH_COLOUR, penwidth="3",
                   fontcolor=SITE_PATH_COLOUR)
        else:
            g.edge(a, b, f"{link.name}\\ncost {link.cost}", color="gray50")
    for n, (a, b) in enumerate(itertools.pairwise(route or []), start=1):
        g.edge(a, b, f"SMTP hop {n}", dir="forward", color=SITE_ROUTE_COLOUR, fontcolor=SITE_ROUTE_COLOUR,
               style="dashed", penwidth="2", constraint="false")
    links = "; ".join(f"{link.name} cost {link.cost}" for link in org.site_links)
    hubs = [s.name for s in org.sites if s.hub_site]
    g.description = (f"AD sites {', '.join(s.name for s in org.sites)} joined by IP site links ({links})"
                     + (f"; hub sites: {', '.join(hubs)}" if hubs else "; no hub site")
                     + (f". Least-cost path, thick blue: {' to '.join(path)}" if path else "")
                     + (f". Route the message took, red dashed: {' to '.join(route)}" if route else "") + ".")
    return g
