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


# --- Exchange Online and hybrid --------------------------------------------------------------
# Real messages that passed through Exchange Online Protection, as public list archives keep
# them. The fields are kept byte for byte, folds included; whole fields that say nothing of the
# route or of Exchange Online's verdicts (the list's own Received headers, ARC and DKIM
# signatures, the opaque X-Microsoft-Antispam-Message-Info blob, the body) are left out.

#: Hybrid, outbound: an Exchange 2016 CU23 organization (Front End Transport, then Transport on
#: two Mailbox servers) sends to the Internet through Exchange Online Protection, which takes it
#: as the tenant's own mail from on-premises (`FromEntityHeader: HybridOnPrem`, `IPV:CAL`).
HYBRID_2016_OUTBOUND = HeaderSample(
    "Hybrid Exchange 2016 CU23 to the Internet through Exchange Online Protection (AMD, 2025)",
    "https://lore.kernel.org/amd-gfx/20250307085321.677381-1-Yifan.Zha@amd.com/",
    "Received: from CH2PR11CA0018.namprd11.prod.outlook.com (2603:10b6:610:54::28)\n"
    " by MW5PR12MB5684.namprd12.prod.outlook.com (2603:10b6:303:1a1::21)\n"
    " with Microsoft SMTP Server (version=TLS1_2,\n"
    " cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.8511.19; Fri, 7 Mar\n"
    " 2025 09:04:03 +0000\n"
    "Received: from DS3PEPF000099D3.namprd04.prod.outlook.com\n"
    " (2603:10b6:610:54:cafe::45) by CH2PR11CA0018.outlook.office365.com\n"
    " (2603:10b6:610:54::28) with Microsoft SMTP Server (version=TLS1_3,\n"
    " cipher=TLS_AES_256_GCM_SHA384) id 15.20.8511.19 via Frontend Transport; Fri,\n"
    " 7 Mar 2025 09:04:02 +0000\n"
    "X-MS-Exchange-Authentication-Results: spf=pass (sender IP is 165.204.84.17)\n"
    " smtp.mailfrom=amd.com; dkim=none (message not signed)\n"
    " header.d=none;dmarc=pass action=none header.from=amd.com;\n"
    "Received-SPF: Pass (protection.outlook.com: domain of amd.com designates\n"
    " 165.204.84.17 as permitted sender) receiver=protection.outlook.com;\n"
    " client-ip=165.204.84.17; helo=SATLEXMB04.amd.com; pr=C\n"
    "Received: from SATLEXMB04.amd.com (165.204.84.17) by\n"
    " DS3PEPF000099D3.mail.protection.outlook.com (10.167.17.4) with Microsoft SMTP\n"
    " Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) id\n"
    " 15.20.8511.15 via Frontend Transport; Fri, 7 Mar 2025 09:04:02 +0000\n"
    "Received: from SATLEXMB05.amd.com (10.181.40.146) by SATLEXMB04.amd.com\n"
    " (10.181.40.145) with Microsoft SMTP Server (version=TLS1_2,\n"
    " cipher=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) id 15.1.2507.39; Fri, 7 Mar\n"
    " 2025 03:04:02 -0600\n"
    "Received: from SATLEXMB04.amd.com (10.181.40.145) by SATLEXMB05.amd.com\n"
    " (10.181.40.146) with Microsoft SMTP Server (version=TLS1_2,\n"
    " cipher=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) id 15.1.2507.39; Fri, 7 Mar\n"
    " 2025 03:04:01 -0600\n"
    "Received: from localhost.localdomain (10.180.168.240) by SATLEXMB04.amd.com\n"
    " (10.181.40.145) with Microsoft SMTP Server id 15.1.2507.39 via Frontend\n"
    " Transport; Fri, 7 Mar 2025 03:03:59 -0600\n"
    "Received-SPF: None (SATLEXMB05.amd.com: Yifan.Zha@amd.com does not designate\n"
    " permitted sender hosts)\n"
    "X-EOPAttributedMessage: 0\n"
    "X-MS-PublicTrafficType: Email\n"
    "X-MS-Exchange-SenderADCheck: 1\n"
    "X-MS-Exchange-AntiSpam-Relay: 0\n"
    "X-Microsoft-Antispam: BCL:0;\n"
    " ARA:13230040|376014|1800799024|36860700013|82310400026; \n"
    "X-Forefront-Antispam-Report: CIP:165.204.84.17; CTRY:US; LANG:en; SCL:1; SRV:;\n"
    " IPV:CAL; SFV:NSPM; H:SATLEXMB04.amd.com; PTR:InfoDomainNonexistent; CAT:NONE;\n"
    " SFS:(13230040)(376014)(1800799024)(36860700013)(82310400026); DIR:OUT;\n"
    " SFP:1101; \n"
    "X-OriginatorOrg: amd.com\n"
    "X-MS-Exchange-CrossTenant-OriginalArrivalTime: 07 Mar 2025 09:04:02.6314 (UTC)\n"
    "X-MS-Exchange-CrossTenant-Network-Message-Id: dba83b1d-4342-4b50-9635-08dd5d57019f\n"
    "X-MS-Exchange-CrossTenant-Id: 3dd8961f-e488-4e60-8e11-a82d994e183d\n"
    "X-MS-Exchange-CrossTenant-OriginalAttributedTenantConnectingIp: TenantId=3dd8961f-e488-4e60-8e11-a82d994e183d; Ip=[165.204.84.17];\n"
    " Helo=[SATLEXMB04.amd.com]\n"
    "X-MS-Exchange-CrossTenant-AuthSource: DS3PEPF000099D3.namprd04.prod.outlook.com\n"
    "X-MS-Exchange-CrossTenant-AuthAs: Anonymous\n"
    "X-MS-Exchange-CrossTenant-FromEntityHeader: HybridOnPrem\n"
    "X-MS-Exchange-Transport-CrossTenantHeadersStamped: MW5PR12MB5684\n")

