"""Connector management: Get-, Set- and New-ReceiveConnector, New- and Set-SendConnector.

Receive connectors decide who may talk to a listener and what they may do (fact sheet §2.1);
send connectors decide where mail for outside domains leaves (§2.2). The Lab's methods of the
same names call these; a change takes effect for the next SMTP session, as in Exchange.
"""
from __future__ import annotations

import ipaddress
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from .errors import LabError
from .protocol_log import LEVELS
from .topology import (
    ANONYMOUS,
    EDGE_TRANSPORT,
    EXCHANGE_LEGACY_SERVERS,
    EXCHANGE_SERVERS,
    EXCHANGE_USERS,
    FRONT_END_TRANSPORT,
    HUB_TRANSPORT_2010,
    PARTNERS,
    TRANSPORT,
    MixedVersions,
    Organization,
    ReceiveConnector,
    SendConnector,
    _bounds,
)
from .views import Table

PERMISSION_GROUPS = (ANONYMOUS, EXCHANGE_USERS, EXCHANGE_SERVERS, EXCHANGE_LEGACY_SERVERS, PARTNERS)

#: Get-ReceiveConnector's TransportRole for each service's connectors.
TRANSPORT_ROLES = {FRONT_END_TRANSPORT: "FrontendTransport", TRANSPORT: "HubTransport",
                   HUB_TRANSPORT_2010: "HubTransport", EDGE_TRANSPORT: "HubTransport"}

@dataclass(frozen=True)
class ReceiveConnectorRow:
    """One row of Get-ReceiveConnector."""
    Identity: str
    Enabled: bool
    TransportRole: str
    Service: str
    Bindings: str
    RemoteIPRanges: str
    PermissionGroups: str
    AuthMechanism: str
    MaxMessageSize: str
    ProtocolLoggingLevel: str


@dataclass(frozen=True)
class SendConnectorRow:
    """One row of Get-SendConnector."""
    Identity: str
    AddressSpaces: str
    SourceTransportServers: str
    SmartHosts: str
    FrontendProxyEnabled: bool
    Cost: int


RECEIVE_COLUMNS = ["Identity", "Enabled", "TransportRole", "Service", "Bindings", "RemoteIPRanges",
                   "PermissionGroups", "AuthMechanism", "MaxMessageSize", "ProtocolLoggingLevel"]
SEND_COLUMNS = ["Identity", "AddressSpaces", "SourceTransportServers", "SmartHosts",
                "FrontendProxyEnabled", "Cost"]


def _error(text: str) -> LabError:
    return LabError(text)


def _size(n: int) -> str:
    mb = n / (1024 * 1024)
    return f"{mb:g} MB ({n:,} bytes)"


def receive_connector_table(org: Organization, server: str | None = None) -> Table[ReceiveConnectorRow]:
    """Get-ReceiveConnector: every receive connector, or those of one server. The implicit
    Mailbox Delivery connector of Mailbox Transport Delivery (port 475) is not listed, as in
    Exchange; `Lab.endpoints()` shows its listener."""
    name = org.server(server).name if server else None
    rows: list[ReceiveConnectorRow] = []
    for c in org.receive_connectors:
        if (name is not None and c.server != name) or c.implicit:
            continue
        rows.append(ReceiveConnectorRow(
            f"{c.server}\\{c.name}", c.enabled, TRANSPORT_ROLES.get(c.service, "MailboxDelivery"), c.service,
            f"0.0.0.0:{c.port}", ", ".join(c.remote_ip_ranges), ", ".join(c.permission_groups) or "None",
            ", ".join(c.auth_mechanisms) or "None", _size(c.max_message_size), c.protocol_logging))
    return Table(rows, RECEIVE_COLUMNS)


def find_receive_connector(org: Organization, server: str, name: str) -> ReceiveConnector:
    srv = org.server(server)
    for c in org.connectors_of(srv.name):
        if c.name.lower() == name.lower():
            return c
    names = ", ".join(c.name for c in org.connectors_of(srv.name)) or "none"
    raise _error(f"The operation couldn't be performed because object '{srv.name}\\{name}' couldn't "
                 f"be found. Receive connectors on {srv.name}: {names}.")


def _groups(groups: Iterable[str]) -> tuple[str, ...]:
    found = tuple(groups)
    for g in found:
        if g not in PERMISSION_GROUPS:
            raise _error(f"'{g}' is not a permission group. Use any of: {', '.join(PERMISSION_GROUPS)}.")
    return found


#: Set-ReceiveConnector -AuthMechanism values the lab knows ("None" is the empty list).
AUTH_MECHANISMS = ("TLS", "BasicAuth", "BasicAuthRequireTLS", "ExchangeServer", "Integrated")


