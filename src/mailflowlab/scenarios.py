"""Named organizations to start a lab with; each docstring says what it teaches.

The first is the one from the article "Exchange Server 2013 Mail Flow and Transport
Services": exchange2013demo.com with a Client Access server and two Mailbox servers.
"""
from __future__ import annotations

from .topology import (
    ANONYMOUS,
    BUILD_2010_SP3,
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
        mailboxes=[
            Mailbox(f"alice@{d}", "Alice Smith", "DB02"),
            Mailbox(f"bob@{d}", "Bob Jones", "DB02"),
            Mailbox(f"carol@{d}", "Carol White", "DB01"),
        ],
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
    if version == "2010":
        edge = Server("EDGE2010", "172.16.0.10", org.domain, version=2010, build=BUILD_2010_SP3, roles=("Edge",))
        send_connectors = [SendConnector("To CA1", tuple(d.name for d in org.accepted_domains), (edge.name,),
                                         smart_hosts=(f"CA1.{org.domain}",))]
        subscriptions: list[str] = []
    else:
        edge = Server("EDGE2013", "172.16.0.11", org.domain, roles=("Edge",))
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