#: Hybrid, outbound: Exchange 2019 (a CU13 Mailbox server, then a CU11 server that holds the
#: send connector to Exchange Online) through Exchange Online Protection to the Internet.
HYBRID_2019_OUTBOUND = HeaderSample(
    "Hybrid Exchange 2019 CU13 and CU11 to the Internet through Exchange Online Protection (NVIDIA, 2024)",
    "https://lore.kernel.org/linux-tegra/20240403114208.35147-1-jonathanh@nvidia.com/",
    "Received: from SA0PR13CA0003.namprd13.prod.outlook.com (2603:10b6:806:130::8)\n"
    " by MN0PR12MB5740.namprd12.prod.outlook.com (2603:10b6:208:373::10) with\n"
    " Microsoft SMTP Server (version=TLS1_2,\n"
    " cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.7409.46; Wed, 3 Apr\n"
    " 2024 11:42:27 +0000\n"
    "Received: from SN1PEPF00026368.namprd02.prod.outlook.com\n"
    " (2603:10b6:806:130:cafe::be) by SA0PR13CA0003.outlook.office365.com\n"
    " (2603:10b6:806:130::8) with Microsoft SMTP Server (version=TLS1_2,\n"
    " cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.7452.26 via Frontend\n"
    " Transport; Wed, 3 Apr 2024 11:42:27 +0000\n"
    "X-MS-Exchange-Authentication-Results: spf=pass (sender IP is 216.228.117.161)\n"
    " smtp.mailfrom=nvidia.com; dkim=none (message not signed)\n"
    " header.d=none;dmarc=pass action=none header.from=nvidia.com;\n"
    "Received-SPF: Pass (protection.outlook.com: domain of nvidia.com designates\n"
    " 216.228.117.161 as permitted sender) receiver=protection.outlook.com;\n"
    " client-ip=216.228.117.161; helo=mail.nvidia.com; pr=C\n"
    "Received: from mail.nvidia.com (216.228.117.161) by\n"
    " SN1PEPF00026368.mail.protection.outlook.com (10.167.241.133) with Microsoft\n"
    " SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id\n"
    " 15.20.7452.22 via Frontend Transport; Wed, 3 Apr 2024 11:42:27 +0000\n"
    "Received: from rnnvmail203.nvidia.com (10.129.68.9) by mail.nvidia.com\n"
    " (10.129.200.67) with Microsoft SMTP Server (version=TLS1_2,\n"
    " cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.2.986.41; Wed, 3 Apr 2024\n"
    " 04:42:13 -0700\n"
    "Received: from rnnvmail205.nvidia.com (10.129.68.10) by rnnvmail203.nvidia.com\n"
    " (10.129.68.9) with Microsoft SMTP Server (version=TLS1_2,\n"
    " cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.2.1258.12; Wed, 3 Apr\n"
    " 2024 04:42:13 -0700\n"
    "Received: from moonraker.nvidia.com (10.127.8.9) by mail.nvidia.com\n"
    " (10.129.68.10) with Microsoft SMTP Server id 15.2.1258.12 via Frontend\n"
    " Transport; Wed, 3 Apr 2024 04:42:12 -0700\n"
    "X-NV-OnPremToCloud: ExternallySecured\n"
    "X-EOPAttributedMessage: 0\n"
    "X-MS-PublicTrafficType: Email\n"
    "X-MS-Exchange-SenderADCheck: 1\n"
    "X-MS-Exchange-AntiSpam-Relay: 0\n"
    "X-Microsoft-Antispam: BCL:0;\n"
    "X-Forefront-Antispam-Report:\n"
    "\tCIP:216.228.117.161;CTRY:US;LANG:en;SCL:1;SRV:;IPV:NLI;SFV:NSPM;H:mail.nvidia.com;PTR:dc6edge2.nvidia.com;CAT:NONE;SFS:(13230031)(82310400014)(376005)(36860700004)(1800799015);DIR:OUT;SFP:1101;\n"
    "X-OriginatorOrg: Nvidia.com\n"
    "X-MS-Exchange-CrossTenant-OriginalArrivalTime: 03 Apr 2024 11:42:27.1940\n"
    " (UTC)\n"
    "X-MS-Exchange-CrossTenant-Network-Message-Id: 4d65be12-b785-47da-63e2-08dc53d32330\n"
    "X-MS-Exchange-CrossTenant-Id: 43083d15-7273-40c1-b7db-39efd9ccc17a\n"
    "X-MS-Exchange-CrossTenant-OriginalAttributedTenantConnectingIp: TenantId=43083d15-7273-40c1-b7db-39efd9ccc17a;Ip=[216.228.117.161];Helo=[mail.nvidia.com]\n"
    "X-MS-Exchange-CrossTenant-AuthSource:\n"
    "\tSN1PEPF00026368.namprd02.prod.outlook.com\n"
    "X-MS-Exchange-CrossTenant-AuthAs: Anonymous\n"
    "X-MS-Exchange-CrossTenant-FromEntityHeader: HybridOnPrem\n"
    "X-MS-Exchange-Transport-CrossTenantHeadersStamped: MN0PR12MB5740\n")

