"""The organization as Active Directory describes it: plain data, no I/O.

A scenario builds an `Organization`; a `Lab` starts it. Defaults here (connector names,
ports, permission groups, size limits) come from the fact sheet, §0.1 and §2.1.
"""
from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass, field
from datetime import timedelta, timezone

from .errors import LabError
from .hybrid import RemoteMailbox, Tenant


@dataclass(frozen=True)
class Endpoint:
    """A simulated address and an Exchange port, e.g. Endpoint("10.0.0.12", 475)."""
    ip: str
    port: int

    def __str__(self) -> str:
        return f"{self.ip}:{self.port}"


# Transport services, by the names the Services console shows (Windows service in brackets).
FRONT_END_TRANSPORT = "Front End Transport"            # MSExchangeFrontEndTransport, on CAS
TRANSPORT = "Transport"                                # MSExchangeTransport, on Mailbox
MAILBOX_TRANSPORT_SUBMISSION = "Mailbox Transport Submission"   # MSExchangeSubmission
MAILBOX_TRANSPORT_DELIVERY = "Mailbox Transport Delivery"       # MSExchangeDelivery
HUB_TRANSPORT_2010 = "Hub Transport"                   # Exchange 2010 MSExchangeTransport
EDGE_TRANSPORT = "Edge Transport"                      # Edge Transport server

# The other two names Windows gives each service: Get-Service's Name and its DisplayName
# (Microsoft, "Overview of Exchange services on Exchange servers",
# https://learn.microsoft.com/en-us/exchange/plan-and-deploy/deployment-ref/services-overview;
# that page is written for 2016 and 2019: the same names on 2013 are INFERRED). The Edge and
# the 2010 Hub run the same MSExchangeTransport as a 2013 Mailbox server.
WINDOWS_NAMES: dict[str, tuple[str, str]] = {
    FRONT_END_TRANSPORT: ("MSExchangeFrontEndTransport", "Microsoft Exchange Frontend Transport"),
    TRANSPORT: ("MSExchangeTransport", "Microsoft Exchange Transport"),
    MAILBOX_TRANSPORT_SUBMISSION: ("MSExchangeSubmission", "Microsoft Exchange Mailbox Transport Submission"),
    MAILBOX_TRANSPORT_DELIVERY: ("MSExchangeDelivery", "Microsoft Exchange Mailbox Transport Delivery"),
    HUB_TRANSPORT_2010: ("MSExchangeTransport", "Microsoft Exchange Transport"),
    EDGE_TRANSPORT: ("MSExchangeTransport", "Microsoft Exchange Transport"),
}


def service_names(service: str) -> tuple[str, ...]:
    """Every name Exchange uses for a transport service: the role's service name (as the lab
    and the Exchange docs write it), Get-Service's Name and its DisplayName."""
    return (service, *WINDOWS_NAMES.get(service, ()))


def names_service(name: str, service: str) -> bool:
    """Whether `name` is one of `service`'s names, ignoring case and spaces: "Front End
    Transport", "MSExchangeFrontEndTransport" and "Microsoft Exchange Frontend Transport" all
    name the same service (the `via Frontend Transport` of a header writes it as one word)."""
    def squeeze(text: str) -> str:
        return "".join(text.split()).casefold()
    return squeeze(name) in {squeeze(n) for n in service_names(service)}

# Builds (fact sheet §3.3).
BUILD_2013_SP1 = "15.0.847.32"
BUILD_2010_SP3 = "14.3.123.4"
#: Exchange 2013 CU23, the last update (fact sheet §3.3): what a 2013 server runs beside 2019.
BUILD_2013_CU23 = "15.0.1497.2"
#: Microsoft's build-number page (https://learn.microsoft.com/exchange/new-features/build-numbers-and-release-dates)
#: as pages that quote it give them: Exchange 2019 CU15 with the April 2025 hotfix update,
#: 2019 CU14 with the same update, and Exchange Server SE RTM (July 2025).
BUILD_2019_CU15 = "15.2.1748.24"
BUILD_2019_CU14 = "15.2.1544.25"
BUILD_SE_RTM = "15.2.2562.17"
#: Subscription Edition keeps 2019's 15.2 builds; its own start at 2562 (SE RTM).
SE_FIRST_BUILD = 2562

