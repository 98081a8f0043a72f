"""Received headers: Exchange 2013's forms written exactly, and real-world headers read back as hops.

The samples are the real headers quoted in the fact sheet (section 0.2 and 7), plus Gmail and
Postfix blocks in the shapes those servers write.
"""
from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta, timezone
from email.policy import default as default_policy
from typing import Any

import pytest

from mailflowlab import header_samples as samples
from mailflowlab.headers import (
    HeaderParseError,
    Hop,
    format_date,
    format_mapi_received,
    format_smtp_received,
    hops_table,
    long_build,
    parse_hops,
)

BRISBANE = timezone(timedelta(hours=10))
TOKYO = timezone(timedelta(hours=9))
PACIFIC = timezone(timedelta(hours=-8))
WHEN = datetime(2014, 3, 4, 10, 0, 2, tzinfo=BRISBANE)
MB2, MB2_IP = "MB2.exchange2013demo.com", "10.0.0.12"


def route(hops: list[Hop]) -> list[tuple[str | None, ...]]:
    """(from_host, from_ip, by_host, by_ip, protocol, id, via) of each hop, oldest first."""
    return [(h.from_host, h.from_ip, h.by_host, h.by_ip, h.protocol, h.id, h.via) for h in hops]


# --- writing -------------------------------------------------------------------------------

def test_format_date_writes_the_day_unpadded_with_the_servers_offset() -> None:
    assert format_date(WHEN) == "Tue, 4 Mar 2014 10:00:02 +1000"
    assert format_date(datetime(2016, 7, 30, 3, 16, 52, tzinfo=TOKYO)) == "Sat, 30 Jul 2016 03:16:52 +0900"
    with pytest.raises(ValueError, match="timezone-aware"):
        format_date(datetime(2014, 3, 4, 10, 0, 2))


@pytest.mark.parametrize("offset", [timedelta(hours=-8), timedelta(hours=-3, minutes=-30),
                                    timedelta(hours=5, minutes=45), timedelta(0), timedelta(hours=14)])
def test_format_date_writes_any_offset_as_strftime_would(offset: timedelta) -> None:
    """West of Greenwich and the half- and quarter-hour zones (Newfoundland, Nepal) too."""
    when = datetime(2014, 3, 4, 1, 2, 3, tzinfo=timezone(offset))
    assert format_date(when) == f"Tue, 4 Mar 2014 {when:%H:%M:%S %z}"


def test_long_build_pads_like_the_mapi_header() -> None:
    # 2013 writes revision 000 in the mapi id, as real samples do (15.00.1178.000 for 15.0.1178.4);
    # before the fix the lab wrote 15.00.0847.032.
    assert long_build("15.0.847.32") == "15.00.0847.000"
    assert long_build("15.0.1178.4") == "15.00.1178.000"
    assert long_build("14.3.123.4") == "14.03.0123.004"
    # Only 2013 writes 000: 2019 keeps its revision, as real 2019 headers show (15.02.1544.011).
    assert long_build("15.2.1544.11") == "15.02.1544.011"
    assert long_build("15.1.2242.8") == "15.01.2242.008"
    with pytest.raises(ValueError, match="four numbers"):
        long_build("15.0")


def test_format_smtp_received_matches_the_fact_sheet() -> None:
    common: dict[str, Any] = dict(from_host=MB2, from_ip=MB2_IP, by_host=MB2, by_ip=MB2_IP, build="15.0.847.32", when=WHEN)
    assert format_smtp_received(tls=True, via="Mailbox Transport", **common) == (
        "from MB2.exchange2013demo.com (10.0.0.12) by MB2.exchange2013demo.com (10.0.0.12) with "
        "Microsoft SMTP Server (TLS) id 15.0.847.32 via Mailbox Transport; Tue, 4 Mar 2014 10:00:02 +1000")
    assert format_smtp_received(tls=False, via=None, **common) == (
        "from MB2.exchange2013demo.com (10.0.0.12) by MB2.exchange2013demo.com (10.0.0.12) with "
        "Microsoft SMTP Server id 15.0.847.32; Tue, 4 Mar 2014 10:00:02 +1000")


