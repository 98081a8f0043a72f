"""Named organizations to start a lab with; each docstring says what it teaches.

The first is the one from the article "Exchange Server 2013 Mail Flow and Transport
Services": exchange2013demo.com with a Client Access server and two Mailbox servers.
"""
from __future__ import annotations

from .hybrid import (
    ACCEPT_CLOUD_SERVICES_MAIL,
    EOP_CERTIFICATE,
    CloudMailbox,
    InboundConnector,
    OutboundConnector,
    RemoteMailbox,
    Tenant,
)
from .topology import (
    ANONYMOUS,
    BUILD_2010_SP3,
    BUILD_2013_CU23,
    BUILD_2013_SP1,
    BUILD_2019_CU14,
    BUILD_2019_CU15,
    BUILD_SE_RTM,
    DatabaseAvailabilityGroup,
    Mailbox,
    MailboxDatabase,
    Organization,
    SendConnector,
    Server,
    Site,
    SiteLink,
    link_cost,
)


def _article_mailboxes(domain: str) -> list[Mailbox]:
    """The article's three users: Alice and Bob on DB02, Carol on DB01."""
    return [Mailbox(f"alice@{domain}", "Alice Smith", "DB02"),
            Mailbox(f"bob@{domain}", "Bob Jones", "DB02"),
            Mailbox(f"carol@{domain}", "Carol White", "DB01")]


def exchange2013demo(edge: str | None = None) -> Organization:
    """The article's organization: Exchange 2013 SP1 (15.0.847.32) in one AD site.

    CA1 (10.0.0.10) is a Client Access server, MB1 (10.0.0.11) and MB2 (10.0.0.12) are
    Mailbox servers. alice@ and bob@ live on database DB02 on MB2, carol@ on DB01 on MB1.
    The MX record points at CA1. Out of the box there is no send connector to the Internet.

    `edge="2010"` adds the article's Exchange 2010 SP3 Edge, EDGE2010 (172.16.0.10): not
    subscribed, with a send connector made by hand that sends inbound mail to CA1.
    `edge="2013"` adds a 2013 SP1 Edge, EDGE2013 (172.16.0.11), subscribed, with the EdgeSync
    connectors as New-EdgeSubscription creates them: outbound mail leaves through it. Either
    way the MX record points at the Edge.
    """
    d = "exchange2013demo.com"
    if edge not in (None, "2010", "2013"):
        raise ValueError(f"edge must be None, '2010' or '2013', not {edge!r}")
    org = Organization(
        name="Exchange 2013 demo", domain=d,
        servers=[
            Server("CA1", "10.0.0.10", d, roles=("ClientAccess",)),
            Server("MB1", "10.0.0.11", d, roles=("Mailbox",)),
            Server("MB2", "10.0.0.12", d, roles=("Mailbox",)),
        ],
        databases=[MailboxDatabase("DB01", "MB1"), MailboxDatabase("DB02", "MB2")],
        mailboxes=_article_mailboxes(d),
        mx="CA1",
        description=exchange2013demo.__doc__ or "",
    )
    return org if edge is None else _with_edge(org, edge)


def _with_edge(org: Organization, version: str) -> Organization:
    """Put an Edge Transport server in front of the org (fact sheet §0.2 E, §2.2, §6).

    The 2013 SP1 Edge is subscribed to the org's site: EdgeSync creates `EdgeSync - <Site> to
    Internet` (address space *, DNS routing) and `EdgeSync - Inbound to <Site>` (address space
    and smart host `--`: every accepted domain, to every Mailbox server of the site), and copies
    the recipients to the Edge.

    The article's 2010 Edge "is configured to route the email to the Exchange 2013 Client
    Access server CA1". EdgeSync's inbound connector cannot do that (its smart hosts are the
    site's Mailbox servers), and a 2010 Edge cannot subscribe through a standalone 2013 Client
    Access server, so the lab makes it an unsubscribed Edge with a send connector created by
    hand, "To CA1" (a name of the lab's): the accepted domains, smart host CA1 (INFERRED, §0.2 E).
    Unsubscribed, it has no copy of the recipients, and the organization has no send connector
    through it: outbound mail needs one made, as without an Edge."""
    site = org.sites[0].name
    builds = {"2013": (2013, BUILD_2013_SP1), "2019": (2019, BUILD_2019_CU15), "SE": (2019, BUILD_SE_RTM)}
    if version == "2010":
        edge = Server("EDGE2010", "172.16.0.10", org.domain, version=2010, build=BUILD_2010_SP3, roles=("Edge",))
        send_connectors = [SendConnector("To CA1", tuple(d.name for d in org.accepted_domains), (edge.name,),
                                         smart_hosts=(f"CA1.{org.domain}",))]
        subscriptions: list[str] = []
    else:
        year, build = builds[version]
        edge = Server(f"EDGE{version}", "172.16.0.11", org.domain, version=year, build=build, roles=("Edge",))
        send_connectors = [
            SendConnector(f"EdgeSync - {site} to Internet", ("*",), (edge.name,), cost=100),
            SendConnector(f"EdgeSync - Inbound to {site}", ("--",), (edge.name,), smart_hosts=("--",)),
        ]
        subscriptions = [edge.name]
    servers = [*org.servers, edge]
    return Organization(
        name=f"{org.name} with an Exchange {version} Edge", domain=org.domain, servers=servers,
        databases=org.databases, mailboxes=org.mailboxes, sites=org.sites,
        site_links=org.site_links, accepted_domains=org.accepted_domains,
        send_connectors=send_connectors, edge_subscriptions=subscriptions,
        mx=edge.name, utc_offset=org.utc_offset, description=org.description,
        dns_servers=org.dns_servers)


