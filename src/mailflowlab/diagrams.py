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

from datetime import timedelta
from typing import TYPE_CHECKING

import graphviz

from . import browser
from .headers import Hop
from .topology import (EDGE_TRANSPORT, FRONT_END_TRANSPORT, HUB_TRANSPORT_2010, MAILBOX_TRANSPORT_DELIVERY,
                       MAILBOX_TRANSPORT_SUBMISSION, TRANSPORT, Server)

if TYPE_CHECKING:
    from .lab import Lab, SentMessage

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
    graph = graphviz.Digraph("hops", graph_attr={"rankdir": "LR", "fontname": FONT, "nodesep": "0.6"},
                             node_attr={"shape": "box", "style": "rounded,filled", "fillcolor": "#e3f2fd",
                                        "fontname": FONT, "fontsize": "11"},
                             edge_attr={"fontname": FONT, "fontsize": "10", "color": PATH_COLOUR,
                                        "fontcolor": "#333333"})
    seen: dict[str, str] = {}

    def node(host: str | None, ip: str | None) -> str:
        key = (host or ip or "unknown").lower()
        if key not in seen:
            seen[key] = f"h{len(seen) + 1}"
            label = "\n".join(x for x in (host or "unknown", ip if ip and ip != host else None) if x)
            graph.node(seen[key], label, tooltip=key)
        return seen[key]

    previous: str | None = None
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
        graph.edge(src, dst, label="\n".join(parts))
    return graph


def _node_id(server: str, service: str) -> str:
    return f"{server}/{service}"


def _short(connector: str, server: str) -> str:
    """`Client Proxy MB2` -> `Client Proxy`; `Default MB2` stays (plain 'Default' says nothing)."""
    suffix = f" {server}"
    short = connector[: -len(suffix)] if connector.endswith(suffix) else connector
    return connector if short == "Default" else short


def _cluster_label(server: Server) -> str:
    roles = ", ".join(ROLE_NAMES.get(r, r) for r in server.roles)
    version = "" if server.version == 2013 else f" ({server.version})"
    return f"{server.name}{version} · {roles} · {server.ip}"


def _service_label(lab: "Lab", server: Server, service: str) -> str:
    ports = [f"{_short(c.name, server.name)} :{c.port}" for c in lab.org.connectors_of(server.name, service)]
    if service == MAILBOX_TRANSPORT_SUBMISSION:
        ports = ["SMTP client, no listener"]
    return "\n".join([service, " · ".join(ports)]) if ports else service


def _db_id(name: str) -> str:
    return f"db/{name}"


def topology_diagram(lab: "Lab", path: list[tuple[str, str]] | None = None, *,
                     message: "SentMessage | str | None" = None) -> graphviz.Digraph:
    """The organization, its services (stopped ones greyed) and databases, with `path` drawn on it.

    `path` is a list of (server, service) steps as `lab.path(msg)` returns. When `message` is
    given too, the tracking log says which databases it left from and was delivered to, and
    whether it left for the Internet; without it the step's own server's database is used.
    """
    org = lab.org
    running = {(r.Server, r.Service): r.Status == "Running" for r in lab.services_table().itertuples()}
    graph = graphviz.Digraph("topology", graph_attr={"rankdir": "LR", "fontname": FONT, "compound": "true",
                                                     "nodesep": "0.3", "ranksep": "0.6"},
                             node_attr={"shape": "box", "style": "rounded,filled", "fontname": FONT,
                                        "fontsize": "10"},
                             edge_attr={"fontname": FONT, "fontsize": "10"})
    for server in org.servers:
        with graph.subgraph(name=f"cluster_{server.name}") as frame:
            frame.attr(label=_cluster_label(server), style="rounded", color="#607d8b", fontname=FONT,
                       fontsize="11")
            for service in server.services:
                up = running.get((server.name, service), False)
                frame.node(_node_id(server.name, service), _service_label(lab, server, service),
                           fillcolor=SERVICE_FILLS.get(service, "#ffffff") if up else STOPPED_FILL,
                           fontcolor="#000000" if up else STOPPED_FONT,
                           style="rounded,filled" if up else "rounded,filled,dashed")
            for db in org.databases:
                if db.server == server.name:
                    users = [m.address.split("@")[0] for m in org.mailboxes if m.database == db.name]
                    frame.node(_db_id(db.name), "\n".join([db.name, *users]), shape="cylinder",
                               style="filled", fillcolor=DATABASE_FILL)
    if path:
        _draw_path(lab, graph, path, message)
    return graph


def _draw_path(lab: "Lab", graph: graphviz.Digraph, path: list[tuple[str, str]],
               message: "SentMessage | str | None") -> None:
    """Thick numbered arrows: where the message came from, each step, where it came to rest."""
    org = lab.org
    log = lab.tracking_log(message) if message is not None else None
    edges: list[tuple[str, str, str]] = []

    def databases_of(addresses: list[str]) -> list[str]:
        found = [m.database for a in addresses if (m := org.mailbox(a)) is not None]
        return list(dict.fromkeys(found))

    def delivered_to(server: str) -> list[str]:
        if log is not None and not log.empty:
            fqdn = org.server(server).fqdn
            rows = log[(log["EventId"] == "DELIVER") & (log["ServerHostname"] == fqdn)]
            found = databases_of([r for cell in rows["Recipients"] for r in cell.split(";")])
            if found:
                return found
        return [d.name for d in org.databases if d.server == server]

    first_server, first_service = path[0]
    from_outbox = first_service == MAILBOX_TRANSPORT_SUBMISSION or (
        log is not None and not log.empty and log["Source"].iloc[0] == "STOREDRIVER")
    if from_outbox:
        sender_dbs = databases_of([log["Sender"].iloc[0]]) if log is not None and not log.empty else []
        source_db = (sender_dbs or [d.name for d in org.databases if d.server == first_server] or [None])[0]
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
    if log is not None and not log.empty:
        # An Edge's `EdgeSync - Inbound to <Site>` (address space `--`) leads into the org.
        outbound = {c.name for c in org.send_connectors if "--" not in c.address_spaces}
        if ((log["EventId"] == "SEND") & log["ConnectorId"].isin(outbound)).any():
            graph.node(INTERNET, INTERNET, shape="ellipse", style="filled", fillcolor="#ffffff")
            edges.append((previous, INTERNET, "SMTP"))
    for number, (src, dst, how) in enumerate(edges, start=1):
        graph.edge(src, dst, label=f"{number}. {how}", color=PATH_COLOUR, fontcolor=PATH_COLOUR,
                   penwidth="2.5")


# In a browser (JupyterLite) there is no `dot`: graphviz objects render with WebAssembly there.
browser.install()