def test_format_mapi_received_for_2013_submission_and_a_2010_hub() -> None:
    assert format_mapi_received(host=MB2, ip=MB2_IP, build="15.00.0847.032", when=WHEN) == (
        "from MB2.exchange2013demo.com ([10.0.0.12]) by MB2.exchange2013demo.com ([10.0.0.12]) with "
        "mapi id 15.00.0847.032; Tue, 4 Mar 2014 10:00:02 +1000")
    assert format_mapi_received(host="MBX1.contoso.com", ip="10.0.0.31", by_host="HUB1.contoso.com",
                                by_ip="10.0.0.32", build="14.03.0123.004", when=WHEN) == (
        "from MBX1.contoso.com ([10.0.0.31]) by HUB1.contoso.com ([10.0.0.32]) with "
        "mapi id 14.03.0123.004; Tue, 4 Mar 2014 10:00:02 +1000")


def test_the_2013_hop_kinds_round_trip() -> None:
    second = timedelta(seconds=1)
    stamps = [  # newest first, as in a message: Delivery, Transport, FET, Submission (mapi)
        format_smtp_received(from_host=MB2, from_ip=MB2_IP, by_host=MB2, by_ip=MB2_IP, build="15.0.847.32",
                             tls=True, via="Mailbox Transport", when=WHEN + 3 * second),
        format_smtp_received(from_host="CA1.exchange2013demo.com", from_ip="10.0.0.21", by_host=MB2,
                             by_ip=MB2_IP, build="15.0.847.32", tls=True, via=None, when=WHEN + 2 * second),
        format_smtp_received(from_host="laptop.fabrikam.com", from_ip="203.0.113.50",
                             by_host="CA1.exchange2013demo.com", by_ip="10.0.0.21", build="15.0.847.32",
                             tls=False, via="Frontend Transport", when=WHEN + second),
        format_mapi_received(host=MB2, ip=MB2_IP, build=long_build("15.0.847.32"), when=WHEN),
    ]
    hops = parse_hops(stamps)
    assert route(hops) == [
        (MB2, MB2_IP, MB2, MB2_IP, "mapi", "15.00.0847.000", None),
        ("laptop.fabrikam.com", "203.0.113.50", "CA1.exchange2013demo.com", "10.0.0.21",
         "Microsoft SMTP Server", "15.0.847.32", "Frontend Transport"),
        ("CA1.exchange2013demo.com", "10.0.0.21", MB2, MB2_IP, "Microsoft SMTP Server (TLS)", "15.0.847.32", None),
        (MB2, MB2_IP, MB2, MB2_IP, "Microsoft SMTP Server (TLS)", "15.0.847.32", "Mailbox Transport")]
    assert [h.number for h in hops] == [1, 2, 3, 4]
    assert [h.time for h in hops] == [WHEN, WHEN + second, WHEN + 2 * second, WHEN + 3 * second]
    assert [h.delay for h in hops] == [None, second, second, second]
    assert [h.raw for h in hops] == stamps[::-1]


# --- reading the fact sheet's real samples ------------------------------------------------

def test_sample_a_internal_2013_cu13_on_one_server() -> None:
    hops = parse_hops("""\
Received: from E2013-1-E.e.local (192.168.1.52) by E2013-1-E.e.local (192.168.1.52) with Microsoft SMTP Server (TLS) id 15.0.1210.3 via Mailbox Transport; Sat, 30 Jul 2016 03:16:52 +0900
Received: from E2013-1-E.e.local (192.168.1.52) by E2013-1-E.e.local (192.168.1.52) with Microsoft SMTP Server (TLS) id 15.0.1210.3; Sat, 30 Jul 2016 03:16:52 +0900
Received: from E2013-1-E.e.local ([192.168.1.52]) by E2013-1-E.e.local ([192.168.1.52]) with mapi id 15.00.1178.000; Sat, 30 Jul 2016 03:16:52 +0900
""")
    e2013 = ("E2013-1-E.e.local", "192.168.1.52", "E2013-1-E.e.local", "192.168.1.52")
    assert route(hops) == [
        (*e2013, "mapi", "15.00.1178.000", None),
        (*e2013, "Microsoft SMTP Server (TLS)", "15.0.1210.3", None),
        (*e2013, "Microsoft SMTP Server (TLS)", "15.0.1210.3", "Mailbox Transport")]
    assert hops[0].time == datetime(2016, 7, 30, 3, 16, 52, tzinfo=TOKYO)
    assert [h.delay for h in hops] == [None, timedelta(0), timedelta(0)]