def exchange2019demo(edge: bool = False) -> Organization:
    """Exchange 2019 CU15 (15.2.1748.24) in one AD site: the article's organization as it is
    built since Exchange 2016, where the Client Access role is gone into the Mailbox role.

    MBX1 (10.0.0.11) and MBX2 (10.0.0.12) are Mailbox servers, and each runs all four
    transport services: Front End Transport on 25 (Default Frontend), 587 and 717, Transport
    on 2525 (Default) and 465 (Client Proxy), Mailbox Transport Delivery on 475, and Mailbox
    Transport Submission. alice@ and bob@exchange2019demo.com are on DB02 (MBX2), carol@ on
    DB01 (MBX1); the MX record points at MBX1, whose port 25 is Front End Transport.

    `edge=True` adds a subscribed Exchange 2019 Edge, EDGE2019 (172.16.0.11), where the MX
    record then points, with the EdgeSync connectors as for a 2013 Edge.
    """
    return _current("2019", BUILD_2019_CU15, edge, exchange2019demo.__doc__ or "")


def exchange_se_demo(edge: bool = False) -> Organization:
    """Exchange Server Subscription Edition RTM (15.2.2562.17), the same organization as
    `exchange2019demo` on exchangesedemo.com.

    SE RTM is Exchange 2019 CU15's code with a new name, licence and build number (Microsoft's
    Exchange team blog on the in-place upgrade); the lab runs it as a 2019 server whose build
    says SE. `edge=True` adds EDGESE (172.16.0.11), an SE Edge Transport server.
    """
    return _current("SE", BUILD_SE_RTM, edge, exchange_se_demo.__doc__ or "")


def _current(edition: str, build: str, edge: bool, description: str) -> Organization:
    """Two Mailbox servers of a version from 2016 on, with the mailboxes as in the article."""
    d = "exchange2019demo.com" if edition == "2019" else "exchangesedemo.com"
    org = Organization(
        name=f"Exchange {edition} demo", domain=d,
        servers=[Server("MBX1", "10.0.0.11", d, version=2019, build=build, roles=("Mailbox",)),
                 Server("MBX2", "10.0.0.12", d, version=2019, build=build, roles=("Mailbox",))],
        databases=[MailboxDatabase("DB01", "MBX1"), MailboxDatabase("DB02", "MBX2")],
        mailboxes=_article_mailboxes(d),
        mx="MBX1",
        description=description,
    )
    return _with_edge(org, edition) if edge else org


#: The steps of `migration2019()`, from first to last.
MIGRATION_PHASES = ("2019 installed", "MX moved", "mailboxes moved")


