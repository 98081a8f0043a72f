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

from . import arguments
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
    Default Mailbox Delivery connector of Mailbox Transport Delivery (port 475) is not listed, as in
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
    srv = org.server(arguments.name(server, "server"))
    name = arguments.name(name, "receive connector")
    for c in org.connectors_of(srv.name):
        if c.name.lower() == name.lower():
            return c
    names = ", ".join(c.name for c in org.connectors_of(srv.name)) or "none"
    raise _error(f"The operation couldn't be performed because object '{srv.name}\\{name}' couldn't "
                 f"be found. Receive connectors on {srv.name}: {names}.")


def _groups(groups: Iterable[str]) -> tuple[str, ...]:
    found = arguments.names(groups, "PermissionGroups")
    for g in found:
        if g not in PERMISSION_GROUPS:
            raise _error(f"'{g}' is not a permission group. Use any of: {', '.join(PERMISSION_GROUPS)}.")
    return found


#: Set-ReceiveConnector -AuthMechanism values the lab knows ("None" is the empty list).
AUTH_MECHANISMS = ("TLS", "BasicAuth", "BasicAuthRequireTLS", "ExchangeServer", "Integrated")


def _mechanisms(mechanisms: Iterable[str]) -> tuple[str, ...]:
    """AuthMechanism values, checked: BasicAuthRequireTLS only makes sense with BasicAuth and TLS."""
    found = tuple(m for m in arguments.names(mechanisms, "AuthMechanism") if m != "None")
    for m in found:
        if m not in AUTH_MECHANISMS:
            raise _error(f"'{m}' is not an authentication mechanism. "
                         f"Use any of: {', '.join(AUTH_MECHANISMS)}, or None.")
    if "BasicAuthRequireTLS" in found and not {"BasicAuth", "TLS"} <= set(found):
        raise _error("BasicAuthRequireTLS needs BasicAuth and TLS on the same connector.")
    return found


def _ranges(ranges: Iterable[str]) -> tuple[str, ...]:
    found = tuple(r.strip() for r in arguments.names(ranges, "RemoteIPRanges"))
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
                          tarpit_interval: timedelta | float | None = None,
                          max_inbound_connection: int | str | None = None,
                          max_inbound_connection_per_source: int | str | None = None,
                          max_inbound_connection_percentage_per_source: int | None = None,
                          connection_timeout: timedelta | float | None = None,
                          connection_inactivity_timeout: timedelta | float | None = None,
                          tls_domain_capabilities: Iterable[str] | None = None,
                          bindings: str | int | None = None) -> ReceiveConnector:
    """Set-ReceiveConnector: change who may connect, what they may do, how they log on (and how
    long a failed logon waits for its answer), how long a blocked recipient waits for its
    refusal, whether the connector keeps a protocol log, its connection limits (how many
    sessions at once: in all, from one source, as a percentage of all; "Unlimited" lifts the
    first two; and how long a session may last and stay idle), and which certificate names earn
    which capability (-TlsDomainCapabilities `<name>:AcceptCloudServicesMail`, hybrid), and the
    port it listens on (-Bindings 0.0.0.0:25, or just the port)."""
    c = find_receive_connector(org, server, name)
    if c.implicit:
        raise _error(f"The operation couldn't be performed because object '{c.server}\\{c.name}' couldn't be "
                     f"found. It is the implicit receive connector of {c.service}, built into the service: "
                     f"Get-ReceiveConnector does not list it and Set-ReceiveConnector cannot change it.")
    if tls_domain_capabilities is not None:
        names = [tls_domain_capabilities] if isinstance(tls_domain_capabilities, str) else tls_domain_capabilities
        c.tls_domain_capabilities = tuple(arguments.text(x, "TlsDomainCapabilities") for x in names)
    if bindings is not None:
        port = _binding_port(bindings)
        _port_free(org, c.server, c.service, port, c)
        c.port = port
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
        c.enabled = arguments.flag(enabled, "Enabled")
    if max_message_size is not None:
        c.max_message_size = arguments.byte_size(max_message_size, "MaxMessageSize")
    _set_connection_limits(c, max_inbound_connection, max_inbound_connection_per_source,
                           max_inbound_connection_percentage_per_source, connection_timeout,
                           connection_inactivity_timeout)
    return c