def test_sample_a_ipv6_cu21_with_a_zone_id_and_other_headers_below() -> None:
    hops = parse_hops(samples.INTERNAL_2013.text)
    v6, link_local = "2002:925:1d2d::925:1d2d", "fe80::4f8:e4ed:8276:c2c7"
    assert route(hops) == [
        ("exch.exch.com", link_local, "exch.exch.com", link_local, "mapi", "15.00.1395.000", None),
        ("exch.exch.com", v6, "exch.exch.com", v6, "Microsoft SMTP Server (TLS)", "15.0.1395.4", None),
        ("exch.exch.com", v6, "exch.exch.com", v6, "Microsoft SMTP Server (TLS)", "15.0.1395.4",
         "Mailbox Transport")]
    assert hops[2].time == datetime(2020, 11, 10, 11, 52, 21, tzinfo=UTC)
    assert [h.delay for h in hops] == [None, timedelta(0), timedelta(minutes=5, seconds=46)]


def test_sample_b_inbound_through_fet_without_tls() -> None:
    hops = parse_hops(samples.INBOUND_2013.text)
    e2013 = ("E2013-1-E.e.local", "192.168.1.52", "E2013-1-E.e.local", "192.168.1.52")
    assert route(hops) == [
        ("POP-SMTP", "192.168.1.91", "E2013-1-E.e.local", "192.168.1.52", "Microsoft SMTP Server",
         "15.0.1210.3", "Frontend Transport"),
        (*e2013, "Microsoft SMTP Server (TLS)", "15.0.1210.3", None),
        (*e2013, "Microsoft SMTP Server (TLS)", "15.0.1210.3", "Mailbox Transport")]
    assert [h.delay for h in hops] == [None, timedelta(seconds=1), timedelta(0)]


def test_sample_b_separate_cas_and_mailbox_cu23() -> None:
    hops = parse_hops(samples.RELAY_2013.text)
    assert route(hops) == [
        ("localhost.localdomain", "10.167.225.206", "G08CNEXCHPEKD06.g08.fujitsu.local", "10.167.33.209",
         "Microsoft SMTP Server (TLS)", "15.0.1497.2", "Frontend Transport"),
        ("G08CNEXCHPEKD06.g08.fujitsu.local", "10.167.33.205", "G08CNEXMBPEKD04.g08.fujitsu.local",
         "10.167.33.201", "Microsoft SMTP Server (TLS)", "15.0.1497.2", None)]
    assert hops[1].time == datetime(2020, 9, 22, 10, 19, 36, tzinfo=timezone(timedelta(hours=8)))
    assert hops[1].delay == timedelta(seconds=1)


def test_sample_e_inbound_through_an_edge_then_three_casmbox_servers() -> None:
    hops = parse_hops(samples.EDGE_2013.text)
    tls = "Microsoft SMTP Server (TLS)"
    assert route(hops) == [
        ("mx0b-00206401.pphosted.com", "148.163.148.21", "ee01.crowdstrike.sys", "10.100.0.12",
         tls, "15.0.1473.3", None),
        ("ee01.crowdstrike.sys", "10.100.0.12", "Casmbox04.crowdstrike.sys", "10.100.11.70",
         tls, "15.0.1473.3", "Frontend Transport"),
        ("Casmbox04.crowdstrike.sys", "10.100.11.70", "Casmbox03.crowdstrike.sys", "10.100.11.66",
         tls, "15.0.1473.3", None),
        ("Casmbox03.crowdstrike.sys", "10.100.11.66", "casmbox05.crowdstrike.sys", "10.100.11.72",
         tls, "15.0.1473.3", "Mailbox Transport")]
    assert hops[0].time == datetime(2019, 5, 21, 11, 7, 22, tzinfo=timezone(timedelta(hours=-7)))
    assert [h.delay for h in hops] == [None, timedelta(seconds=2), timedelta(0), timedelta(seconds=1)]