def migration2019(phase: str = "MX moved") -> Organization:
    """exchange2013demo.com while it moves from Exchange 2013 to Exchange 2019, in one AD site.

    The article's servers CA1 (Client Access), MB1 and MB2 (Mailbox) run Exchange 2013 CU23
    (15.0.1497.2); MBX2019 (10.0.0.31) is an Exchange 2019 Mailbox server with database
    DB2019, where dave@ (the first mailbox made on the new server) lives from the start. It
    runs 2019 CU14 (15.2.1544.25), not CU15: CU15's setup refuses to join an organization that
    still has Exchange 2013 (Microsoft's roadmap for CU15 and SE).
    `phase` (MIGRATION_PHASES) is a step of the move:

    * "2019 installed": the MX record still points at CA1; every mailbox is on 2013.
    * "MX moved": the MX record points at MBX2019, whose port 25 is Front End Transport;
      the mailboxes are still on 2013.
    * "mailboxes moved": alice@, bob@ and carol@ are on DB2019 too; the 2013 servers remain,
      to be removed.

    Exchange 2013 and 2019 Mailbox servers of a site are one mailbox delivery group here (both
    are version 15, as the queue name `Site:<site>;Version:15` says): INFERRED, no page found
    says whether a 2019 Transport service delivers to a 2013 server's Mailbox Transport
    Delivery or relays through its Transport service.
    """
    if phase not in MIGRATION_PHASES:
        raise ValueError(f"phase must be one of {', '.join(map(repr, MIGRATION_PHASES))}, not {phase!r}")
    d = "exchange2013demo.com"
    moved = phase == "mailboxes moved"
    return Organization(
        name=f"Exchange 2013 to 2019 migration: {phase}", domain=d,
        servers=[Server("CA1", "10.0.0.10", d, build=BUILD_2013_CU23, roles=("ClientAccess",)),
                 Server("MB1", "10.0.0.11", d, build=BUILD_2013_CU23, roles=("Mailbox",)),
                 Server("MB2", "10.0.0.12", d, build=BUILD_2013_CU23, roles=("Mailbox",)),
                 Server("MBX2019", "10.0.0.31", d, version=2019, build=BUILD_2019_CU14, roles=("Mailbox",))],
        databases=[MailboxDatabase("DB01", "MB1"), MailboxDatabase("DB02", "MB2"),
                   MailboxDatabase("DB2019", "MBX2019")],
        mailboxes=[
            Mailbox(f"alice@{d}", "Alice Smith", "DB2019" if moved else "DB02"),
            Mailbox(f"bob@{d}", "Bob Jones", "DB2019" if moved else "DB02"),
            Mailbox(f"carol@{d}", "Carol White", "DB2019" if moved else "DB01"),
            Mailbox(f"dave@{d}", "Dave Brown", "DB2019"),
        ],
        mx="CA1" if phase == "2019 installed" else "MBX2019",
        description=migration2019.__doc__ or "",
    )


def hybrid2019(centralized: bool = False, internet_via_eop: bool = False) -> Organization:
    """exchange2019demo.com in hybrid with its Exchange Online tenant `exchange2019demo`, as the
    Hybrid Configuration Wizard leaves it (see `hybrid`).

    On premises: MBX1 and MBX2 (Exchange 2019 CU15) with alice@, bob@ and carol@; a send
    connector `To Internet` (address space *, DNS) and HCW's `Outbound to Office 365`
    (exchange2019demo.mail.onmicrosoft.com, smart host
    exchange2019demo-com.mail.protection.outlook.com, TLS with the certificate
    mail.exchange2019demo.com); `Default Frontend` on both servers trusts EOP by its certificate
    name (TlsDomainCapabilities). In Exchange Online: erin@ and frank@ (remote mailboxes on
    premises, routed to `<alias>@exchange2019demo.mail.onmicrosoft.com`); the inbound connector
    knows the on-premises servers by mail.exchange2019demo.com; the outbound connector goes to
    mail.exchange2019demo.com (MBX1). The MX record points at EOP.

    `centralized=True` turns on centralized mail transport: Exchange Online sends the Internet
    mail of cloud mailboxes through the on-premises organization. `internet_via_eop=True` sends
    the on-premises organization's Internet mail out through EOP too (smart host EOP), as the
    AMD and NVIDIA samples in `header_samples` show.
    """
    d = "exchange2019demo.com"
    org = exchange2019demo()
    org.name, org.description = "Exchange 2019 hybrid with Exchange Online", hybrid2019.__doc__ or ""
    tenant = Tenant(
        "exchange2019demo", d,
        mailboxes=[CloudMailbox(f"erin@{d}", "Erin Black"), CloudMailbox(f"frank@{d}", "Frank Green")],
        inbound=InboundConnector("Inbound from 6f0c4a5e-hybrid", tls_sender_certificate_name=f"mail.{d}"),
        outbound=OutboundConnector("Outbound to 6f0c4a5e-hybrid", recipient_domains=(d,),
                                   smart_hosts=(f"mail.{d}",), tls_domain=f"mail.{d}",
                                   route_all_via_on_premises=centralized))
    org.tenant = tenant
    org.remote_mailboxes = [RemoteMailbox(m.address, f"{m.address.partition('@')[0]}@{tenant.routing_domain}")
                            for m in tenant.mailboxes]
    mailbox_servers = ("MBX1", "MBX2")
    org.send_connectors = [
        SendConnector("To Internet", ("*",), mailbox_servers,
                      smart_hosts=(tenant.mx_host,) if internet_via_eop else (),
                      tls_certificate_name=f"<I>CN=Lab Issuing CA<S>CN=mail.{d}" if internet_via_eop else ""),
        SendConnector("Outbound to Office 365 - 6f0c4a5e", (tenant.routing_domain,), mailbox_servers,
                      smart_hosts=(tenant.mx_host,), require_tls=True, tls_domain=EOP_CERTIFICATE,
                      tls_certificate_name=f"<I>CN=Lab Issuing CA<S>CN=mail.{d}", cloud_services_mail_enabled=True),
    ]
    for server in mailbox_servers:
        frontend = next(c for c in org.connectors_of(server) if c.name == f"Default Frontend {server}")
        frontend.tls_domain_capabilities = (f"{EOP_CERTIFICATE}:{ACCEPT_CLOUD_SERVICES_MAIL}",)
    return org


