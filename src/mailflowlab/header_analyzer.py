"""Read anyone's Received headers as an Exchange administrator does: which service wrote
each one, which Exchange version and update, and how long the message waited before it.

    print(explain(parse_hops(pasted_text)).to_string(index=False))
    print(explain_fields(pasted_text))  # EOP's and Exchange Online's fields, one sentence and source each
    mailflowlab.ui.header_analyzer()   # the panel: paste headers, press Analyze, see the table and diagram

The rules are the fact sheet's (§3.1, §3.3): `with mapi` is Mailbox Transport Submission on
2013 and the Hub's store driver on 2007/2010; `via Frontend Transport` is Front End Transport,
`via Mailbox Transport` is Mailbox Transport Delivery, a plain `Microsoft SMTP Server` header
is the Transport service (or an Edge Transport server, which writes the same); anything else
was written by a server that is not Exchange.
"""
from __future__ import annotations

import re

from .diagrams import format_delay
from .header_fields import fields_table
from .headers import Hop, checked_hops
from .topology import SE_FIRST_BUILD
from .views import Table

#: Exchange 2013 builds by their third number (fact sheet §3.3, Microsoft's build-number page).
EXCHANGE_2013_BUILDS = {
    466: "Preview", 516: "RTM", 620: "CU1", 712: "CU2", 775: "CU3", 847: "SP1 (CU4)", 913: "CU5",
    995: "CU6", 1044: "CU7", 1076: "CU8", 1104: "CU9", 1130: "CU10", 1156: "CU11", 1178: "CU12",
    1210: "CU13", 1236: "CU14", 1263: "CU15", 1293: "CU16", 1320: "CU17", 1347: "CU18",
    1365: "CU19", 1367: "CU20", 1395: "CU21", 1473: "CU22", 1497: "CU23",
}
#: Exchange 2016 and 2019 builds by their third number, from Microsoft's build-number page
#: (https://learn.microsoft.com/exchange/new-features/build-numbers-and-release-dates); CU13,
#: CU14 and CU15 of 2019 are later than the copy of the table this was checked against and come
#: from pages that quote it (2019 CU14 15.2.1544.x, CU15 15.2.1748.x); CU13's 1258 is UNCERTAIN.
EXCHANGE_2016_BUILDS = {
    225: "RTM", 396: "CU1", 466: "CU2", 544: "CU3", 669: "CU4", 845: "CU5", 1034: "CU6", 1261: "CU7",
    1415: "CU8", 1466: "CU9", 1531: "CU10", 1591: "CU11", 1713: "CU12", 1779: "CU13", 1847: "CU14",
    1913: "CU15", 1979: "CU16", 2044: "CU17", 2106: "CU18", 2176: "CU19", 2242: "CU20", 2308: "CU21",
    2375: "CU22", 2507: "CU23",
}
EXCHANGE_2019_BUILDS = {
    196: "Preview", 221: "RTM", 330: "CU1", 397: "CU2", 464: "CU3", 529: "CU4", 595: "CU5", 659: "CU6",
    721: "CU7", 792: "CU8", 858: "CU9", 922: "CU10", 986: "CU11", 1118: "CU12", 1258: "CU13",
    1544: "CU14", 1748: "CU15",
}
#: Exchange Server Subscription Edition keeps 2019's 15.2; its RTM is build 2562 (15.2.2562.17,
#: July 2025), the same code as 2019 CU15 renamed.
EXCHANGE_SE_BUILDS = {2562: "RTM"}
#: Exchange 2010 SP3 builds the fact sheet lists; others in 14.3 are later update rollups.
EXCHANGE_2010_SP3_BUILDS = {123: "SP3", 181: "SP3 RU5", 513: "SP3 RU32"}
#: Product by the first two numbers of a build. 15.1, 15.2 and 15.20 are newer than the fact
#: sheet's table; they are on the same Microsoft page (15.20 is Exchange Online's own line).
PRODUCTS = {(8, None): "Exchange 2007", (14, None): "Exchange 2010", (15, 0): "Exchange 2013",
            (15, 1): "Exchange 2016", (15, 2): "Exchange 2019", (15, 20): "Exchange Online"}
SUBSCRIPTION_EDITION = "Exchange Server SE"

SUBMISSION = "Mailbox Transport Submission"
STORE_DRIVER = "Hub Transport store driver"
FRONT_END = "Front End Transport"
TRANSPORT = "Transport"
EDGE = "Edge Transport (inferred)"
DELIVERY = "Mailbox Transport Delivery"
HUB_OR_EDGE_2010 = "Hub Transport or Edge Transport"
NOT_EXCHANGE = "not Exchange"

#: A build's numbers are short (15.00.1497.042); a longer run of digits is no build, and
#: Python refuses to turn 4,300 digits into an int.
_BUILD = re.compile(r"^(\d{1,6})\.(\d{1,6})(?:\.(\d{1,6}))?")


def build_numbers(build_id: str | None) -> tuple[int, int, int | None] | None:
    """(major, minor, build) of a short (`15.0.847.32`) or long (`15.00.0847.032`) id."""
    m = _BUILD.match(build_id or "")
    if m is None:
        return None
    return int(m[1]), int(m[2]), int(m[3]) if m[3] else None


