"""What the chapters share, so a chapter's cells show the experiment and not the plumbing.

    hop_table(parse_hops(message))     # the hops as a Table: From, By, With, Via, Time, Delay
    newest_hops(lab, BOB)              # the same for the newest message in a mailbox
    lab.tracking_log(msg).select(*TRACK_VIEW)
    print(queue_text(lab.queues()))    # Get-Queue, LastError in full below the grid
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from .header_analyzer import NOT_EXCHANGE, product, stamped_by
from .headers import Hop, parse_hops
from .views import Table, format_cell

if TYPE_CHECKING:
    from .lab import Lab
    from .records import SentMessage

#: The tracking-log columns the chapters print (Get-MessageTrackingLog | ft ...).
TRACK_VIEW = ("Timestamp", "ServerHostname", "Source", "EventId", "ConnectorId", "Recipients")
#: The queue columns the chapters print (Get-Queue | ft ...).
QUEUE_VIEW = ("Identity", "DeliveryType", "Status", "MessageCount", "Velocity", "NextHopDomain", "LastError")


@dataclass(frozen=True)
class HopRow:
    """One hop as a learner reads a route: who handed it to whom, how, when, how long after."""
    Hop: int
    From: str
    By: str
    With: str
    Via: str
    Time: str
    Delay: timedelta | None


def _where(host: str | None, ip: str | None) -> str:
    return f"{host} ({ip})" if host and ip and host != ip else host or ip or ""


def hop_table(hops: list[Hop]) -> Table[HopRow]:
    """One row per hop, oldest first; Delay has its unit ('1 s', '50 min')."""
    return Table([HopRow(h.number, _where(h.from_host, h.from_ip), _where(h.by_host, h.by_ip),
                         h.protocol or "", h.via or "", f"{h.time:%H:%M:%S}" if h.time else "", h.delay)
                  for h in hops], [f for f in HopRow.__dataclass_fields__])


def newest_hops(lab: Lab, address: str) -> Table[HopRow]:
    """The hop table of the newest message in a mailbox's Inbox."""
    return hop_table(parse_hops(lab.mailbox(address).messages[-1]))


@dataclass(frozen=True)
class VersionRow:
    """One hop with the Exchange version that wrote its Received header."""
    Hop: int
    From: str
    By: str
    With: str
    Id: str
    Via: str
    Version: str


def version_of(hop: Hop) -> str:
    """Which Exchange version stamped a hop, read from its build id (14.x = 2010, 15.0 = 2013)."""
    if stamped_by(hop) == NOT_EXCHANGE:
        return "outside"
    return product(hop.id) or "outside"


def versions_table(hops: list[Hop]) -> Table[VersionRow]:
    """Hops with the build id and the Exchange version that wrote each Received header."""
    def short(host: str | None) -> str:
        return (host or "").split(".")[0]
    return Table([VersionRow(h.number, short(h.from_host), short(h.by_host), h.protocol or "", h.id or "",
                             h.via or "", version_of(h)) for h in hops])


@dataclass(frozen=True)
class RouteStep:
    """A Transport service that held the message: its server and AD site."""
    Step: int
    Server: str
    Site: str


def route_table(lab: Lab, message: SentMessage) -> Table[RouteStep]:
    """One row per Transport service that held the message, with its server's site."""
    steps = [server for server, service in lab.path(message) if service == "Transport"]
    return Table([RouteStep(n, server, lab.org.server(server).site) for n, server in enumerate(steps, start=1)],
                 [f for f in RouteStep.__dataclass_fields__])


def format_list(record: object) -> str:
    """A record as `Format-List` prints it: one `Name : value` line per field."""
    names = [f.name for f in fields(record)]  # type: ignore[arg-type]
    width = max(map(len, names))
    return "\n".join(f"{n.ljust(width)} : {format_cell(getattr(record, n))}" for n in names)


def queue_text(queues: Table[Any], columns: tuple[str, ...] = QUEUE_VIEW) -> str:
    """Queues as a text grid without LastError, then each queue's LastError in full on its own
    line: long errors are the point of reading a queue, and in a grid they are cut or pad
    every row to hundreds of characters."""
    grid = queues.select(*[c for c in columns if c != "LastError"]).text()
    errors = [f"{q.Identity} LastError: {q.LastError}" for q in queues if getattr(q, "LastError", "")]
    return grid + ("\n\n" + "\n".join(errors) if errors and "LastError" in columns else "")