def exchange2010demo() -> Organization:
    """An Exchange 2010 SP3 (14.3.123.4) organization, for comparison.

    One multi-role server EX2010 (10.0.1.10: Client Access, Hub Transport, Mailbox) with
    alice@ and bob@exchange2010demo.com on one database. Internal mail never leaves the
    Hub Transport service: its store driver picks the message up and delivers it over MAPI.
    """
    d = "exchange2010demo.com"
    return Organization(
        name="Exchange 2010 demo", domain=d,
        servers=[Server("EX2010", "10.0.1.10", d, version=2010, build=BUILD_2010_SP3,
                        roles=("ClientAccess", "HubTransport", "Mailbox"))],
        databases=[MailboxDatabase("Mailbox Database 01", "EX2010")],
        mailboxes=[
            Mailbox(f"alice@{d}", "Alice Smith", "Mailbox Database 01"),
            Mailbox(f"bob@{d}", "Bob Jones", "Mailbox Database 01"),
        ],
        mx="EX2010",
        description=exchange2010demo.__doc__ or "",
    )


def exchange2010dag() -> Organization:
    """Two multi-role Exchange 2010 SP3 servers in one DAG: the article's 2010 lab, most likely.

    EX1 (10.0.1.11) and EX2 (10.0.1.12) run Client Access, Hub Transport and Mailbox and are
    the members of DAG1. "Mailbox Database 01", with alice@ and bob@exchange2010demo.com, is
    mounted on EX1; "Mailbox Database 02", with carol@, on EX2. Two documented rules change the
    path of internal mail (Exchange 2010 help, dd638137; fact sheet §0.2): Mail Submission on a
    DAG member notifies another member's Hub, not its own; and a Hub that has the recipient's
    database mounted locally relays the message over SMTP to another Hub, which delivers it.
    The article's lab being such a DAG is INFERRED: its header is an image.
    """
    d = "exchange2010demo.com"
    roles = ("ClientAccess", "HubTransport", "Mailbox")
    return Organization(
        name="Exchange 2010 demo with a DAG", domain=d,
        servers=[Server("EX1", "10.0.1.11", d, version=2010, build=BUILD_2010_SP3, roles=roles),
                 Server("EX2", "10.0.1.12", d, version=2010, build=BUILD_2010_SP3, roles=roles)],
        databases=[MailboxDatabase("Mailbox Database 01", "EX1"), MailboxDatabase("Mailbox Database 02", "EX2")],
        mailboxes=[
            Mailbox(f"alice@{d}", "Alice Smith", "Mailbox Database 01"),
            Mailbox(f"bob@{d}", "Bob Jones", "Mailbox Database 01"),
            Mailbox(f"carol@{d}", "Carol White", "Mailbox Database 02"),
        ],
        dags=[DatabaseAvailabilityGroup("DAG1", ("EX1", "EX2"))],
        mx="EX1",
        description=exchange2010dag.__doc__ or "",
    )