# Permission groups on receive connectors and the rights that matter for mail flow (§2.1).
ANONYMOUS = "AnonymousUsers"
EXCHANGE_USERS = "ExchangeUsers"
EXCHANGE_SERVERS = "ExchangeServers"
EXCHANGE_LEGACY_SERVERS = "ExchangeLegacyServers"
PARTNERS = "Partners"

ALL_IPV4 = "0.0.0.0-255.255.255.255"
MB = 1024 * 1024


@dataclass
class Site:
    """An Active Directory site; a hub site forces routing through itself (§7)."""
    name: str
    hub_site: bool = False


#: Exchange accepts site link costs from 1 to 99,999 (Set-AdSiteLink -ExchangeCost).
MIN_LINK_COST, MAX_LINK_COST = 1, 99_999


def link_cost(value: object) -> int:
    """An IP site link's -ExchangeCost: a whole number from 1 to 99,999."""
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_LINK_COST <= value <= MAX_LINK_COST:
        raise LabError(f"ExchangeCost must be a whole number from {MIN_LINK_COST} to {MAX_LINK_COST:,}, "
                       f"not {value!r}.")
    return value


@dataclass
class SiteLink:
    """An IP site link between two sites; Exchange sums these costs for least-cost routing."""
    name: str
    sites: tuple[str, str]
    cost: int = 100


@dataclass
class DnsLookups:
    """How one transport service on one server looks up the organization's servers in DNS
    (EAC: Servers > server > DNS lookups, "Internal DNS lookups"; Set-TransportService and
    Set-FrontendTransportService -InternalDNSAdapterEnabled / -InternalDNSServers).

    By default it asks the DNS servers of the network adapter ("All network adapters"); the
    list of its own is used only once the adapter is turned off (TransportServer
    InternalDNSServers property: "You must set the value of the InternalDNSAdapterEnabled
    property to false to use the list")."""
    adapter_enabled: bool = True
    servers: tuple[str, ...] = ()


@dataclass
class Server:
    """An Exchange server: a name, a simulated IP, a version and its roles."""
    name: str
    ip: str
    domain: str
    version: int = 2013                      # 2013, 2010, or 2016 and later (2019, and SE as 2019)
    roles: tuple[str, ...] = ("ClientAccess", "Mailbox")
    site: str = "Default-First-Site-Name"
    build: str = BUILD_2013_SP1
    #: Internal DNS lookups of the Transport service (Set-TransportService), which Mailbox
    #: Transport Submission on the same server uses too (Set-MailboxTransportService has no
    #: DNS parameters), and of Front End Transport (Set-FrontendTransportService).
    transport_dns: DnsLookups = field(default_factory=DnsLookups)
    frontend_dns: DnsLookups = field(default_factory=DnsLookups)
    #: Set-ServerComponentState (see `maintenance`): component -> requester -> state; a
    #: component nobody has set is Active.
    component_states: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def fqdn(self) -> str:
        return f"{self.name}.{self.domain}"

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def edition(self) -> str:
        """`2010`, `2013`, `2019` or `SE`: Subscription Edition is 2019's code (version 2019)
        with builds from 15.2.2562 on."""
        parts = self.build.split(".")
        if self.version == 2019 and len(parts) > 2 and parts[2].isdigit() and int(parts[2]) >= SE_FIRST_BUILD:
            return "SE"
        return str(self.version)

    @property
    def client_access_services(self) -> bool:
        """Whether Front End Transport runs here: on a 2013 Client Access server, and on every
        Mailbox server from Exchange 2016 on, where the Mailbox role holds the Client Access
        services (fact sheet, receive connectors section: 2016/2019 put all services on one
        Mailbox server)."""
        return self.has_role("ClientAccess") or (self.version >= 2016 and self.has_role("Mailbox"))

    @property
    def services(self) -> tuple[str, ...]:
        """The transport services this server runs, in the order mail meets them."""
        if "Edge" in self.roles:
            return (EDGE_TRANSPORT,)
        if self.version == 2010:
            return (HUB_TRANSPORT_2010,) if self.has_role("HubTransport") else ()
        found: list[str] = []
        if self.client_access_services:
            found.append(FRONT_END_TRANSPORT)
        if self.has_role("Mailbox"):
            found += [TRANSPORT, MAILBOX_TRANSPORT_SUBMISSION, MAILBOX_TRANSPORT_DELIVERY]
        return tuple(found)