def test_sample_f_exchange_2010_mapi_then_hub_to_hub() -> None:
    hops = parse_hops(samples.EXCHANGE_2010.text)
    assert route(hops) == [
        ("XMBVAG73.northgrum.com", "169.254.4.90", "XHTVAG08.northgrum.com", "134.223.82.85",
         "mapi", "14.03.0174.001", None),
        ("XHTVAG08.northgrum.com", "134.223.82.85", "XHTV0002.northgrum.com", "134.223.80.11",
         "Microsoft SMTP Server (TLS)", "14.3.174.1", None)]
    assert hops[1].delay == timedelta(0)


def test_section_7_from_exchange_2010_into_a_multi_role_2013_fet() -> None:
    hops = parse_hops(samples.COEXISTENCE.text)
    tls = "Microsoft SMTP Server (TLS)"
    assert route(hops) == [
        ("172.27.13.25", "172.27.13.25", "MTLCAS01.mtl.com", "10.0.8.71", tls, "14.3.468.0", None),
        ("MTLCAS01.mtl.com", "10.0.8.71", "MTLCAS13.mtl.com", "10.0.8.78", tls, "15.0.1178.4", "Frontend Transport"),
        ("MTLCAS13.mtl.com", "10.0.8.78", "mtlcas13.mtl.com", "10.0.8.78", tls, "15.0.1178.4", None)]
    assert [h.delay for h in hops] == [None, timedelta(seconds=46), timedelta(0)]


# --- other dialects ------------------------------------------------------------------------

def test_early_2010_mapi_without_an_id() -> None:
    [hop] = parse_hops(["from MBX01.contoso.local ([10.1.1.5]) by HUB01.contoso.local ([10.1.1.6]) "
                        "with mapi; Tue, 30 Oct 2012 16:28:05 -0400"])
    assert route([hop]) == [("MBX01.contoso.local", "10.1.1.5", "HUB01.contoso.local", "10.1.1.6", "mapi", None, None)]
    assert hop.time == datetime(2012, 10, 30, 16, 28, 5, tzinfo=timezone(timedelta(hours=-4)))


def test_exchange_2016_and_exchange_online_tls_version_form() -> None:
    hops = parse_hops([
        "from DB5EUR03FT032.eop-EUR03.prod.protection.outlook.com (2a01:111:e400:7e0a::203) by "
        "DB5EUR03HT094.eop-EUR03.prod.protection.outlook.com (2a01:111:e400:7e0a::361) with Microsoft SMTP "
        "Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.2644.19 via "
        "Frontend Transport; Thu, 16 Jan 2020 09:12:14 +0000",
        "from AM6PR04MB5639.eurprd04.prod.outlook.com ([fe80::9d2:df1a:23e5:b0d6]) by "
        "AM6PR04MB5639.eurprd04.prod.outlook.com ([fe80::9d2:df1a:23e5:b0d6%7]) with mapi id "
        "15.20.2623.018; Thu, 16 Jan 2020 09:12:13 +0000",
    ])
    assert route(hops) == [
        ("AM6PR04MB5639.eurprd04.prod.outlook.com", "fe80::9d2:df1a:23e5:b0d6",
         "AM6PR04MB5639.eurprd04.prod.outlook.com", "fe80::9d2:df1a:23e5:b0d6", "mapi", "15.20.2623.018", None),
        ("DB5EUR03FT032.eop-EUR03.prod.protection.outlook.com", "2a01:111:e400:7e0a::203",
         "DB5EUR03HT094.eop-EUR03.prod.protection.outlook.com", "2a01:111:e400:7e0a::361",
         "Microsoft SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384)",
         "15.20.2644.19", "Frontend Transport")]
    assert hops[1].delay == timedelta(seconds=1)


GMAIL = """\
Delivered-To: bob@x.com
Received: by 10.182.143.10 with SMTP id ab10csp123456obc;
        Mon, 3 Mar 2014 16:00:01 -0800 (PST)
X-Received: by 10.66.234.202 with SMTP id uh10mr40871808pac.10.1393891200655;
        Mon, 03 Mar 2014 16:00:00 -0800 (PST)
Received: from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41])
        by mx.google.com with SMTPS id abc.123.2014.03.03.15.59.58
        for <bob@x.com>
        (Google Transport Security);
        Mon, 03 Mar 2014 15:59:58 -0800 (PST)
Received: by 10.140.88.81 with HTTP; Mon, 3 Mar 2014 15:59:57 -0800 (PST)
Date: Mon, 3 Mar 2014 15:59:57 -0800
"""