def _mechanisms(mechanisms: Iterable[str]) -> tuple[str, ...]:
    """AuthMechanism values, checked: BasicAuthRequireTLS only makes sense with BasicAuth and TLS."""
    found = tuple(m for m in ([mechanisms] if isinstance(mechanisms, str) else mechanisms) if m != "None")
    for m in found:
        if m not in AUTH_MECHANISMS:
            raise _error(f"'{m}' is not an authentication mechanism. "
                         f"Use any of: {', '.join(AUTH_MECHANISMS)}, or None.")
    if "BasicAuthRequireTLS" in found and not {"BasicAuth", "TLS"} <= set(found):
        raise _error("BasicAuthRequireTLS needs BasicAuth and TLS on the same connector.")
    return found


def _ranges(ranges: Iterable[str]) -> tuple[str, ...]:
    found = tuple(r.strip() for r in ([ranges] if isinstance(ranges, str) else ranges))
    if not found:
        raise _error("RemoteIPRanges can't be empty: give at least one address, range or CIDR block.")
    for r in found:
        try:
            lo, hi = _bounds(r)
        except MixedVersions:
            raise _error(f"The range '{r}' mixes an IPv4 and an IPv6 address: both ends must be "
                         "of one kind.") from None
        except ValueError:
            raise _error(f"'{r}' is not an IP address, range (10.0.0.1-10.0.0.9) or CIDR block "
                         f"(10.0.0.0/24).") from None
        if int(lo) > int(hi):
            raise _error(f"The range '{r}' starts after it ends.")
    return found


def set_receive_connector(org: Organization, server: str, name: str, *, permission_groups: Iterable[str] | None = None,
                          remote_ip_ranges: Iterable[str] | None = None, enabled: bool | None = None,
                          max_message_size: int | None = None,
                          auth_mechanism: Iterable[str] | None = None,
                          protocol_logging: str | None = None,
                          auth_tarpit_interval: timedelta | float | None = None,
                          tarpit_interval: timedelta | float | None = None) -> ReceiveConnector:
    """Set-ReceiveConnector: change who may connect, what they may do, how they log on (and how
    long a failed logon waits for its answer), how long a blocked recipient waits for its
    refusal, and whether the connector keeps a protocol log."""
    c = find_receive_connector(org, server, name)
    if c.implicit:
        raise _error(f"The operation couldn't be performed because object '{c.server}\\{c.name}' couldn't be "
                     f"found. It is the implicit receive connector of {c.service}, built into the service: "
                     f"Get-ReceiveConnector does not list it and Set-ReceiveConnector cannot change it.")
    if auth_tarpit_interval is not None:
        c.auth_tarpit_interval = _interval(auth_tarpit_interval, "AuthTarpitInterval")
    if tarpit_interval is not None:
        c.tarpit_interval = _interval(tarpit_interval, "TarpitInterval", most=MAX_TARPIT_INTERVAL)
    if protocol_logging is not None:
        if protocol_logging not in LEVELS:
            raise _error(f"'{protocol_logging}' is not a ProtocolLoggingLevel. Use None or Verbose.")
        c.protocol_logging = protocol_logging
    if auth_mechanism is not None:
        c.auth_mechanisms = _mechanisms(auth_mechanism)
    if permission_groups is not None:
        c.permission_groups = _groups(permission_groups)
    if remote_ip_ranges is not None:
        c.remote_ip_ranges = _ranges(remote_ip_ranges)
    if enabled is not None:
        c.enabled = bool(enabled)
    if max_message_size is not None:
        if max_message_size <= 0:
            raise _error("MaxMessageSize must be a positive number of bytes.")
        c.max_message_size = int(max_message_size)
    return c


#: Set-ReceiveConnector -TarpitInterval takes 00:00:00 to 00:10:00 (recipient filtering page).
MAX_TARPIT_INTERVAL = timedelta(minutes=10)


def _interval(value: object, parameter: str, most: timedelta | None = None) -> timedelta:
    """A time span given as a timedelta or as seconds: zero or more, finite, at most `most`."""
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        raise _error(f"{parameter} is a time span: a timedelta or a number of seconds, like 5, not {value!r}.")
    if not math.isfinite(seconds) or seconds < 0:
        raise _error(f"{parameter} must be zero or more seconds, not {value!r}.")
    if most is not None and seconds > most.total_seconds():
        raise _error(f"{parameter} must be from 00:00:00 to {_hms(most)}, not {value!r}.")
    return timedelta(seconds=seconds)


def _hms(span: timedelta) -> str:
    """A time span as Exchange writes one: 00:10:00."""
    total = int(span.total_seconds())
    return f"{total // 3600:02d}:{total // 60 % 60:02d}:{total % 60:02d}"