#: Set-ReceiveConnector's defaults for -ConnectionTimeout and -ConnectionInactivityTimeout on a
#: Mailbox or Client Access server (see ReceiveConnector).
CONNECTION_TIMEOUT = timedelta(minutes=10)
CONNECTION_INACTIVITY_TIMEOUT = timedelta(minutes=5)


@dataclass
class ReceiveConnector:
    """A receive connector: which service listens on which port, for whom (§2.1)."""
    name: str
    server: str
    service: str
    port: int
    permission_groups: tuple[str, ...]
    remote_ip_ranges: tuple[str, ...] = (ALL_IPV4,)
    auth_mechanisms: tuple[str, ...] = ("TLS", "BasicAuth", "BasicAuthRequireTLS", "ExchangeServer", "Integrated")
    max_message_size: int = 36 * MB
    description: str = ""
    enabled: bool = True
    #: ms-Exch-SMTP-Accept-Any-Recipient granted to ANONYMOUS LOGON: a relay connector for a
    #: device (allow-anonymous-relay doc). Off on every default connector.
    anonymous_relay: bool = False
    #: -ProtocolLoggingLevel: None on every connector by default in Exchange 2013 (§8.2), or Verbose.
    protocol_logging: str = "None"
    #: -MaxRecipientsPerMessage: 5000 on Default, 200 on Client Proxy and the Front End
    #: connectors (§2.1); past it a recipient gets 452 4.5.3 and is sent again later.
    max_recipients: int = 5000
    #: -AuthTarpitInterval: how long the connector waits before it answers a failed logon
    #: (Set-ReceiveConnector; 5 seconds by default, §4.2).
    auth_tarpit_interval: timedelta = timedelta(seconds=5)
    #: -TarpitInterval: how long the connector waits before it refuses a recipient the Recipient
    #: Filter blocked (`550 5.1.1 User unknown`), to slow down directory harvesting (recipient
    #: filtering page; 5 seconds by default, 0 to 10 minutes, §5.2).
    tarpit_interval: timedelta = timedelta(seconds=5)
    #: Connection limits (Set-ReceiveConnector, defaults as Exchange's): -MaxInboundConnection,
    #: sessions the connector serves at once (None: Unlimited); -MaxInboundConnectionPerSource,
    #: from one source; -MaxInboundConnectionPercentagePerSource, the share of
    #: MaxInboundConnection one source may hold. Past either: 421 4.3.2 and the connection closes.
    max_inbound_connection: int | None = 5000
    max_inbound_connection_per_source: int | None = 20
    max_inbound_connection_percentage_per_source: int = 2
    #: -ConnectionTimeout, the longest a session may last (00:10:00 on Mailbox servers,
    #: 00:05:00 on an Edge), and -ConnectionInactivityTimeout, the longest it may stay idle
    #: (00:05:00; 00:01:00 on an Edge); the first must be longer than the second (Set-
    #: ReceiveConnector reference; CIS's Exchange benchmark quotes 00:10:00 and the rule).
    #: The listener holds a real client to them in real seconds (they guard real sockets); the
    #: sessions the lab's own senders keep open end by them in virtual time (`SessionCache`).
    connection_timeout: timedelta = CONNECTION_TIMEOUT
    connection_inactivity_timeout: timedelta = CONNECTION_INACTIVITY_TIMEOUT
    #: -MaxHopCount: the most Received headers a message may bring (30 by default), and
    #: -MaxLocalHopCount: the most of them written by this server (8 by default); past either
    #: the message is refused as a mail loop (Set-ReceiveConnector reference).
    max_hop_count: int = 30
    max_local_hop_count: int = 8
    #: An implicit connector is built into its service, not an object in Active Directory:
    #: Get-ReceiveConnector does not list it and Set-ReceiveConnector cannot change it
    #: (Mailbox Transport Delivery's, port 475).
    implicit: bool = False
    #: -TlsDomainCapabilities: `<certificate name>:AcceptCloudServicesMail` grants a caller that
    #: presents that certificate the rights of cross-premises mail (Hybrid Configuration Wizard).
    tls_domain_capabilities: tuple[str, ...] = ()

    def per_source_limit(self) -> int | None:
        """The most sessions one source may hold: MaxInboundConnectionPerSource, and no more
        than MaxInboundConnectionPercentagePerSource of MaxInboundConnection (None: no limit)."""
        limits = [n for n in (self.max_inbound_connection_per_source,) if n is not None]
        if self.max_inbound_connection is not None:
            share = self.max_inbound_connection * self.max_inbound_connection_percentage_per_source // 100
            limits.append(max(1, share))
        return min(limits) if limits else None

    def accepts_ip(self, ip: str) -> bool:
        """True when `ip` is inside one of the connector's RemoteIPRanges."""
        return any(_in_range(ip, r) for r in self.remote_ip_ranges)

    def specificity(self, ip: str) -> int:
        """Addresses in the narrowest matching range: smaller is more specific (wins)."""
        sizes = [_range_size(r) for r in self.remote_ip_ranges if _in_range(ip, r)]
        return min(sizes) if sizes else 2**128


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class MixedVersions(ValueError):
    """A range whose two ends are not the same IP version."""