#: Hybrid, outbound from an Exchange 2016 CU15 organization (Xilinx, 2020) through Exchange
#: Online Protection; the on-premises side relays for an internal Exim host.
HYBRID_2016_CU15_OUTBOUND = HeaderSample(
    "Hybrid Exchange 2016 CU15 to the Internet through Exchange Online Protection (Xilinx, 2020)",
    "https://lore.kernel.org/qemu-devel/1605237055-393580-4-git-send-email-komlodi@xilinx.com/",
    "Received: from MN2PR19CA0002.namprd19.prod.outlook.com (2603:10b6:208:178::15)\n"
    " by MN2PR02MB6254.namprd02.prod.outlook.com (2603:10b6:208:185::10)\n"
    " with Microsoft SMTP Server (version=TLS1_2,\n"
    " cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.3541.21; Fri, 13 Nov\n"
    " 2020 03:10:59 +0000\n"
    "Received: from BL2NAM02FT018.eop-nam02.prod.protection.outlook.com\n"
    " (2603:10b6:208:178:cafe::1a) by MN2PR19CA0002.outlook.office365.com\n"
    " (2603:10b6:208:178::15) with Microsoft SMTP Server (version=TLS1_2,\n"
    " cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.3541.21 via Frontend\n"
    " Transport; Fri, 13 Nov 2020 03:10:59 +0000\n"
    "X-MS-Exchange-Authentication-Results: spf=pass (sender IP is 149.199.62.198)\n"
    " smtp.mailfrom=xilinx.com; nongnu.org; dkim=none (message not signed)\n"
    " header.d=none;nongnu.org; dmarc=bestguesspass action=none\n"
    " header.from=xilinx.com;\n"
    "Received-SPF: Pass (protection.outlook.com: domain of xilinx.com designates\n"
    " 149.199.62.198 as permitted sender) receiver=protection.outlook.com;\n"
    " client-ip=149.199.62.198; helo=xsj-pvapexch02.xlnx.xilinx.com;\n"
    "Received: from xsj-pvapexch02.xlnx.xilinx.com (149.199.62.198) by\n"
    " BL2NAM02FT018.mail.protection.outlook.com (10.152.77.170) with Microsoft SMTP\n"
    " Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) id\n"
    " 15.20.3564.22 via Frontend Transport; Fri, 13 Nov 2020 03:10:58 +0000\n"
    "Received: from xsj-pvapexch01.xlnx.xilinx.com (172.19.86.40) by\n"
    " xsj-pvapexch02.xlnx.xilinx.com (172.19.86.41) with Microsoft SMTP Server\n"
    " (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) id\n"
    " 15.1.1913.5; Thu, 12 Nov 2020 19:10:56 -0800\n"
    "Received: from smtp.xilinx.com (172.19.127.95) by\n"
    " xsj-pvapexch01.xlnx.xilinx.com (172.19.86.40) with Microsoft SMTP Server id\n"
    " 15.1.1913.5 via Frontend Transport; Thu, 12 Nov 2020 19:10:55 -0800\n"
    "Received: from [172.19.2.32] (port=54046 helo=xsjkomlodi50.xilinx.com)\n"
    " by smtp.xilinx.com with esmtp (Exim 4.90)\n"
    " (envelope-from <joe.komlodi@xilinx.com>)\n"
    " id 1kdPUF-0004vx-QM; Thu, 12 Nov 2020 19:10:55 -0800\n"
    "X-EOPAttributedMessage: 0\n"
    "X-MS-Office365-Filtering-HT: Tenant\n"
    "X-MS-PublicTrafficType: Email\n"
    "X-MS-Exchange-SenderADCheck: 1\n"
    "X-Microsoft-Antispam: BCL:0;\n"
    "X-Forefront-Antispam-Report: CIP:149.199.62.198; CTRY:US; LANG:en; SCL:1; SRV:;\n"
    " IPV:NLI; SFV:NSPM; H:xsj-pvapexch02.xlnx.xilinx.com;\n"
    " PTR:unknown-62-198.xilinx.com; CAT:NONE;\n"
    " SFS:(4636009)(136003)(39860400002)(346002)(376002)(396003)(46966005)(8676002)(426003)(8936002)(336012)(70586007)(82740400003)(70206006)(5660300002)(4326008)(26005)(316002)(36906005)(7696005)(478600001)(6916009)(9786002)(86362001)(54906003)(2906002)(2616005)(44832011)(7636003)(186003)(83380400001)(47076004)(36756003)(82310400003)(356005)(102446001);\n"
    " DIR:OUT; SFP:1101; \n"
    "X-OriginatorOrg: xilinx.com\n"
    "X-MS-Exchange-CrossTenant-OriginalArrivalTime: 13 Nov 2020 03:10:58.7641 (UTC)\n"
    "X-MS-Exchange-CrossTenant-Network-Message-Id: 3f3b6c2e-2db2-4666-e7f5-08d88781be78\n"
    "X-MS-Exchange-CrossTenant-Id: 657af505-d5df-48d0-8300-c31994686c5c\n"
    "X-MS-Exchange-CrossTenant-OriginalAttributedTenantConnectingIp: TenantId=657af505-d5df-48d0-8300-c31994686c5c; Ip=[149.199.62.198];\n"
    " Helo=[xsj-pvapexch02.xlnx.xilinx.com]\n"
    "X-MS-Exchange-CrossTenant-AuthSource: BL2NAM02FT018.eop-nam02.prod.protection.outlook.com\n"
    "X-MS-Exchange-CrossTenant-AuthAs: Anonymous\n"
    "X-MS-Exchange-CrossTenant-FromEntityHeader: HybridOnPrem\n"
    "X-MS-Exchange-Transport-CrossTenantHeadersStamped: MN2PR02MB6254\n")

