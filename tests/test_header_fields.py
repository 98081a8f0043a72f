"""Exchange Online Protection's and Exchange Online's fields, decoded field by field on five real
header blocks that passed through Exchange Online (sources in `header_samples`), and the hops of
those blocks read service by service, Exchange Online's parts named."""
from __future__ import annotations

import pytest

from mailflowlab import header_samples as samples
from mailflowlab import parse_hops
from mailflowlab.header_analyzer import (
    DELIVERY,
    EXCHANGE_ONLINE_HTTPS,
    FRONT_END,
    NOT_EXCHANGE,
    SUBMISSION,
    TRANSPORT,
    exchange_version,
    explain,
    explain_fields,
    product,
)
from mailflowlab.header_fields import (
    ANTISPAM_DOC,
    BCL_DOC,
    DIR_SOURCE,
    SCL_DOC,
    SFS_SOURCE,
    UNKNOWN,
    fields_table,
    read_fields,
)
from mailflowlab.ui import header_analyzer

EOP_FET = f"{FRONT_END} in Exchange Online Protection"
EXO_FET, EXO_TRANSPORT = f"{FRONT_END} in Exchange Online", f"{TRANSPORT} in Exchange Online"
FOREFRONT, ANTISPAM = "X-Forefront-Antispam-Report", "X-Microsoft-Antispam"
AUTH, MS_AUTH = "Authentication-Results", "X-MS-Exchange-Authentication-Results"


def _pairs(sample: samples.HeaderSample, header: str) -> list[tuple[str, str]]:
    return [(r.Field, r.Value) for r in read_fields(sample.text) if r.Header == header]


def _meaning(sample: samples.HeaderSample, header: str, field: str) -> tuple[str, str]:
    [reading] = [r for r in read_fields(sample.text) if r.Header == header and r.Field == field]
    return reading.Meaning, reading.Source


def _forefront(cip: str, ctry: str, scl: str, ipv: str, helo: str, ptr: str, sfs: str) -> list[tuple[str, str]]:
    return [("CIP", cip), ("CTRY", ctry), ("LANG", "en"), ("SCL", scl), ("SRV", ""), ("IPV", ipv), ("SFV", "NSPM"),
            ("H", helo), ("PTR", ptr), ("CAT", "NONE"), ("SFS", sfs), ("DIR", "OUT"), ("SFP", "1101")]


@pytest.mark.parametrize(("sample", "forefront"), [
    (samples.HYBRID_2016_OUTBOUND, _forefront("165.204.84.17", "US", "1", "CAL", "SATLEXMB04.amd.com",
                                              "InfoDomainNonexistent",
                                              "(13230040)(376014)(1800799024)(36860700013)(82310400026)")),
    (samples.HYBRID_2019_OUTBOUND, _forefront("216.228.117.161", "US", "1", "NLI", "mail.nvidia.com",
                                              "dc6edge2.nvidia.com",
                                              "(13230031)(82310400014)(376005)(36860700004)(1800799015)")),
    (samples.HYBRID_2016_CU15_OUTBOUND, _forefront(
        "149.199.62.198", "US", "1", "NLI", "xsj-pvapexch02.xlnx.xilinx.com", "unknown-62-198.xilinx.com",
        "(4636009)(136003)(39860400002)(346002)(376002)(396003)(46966005)(8676002)(426003)(8936002)(336012)"
        "(70586007)(82740400003)(70206006)(5660300002)(4326008)(26005)(316002)(36906005)(7696005)(478600001)"
        "(6916009)(9786002)(86362001)(54906003)(2906002)(2616005)(44832011)(7636003)(186003)(83380400001)"
        "(47076004)(36756003)(82310400003)(356005)(102446001)")),
    (samples.CENTRALIZED_2016, _forefront("255.255.255.255", "", "1", "NLI", "IA0PR11MB7185.namprd11.prod.outlook.com",
                                          "", "(13230040)(376014)(7416014)(366016)(1800799024)(38070700018)")),
    (samples.INBOUND_EOP, []),
])
def test_the_forefront_report_is_read_field_by_field(sample: samples.HeaderSample,
                                                     forefront: list[tuple[str, str]]) -> None:
    assert _pairs(sample, FOREFRONT) == forefront