def _bounds(r: str) -> tuple[IPAddress, IPAddress]:
    """The first and last address of a RemoteIPRanges entry (an address, lo-hi, or CIDR)."""
    if "-" in r:
        lo_text, hi_text = r.split("-", 1)
        lo, hi = ipaddress.ip_address(lo_text.strip()), ipaddress.ip_address(hi_text.strip())
        if lo.version != hi.version:
            raise MixedVersions(r)
        return lo, hi
    net = ipaddress.ip_network(r.strip(), strict=False)
    return net[0], net[-1]


@functools.lru_cache(maxsize=1024)
def _span(r: str) -> tuple[int, int, int]:
    """A range as (IP version, first, last) numbers: what `_in_range` compares.

    Remembered: the lab's own senders ask which connector they meet on every hop, and a range
    is the same text every time (an invalid one raises and is not remembered)."""
    lo, hi = _bounds(r)
    return lo.version, int(lo), int(hi)


@functools.lru_cache(maxsize=1024)
def _number(ip: str) -> tuple[int, int]:
    """An address as (IP version, number)."""
    addr = ipaddress.ip_address(ip)
    return addr.version, int(addr)


def _in_range(ip: str, r: str) -> bool:
    version, lo, hi = _span(r)
    addr_version, addr = _number(ip)
    return addr_version == version and lo <= addr <= hi


def _range_size(r: str) -> int:
    _, lo, hi = _span(r)
    return hi - lo + 1


@dataclass
class SendConnector:
    """A send connector: where mail for some address spaces leaves, and through which servers."""
    name: str
    address_spaces: tuple[str, ...]          # "*" or "contoso.com" or "*.contoso.com"
    source_servers: tuple[str, ...]
    cost: int = 1
    frontend_proxy: bool = False             # "Proxy through Client Access server"
    smart_hosts: tuple[str, ...] = ()
    max_message_size: int = 10 * MB          # UNCERTAIN: 10 MB or 25 MB (§2.2)
    #: TLS as the Hybrid Configuration Wizard sets it on `Outbound to Office 365`: -RequireTLS,
    #: -TlsAuthLevel DomainValidation with -TlsDomain, the certificate to present
    #: (-TlsCertificateName) and -CloudServicesMailEnabled (see `hybrid`).
    require_tls: bool = False
    tls_domain: str = ""
    tls_certificate_name: str = ""
    cloud_services_mail_enabled: bool = False

    def matches(self, domain: str) -> int | None:
        """How specific this connector is for `domain` (higher wins), or None."""
        best: int | None = None
        for space in self.address_spaces:
            if space == "*":
                score = 0
            elif space.startswith("*."):
                score = len(space) if domain.endswith(space[1:]) else -1
            else:
                score = len(space) + 1000 if domain == space.lower() else -1
            if score >= 0 and (best is None or score > best):
                best = score
        return best


@dataclass
class MailboxDatabase:
    """A mailbox database; `server` is where its active copy is mounted."""
    name: str
    server: str