def new_receive_connector(org: Organization, server: str, name: str, *, remote_ip_ranges: Iterable[str],
                          port: int = 25, permission_groups: Iterable[str] = (ANONYMOUS,),
                          anonymous_relay: bool = False, service: str | None = None) -> ReceiveConnector:
    """New-ReceiveConnector, e.g. a relay connector for a device: its IP only, Anonymous, and
    ms-Exch-SMTP-Accept-Any-Recipient for ANONYMOUS LOGON (`anonymous_relay=True`).

    On a Client Access server it belongs to Front End Transport (TransportRole
    FrontendTransport), as Microsoft advises for relay connectors; elsewhere to the server's
    own transport service."""
    srv = org.server(server)
    if any(c.name.lower() == name.lower() for c in org.connectors_of(srv.name)):
        raise _error(f"A receive connector named '{name}' already exists on {srv.name}.")
    svc_name = service or (FRONT_END_TRANSPORT if FRONT_END_TRANSPORT in srv.services else srv.services[0]
                           if srv.services else "")
    if svc_name not in srv.services:
        raise _error(f"{srv.name} does not run '{svc_name}'. It runs: {', '.join(srv.services) or 'nothing'}.")
    if not 0 < port < 65536:
        raise _error(f"{port} is not a TCP port (1-65535).")
    for other in org.connectors_of(srv.name):
        if other.port == port and other.service != svc_name:
            raise _error(f"Port {port} on {srv.name} already belongs to '{other.name}' of {other.service}; "
                         f"two services can't listen on one port (they would fight over it).")
    ranges = _ranges(remote_ip_ranges)
    for r in ranges:
        lo, hi = _bounds(r)
        if isinstance(lo, ipaddress.IPv6Address) or isinstance(hi, ipaddress.IPv6Address):
            raise _error("The lab's simulated network is IPv4 only: give IPv4 ranges.")
    c = ReceiveConnector(name, srv.name, svc_name, port, _groups(permission_groups), ranges,
                         description="Created with New-ReceiveConnector", anonymous_relay=anonymous_relay)
    org.receive_connectors.append(c)
    return c


def send_connector_table(org: Organization) -> Table[SendConnectorRow]:
    """Get-SendConnector."""
    rows = [SendConnectorRow(c.name, ", ".join(f"SMTP:{a};{c.cost}" for a in c.address_spaces),
                             ", ".join(c.source_servers), ", ".join(c.smart_hosts) or "", c.frontend_proxy,
                             c.cost) for c in org.send_connectors]
    return Table(rows, SEND_COLUMNS)


def new_send_connector(org: Organization, name: str, *, address_spaces: Iterable[str] = ("*",),
                       source_servers: Iterable[str] | None = None, frontend_proxy: bool = False,
                       cost: int = 1, smart_hosts: Iterable[str] = ()) -> SendConnector:
    """New-SendConnector: where mail for `address_spaces` leaves the organization; by DNS (the
    MX record), or to `smart_hosts` (-SmartHosts, "Route mail through smart hosts": the one
    way to reach the other mail system of a relay domain, whose MX is the organization)."""
    if any(c.name.lower() == name.lower() for c in org.send_connectors):
        raise _error(f"A send connector named '{name}' already exists.")
    spaces = tuple(a.strip().lower() for a in ([address_spaces] if isinstance(address_spaces, str)
                                               else address_spaces))
    if not spaces:
        raise _error("Give at least one address space, e.g. '*' for the whole Internet.")
    mailbox_servers = [s.name for s in org.servers if s.has_role("Mailbox") and s.version >= 2013]
    sources = tuple(org.server(s).name for s in source_servers) if source_servers else tuple(mailbox_servers)
    for s in sources:
        if s not in mailbox_servers:
            raise _error(f"{s} can't be a source server: only Exchange 2013 Mailbox servers run the "
                         f"Transport service that sends through send connectors.")
    hosts = tuple(h.strip() for h in ([smart_hosts] if isinstance(smart_hosts, str) else smart_hosts))
    if any(not h or " " in h for h in hosts):
        raise _error(f"A smart host is a host name or an IP address, not {', '.join(map(repr, hosts))}.")
    c = SendConnector(name, spaces, sources, cost=cost, frontend_proxy=frontend_proxy, smart_hosts=hosts)
    org.send_connectors.append(c)
    return c


def find_send_connector(org: Organization, name: str) -> SendConnector:
    for c in org.send_connectors:
        if c.name.lower() == name.lower():
            return c
    names = ", ".join(c.name for c in org.send_connectors) or "none"
    raise _error(f"The operation couldn't be performed because object '{name}' couldn't be found. "
                 f"Send connectors: {names}.")
