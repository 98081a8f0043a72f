"""The port plan of `mailflowlab serve`: which loopback port each listener gets.

Ports a teacher can write on the board (`--base-port N`): every listener of the organization
gets base, base+1, ... in one stable order: the servers in the order the scenario lists them,
and on each server its receive connectors' Exchange ports from low to high. For the article's
organization (`exchange2013demo`), with `--base-port 2500`:

    CA1:25 -> 2500   CA1:587 -> 2501   CA1:717 -> 2502
    MB1:25 -> 2503   MB1:465 -> 2504   MB1:475 -> 2505
    MB2:25 -> 2506   MB2:465 -> 2507   MB2:475 -> 2508
    EDGE2013:25 -> 2509                  (with --edge 2013: an added server comes last)
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .errors import LabError
from .topology import EDGE_TRANSPORT, FRONT_END_TRANSPORT, HUB_TRANSPORT_2010, Endpoint, Organization

if TYPE_CHECKING:
    from .lab import Lab

#: The address every listener uses unless the teacher asks for another.
LOOPBACK = "127.0.0.1"
#: Exchange ports the Internet and mail clients reach (fact sheet §0.1): SMTP and submission.
LEARNER_PORTS = (25, 587)
#: Services whose port 25 and 587 face outside: Front End Transport, an Edge, a 2010 Hub as MX.
OUTWARD_SERVICES = (FRONT_END_TRANSPORT, EDGE_TRANSPORT, HUB_TRANSPORT_2010)

Listener = tuple[str, int]          # (server, Exchange port): one listening socket


def _org(lab_or_org: Lab | Organization) -> Organization:
    return lab_or_org if isinstance(lab_or_org, Organization) else lab_or_org.org


def listeners(lab_or_org: Lab | Organization) -> list[Listener]:
    """Every (server, Exchange port) that listens, in the documented order: servers as the
    scenario lists them, ports from low to high."""
    org = _org(lab_or_org)
    return [(s.name, port) for s in org.servers
            for port in sorted({c.port for c in org.connectors_of(s.name)})]


def fixed_ports(lab_or_org: Lab | Organization, base_port: int) -> dict[Listener, int]:
    """`--base-port`: each listener's loopback port, base_port upwards in `listeners` order."""
    found = listeners(lab_or_org)
    last = base_port + len(found) - 1
    if last > 65535:
        raise LabError(f"--base-port {base_port} leaves no room for {len(found)} listeners: "
                       f"choose a port from 1 to {65536 - len(found)}.")
    return {listener: base_port + i for i, listener in enumerate(found)}


def learner_listeners(lab_or_org: Lab | Organization) -> list[Listener]:
    """The listeners `--listen` opens to other machines: port 25 and 587 of the MX and of every
    Front End Transport. Transport, Mailbox Transport and Outbound Proxy stay on loopback, as
    their connectors take Exchange servers only."""
    org = _org(lab_or_org)
    return [(server, port) for server, port in listeners(org) if port in LEARNER_PORTS
            and (server == org.mx or any(svc in org.server(server).services for svc in OUTWARD_SERVICES))]


def front_door(lab_or_org: Lab | Organization) -> Listener | None:
    """Where learners telnet: the first Front End Transport's port 25, else the MX's."""
    org = _org(lab_or_org)
    fet = next((s.name for s in org.servers if FRONT_END_TRANSPORT in s.services), None)
    if fet is not None:
        return (fet, 25)
    return (org.mx, 25) if org.mx else None


# --- the socket settings of a served lab ---------------------------------------------------------

def socket_settings(org: Organization, ports: dict[Listener, int], address: str,
                    chosen: list[Listener]) -> tuple[Callable[[Endpoint], int], Callable[[Endpoint], tuple[str, ...]]]:
    """`Lab(..., port_for=, hosts_for=)` for a classroom: the fixed ports asked for (0: the OS
    chooses), and `address` besides loopback for the chosen listeners (the lab's own hops use
    loopback, so it stays)."""
    by_ip = {s.ip: s.name for s in org.servers}

    def listener(endpoint: Endpoint) -> Listener:
        return (by_ip.get(endpoint.ip, ""), endpoint.port)

    def port_for(endpoint: Endpoint) -> int:
        return ports.get(listener(endpoint), 0)

    def hosts_for(endpoint: Endpoint) -> tuple[str, ...]:
        if address == LOOPBACK or listener(endpoint) not in chosen:
            return (LOOPBACK,)
        return (address,) if address == "0.0.0.0" else (LOOPBACK, address)
    return port_for, hosts_for


def bound_ports(lab: Lab) -> dict[Listener, int]:
    """The loopback port each listener really got (from `lab.endpoints()`)."""
    ports: dict[Listener, int] = {}
    for row in lab.endpoints():
        if row.LabAddress and ":" in row.LabAddress:
            ports[(row.Server, int(row.ExchangeAddress.rpartition(":")[2]))] = int(row.LabAddress.rpartition(":")[2])
    return ports