#: The largest value of an Int32 parameter (Exchange's Unlimited<Int32> and Int32 types).
INT32_MAX = 2**31 - 1


def _unlimited(value: object, parameter: str) -> int | None:
    """An Unlimited<Int32> parameter: a whole number from 1 up, or "Unlimited" (None)."""
    if isinstance(value, str) and value.lower() == "unlimited":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= INT32_MAX:
        raise _error(f"{parameter} takes a whole number from 1 to {INT32_MAX:,} or 'Unlimited', not {value!r}.")
    return value


def _set_connection_limits(c: ReceiveConnector, total: object, per_source: object, percentage: object,
                           lifetime: object, inactivity: object) -> None:
    """The connection limits of Set-ReceiveConnector, each checked before any is changed."""
    changes: dict[str, object] = {}
    if total is not None:
        changes["max_inbound_connection"] = _unlimited(total, "MaxInboundConnection")
    if per_source is not None:
        changes["max_inbound_connection_per_source"] = _unlimited(per_source, "MaxInboundConnectionPerSource")
    if percentage is not None:
        if isinstance(percentage, bool) or not isinstance(percentage, int) or not 1 <= percentage <= 100:
            raise _error(f"MaxInboundConnectionPercentagePerSource takes a whole number from 1 to 100, "
                         f"not {percentage!r}.")
        changes["max_inbound_connection_percentage_per_source"] = percentage
    span_lifetime = c.connection_timeout if lifetime is None else _interval(lifetime, "ConnectionTimeout")
    span_idle = (c.connection_inactivity_timeout if inactivity is None
                 else _interval(inactivity, "ConnectionInactivityTimeout"))
    if not span_idle.total_seconds() > 0:
        raise _error("ConnectionInactivityTimeout must be more than 00:00:00.")
    if span_lifetime <= span_idle:
        raise _error(f"ConnectionTimeout ({_hms(span_lifetime)}) must be longer than "
                     f"ConnectionInactivityTimeout ({_hms(span_idle)}).")
    for name, value in changes.items():
        setattr(c, name, value)
    c.connection_timeout, c.connection_inactivity_timeout = span_lifetime, span_idle


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
    srv = org.server(arguments.name(server, "server"))
    name = arguments.name(name, "receive connector")
    anonymous_relay = arguments.flag(anonymous_relay, "anonymous_relay (ms-Exch-SMTP-Accept-Any-Recipient)")
    if any(c.name.lower() == name.lower() for c in org.connectors_of(srv.name)):
        raise _error(f"A receive connector named '{name}' already exists on {srv.name}.")
    svc_name = service or (FRONT_END_TRANSPORT if FRONT_END_TRANSPORT in srv.services else srv.services[0]
                           if srv.services else "")
    if svc_name not in srv.services:
        raise _error(f"{srv.name} does not run '{svc_name}'. It runs: {', '.join(srv.services) or 'nothing'}.")
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise _error(f"{port!r} is not a TCP port (1-65535).")
    _port_free(org, srv.name, svc_name, port)
    ranges = _ranges(remote_ip_ranges)
    for r in ranges:
        lo, hi = _bounds(r)
        if isinstance(lo, ipaddress.IPv6Address) or isinstance(hi, ipaddress.IPv6Address):
            raise _error("The lab's simulated network is IPv4 only: give IPv4 ranges.")
    c = ReceiveConnector(name, srv.name, svc_name, port, _groups(permission_groups), ranges,
                         description="Created with New-ReceiveConnector", anonymous_relay=anonymous_relay)
    org.receive_connectors.append(c)
    return c


def _port_free(org: Organization, server: str, service: str, port: int, moving: ReceiveConnector | None = None) -> None:
    """A port of `server` that no other service listens on (two services would fight over it)."""
    for other in org.connectors_of(server):
        if other.port == port and other.service != service and other is not moving:
            raise _error(f"Port {port} on {server} already belongs to '{other.name}' of {other.service}; "
                         f"two services can't listen on one port (they would fight over it).")