@dataclass
class DatabaseAvailabilityGroup:
    """A DAG: Mailbox servers that keep copies of each other's databases. In Exchange 2010 a
    member that is also a Hub Transport server changes how transport treats its own mail, so
    that a message sits in the transport dumpster of a server other than the one that holds
    the mounted database (fact sheet §0.2)."""
    name: str
    members: tuple[str, ...]


#: Every lab mailbox's password, for clients that authenticate (a lab, not a secret).
LAB_PASSWORD = "Passw0rd"


@dataclass
class Mailbox:
    address: str
    display_name: str
    database: str
    password: str = LAB_PASSWORD


#: Get-AcceptedDomain's DomainType values (see `domains`).
DOMAIN_TYPES = ("Authoritative", "InternalRelay", "ExternalRelay")


@dataclass
class AcceptedDomain:
    name: str                           # DomainName, e.g. exchange2013demo.com
    domain_type: str = "Authoritative"
    identity: str = ""                  # Name, as New-AcceptedDomain -Name gave it (else DomainName)


@dataclass
class Organization:
    """Everything Active Directory knows about the Exchange organization."""
    name: str
    domain: str
    servers: list[Server]
    databases: list[MailboxDatabase]
    mailboxes: list[Mailbox]
    sites: list[Site] = field(default_factory=lambda: [Site("Default-First-Site-Name")])
    site_links: list[SiteLink] = field(default_factory=list)
    accepted_domains: list[AcceptedDomain] = field(default_factory=list)
    receive_connectors: list[ReceiveConnector] = field(default_factory=list)
    send_connectors: list[SendConnector] = field(default_factory=list)
    dags: list[DatabaseAvailabilityGroup] = field(default_factory=list)
    mx: str | None = None                    # server whose port 25 the MX record points at
    utc_offset: timedelta = timedelta(hours=10)
    description: str = ""
    #: Set-TransportConfig -MaxSendSize / -MaxReceiveSize: organization limits, 10 MB (§5.3).
    max_send_size: int = 10 * MB
    max_receive_size: int = 10 * MB
    #: The organization's DNS servers: the domain controllers, whose Active Directory-integrated
    #: zone holds an A record for every Exchange server. Every server's network adapter uses them.
    dns_servers: tuple[str, ...] = ("10.0.0.1",)
    #: Edge Transport servers with an Edge Subscription (Get-EdgeSubscription): EdgeSync copies
    #: the recipients to their AD LDS. An Edge not listed is unsubscribed and knows none (§6).
    edge_subscriptions: list[str] = field(default_factory=list)
    #: Hybrid with Exchange Online: the tenant, and the cloud mailboxes' stand-ins on premises.
    tenant: Tenant | None = None
    remote_mailboxes: list[RemoteMailbox] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.accepted_domains:
            self.accepted_domains = [AcceptedDomain(self.domain)]
        if not self.receive_connectors:
            for s in self.servers:
                self.receive_connectors += default_receive_connectors(s, self)

    @property
    def tz(self) -> timezone:
        return timezone(self.utc_offset)

    def server(self, name: str) -> Server:
        if not isinstance(name, str):
            raise LabError(f"A server is named by a string, like 'MB1', not {name!r}.")
        for s in self.servers:
            if s.name.lower() == name.lower() or s.fqdn.lower() == name.lower():
                return s
        known = ", ".join(s.name for s in self.servers)
        raise KeyError(f"There is no server named '{name}' in {self.domain}. Servers: {known}.")

    def database(self, name: str) -> MailboxDatabase:
        for d in self.databases:
            if d.name.lower() == name.lower():
                return d
        raise KeyError(f"There is no mailbox database named '{name}'.")

    def remote_mailbox(self, address: str) -> RemoteMailbox | None:
        """The remote mailbox (a mailbox in Exchange Online) with this address."""
        return next((r for r in self.remote_mailboxes if r.address.lower() == address.lower()), None)

    def mailbox(self, address: str) -> Mailbox | None:
        """The mailbox (a user's or a database's system mailbox) with this address."""
        wanted = address.lower()
        for m in self.mailboxes:
            if m.address.lower() == wanted:
                return m
        for m in self.system_mailboxes:           # built only when no user has the address
            if m.address.lower() == wanted:
                return m
        return None

    @property
    def system_mailboxes(self) -> list[Mailbox]:
        """One system mailbox per database, which Test-Mailflow sends from and to. Exchange
        names it SystemMailbox{<GUID>}; the lab puts the database's name in the braces."""
        return [Mailbox(f"SystemMailbox{{{db.name}}}@{self.domain}", f"SystemMailbox{{{db.name}}}", db.name)
                for db in self.databases]

    @property
    def netbios_name(self) -> str:
        """The Active Directory domain's pre-Windows 2000 name, as in EXCHANGE2013DEMO\\alice."""
        return self.domain.split(".")[0].upper()

    def authenticate(self, login: str, password: str) -> Mailbox | None:
        """Basic authentication: the mailbox whose user is `login` (`alice`, the user principal
        name `alice@exchange2013demo.com` or `EXCHANGE2013DEMO\\alice`), if the password matches."""
        domain, _, user = login.rpartition("\\")
        if domain and domain.upper() != self.netbios_name:
            return None
        if "@" not in user:
            user = f"{user}@{self.domain}"
        mailbox = next((m for m in self.mailboxes if m.address.lower() == user.lower()), None)
        return mailbox if mailbox is not None and mailbox.password == password else None

    def edge_subscribed(self, edge: str) -> bool:
        """Whether the Edge `edge` has an Edge Subscription to this organization."""
        return any(e.lower() == edge.lower() for e in self.edge_subscriptions)

    def is_accepted(self, domain: str) -> bool:
        return self.domain_type(domain) is not None

    def domain_type(self, domain: str) -> str | None:
        """Authoritative, InternalRelay or ExternalRelay for an accepted domain; None otherwise."""
        return next((d.domain_type for d in self.accepted_domains if d.name.lower() == domain.lower()), None)

    def is_authoritative(self, domain: str) -> bool:
        return self.domain_type(domain) == "Authoritative"

    def size_limit(self, sender: str, recipient: str) -> int | None:
        """The organization limit on a message from `sender` to `recipient`: MaxSendSize for
        senders in the organization, MaxReceiveSize for recipients in it, the smaller of the
        two when both are inside; None when neither is (relayed mail)."""
        limits = [limit for address, limit in ((sender, self.max_send_size), (recipient, self.max_receive_size))
                  if self.is_accepted(address.rpartition("@")[2])]
        return min(limits) if limits else None

    def mailbox_server(self, mailbox: Mailbox) -> Server:
        return self.server(self.database(mailbox.database).server)

    def connectors_of(self, server: str, service: str | None = None) -> list[ReceiveConnector]:
        return [c for c in self.receive_connectors
                if c.server.lower() == server.lower() and (service is None or c.service == service)]

    def connector_at(self, endpoint: Endpoint, ip: str) -> ReceiveConnector | None:
        """The receive connector a caller from `ip` meets at `endpoint`: the enabled one on that
        server and port whose RemoteIPRanges match `ip` most specifically (None: not ours, or
        no connector covers the caller)."""
        matching = [c for s in self.servers if s.ip == endpoint.ip for c in self.connectors_of(s.name)
                    if c.port == endpoint.port and c.enabled and c.accepts_ip(ip)]
        return min(matching, key=lambda c: c.specificity(ip)) if matching else None

    def session_timeouts(self, endpoint: Endpoint, ip: str) -> tuple[timedelta, timedelta]:
        """How long a session from `ip` to `endpoint` may idle, and last, before the far side
        hangs up: its connector's ConnectionInactivityTimeout and ConnectionTimeout. A server
        outside the organization is taken to keep Exchange's defaults (INFERRED: Postfix's
        smtpd_timeout is 300 s too)."""
        connector = self.connector_at(endpoint, ip)
        if connector is None:
            return CONNECTION_INACTIVITY_TIMEOUT, CONNECTION_TIMEOUT
        return connector.connection_inactivity_timeout, connector.connection_timeout

    def dag_of(self, server: str) -> DatabaseAvailabilityGroup | None:
        """The DAG `server` is a member of, if any."""
        return next((d for d in self.dags if server.lower() in (m.lower() for m in d.members)), None)

    def site_servers(self, site: str) -> list[Server]:
        return [s for s in self.servers if s.site == site]