#: Centralized mail transport: a cloud mailbox (Mailbox Transport Submission in Exchange
#: Online) sends to the Internet; Exchange Online hands it to the on-premises organization
#: (an Exchange 2016 CU23 server taking Internet mail, then Front End Transport and Transport),
#: which sends it out.
CENTRALIZED_2016 = HeaderSample(
    "Centralized mail transport: a cloud mailbox's mail out through on-premises Exchange 2016 CU23 (Intel, 2024)",
    "https://lore.kernel.org/dri-devel/IA0PR11MB7185D54AD6BB8067EAA6AE8EF8372@IA0PR11MB7185.namprd11.prod.outlook.com/",
    "Received: from orsmsx601.amr.corp.intel.com (10.22.229.14) by\n"
    " ORSMSX601.amr.corp.intel.com (10.22.229.14) with Microsoft SMTP Server\n"
    " (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) id\n"
    " 15.1.2507.39; Wed, 4 Dec 2024 01:13:23 -0800\n"
    "Received: from ORSEDG602.ED.cps.intel.com (10.7.248.7) by\n"
    " orsmsx601.amr.corp.intel.com (10.22.229.14) with Microsoft SMTP Server\n"
    " (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) id\n"
    " 15.1.2507.39 via Frontend Transport; Wed, 4 Dec 2024 01:13:23 -0800\n"
    "Received: from NAM11-DM6-obe.outbound.protection.outlook.com (104.47.57.176)\n"
    " by edgegateway.intel.com (134.134.137.103) with Microsoft SMTP Server\n"
    " (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id\n"
    " 15.1.2507.39; Wed, 4 Dec 2024 01:13:23 -0800\n"
    "Received: from IA0PR11MB7185.namprd11.prod.outlook.com (2603:10b6:208:432::20)\n"
    " by IA1PR11MB7727.namprd11.prod.outlook.com (2603:10b6:208:3f1::17)\n"
    " with Microsoft SMTP Server (version=TLS1_2,\n"
    " cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.8207.18; Wed, 4 Dec\n"
    " 2024 09:13:21 +0000\n"
    "Received: from IA0PR11MB7185.namprd11.prod.outlook.com\n"
    " ([fe80::dd3b:ce77:841a:722b]) by IA0PR11MB7185.namprd11.prod.outlook.com\n"
    " ([fe80::dd3b:ce77:841a:722b%3]) with mapi id 15.20.8207.017; Wed, 4 Dec 2024\n"
    " 09:13:21 +0000\n"
    "authentication-results: dkim=none (message not signed)\n"
    " header.d=none;dmarc=none action=none header.from=intel.com;\n"
    "x-ms-publictraffictype: Email\n"
    "x-ms-exchange-senderadcheck: 1\n"
    "x-ms-exchange-antispam-relay: 0\n"
    "x-microsoft-antispam: BCL:0;\n"
    " ARA:13230040|376014|7416014|366016|1800799024|38070700018; \n"
    "x-forefront-antispam-report: CIP:255.255.255.255; CTRY:; LANG:en; SCL:1; SRV:;\n"
    " IPV:NLI; SFV:NSPM; H:IA0PR11MB7185.namprd11.prod.outlook.com; PTR:; CAT:NONE;\n"
    " SFS:(13230040)(376014)(7416014)(366016)(1800799024)(38070700018); DIR:OUT;\n"
    " SFP:1101; \n"
    "X-MS-Exchange-CrossTenant-AuthAs: Internal\n"
    "X-MS-Exchange-CrossTenant-AuthSource: IA0PR11MB7185.namprd11.prod.outlook.com\n"
    "X-MS-Exchange-CrossTenant-Network-Message-Id: 3262c10d-2823-4875-ce26-08dd1443e664\n"
    "X-MS-Exchange-CrossTenant-originalarrivaltime: 04 Dec 2024 09:13:21.6899 (UTC)\n"
    "X-MS-Exchange-CrossTenant-fromentityheader: Hosted\n"
    "X-MS-Exchange-CrossTenant-id: 46c98d88-e344-4ed4-8496-4ed7712e255d\n"
    "X-MS-Exchange-CrossTenant-mailboxtype: HOSTED\n"
    "X-MS-Exchange-Transport-CrossTenantHeadersStamped: IA1PR11MB7727\n"
    "X-OriginatorOrg: intel.com\n")