def test_gmail_block_with_a_hop_that_has_no_from() -> None:
    hops = parse_hops(GMAIL)
    assert route(hops) == [
        (None, None, "10.140.88.81", "10.140.88.81", "HTTP", None, None),
        ("mail-sor-f41.google.com", "209.85.220.41", "mx.google.com", None, "SMTPS",
         "abc.123.2014.03.03.15.59.58", None),
        (None, None, "10.182.143.10", "10.182.143.10", "SMTP", "ab10csp123456obc", None)]
    assert hops[1].time == datetime(2014, 3, 3, 15, 59, 58, tzinfo=PACIFIC)
    assert [h.delay for h in hops] == [None, timedelta(seconds=1), timedelta(seconds=3)]
    assert hops[1].raw == (
        "from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41]) by mx.google.com with SMTPS "
        "id abc.123.2014.03.03.15.59.58 for <bob@x.com> (Google Transport Security); "
        "Mon, 03 Mar 2014 15:59:58 -0800 (PST)")


def test_postfix_block_with_nested_tls_comment_and_an_ipv6_literal() -> None:
    hops = parse_hops("""\
Received: from mail.example.org (mail.example.org [192.0.2.1])
\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))
\tby mx.example.com (Postfix) with ESMTPS id 4Abc123
\tfor <bob@example.com>; Tue,  4 Mar 2014 00:00:31 +0000 (UTC)
Received: from [192.168.1.20] (unknown [IPv6:2001:db8::25])
\tby mail.example.org (Postfix) with ESMTPSA id 9F3E2A1
\tfor <bob@example.com>; Tue,  4 Mar 2014 00:00:30 +0000 (UTC)
""")
    assert route(hops) == [
        ("192.168.1.20", "2001:db8::25", "mail.example.org", None, "ESMTPSA", "9F3E2A1", None),
        ("mail.example.org", "192.0.2.1", "mx.example.com", None, "ESMTPS", "4Abc123", None)]
    assert hops[1].time == datetime(2014, 3, 4, 0, 0, 31, tzinfo=UTC)
    assert hops[1].delay == timedelta(seconds=1)


def test_a_header_with_no_clauses_keeps_its_time() -> None:
    hops = parse_hops(["from mail.example.org (192.0.2.1) by mx.example.com with SMTP; Tue, 4 Mar 2014 00:00:05 +0000",
                       "(qmail 1234 invoked by uid 89); 4 Mar 2014 00:00:00 -0000"])
    assert route(hops)[0] == (None, None, None, None, None, None, None)
    assert hops[0].time == datetime(2014, 3, 4, 0, 0, tzinfo=UTC)
    assert hops[1].delay == timedelta(seconds=5)


def test_unknown_dates_give_no_delay() -> None:
    hops = parse_hops(["from b by c with SMTP; Tue, 4 Mar 2014 00:00:05 +0000",
                       "from a by b with SMTP; yesterday",
                       "from z by a with SMTP"])
    assert [(h.from_host, h.time, h.delay) for h in hops] == [
        ("z", None, None), ("a", None, None),
        ("b", datetime(2014, 3, 4, 0, 0, 5, tzinfo=UTC), None)]


# --- what a learner pastes or passes ---------------------------------------------------------

def test_a_whole_pasted_message_indented_with_crlf_stops_at_the_body() -> None:
    pasted = ("\r\n    From bob@x.com  Tue Mar  4 10:00:03 2014\r\n"
              "    Received: from MB2.exchange2013demo.com (10.0.0.12) by MB2.exchange2013demo.com\r\n"
              "    \t(10.0.0.12) with Microsoft SMTP Server (TLS) id 15.0.847.32 via Mailbox Transport;\r\n"
              "    \tTue, 4 Mar 2014 10:00:03 +1000\r\n"
              "    Received: from MB2.exchange2013demo.com ([10.0.0.12]) by MB2.exchange2013demo.com\r\n"
              "    ([10.0.0.12]) with mapi id 15.00.0847.032; Tue, 4 Mar 2014 10:00:02 +1000\r\n"
              "    Subject: hello\r\n"
              "    \r\n"
              "    Received: from nowhere by nobody; this line is body text\r\n")
    hops = parse_hops(pasted)
    assert route(hops) == [
        (MB2, MB2_IP, MB2, MB2_IP, "mapi", "15.00.0847.032", None),
        (MB2, MB2_IP, MB2, MB2_IP, "Microsoft SMTP Server (TLS)", "15.0.847.32", "Mailbox Transport")]
    assert hops[1].delay == timedelta(seconds=1)