def transport_port(server: Server) -> int:
    """Port of the Transport service's `Default <server>` connector: 2525 where Front End
    Transport shares the machine (it already owns 25), 25 on a Mailbox-only server (§0.1).
    UNCERTAIN: no real Get-ReceiveConnector dump of a 2013 Mailbox-only server was found."""
    return 2525 if server.client_access_services else 25


def default_receive_connectors(server: Server, org: Organization | None = None) -> list[ReceiveConnector]:
    """The receive connectors Exchange setup creates on `server` (§2.1)."""
    n = server.name
    rc: list[ReceiveConnector] = []
    if "Edge" in server.roles:
        return [ReceiveConnector(
            f"Default internal receive connector {n}", n, EDGE_TRANSPORT, 25,
            (ANONYMOUS, EXCHANGE_SERVERS, PARTNERS), auth_mechanisms=("TLS", "ExchangeServer"),
            connection_timeout=timedelta(minutes=5), connection_inactivity_timeout=timedelta(minutes=1),
            description="Accepts mail from the Internet and from the subscribed Mailbox servers")]
    if server.version == 2010:
        if server.has_role("HubTransport"):
            rc += [
                ReceiveConnector(f"Default {n}", n, HUB_TRANSPORT_2010, 25,
                                 (EXCHANGE_USERS, EXCHANGE_SERVERS, EXCHANGE_LEGACY_SERVERS),
                                 max_message_size=10 * MB,
                                 description="Exchange 2010 Hub Transport default connector"),
                ReceiveConnector(f"Client {n}", n, HUB_TRANSPORT_2010, 587, (EXCHANGE_USERS,),
                                 max_message_size=10 * MB,
                                 description="Exchange 2010 authenticated client submission"),
            ]
        return rc
    if server.client_access_services:
        rc += [
            ReceiveConnector(f"Default Frontend {n}", n, FRONT_END_TRANSPORT, 25,
                             (ANONYMOUS, EXCHANGE_LEGACY_SERVERS, EXCHANGE_SERVERS), max_recipients=200,
                             description="Accepts connections from SMTP senders over port 25. "
                                         "This is the common messaging entry point into your organization"),
            ReceiveConnector(f"Outbound Proxy Frontend {n}", n, FRONT_END_TRANSPORT, 717,
                             (EXCHANGE_SERVERS,), max_recipients=200,
                             description="Accepts messages from a Send Connector on a back-end server, "
                                         "with front-end proxy enabled"),
            ReceiveConnector(f"Client Frontend {n}", n, FRONT_END_TRANSPORT, 587, (EXCHANGE_USERS,),
                             auth_mechanisms=("TLS", "BasicAuth", "BasicAuthRequireTLS", "Integrated"),
                             max_message_size=35 * MB, max_recipients=200,
                             description="Accepts secure connections, with Transport Layer Security (TLS) applied"),
        ]
    if server.has_role("Mailbox"):
        rc += [
            ReceiveConnector(f"Default {n}", n, TRANSPORT, transport_port(server),
                             (EXCHANGE_LEGACY_SERVERS, EXCHANGE_SERVERS, EXCHANGE_USERS),
                             auth_mechanisms=("TLS", "BasicAuth", "ExchangeServer", "Integrated"),
                             max_message_size=35 * MB,
                             description="Accepts connections from Mailbox servers running the Transport "
                                         "service and from Edge servers"),
            ReceiveConnector(f"Client Proxy {n}", n, TRANSPORT, 465, (EXCHANGE_SERVERS, EXCHANGE_USERS),
                             max_message_size=35 * MB, max_recipients=200,
                             description="Accepts connections from front-end servers"),
            # Named as Exchange names it: monitoring scripts read the Mailbox Transport
            # Delivery counter instance "default mailbox delivery" (MSExchangeDeliverySmtpAvailability);
            # the server's name after it, as in "Default MB1", is INFERRED.
            ReceiveConnector(f"Default Mailbox Delivery {n}", n, MAILBOX_TRANSPORT_DELIVERY, 475,
                             (EXCHANGE_SERVERS,), auth_mechanisms=("ExchangeServer",),
                             description="The implicit, invisible mailbox delivery Receive connector "
                                         "of Mailbox Transport Delivery", implicit=True),
        ]
    return rc
