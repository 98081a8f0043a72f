"""Real Received headers from real Exchange organizations, as the fact sheet quotes them
(§0.2), for reading practice. Newest header first, as in a message.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HeaderSample:
    """A block of real headers and where it was published."""
    title: str
    source: str
    text: str


#: Inbound from a client on port 25, one multi-role Exchange 2013 CU13 server (§0.2 B).
INBOUND_2013 = HeaderSample(
    "Exchange 2013 CU13, one multi-role server: a client's mail through port 25",
    "https://jpmessaging.github.io/blog/About-Mail-Flow-in-Exchange-2013/",
    "Received: from E2013-1-E.e.local (192.168.1.52) by E2013-1-E.e.local (192.168.1.52) with Microsoft SMTP Server (TLS) id 15.0.1210.3 via Mailbox Transport; Sat, 30 Jul 2016 06:53:17 +0900\n"
    "Received: from E2013-1-E.e.local (192.168.1.52) by E2013-1-E.e.local (192.168.1.52) with Microsoft SMTP Server (TLS) id 15.0.1210.3; Sat, 30 Jul 2016 06:53:17 +0900\n"
    "Received: from POP-SMTP (192.168.1.91) by E2013-1-E.e.local (192.168.1.52) with Microsoft SMTP Server id 15.0.1210.3 via Frontend Transport; Sat, 30 Jul 2016 06:53:16 +0900\n")

#: Internal mail on one Exchange 2013 CU21 server, IPv6 addresses (§0.2 A).
INTERNAL_2013 = HeaderSample(
    "Exchange 2013 CU21, internal mail on one server",
    "https://github.com/ibmresilient/resilient-community-apps/blob/HEAD/fn_exchange/tests/mock_artifacts.py",
    "Received: from exch.exch.com (2002:925:1d2d::925:1d2d) by exch.exch.com (2002:925:1d2d::925:1d2d) with Microsoft SMTP Server (TLS) id 15.0.1395.4 via Mailbox Transport; Tue, 10 Nov 2020 11:52:21 +0000\n"
    "Received: from exch.exch.com (2002:925:1d2d::925:1d2d) by exch.exch.com (2002:925:1d2d::925:1d2d) with Microsoft SMTP Server (TLS) id 15.0.1395.4; Tue, 10 Nov 2020 11:46:35 +0000\n"
    "Received: from exch.exch.com ([fe80::4f8:e4ed:8276:c2c7]) by exch.exch.com ([fe80::4f8:e4ed:8276:c2c7%12]) with mapi id 15.00.1395.000; Tue, 10 Nov 2020 11:46:35 +0000\n"
    "X-MS-Exchange-Organization-AuthAs: Internal\n"
    "X-MS-Exchange-Organization-AuthMechanism: 04\n"
    "X-MS-Exchange-Organization-AuthSource: exch.exch.com\n"
    "X-MS-Exchange-Organization-SCL: -1\n")

#: Internet -> a filtering service -> an Exchange 2013 CU22 Edge (by its name and position)
#: -> Front End Transport -> Transport -> Delivery on three multi-role servers (§0.2 E).
EDGE_2013 = HeaderSample(
    "Exchange 2013 CU22 behind an Edge, three multi-role servers",
    "a public GitHub script that embeds a reported e-mail (repository not identified; fact sheet §0.2 E)",
    "Received: from Casmbox03.crowdstrike.sys (10.100.11.66) by casmbox05.crowdstrike.sys (10.100.11.72) with Microsoft SMTP Server (TLS) id 15.0.1473.3 via Mailbox Transport; Tue, 21 May 2019 11:07:25 -0700\n"
    "Received: from Casmbox04.crowdstrike.sys (10.100.11.70) by Casmbox03.crowdstrike.sys (10.100.11.66) with Microsoft SMTP Server (TLS) id 15.0.1473.3; Tue, 21 May 2019 11:07:24 -0700\n"
    "Received: from ee01.crowdstrike.sys (10.100.0.12) by Casmbox04.crowdstrike.sys (10.100.11.70) with Microsoft SMTP Server (TLS) id 15.0.1473.3 via Frontend Transport; Tue, 21 May 2019 11:07:24 -0700\n"
    "Received: from mx0b-00206401.pphosted.com (148.163.148.21) by ee01.crowdstrike.sys (10.100.0.12) with Microsoft SMTP Server (TLS) id 15.0.1473.3; Tue, 21 May 2019 11:07:22 -0700\n"
    "X-MS-Exchange-Organization-Network-Message-Id: 0b645e28-bc57-4b64-76b7-08d6de172d9d\n"
    "X-MS-Exchange-Organization-AuthSource: ee01.crowdstrike.sys\n"
    "X-MS-Exchange-Organization-AuthAs: Anonymous\n")

#: A Linux host relays through Front End Transport on a Client Access server to Transport on
#: a separate Mailbox server, on its way out to the Internet; Exchange 2013 CU23 (§0.2 B).
RELAY_2013 = HeaderSample(
    "Exchange 2013 CU23, separate Client Access and Mailbox servers: a Linux host relays out",
    "https://lore.kernel.org/all/20200922021935.GA56122@localhost.localdomain/",
    "Received: from G08CNEXCHPEKD06.g08.fujitsu.local (10.167.33.205) by G08CNEXMBPEKD04.g08.fujitsu.local (10.167.33.201) with Microsoft SMTP Server (TLS) id 15.0.1497.2; Tue, 22 Sep 2020 10:19:36 +0800\n"
    "Received: from localhost.localdomain (10.167.225.206) by G08CNEXCHPEKD06.g08.fujitsu.local (10.167.33.209) with Microsoft SMTP Server (TLS) id 15.0.1497.2 via Frontend Transport; Tue, 22 Sep 2020 10:19:35 +0800\n")

#: Exchange 2010 SP3: the Hub's store driver takes it from the mailbox, then a second Hub (§0.2 F).
EXCHANGE_2010 = HeaderSample(
    "Exchange 2010 SP3: a mailbox server, then two Hub Transport servers",
    "http://permalink.gmane.org/gmane.comp.version-control.git/249715",
    "Received: from XHTVAG08.northgrum.com (134.223.82.85) by XHTV0002.northgrum.com (134.223.80.11) with Microsoft SMTP Server (TLS) id 14.3.174.1; Tue, 20 May 2014 13:18:08 -0500\n"
    "Received: from XMBVAG73.northgrum.com ([169.254.4.90]) by XHTVAG08.northgrum.com ([134.223.82.85]) with mapi id 14.03.0174.001; Tue, 20 May 2014 13:18:08 -0500\n")

#: A 2010 server (14.3) hands a client's message to a multi-role 2013 CU12 server, whose port 25
#: is Front End Transport (§7).
COEXISTENCE = HeaderSample(
    "Exchange 2010 SP3 to a multi-role Exchange 2013 CU12 server during coexistence",
    "https://lore.kernel.org/all/57d67526-c08c-2f4e-f4a3-77292657e045@mellanox.com/",
    "Received: from MTLCAS13.mtl.com (10.0.8.78) by mtlcas13.mtl.com (10.0.8.78) with Microsoft SMTP Server (TLS) id 15.0.1178.4; Mon, 16 Mar 2020 20:43:57 +0200\n"
    "Received: from MTLCAS01.mtl.com (10.0.8.71) by MTLCAS13.mtl.com (10.0.8.78) with Microsoft SMTP Server (TLS) id 15.0.1178.4 via Frontend Transport; Mon, 16 Mar 2020 20:43:57 +0200\n"
    "Received: from [172.27.13.25] (172.27.13.25) by MTLCAS01.mtl.com (10.0.8.71) with Microsoft SMTP Server (TLS) id 14.3.468.0; Mon, 16 Mar 2020 20:43:11 +0200\n")

ALL = (INTERNAL_2013, INBOUND_2013, EDGE_2013, RELAY_2013, EXCHANGE_2010, COEXISTENCE)
