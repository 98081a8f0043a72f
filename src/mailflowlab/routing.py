"""Where a message goes next: Exchange 2013 routing, read from Active Directory (the org).

Transport groups destinations into delivery groups (fact sheet §7): a 2013 mailbox database
outside a DAG belongs to the *mailbox delivery group* of its site and version; a 2010
database is reached through a 2010 Hub Transport server of its site (version-based routing);
an outside domain through a send connector. The answer is a `NextHop`: the queue it lands
in (its NextHopSolutionKey) and the endpoints to try, in order.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import maintenance, sites
from .hybrid import EOP_DNS_ZONE, EOP_IP
from .replies import NO_CONNECTOR
from .topology import DnsLookups, Endpoint, Organization, SendConnector, Server, transport_port

#: DNS as the categorizer asks it: the MX endpoint of a domain, or None.
ResolveMx = Callable[[str], Endpoint | None]

INTRA_ORG = "Intra-Organization SMTP Send Connector"
MAILBOX_DELIVERY_PORT = 475
OUTBOUND_PROXY_PORT = 717
#: An Edge talks SMTP on 25 both ways: to the Internet and to the Mailbox servers (§6).
EDGE_PORT = 25
#: The EdgeSync inbound connector's address space and smart host: "all accepted domains"
#: and "all Mailbox servers in the subscribed site" (§2.2).
INBOUND_SPACE = "--"
#: How specific `--` is for an accepted domain: as a domain named in full (SendConnector.matches).
INBOUND_SCORE = 1000


@dataclass(frozen=True)
class NextHop:
    """The delivery queue a recipient lands in, and who to connect to for it."""
    delivery_type: str
    next_hop_domain: str
    connector: str
    targets: tuple[tuple[str, Endpoint], ...]          # (server name, endpoint), tried in order
    category: str = "Internal"

    @property
    def key(self) -> tuple[str, str, str]:
        """The NextHopSolutionKey: one delivery queue per distinct key."""
        return (self.delivery_type, self.next_hop_domain.lower(), self.connector)


class RecipientNotFound(LookupError):
    """No mailbox has this address in an authoritative domain: the categorizer NDRs it."""


class NoRoute(LookupError):
    """No send connector covers the domain: the message waits in the Unreachable queue."""

    def __init__(self, domain: str) -> None:
        super().__init__(NO_CONNECTOR)
        self.domain = domain


def finds_servers(org: Organization, lookups: DnsLookups) -> bool:
    """Can a service with these internal DNS lookups find the organization's servers by name?

    The network adapter asks the domain controller, whose zone holds every Exchange server.
    A list of its own is asked in order, and the first server that answers decides (Exchange
    2013 help, "DNS queries and remote message delivery": "The DNS servers are queried in the
    order in which they're listed. If one of the DNS servers is unavailable, the query goes to
    the next"): a resolver outside the organization, such as 8.8.8.8, answers that
    MB1.exchange2013demo.com does not exist."""
    if lookups.adapter_enabled:
        return True
    return bool(lookups.servers) and lookups.servers[0] in org.dns_servers


def transport_endpoint(server: Server) -> Endpoint:
    """Where the Transport service (or a 2010 Hub) listens for other Exchange servers."""
    port = 25 if server.version == 2010 else transport_port(server)
    return Endpoint(server.ip, port)


def mailbox_servers(org: Organization, site: str, version: int = 2013) -> list[Server]:
    """The mailbox delivery group of `site` and `version`, by name."""
    if version == 2010:
        return sorted((s for s in org.site_servers(site)
                       if s.version == 2010 and s.has_role("HubTransport")), key=lambda s: s.name)
    return sorted((s for s in org.site_servers(site)
                   if s.version >= 2013 and s.has_role("Mailbox")), key=lambda s: s.name)


def submission_targets(org: Organization, server: Server) -> list[tuple[str, Endpoint]]:
    """Transport services Mailbox Transport Submission on `server` may hand a message to:
    the local one first, then the other 2013 Mailbox servers of its delivery group."""
    group = mailbox_servers(org, server.site)
    ordered = _taking_mail_first([server] + [s for s in group if s.name != server.name])
    return [(s.name, transport_endpoint(s)) for s in ordered if s.has_role("Mailbox")]


def _taking_mail_first(servers: list[Server]) -> list[Server]:
    """The servers whose Transport takes new mail first, those in maintenance (HubTransport
    Draining or Inactive) last: passed over, but still tried if no other answers."""
    return sorted(servers, key=lambda s: not maintenance.takes_new_mail(s))


def mail_submission_order(org: Organization, mailbox_server: Server) -> list[Server]:
    """Exchange 2010 Hub Transport servers the Mail Submission service on a 2010 Mailbox server
    notifies, in order of preference; the first that runs picks the message up.

    Its own Hub first, then the others of its site; but a DAG member "would not submit messages
    to a local Hub Transport server": it uses the other Hubs of the site and falls back to the
    local one only when no other is available (Exchange 2010 help, dd638137; fact sheet §0.2).
    Microsoft says it load-balances over the other Hubs; the lab takes them in name order."""
    hubs = mailbox_servers(org, mailbox_server.site, 2010)
    local = [h for h in hubs if h.name == mailbox_server.name]
    others = [h for h in hubs if h.name != mailbox_server.name]
    return others + local if org.dag_of(mailbox_server.name) is not None else local + others


def frontend_targets(org: Organization, frontend: Server, recipients: list[str],
                     rng_choice: Callable[[list[Server]], Server]) -> list[tuple[str, Endpoint]]:
    """Transport services Front End Transport proxies to (§1, "How FET picks a Transport server").

    With a mailbox recipient, the Mailbox servers of that mailbox's delivery group, its own
    server first; with none, a random Mailbox server of the local site, then the rest."""
    local = mailbox_servers(org, frontend.site)
    for rcpt in recipients:
        mbx = org.mailbox(rcpt)
        if mbx is None:
            continue
        home = org.mailbox_server(mbx)
        if home.version >= 2013:
            group = mailbox_servers(org, home.site)
            ordered = _taking_mail_first([home] + [s for s in group if s.name != home.name])
            return [(s.name, transport_endpoint(s)) for s in ordered]
        break
    if not local:
        return []
    first = rng_choice(local)
    ordered = _taking_mail_first([first] + [s for s in local if s.name != first.name])
    return [(s.name, transport_endpoint(s)) for s in ordered]


def remote_site_hop(org: Organization, source: str, destination: str) -> NextHop:
    """Relay to another AD site (§7): to the destination's Mailbox servers directly, or to the
    first hub site on the least-cost path; if none answers, back off along the path to the
    site closest to the destination that does, so the message queues there."""
    try:
        way = sites.plan(org, source, destination)
        order = (way.next_site, *way.backoff)
    except LookupError:
        order = (destination,)
    targets = tuple((s.name, transport_endpoint(s)) for site in order
                    for s in _taking_mail_first(mailbox_servers(org, site)))
    if order[0] == destination:
        # The destination's own Mailbox servers: a mailbox delivery group (Mail routing, 2013),
        # named `Site:<ADSiteName>;Version:<ExchangeVersion>` as the queues page gives it.
        # INFERRED: that page describes this DeliveryType for 2010 recipients only; it keeps
        # SmtpRelayToRemoteActiveDirectorySite for a site that is "an intermediate hop on the
        # way to the final destination" (a hub site, or an Edge's site), and lists no other
        # DeliveryType for a 2013 database in another site outside a DAG.
        return NextHop("SmtpRelayToMailboxDeliveryGroup", f"Site:{destination};Version:15", INTRA_ORG, targets)
    return NextHop("SmtpRelayToRemoteActiveDirectorySite", order[0], INTRA_ORG, targets)


#: The DeliveryType of a 2010 DAG member's reroute to another Hub (UNCERTAIN, see dag_reroute).
DAG_REROUTE = "SmtpRelayWithinAdSite"


def dag_reroute(database: str, hubs: list[Server]) -> NextHop:
    """Exchange 2010: a Hub Transport server that is a DAG member "attempts to reroute a message
    for a local Mailbox server to another Hub Transport server in the same site" when it has
    the recipient's database mounted locally, so that the message sits in the transport
    dumpster of a different Hub; that Hub then delivers it over MAPI (dd638137, fact sheet §0.2).

    UNCERTAIN: no source shows this queue. The lab names it with the legacy DeliveryType for a
    relay to a Hub of the same site, `SmtpRelayWithinAdSite`, and the database as its
    NextHopDomain. With no other Hub running the rerouting Hub delivers the message itself
    (`HubTransport2010.deliver`)."""
    return NextHop(DAG_REROUTE, database, INTRA_ORG,
                   tuple((h.name, transport_endpoint(h)) for h in hubs))


def pick_send_connector(org: Organization, domain: str) -> SendConnector | None:
    """The send connector with the most specific matching address space, then lowest cost."""
    scored = [(c.matches(domain), -c.cost, c.name, c) for c in org.send_connectors]
    scored = [s for s in scored if s[0] is not None]
    return max(scored, key=lambda s: s[:3])[3] if scored else None


def route(org: Organization, here: Server, recipient: str,
          resolve_mx: ResolveMx) -> NextHop:
    """The next hop for one recipient, as the categorizer on `here` sees it.

    `resolve_mx(domain)` returns the Endpoint of the domain's MX on the Internet, or None.
    Raises RecipientNotFound or NoRoute."""
    domain = recipient.rpartition("@")[2].lower()
    if here.has_role("Edge"):
        return edge_route(org, here, domain, resolve_mx)
    mbx = org.mailbox(recipient) if org.is_accepted(domain) else None
    remote = org.remote_mailbox(recipient) if mbx is None else None
    if remote is not None:
        # A mailbox in Exchange Online: routed by its RemoteRoutingAddress, which the send
        # connector for the tenant's routing domain matches (`hybrid`).
        domain = remote.remote_routing_address.rpartition("@")[2].lower()
    elif mbx is None and org.is_authoritative(domain):
        raise RecipientNotFound(recipient)
    # A relay domain's recipient without a mailbox here goes out by a send connector, as any
    # outside domain's does (InternalRelay, ExternalRelay: see `domains`).
    if mbx is not None:
        db = org.database(mbx.database)
        home = org.server(db.server)
        if home.version == 2010 and here.version == 2010 and home.site == here.site:
            if home.name == here.name and org.dag_of(here.name) is not None:
                others = [h for h in mailbox_servers(org, here.site, 2010) if h.name != here.name]
                if others:
                    return dag_reroute(db.name, others)
            # A 2010 Hub's store driver delivers to its own site's databases over MAPI.
            return NextHop("MapiDelivery", db.name, "", ((home.name, Endpoint(home.ip, 135)),))
        if here.version == 2010:
            # A 2010 Hub cannot talk to Mailbox Transport Delivery: it relays over port 25 to
            # the 2013 Mailbox servers. That is Transport on a Mailbox-only server; on a
            # multi-role server it is Front End Transport (INFERRED + SAMPLE, fact sheet §7).
            group = mailbox_servers(org, home.site)
            return NextHop("SmtpRelayWithinAdSite", f"Site:{home.site};Version:15", INTRA_ORG,
                           tuple((s.name, Endpoint(s.ip, 25)) for s in group))
        if home.version == 2010:
            hubs = mailbox_servers(org, home.site, 2010)
            return NextHop("SmtpRelayToMailboxDeliveryGroup", f"Site:{home.site};Version:14",
                           INTRA_ORG, tuple((h.name, transport_endpoint(h)) for h in hubs))
        if home.site == here.site:
            return NextHop("SmtpDeliveryToMailbox", db.name, INTRA_ORG,
                           ((home.name, Endpoint(home.ip, MAILBOX_DELIVERY_PORT)),))
        return remote_site_hop(org, here.site, home.site)
    connector = pick_send_connector(org, domain)
    if connector is None:
        raise NoRoute(domain)
    edges = [org.server(s) for s in connector.source_servers if org.server(s).has_role("Edge")]
    if edges:
        # A connector sourced on an Edge (EdgeSync - <Site> to Internet): Transport relays to
        # the Edge over the implicit intra-org connector; FET is never used (§6).
        return NextHop("SmtpRelayWithinAdSiteToEdge", connector.name, INTRA_ORG,
                       tuple((e.name, Endpoint(e.ip, EDGE_PORT)) for e in edges), category="External")
    if here.name not in connector.source_servers:
        # Only the connector's source servers send through it: any other Transport service
        # relays the message to one of them first (fact sheet §4.1, DeliveryType
        # SmtpRelayToConnectorSourceServers, NextHopDomain = the connector's name).
        sources = [org.server(s) for s in connector.source_servers]
        return NextHop("SmtpRelayToConnectorSourceServers", connector.name, INTRA_ORG,
                       tuple((s.name, transport_endpoint(s)) for s in sources))
    if connector.smart_hosts:
        # A smart host connector (Outbound to Office 365, or the other mail system of a relay
        # domain): the hosts by their names; a name DNS does not know leaves the queue
        # retrying with a DNS error.
        found = [(h, resolve_host(org, h)) for h in connector.smart_hosts]
        return NextHop("SmartHostConnectorDelivery", ",".join(connector.smart_hosts), connector.name,
                       tuple((h, e) for h, e in found if e is not None), category="External")
    if connector.frontend_proxy:
        cas = sorted((s for s in org.site_servers(here.site) if s.client_access_services
                      and s.version >= 2013), key=lambda s: s.name)
        targets = tuple((s.name, Endpoint(s.ip, OUTBOUND_PROXY_PORT)) for s in cas)
    else:
        mx = resolve_mx(domain)
        targets = ((f"mx.{domain}", mx),) if mx is not None else ()
    return NextHop("DnsConnectorDelivery", domain, connector.name, targets, category="External")


def edge_route(org: Organization, edge: Server, domain: str,
               resolve_mx: ResolveMx) -> NextHop:
    """The next hop as an Edge Transport server sees it: it knows no mailboxes, only its
    send connectors. Categorization on Edge "is a short process in which the message is put
    directly into a delivery queue" (§6).

    The Edge's connector whose address space matches the domain most specifically wins; the
    address space `--` of EdgeSync's inbound connector matches every accepted domain. A
    connector with smart hosts sends to them, where the smart host `--` means port 25 of every
    Mailbox server in the subscribed site; one without goes to the Internet by the MX record."""
    accepted = org.is_accepted(domain)
    scored = [(INBOUND_SCORE if accepted and INBOUND_SPACE in c.address_spaces else c.matches(domain),
               -c.cost, c.name, c) for c in org.send_connectors if edge.name in c.source_servers]
    scored = [s for s in scored if s[0] is not None]
    if not scored:
        raise NoRoute(domain)
    connector = max(scored, key=lambda s: s[:3])[3]
    if connector.smart_hosts:
        hosts = (_taking_mail_first(mailbox_servers(org, edge.site)) if connector.smart_hosts == (INBOUND_SPACE,)
                 else [org.server(h) for h in connector.smart_hosts])
        return NextHop("SmartHostConnectorDelivery", ",".join(connector.smart_hosts), connector.name,
                       tuple((s.name, Endpoint(s.ip, EDGE_PORT)) for s in hosts))
    mx = resolve_mx(domain)
    targets = ((f"mx.{domain}", mx),) if mx is not None else ()
    return NextHop("DnsConnectorDelivery", domain, connector.name, targets, category="External")


#: The stand-in MX of every domain outside the organization (a TEST-NET-2 address): the lab's
#: Internet listens there.
OUTSIDE_MX_ENDPOINT = Endpoint("198.51.100.25", 25)


def resolve_mx(org: Organization, domain: str) -> Endpoint | None:
    """DNS: the MX record of `domain`. For every accepted domain, relay domains included, that
    is the organization's MX server (its port 25), or Exchange Online Protection when a hybrid
    tenant's MX points there: the organization takes their mail from the Internet. So a send
    connector that routes a relay domain by DNS sends its mail back into the organization,
    round and round until a receive connector's hop count refuses it (`554 5.4.14 Hop count
    exceeded - possible mail loop`); the server that really holds the domain is reached by a
    send connector with that server as smart host. The tenant's own domains are EOP's; any
    other domain's MX is the outside MX."""
    tenant = org.tenant
    if tenant is not None and (domain.lower() in (tenant.routing_domain, tenant.initial_domain)
                               or (tenant.mx_at_eop and org.is_accepted(domain))):
        return EOP_ENDPOINT
    if org.is_accepted(domain):
        return Endpoint(org.server(org.mx).ip, 25) if org.mx else None
    return OUTSIDE_MX_ENDPOINT


#: Exchange Online Protection's front door in the lab: the MX host of a hybrid domain.
EOP_ENDPOINT = Endpoint(EOP_IP, 25)


def resolve_host(org: Organization, name: str) -> Endpoint | None:
    """DNS for a smart host name: the tenant's EOP host, or a server of the organization (its
    port 25). Any other name in EOP's DNS zone is one DNS does not know (None): EOP names a
    host only for a tenant's domain. Any other host is outside the organization, where the
    lab's Internet stands in for every mail server (the other system of a relay domain too)."""
    host = name.lower()
    if org.tenant is not None and host == org.tenant.mx_host:
        return EOP_ENDPOINT
    server = next((s for s in org.servers if host in (s.fqdn.lower(), s.name.lower())), None)
    if server is None and org.tenant is not None and host == f"mail.{org.domain}".lower() and org.mx:
        server = org.server(org.mx)             # the public name of the hybrid server (the MX's)
    if server is not None:
        return Endpoint(server.ip, 25)
    if host.endswith("." + EOP_DNS_ZONE):
        return None
    return OUTSIDE_MX_ENDPOINT