#: Internet -> Exchange Online Protection -> a cloud mailbox: a notification sent through
#: SendGrid, as Outlook on the web shows it (the blank lines OWA puts between fields removed,
#: and the one field the post cuts off, Received-SPF, left out).
INBOUND_EOP = HeaderSample(
    "From the Internet through Exchange Online Protection to an Exchange Online mailbox (2022)",
    "https://github.com/BugAlertDotOrg/bugalert/issues/38",
    "Received: from AM0P191MB0481.EURP191.PROD.OUTLOOK.COM (2603:10a6:208:4d::33)\n"
    " by PAXP191MB1871.EURP191.PROD.OUTLOOK.COM with HTTPS; Tue, 8 Feb 2022\n"
    " 15:56:22 +0000\n"
    "Received: from AS8P251CA0021.EURP251.PROD.OUTLOOK.COM (2603:10a6:20b:2f2::18)\n"
    " by AM0P191MB0481.EURP191.PROD.OUTLOOK.COM (2603:10a6:208:4d::33) with\n"
    " Microsoft SMTP Server (version=TLS1_2,\n"
    " cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.4951.12; Tue, 8 Feb\n"
    " 2022 15:56:20 +0000\n"
    "Received: from VI1EUR04FT014.eop-eur04.prod.protection.outlook.com\n"
    " (2603:10a6:20b:2f2:cafe::f0) by AS8P251CA0021.outlook.office365.com\n"
    " (2603:10a6:20b:2f2::18) with Microsoft SMTP Server (version=TLS1_2,\n"
    " cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.4951.19 via Frontend\n"
    " Transport; Tue, 8 Feb 2022 15:56:19 +0000\n"
    "Authentication-Results: spf=pass (sender IP is 149.72.167.116)\n"
    " smtp.mailfrom=noreply.bugalert.org; dkim=pass (signature was verified)\n"
    " header.d=bugalert.org;dmarc=bestguesspass action=none\n"
    " header.from=bugalert.org;compauth=pass reason=109\n"
    "X-Microsoft-Antispam: BCL:0;\n"
    "X-MS-Exchange-CrossTenant-OriginalArrivalTime: 08 Feb 2022 15:56:19.0491\n"
    " (UTC)\n"
    "X-MS-Exchange-CrossTenant-Network-Message-Id: 40bed02c-b849-4e6b-6e33-08d9eb1b8bf5\n"
    "X-MS-Exchange-CrossTenant-Id: e96afb08-eeaf-49be-90d6-526571a42d8a\n"
    "X-MS-Exchange-CrossTenant-AuthSource:\n"
    " VI1EUR04FT014.eop-eur04.prod.protection.outlook.com\n"
    "X-MS-Exchange-CrossTenant-AuthAs: Anonymous\n"
    "X-MS-Exchange-CrossTenant-FromEntityHeader: Internet\n"
    "X-MS-Exchange-Transport-CrossTenantHeadersStamped: AM0P191MB0481\n"
    "X-MS-Exchange-Transport-EndToEndLatency: 00:00:03.1861137\n"
    "X-MS-Exchange-Processed-By-BccFoldering: 15.20.4951.019\n")

#: The Exchange Online samples, for the analyzer's EOP and Exchange Online reading.
EXCHANGE_ONLINE = (INBOUND_EOP, HYBRID_2016_OUTBOUND, HYBRID_2019_OUTBOUND, HYBRID_2016_CU15_OUTBOUND,
                   CENTRALIZED_2016)