def test_each_forefront_field_says_what_microsoft_says() -> None:
    amd = samples.HYBRID_2016_OUTBOUND
    assert _meaning(amd, FOREFRONT, "IPV") == (
        "The message skipped spam filtering: the source IP address is on the IP Allow List.", ANTISPAM_DOC)
    assert _meaning(samples.HYBRID_2019_OUTBOUND, FOREFRONT, "IPV") == (
        "The IP address was not found on any IP reputation list.", ANTISPAM_DOC)
    assert _meaning(amd, FOREFRONT, "SCL") == ("Spam filtering determined the message wasn't spam.", SCL_DOC)
    assert _meaning(amd, FOREFRONT, "SFV") == (
        "Spam filtering marked the message as non-spam and it was sent to the intended recipients.", ANTISPAM_DOC)
    assert _meaning(amd, FOREFRONT, "CAT") == ("No protection policy category applied to the message.", ANTISPAM_DOC)
    assert _meaning(amd, FOREFRONT, "DIR") == ("The message's direction as the filter saw it: outbound from the tenant.",
                                              DIR_SOURCE)
    assert _meaning(amd, FOREFRONT, "SFS")[1] == SFS_SOURCE and DIR_SOURCE.startswith("UNCERTAIN")
    assert _meaning(amd, FOREFRONT, "SFP") == (UNKNOWN, ANTISPAM_DOC)      # listed as unknown, never dropped


def test_x_microsoft_antispam_gives_the_bulk_complaint_level_and_lists_the_rest() -> None:
    assert _pairs(samples.HYBRID_2016_OUTBOUND, ANTISPAM) == [
        ("BCL", "0"), ("ARA", "13230040|376014|1800799024|36860700013|82310400026")]
    assert _pairs(samples.INBOUND_EOP, ANTISPAM) == [("BCL", "0")]
    assert _meaning(samples.INBOUND_EOP, ANTISPAM, "BCL") == ("The message isn't from a bulk sender.", BCL_DOC)
    assert _meaning(samples.HYBRID_2016_OUTBOUND, ANTISPAM, "ARA")[0] == UNKNOWN
    assert list(explain_fields(samples.INBOUND_EOP.text)) == read_fields(samples.INBOUND_EOP.text)


def test_authentication_results_with_compauth_and_its_reason() -> None:
    assert _pairs(samples.INBOUND_EOP, AUTH) == [
        ("spf", "pass (sender IP is 149.72.167.116)"), ("smtp.mailfrom", "noreply.bugalert.org"),
        ("dkim", "pass (signature was verified)"), ("header.d", "bugalert.org"), ("dmarc", "bestguesspass"),
        ("action", "none"), ("header.from", "bugalert.org"), ("compauth", "pass"), ("reason", "109")]
    assert _meaning(samples.INBOUND_EOP, AUTH, "spf")[0] == (
        "SPF passed: the sending IP address is allowed by the MAIL FROM domain's SPF record "
        "(sender IP is 149.72.167.116).")
    assert _meaning(samples.INBOUND_EOP, AUTH, "dmarc")[0] == (
        "The domain has no DMARC record, but had it one, the check would have passed.")
    assert _meaning(samples.INBOUND_EOP, AUTH, "compauth")[0] == (
        "Composite authentication passed: Microsoft 365 judged the From domain authenticated.")
    assert _meaning(samples.INBOUND_EOP, AUTH, "reason")[0] == (
        "The message passed authentication (the last two digits are Microsoft's internal codes).")


def test_exchange_online_s_own_authentication_results_and_its_bare_domains() -> None:
    assert _pairs(samples.HYBRID_2016_CU15_OUTBOUND, MS_AUTH) == [
        ("spf", "pass (sender IP is 149.199.62.198)"), ("smtp.mailfrom", "xilinx.com"), ("domain", "nongnu.org"),
        ("dkim", "none (message not signed)"), ("header.d", "none"), ("domain", "nongnu.org"),
        ("dmarc", "bestguesspass"), ("action", "none"), ("header.from", "xilinx.com")]
    assert _pairs(samples.CENTRALIZED_2016, AUTH) == [
        ("dkim", "none (message not signed)"), ("header.d", "none"), ("dmarc", "none"), ("action", "none"),
        ("header.from", "intel.com")]


@pytest.mark.parametrize(("sample", "cross_tenant"), [
    (samples.INBOUND_EOP, [("OriginalArrivalTime", "08 Feb 2022 15:56:19.0491 (UTC)"),
                           ("Network-Message-Id", "40bed02c-b849-4e6b-6e33-08d9eb1b8bf5"),
                           ("Id", "e96afb08-eeaf-49be-90d6-526571a42d8a"),
                           ("AuthSource", "VI1EUR04FT014.eop-eur04.prod.protection.outlook.com"),
                           ("AuthAs", "Anonymous"), ("FromEntityHeader", "Internet")]),
    (samples.HYBRID_2019_OUTBOUND, [("OriginalArrivalTime", "03 Apr 2024 11:42:27.1940 (UTC)"),
                                    ("Network-Message-Id", "4d65be12-b785-47da-63e2-08dc53d32330"),
                                    ("Id", "43083d15-7273-40c1-b7db-39efd9ccc17a"),
                                    ("OriginalAttributedTenantConnectingIp",
                                     "TenantId=43083d15-7273-40c1-b7db-39efd9ccc17a;Ip=[216.228.117.161];Helo=[mail.nvidia.com]"),
                                    ("AuthSource", "SN1PEPF00026368.namprd02.prod.outlook.com"),
                                    ("AuthAs", "Anonymous"), ("FromEntityHeader", "HybridOnPrem")]),
    (samples.CENTRALIZED_2016, [("AuthAs", "Internal"), ("AuthSource", "IA0PR11MB7185.namprd11.prod.outlook.com"),
                                ("Network-Message-Id", "3262c10d-2823-4875-ce26-08dd1443e664"),
                                ("originalarrivaltime", "04 Dec 2024 09:13:21.6899 (UTC)"),
                                ("fromentityheader", "Hosted"), ("id", "46c98d88-e344-4ed4-8496-4ed7712e255d"),
                                ("mailboxtype", "HOSTED")]),
])
def test_cross_tenant_fields_say_where_exchange_online_took_the_message_from(
        sample: samples.HeaderSample, cross_tenant: list[tuple[str, str]]) -> None:
    readings = [r for r in read_fields(sample.text) if r.Header.lower().startswith("x-ms-exchange-crosstenant-")]
    assert [(r.Field, r.Value) for r in readings] == cross_tenant
    assert all(r.Source.startswith("INFERRED") and not r.Meaning.startswith("unknown") for r in readings)