def product(build_id: str | None) -> str | None:
    """`Exchange 2013`, `Exchange 2010`, ... from a build id; None if it is not Exchange's."""
    numbers = build_numbers(build_id)
    if numbers is None:
        return None
    major, minor, build = numbers
    if (major, minor) == (15, 2) and build is not None and build >= SE_FIRST_BUILD:
        return SUBSCRIPTION_EDITION
    return PRODUCTS.get((major, minor)) or PRODUCTS.get((major, None))


def exchange_version(build_id: str | None) -> str:
    """The version and update a build id names, as precisely as the build table allows:
    `15.0.847.32` -> `Exchange 2013 SP1 (CU4)`, `14.03.0174.001` -> `Exchange 2010 SP3 (a later rollup)`."""
    name = product(build_id)
    numbers = build_numbers(build_id)
    if name is None or numbers is None:
        return ""
    major, minor, build = numbers
    if (major, minor) == (15, 0) and build is not None:
        return f"{name} {EXCHANGE_2013_BUILDS.get(build, '(a build not in the table)')}"
    tables = {"Exchange 2016": EXCHANGE_2016_BUILDS, "Exchange 2019": EXCHANGE_2019_BUILDS,
              SUBSCRIPTION_EDITION: EXCHANGE_SE_BUILDS}
    if name in tables and build is not None:
        return f"{name} {tables[name].get(build, '(a build not in the table)')}"
    if (major, minor) == (14, 3) and build is not None:
        return f"{name} {EXCHANGE_2010_SP3_BUILDS.get(build, 'SP3 (a later rollup)')}"
    return name


#: Where an Exchange Online hop ran: EOP's servers take mail in as `*.mail.protection.outlook.com`
#: (the MX a tenant publishes is `<tenant>.mail.protection.outlook.com`); INFERRED from that
#: name and the public samples in `header_samples`, as Microsoft does not list its server names.
EOP = "Exchange Online Protection"
EXCHANGE_ONLINE = "Exchange Online"
#: Exchange Online's hand-over to the mailbox's own server is written `with HTTPS`; which
#: service writes it is not documented (UNCERTAIN).
EXCHANGE_ONLINE_HTTPS = "Exchange Online, over HTTPS (UNCERTAIN which service)"


def stamped_by(hop: Hop, newer: Hop | None = None) -> str:
    """The Exchange service that wrote this hop's Received header, and for Exchange Online the
    part of it that ran (`Front End Transport in Exchange Online Protection`), or `not Exchange`."""
    if (hop.protocol or "").upper() == "HTTPS" and (hop.by_host or "").lower().endswith(".outlook.com"):
        return EXCHANGE_ONLINE_HTTPS
    service = _service(hop, newer)
    if service == NOT_EXCHANGE or product(hop.id) != EXCHANGE_ONLINE:
        return service
    where = EOP if (hop.by_host or "").lower().endswith(".mail.protection.outlook.com") else EXCHANGE_ONLINE
    return f"{service} in {where}"


def _service(hop: Hop, newer: Hop | None = None) -> str:
    """The Exchange service (or `not Exchange`) that wrote this hop's Received header.

    `newer` is the next hop: a plain 2013 header whose server then hands the message to Front
    End Transport is an Edge Transport server's (as in the fact sheet's §0.2 E sample), since a
    2013 Transport service sends to other Mailbox servers on 2525, never to their port 25 Front
    End. Both must be in one DNS domain: another organization's Transport service sending over
    the Internet looks the same otherwise. A 2010 header gets no such guess: a 2010 Hub does
    send to a multi-role 2013 server's port 25 (§7)."""
    protocol = (hop.protocol or "").lower()
    name = product(hop.id)
    if protocol == "mapi":
        return SUBMISSION if name not in ("Exchange 2007", "Exchange 2010") and hop.id else STORE_DRIVER
    if not protocol.startswith("microsoft smtp server") or name is None:
        return NOT_EXCHANGE
    if hop.via == "Frontend Transport":
        return FRONT_END
    if hop.via == "Mailbox Transport":
        return DELIVERY
    if name in ("Exchange 2007", "Exchange 2010"):
        return HUB_OR_EDGE_2010
    if (newer is not None and newer.via == "Frontend Transport" and hop.by_host and newer.from_host
            and hop.by_host.lower() == newer.from_host.lower() and _same_domain(hop.by_host, newer.by_host)):
        return EDGE
    return TRANSPORT


def _same_domain(host: str | None, other: str | None) -> bool:
    """`ee01.crowdstrike.sys` and `Casmbox04.crowdstrike.sys` are; a bare name never is."""
    def domain(name: str | None) -> str:
        return (name or "").lower().partition(".")[2]
    return bool(domain(host)) and domain(host) == domain(other)


#: The other half of reading a message: every field of EOP's and Exchange's own headers, each
#: with one sentence and its source (`header_fields`), as the panel shows under the hops.
explain_fields = fields_table


def explain(hops: list[Hop]) -> Table[dict[str, object]]:
    """One row per hop, oldest first: the server that wrote it, the service, the version, the wait."""
    hops = checked_hops(hops, "explain")
    rows: list[dict[str, object]] = []
    for i, hop in enumerate(hops):
        newer = hops[i + 1] if i + 1 < len(hops) else None
        rows.append({"Hop": hop.number, "By": hop.by_host or hop.by_ip or "",
                     "Stamped by": stamped_by(hop, newer), "Version": exchange_version(hop.id),
                     "Delay": format_delay(hop.delay) if hop.delay is not None else ""})
    return Table(rows, ["Hop", "By", "Stamped by", "Version", "Delay"])