def three_sites(bc_link_cost: int | None = None) -> Organization:
    """exchange2013demo.com spread over three AD sites linked hub-and-spoke: A-B and A-C.

    Each site has one Exchange 2013 Mailbox server: MBXA (10.0.1.11) in A with usera@,
    MBXB (10.0.2.11) in B with userb@, MBXC (10.0.3.11) in C with userc@. Both IP site links
    cost 100 (the AD default). Mail from B to C follows the least-cost path B-A-C, yet
    Transport on MBXB connects straight to MBXC unless A is made a hub site.

    `bc_link_cost` adds a third link, B-C, with that cost: then the least-cost path from B to
    C depends on the costs, and a hub site A is used only while it lies on that path.
    """
    d = "exchange2013demo.com"
    links = [SiteLink("A-B", ("A", "B")), SiteLink("A-C", ("A", "C"))]
    if bc_link_cost is not None:
        links.append(SiteLink("B-C", ("B", "C"), link_cost(bc_link_cost)))
    return Organization(
        name="Exchange 2013 demo in three AD sites", domain=d,
        servers=[
            Server("MBXA", "10.0.1.11", d, roles=("Mailbox",), site="A"),
            Server("MBXB", "10.0.2.11", d, roles=("Mailbox",), site="B"),
            Server("MBXC", "10.0.3.11", d, roles=("Mailbox",), site="C"),
        ],
        databases=[MailboxDatabase("DB-A", "MBXA"), MailboxDatabase("DB-B", "MBXB"),
                   MailboxDatabase("DB-C", "MBXC")],
        mailboxes=[
            Mailbox(f"usera@{d}", "User A", "DB-A"),
            Mailbox(f"userb@{d}", "User B", "DB-B"),
            Mailbox(f"userc@{d}", "User C", "DB-C"),
        ],
        sites=[Site("A"), Site("B"), Site("C")],
        site_links=links,
        description=three_sites.__doc__ or "",
    )


def two_sites() -> Organization:
    """twosites.example: two AD sites, Sydney and Melbourne, one Exchange 2013 Mailbox server
    each (SYD-MB1 with ann@, MEL-MB1 with ben@), and no site link between them to choose.

    The smallest organization whose mail crosses servers by an ordinary delivery queue (not
    to a mailbox delivery group): chapter 4 uses it to show a queue to another server
    retrying six times five minutes apart, then every ten minutes.
    """
    d = "twosites.example"
    return Organization(
        name="Two sites", domain=d, sites=[Site("Sydney"), Site("Melbourne")],
        servers=[Server("SYD-MB1", "10.1.0.11", d, site="Sydney"), Server("MEL-MB1", "10.2.0.11", d, site="Melbourne")],
        databases=[MailboxDatabase("DB-SYD", "SYD-MB1"), MailboxDatabase("DB-MEL", "MEL-MB1")],
        mailboxes=[Mailbox(f"ann@{d}", "Ann Lee", "DB-SYD"), Mailbox(f"ben@{d}", "Ben Ng", "DB-MEL")],
        description=two_sites.__doc__ or "",
    )


#: The migration phases `coexistence()` can start in, from first to last.
COEXISTENCE_PHASES = ("all on 2010", "2013 installed", "mailboxes moving", "all on 2013")