def test_organization_fields_from_the_fact_sheet_and_unknown_ones_listed() -> None:
    table = fields_table(samples.INTERNAL_2013.text)
    assert [(r.Field, r.Value) for r in table] == [("AuthAs", "Internal"), ("AuthMechanism", "04"),
                                                   ("AuthSource", "exch.exch.com"), ("SCL", "-1")]
    odd = fields_table("X-MS-Exchange-Organization-MessageDirectionality: Incoming\n")
    assert odd[0].Field == "MessageDirectionality" and odd[0].Meaning.startswith("unknown")


@pytest.mark.parametrize(("sample", "services", "versions"), [
    (samples.INBOUND_EOP, [EXO_FET, EXO_TRANSPORT, EXCHANGE_ONLINE_HTTPS], ["Exchange Online"] * 2 + [""]),
    (samples.HYBRID_2016_OUTBOUND, [FRONT_END, TRANSPORT, TRANSPORT, EOP_FET, EXO_FET, EXO_TRANSPORT],
     ["Exchange 2016 CU23"] * 3 + ["Exchange Online"] * 3),
    (samples.HYBRID_2019_OUTBOUND, [FRONT_END, TRANSPORT, TRANSPORT, EOP_FET, EXO_FET, EXO_TRANSPORT],
     ["Exchange 2019 CU13", "Exchange 2019 CU13", "Exchange 2019 CU11"] + ["Exchange Online"] * 3),
    (samples.HYBRID_2016_CU15_OUTBOUND, [NOT_EXCHANGE, FRONT_END, TRANSPORT, EOP_FET, EXO_FET, EXO_TRANSPORT],
     ["", "Exchange 2016 CU15", "Exchange 2016 CU15"] + ["Exchange Online"] * 3),
    (samples.CENTRALIZED_2016, [f"{SUBMISSION} in Exchange Online", EXO_TRANSPORT, TRANSPORT, FRONT_END, TRANSPORT],
     ["Exchange Online"] * 2 + ["Exchange 2016 CU23"] * 3),
])
def test_the_hops_name_exchange_online_s_parts(sample: samples.HeaderSample, services: list[str],
                                               versions: list[str]) -> None:
    table = explain(parse_hops(sample.text))
    assert list(table["Stamped by"]) == services
    assert list(table["Version"]) == versions


@pytest.mark.parametrize(("build", "name", "version"), [
    ("15.2.1748.24", "Exchange 2019", "Exchange 2019 CU15"), ("15.2.1544.25", "Exchange 2019", "Exchange 2019 CU14"),
    ("15.2.2562.17", "Exchange Server SE", "Exchange Server SE RTM"),
    ("15.02.2562.017", "Exchange Server SE", "Exchange Server SE RTM"),
    ("15.1.2507.55", "Exchange 2016", "Exchange 2016 CU23"),
    ("15.2.9999.1", "Exchange Server SE", "Exchange Server SE (a build not in the table)"),
])
def test_current_builds(build: str, name: str, version: str) -> None:
    assert (product(build), exchange_version(build)) == (name, version)


def test_the_panel_decodes_the_fields_under_the_hops_and_alone() -> None:
    panel = header_analyzer(samples.HYBRID_2016_OUTBOUND.text)
    result = panel.children[2].value
    assert "Fields decoded" in result and "IP Allow List" in result and "HybridOnPrem" in result
    assert result.index("svg") < result.index("Fields decoded")
    panel.box.value = "X-Forefront-Antispam-Report: CIP:192.0.2.1;SFV:SPM;\n"
    panel.button.click()
    assert "No Received headers found" in panel.children[2].value
    assert "marked as spam by spam filtering" in panel.children[2].value
    assert DELIVERY not in panel.children[2].value