def test_a_single_value_pasted_without_its_name() -> None:
    [hop] = parse_hops("from POP-SMTP (192.168.1.91) by E2013-1-E.e.local (192.168.1.52) with Microsoft SMTP "
                       "Server id 15.0.1210.3 via Frontend Transport; Sat, 30 Jul 2016 06:53:16 +0900")
    assert (hop.from_host, hop.via) == ("POP-SMTP", "Frontend Transport")


def test_email_messages_of_either_policy() -> None:
    text = ("Received: from MB2.exchange2013demo.com (10.0.0.12) by MB2.exchange2013demo.com (10.0.0.12)\r\n"
            "\twith Microsoft SMTP Server (TLS) id 15.0.847.32; Tue, 4 Mar 2014 10:00:03 +1000\r\n"
            "Received: from MB2.exchange2013demo.com ([10.0.0.12]) by MB2.exchange2013demo.com ([10.0.0.12])\r\n"
            " with mapi id 15.00.0847.032; Tue, 4 Mar 2014 10:00:02 +1000\r\n"
            "Subject: hi\r\n\r\nbody\r\n")
    for message in (email.message_from_string(text, policy=default_policy), email.message_from_string(text)):
        hops = parse_hops(message)
        assert [(h.protocol, h.id) for h in hops] == [
            ("mapi", "15.00.0847.032"), ("Microsoft SMTP Server (TLS)", "15.0.847.32")]
        assert hops[1].raw == ("from MB2.exchange2013demo.com (10.0.0.12) by MB2.exchange2013demo.com (10.0.0.12) "
                               "with Microsoft SMTP Server (TLS) id 15.0.847.32; Tue, 4 Mar 2014 10:00:03 +1000")


@pytest.mark.parametrize("garbage", [
    "", "   \n\n", "hello world", "Subject: no hops here\r\n\r\nReceived: from body by text; x",
    [], email.message_from_string("Subject: never sent\n\nbody\n", policy=default_policy)])
def test_garbage_gets_a_sentence_not_a_traceback(garbage: object) -> None:
    with pytest.raises(HeaderParseError) as raised:
        parse_hops(garbage)  # type: ignore[arg-type]
    assert str(raised.value) == ("No Received headers found: paste the message headers, starting with the "
                                 "Received: lines (in Outlook: File > Properties > Internet headers).")


def test_the_wrong_kind_of_source_is_named() -> None:
    with pytest.raises(HeaderParseError) as raised:
        parse_hops(b"Received: from a by b; Tue, 4 Mar 2014 10:00:02 +1000")  # type: ignore[arg-type]
    assert str(raised.value) == "parse_hops reads a message, pasted header text or a list of Received values, not bytes."


# --- the table -----------------------------------------------------------------------------

def test_hops_table() -> None:
    table = hops_table(parse_hops(GMAIL))
    assert list(table.columns) == ["Hop", "From", "By", "With", "Via", "Time", "Delay"]
    assert len(table) == 3
    # Rows are dicts; Delay is a timedelta (None for the first hop), shown with its unit.
    assert list(table) == [
        {"Hop": 1, "From": "", "By": "10.140.88.81", "With": "HTTP", "Via": "", "Time": "15:59:57", "Delay": None},
        {"Hop": 2, "From": "mail-sor-f41.google.com (209.85.220.41)", "By": "mx.google.com", "With": "SMTPS",
         "Via": "", "Time": "15:59:58", "Delay": timedelta(seconds=1)},
        {"Hop": 3, "From": "", "By": "10.182.143.10", "With": "SMTP", "Via": "", "Time": "16:00:01",
         "Delay": timedelta(seconds=3)}]