def _binding_port(bindings: object) -> int:
    """-Bindings as the lab takes it: '0.0.0.0:25' (all IPv4 addresses, as Exchange lists it) or 25."""
    text = str(bindings)
    address, _, port = text.rpartition(":")
    if isinstance(bindings, bool) or not (isinstance(bindings, int) or (address in ("0.0.0.0", "[::]")
                                                                          and port.isdigit())):
        raise _error(f"Bindings is an address and a port, like 0.0.0.0:25 (the lab listens on all of a "
                     f"server's addresses), not {bindings!r}.")
    number = bindings if isinstance(bindings, int) else int(port)
    if not 0 < number < 65536:
        raise _error(f"{number} is not a TCP port (1-65535).")
    return number


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
    name = arguments.name(name, "send connector")
    frontend_proxy = arguments.flag(frontend_proxy, "FrontendProxyEnabled")
    cost = arguments.whole(cost, "Cost", 1, 100)
    hosts = _smart_hosts(smart_hosts)
    if any(c.name.lower() == name.lower() for c in org.send_connectors):
        raise _error(f"A send connector named '{name}' already exists.")
    spaces = _address_spaces(address_spaces)
    mailbox_servers = [s.name for s in org.servers if s.has_role("Mailbox") and s.version >= 2013]
    sources = (tuple(org.server(s).name for s in arguments.names(source_servers, "SourceTransportServers"))
               if source_servers else tuple(mailbox_servers))
    for s in sources:
        if s not in mailbox_servers:
            raise _error(f"{s} can't be a source server: only Exchange 2013 Mailbox servers run the "
                         f"Transport service that sends through send connectors.")
    c = SendConnector(name, spaces, sources, cost=cost, frontend_proxy=frontend_proxy, smart_hosts=hosts)
    org.send_connectors.append(c)
    return c


def _smart_hosts(smart_hosts: object) -> tuple[str, ...]:
    """-SmartHosts: host names or IP addresses (none: the connector routes by DNS)."""
    hosts = tuple(h.strip() for h in arguments.names(smart_hosts, "SmartHosts"))
    if any(not h or " " in h for h in hosts):
        raise _error(f"A smart host is a host name or an IP address, not {', '.join(map(repr, hosts))}.")
    return hosts


def _address_spaces(address_spaces: object) -> tuple[str, ...]:
    """-AddressSpaces: '*', a domain, or '*.domain'; at least one."""
    spaces = tuple(a.strip().lower() for a in arguments.names(address_spaces, "AddressSpaces"))
    if not spaces:
        raise _error("Give at least one address space, e.g. '*' for the whole Internet.")
    return spaces


def set_send_connector(org: Organization, name: str, *, frontend_proxy: bool | None = None,
                       smart_hosts: Iterable[str] | None = None,
                       address_spaces: Iterable[str] | None = None) -> SendConnector:
    """Set-SendConnector -FrontendProxyEnabled, -SmartHosts and -AddressSpaces: every value is
    checked before any changes."""
    proxy = None if frontend_proxy is None else arguments.flag(frontend_proxy, "FrontendProxyEnabled")
    hosts = None if smart_hosts is None else _smart_hosts(smart_hosts)
    spaces = None if address_spaces is None else _address_spaces(address_spaces)
    c = find_send_connector(org, name)
    if proxy is not None:
        c.frontend_proxy = proxy
    if hosts is not None:
        c.smart_hosts = hosts
    if spaces is not None:
        c.address_spaces = spaces
    return c


def find_send_connector(org: Organization, name: str) -> SendConnector:
    name = arguments.name(name, "send connector")
    for c in org.send_connectors:
        if c.name.lower() == name.lower():
            return c
    names = ", ".join(c.name for c in org.send_connectors) or "none"
    raise _error(f"The operation couldn't be performed because object '{name}' couldn't be found. "
                 f"Send connectors: {names}.")