def coexistence(phase: str = "mailboxes moving", internet_entry: str = "2010",
                edge: bool = True, multi_role: bool = False) -> Organization:
    """exchange2013demo.com while it moves from Exchange 2010 SP3 to Exchange 2013 SP1.

    One AD site holds the 2010 servers HUB2010 (10.0.0.20: Client Access and Hub Transport)
    and MBX2010 (10.0.0.21: Mailbox, database DB2010), the article's 2013 servers CA1, MB1
    and MB2, and in the perimeter the 2010 SP3 Edge EDGE2010 (172.16.0.10), where the MX
    record points. `phase` is a step of the migration (COEXISTENCE_PHASES):

    * "all on 2010": only the 2010 servers; alice@, bob@, carol@ and dave@ are on DB2010.
    * "2013 installed": the 2013 servers join; every mailbox is still on DB2010.
    * "mailboxes moving": alice@ and bob@ are on DB02 (MB2), carol@ on DB01 (MB1); dave@
      stays on DB2010.
    * "all on 2013": dave@ has moved to DB01 too, and the 2010 Hub and Mailbox servers are
      removed. The 2010 Edge may stay: it is supported with 2013 (fact sheet §6).

    `internet_entry` says where Internet mail enters the organization on port 25: "2010"
    (the 2010 Hub Transport) or "2013" (the 2013 side). With the Edge this is where its
    `EdgeSync - Inbound to <Site>` connector delivers: the 2010 Hub, or the Transport service
    of MB1 and MB2 (a 2010 Edge always talks to Transport directly, §6). Without the Edge
    (`edge=False`) it is the MX record: HUB2010, whose Default connector then has Anonymous
    added as an admin does to take Internet mail on a 2010 Hub, or CA1's Front End Transport.

    `multi_role=True` makes MB1 and MB2 Client Access servers too: port 25 is then Front End
    Transport and Transport moves to 2525, so mail from the 2010 Hub gains a `via Frontend
    Transport` hop (INFERRED from real headers, fact sheet §7).
    """
    if phase not in COEXISTENCE_PHASES:
        raise ValueError(f"phase must be one of {', '.join(map(repr, COEXISTENCE_PHASES))}, not {phase!r}")
    if internet_entry not in ("2010", "2013"):
        raise ValueError(f"internet_entry must be '2010' or '2013', not {internet_entry!r}")
    has_2010, has_2013 = phase != "all on 2013", phase != "all on 2010"
    if internet_entry == "2010" and not has_2010:
        raise ValueError("In phase 'all on 2013' the 2010 servers are gone: internet_entry must be '2013'.")
    if internet_entry == "2013" and not has_2013:
        raise ValueError("In phase 'all on 2010' there is no 2013 server yet: internet_entry must be '2010'.")
    d = "exchange2013demo.com"
    servers: list[Server] = []
    databases: list[MailboxDatabase] = []
    if has_2010:
        servers += [Server("HUB2010", "10.0.0.20", d, version=2010, build=BUILD_2010_SP3,
                           roles=("ClientAccess", "HubTransport")),
                    Server("MBX2010", "10.0.0.21", d, version=2010, build=BUILD_2010_SP3, roles=("Mailbox",))]
        databases.append(MailboxDatabase("DB2010", "MBX2010"))
    if has_2013:
        mbx_roles = ("ClientAccess", "Mailbox") if multi_role else ("Mailbox",)
        servers += [Server("CA1", "10.0.0.10", d, roles=("ClientAccess",)),
                    Server("MB1", "10.0.0.11", d, roles=mbx_roles),
                    Server("MB2", "10.0.0.12", d, roles=mbx_roles)]
        databases += [MailboxDatabase("DB01", "MB1"), MailboxDatabase("DB02", "MB2")]
    home = {"all on 2010": ("DB2010",) * 4, "2013 installed": ("DB2010",) * 4,
            "mailboxes moving": ("DB02", "DB02", "DB01", "DB2010"),
            "all on 2013": ("DB02", "DB02", "DB01", "DB01")}[phase]
    people = [("alice", "Alice Smith"), ("bob", "Bob Jones"), ("carol", "Carol White"), ("dave", "Dave Brown")]
    mailboxes = [Mailbox(f"{user}@{d}", name, db) for (user, name), db in zip(people, home, strict=True)]
    entry = [s for s in servers if s.version == int(internet_entry)]
    site = "Default-First-Site-Name"
    send_connectors: list[SendConnector] = []
    if edge:
        servers.append(Server("EDGE2010", "172.16.0.10", d, version=2010, build=BUILD_2010_SP3, roles=("Edge",)))
        inbound = tuple(s.fqdn for s in entry if s.has_role("HubTransport") or s.has_role("Mailbox"))
        send_connectors = [
            SendConnector(f"EdgeSync - {site} to Internet", ("*",), ("EDGE2010",), cost=100),
            SendConnector(f"EdgeSync - Inbound to {site}", ("--",), ("EDGE2010",), smart_hosts=inbound)]
        mx = "EDGE2010"
    else:
        mx = "HUB2010" if internet_entry == "2010" else "CA1"
    org = Organization(
        name=f"Exchange 2010/2013 coexistence: {phase}", domain=d, servers=servers, databases=databases,
        mailboxes=mailboxes, send_connectors=send_connectors, mx=mx, description=coexistence.__doc__ or "",
        edge_subscriptions=["EDGE2010"] if edge else [])
    if not edge and internet_entry == "2010":
        default = org.connectors_of("HUB2010")[0]
        default.permission_groups = (ANONYMOUS, *default.permission_groups)
    return org
