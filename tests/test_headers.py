"""Received headers: Exchange's format written exactly, and real headers read back as hops."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from mailflowlab.headers import (HeaderParseError, format_date, format_mapi_received,
                                 format_smtp_received, hops_table, long_build, parse_hops)

WHEN = datetime(2014, 3, 4, 9, 0, 2, tzinfo=timezone(timedelta(hours=10)))

# Fact sheet §0.2 B: inbound through FET on a multi-role 2013 CU13 server (jp blog).
JP_INBOUND = """\
Received: from E2013-1-E.e.local (192.168.1.52) by E2013-1-E.e.local (192.168.1.52) with Microsoft SMTP Server (TLS) id 15.0.1210.3 via Mailbox Transport; Sat, 30 Jul 2016 06:53:17 +0900
Received: from E2013-1-E.e.local (192.168.1.52) by E2013-1-E.e.local (192.168.1.52) with Microsoft SMTP Server (TLS) id 15.0.1210.3; Sat, 30 Jul 2016 06:53:17 +0900
Received: from POP-SMTP (192.168.1.91) by E2013-1-E.e.local (192.168.1.52) with Microsoft SMTP Server id 15.0.1210.3 via Frontend Transport; Sat, 30 Jul 2016 06:53:16 +0900
"""

# Fact sheet §0.2 A: internal 2013 CU21 over IPv6, with a zone id on the MAPI hop.
IBM_INTERNAL = """\
Received: from exch.exch.com (2002:925:1d2d::925:1d2d) by exch.exch.com (2002:925:1d2d::925:1d2d) with Microsoft SMTP Server (TLS) id 15.0.1395.4 via Mailbox Transport; Tue, 10 Nov 2020 11:52:21 +0000
Received: from exch.exch.com (2002:925:1d2d::925:1d2d) by exch.exch.com (2002:925:1d2d::925:1d2d) with Microsoft SMTP Server (TLS) id 15.0.1395.4; Tue, 10 Nov 2020 11:46:35 +0000
Received: from exch.exch.com ([fe80::4f8:e4ed:8276:c2c7]) by exch.exch.com ([fe80::4f8:e4ed:8276:c2c7%12]) with mapi id 15.00.1395.000; Tue, 10 Nov 2020 11:46:35 +0000
X-MS-Exchange-Organization-AuthAs: Internal
"""

GMAIL_AND_POSTFIX = """\
Received: from mail.example.org (mail.example.org [192.0.2.1])
\tby mx.example.com (Postfix) with ESMTPS id 4Abc123
\tfor <bob@example.com>; Mon,  3 Mar 2014 16:00:30 -0800 (PST)
Received: from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41])
        by mx.google.com with SMTPS id abc.123.2014.03.03.15.59.58
        for <bob@x.com>
        (Google Transport Security);
        Mon, 03 Mar 2014 15:59:58 -0800 (PST)
Received: by 10.140.88.81 with HTTP; Mon, 3 Mar 2014 15:59:57 -0800 (PST)
Subject: a whole pasted message

the body, which is not read
Received: from nowhere by nobody; Mon, 3 Mar 2014 15:59:57 -0800
"""


def test_format_date_and_long_build() -> None:
    assert format_date(WHEN) == "Tue, 4 Mar 2014 09:00:02 +1000"
    assert long_build("15.0.847.32") == "15.00.0847.032"
    assert long_build("14.3.123.4") == "14.03.0123.004"


def test_the_three_2013_hop_kinds_round_trip() -> None:
    values = [
        format_smtp_received(from_host="MB2.x.com", from_ip="10.0.0.12", by_host="MB1.x.com",
                             by_ip="10.0.0.11", build="15.0.847.32", tls=True, via="Mailbox Transport", when=WHEN),
        format_smtp_received(from_host="MB2.x.com", from_ip="10.0.0.12", by_host="MB2.x.com",
                             by_ip="10.0.0.12", build="15.0.847.32", tls=True, via=None, when=WHEN),
        format_mapi_received(host="MB2.x.com", ip="10.0.0.12", build="15.00.0847.032", when=WHEN),
    ]
    assert values[0] == ("from MB2.x.com (10.0.0.12) by MB1.x.com (10.0.0.11) with Microsoft SMTP Server "
                         "(TLS) id 15.0.847.32 via Mailbox Transport; Tue, 4 Mar 2014 09:00:02 +1000")
    assert values[2] == ("from MB2.x.com ([10.0.0.12]) by MB2.x.com ([10.0.0.12]) with mapi id "
                         "15.00.0847.032; Tue, 4 Mar 2014 09:00:02 +1000")
    hops = parse_hops(values)
    assert [(h.number, h.protocol, h.id, h.via) for h in hops] == [
        (1, "mapi", "15.00.0847.032", None),
        (2, "Microsoft SMTP Server (TLS)", "15.0.847.32", None),
        (3, "Microsoft SMTP Server (TLS)", "15.0.847.32", "Mailbox Transport")]
    assert (hops[2].from_host, hops[2].from_ip, hops[2].by_host, hops[2].by_ip) == (
        "MB2.x.com", "10.0.0.12", "MB1.x.com", "10.0.0.11")
    assert hops[0].time == WHEN and hops[1].delay == timedelta(0)


def test_jp_blog_inbound_sample_reads_oldest_first() -> None:
    hops = parse_hops(JP_INBOUND)
    assert [(h.from_host, h.from_ip, h.by_host, h.via) for h in hops] == [
        ("POP-SMTP", "192.168.1.91", "E2013-1-E.e.local", "Frontend Transport"),
        ("E2013-1-E.e.local", "192.168.1.52", "E2013-1-E.e.local", None),
        ("E2013-1-E.e.local", "192.168.1.52", "E2013-1-E.e.local", "Mailbox Transport")]
    assert hops[0].protocol == "Microsoft SMTP Server"
    assert [h.delay for h in hops] == [None, timedelta(seconds=1), timedelta(0)]


def test_ipv6_and_zone_ids() -> None:
    hops = parse_hops(IBM_INTERNAL)
    assert hops[0].from_ip == "fe80::4f8:e4ed:8276:c2c7" and hops[0].by_ip == "fe80::4f8:e4ed:8276:c2c7"
    assert hops[1].from_ip == "2002:925:1d2d::925:1d2d"
    assert hops[2].delay == timedelta(minutes=5, seconds=46)


def test_gmail_and_postfix_dialects_in_a_pasted_message() -> None:
    hops = parse_hops(GMAIL_AND_POSTFIX)
    assert len(hops) == 3, "reading stops at the blank line before the body"
    assert (hops[0].from_host, hops[0].by_host, hops[0].protocol) == (None, "10.140.88.81", "HTTP")
    assert (hops[1].from_host, hops[1].from_ip, hops[1].by_host, hops[1].protocol, hops[1].id) == (
        "mail-sor-f41.google.com", "209.85.220.41", "mx.google.com", "SMTPS", "abc.123.2014.03.03.15.59.58")
    assert (hops[2].from_ip, hops[2].by_host, hops[2].by_ip, hops[2].protocol, hops[2].id) == (
        "192.0.2.1", "mx.example.com", None, "ESMTPS", "4Abc123")
    assert hops[2].delay == timedelta(seconds=32)


def test_exchange_2010_mapi_without_an_id_and_an_ip_literal_helo() -> None:
    old = parse_hops(["from XMBVAG73.northgrum.com ([169.254.4.90]) by XHTVAG08.northgrum.com "
                      "([134.223.82.85]) with mapi; Tue, 20 May 2014 13:18:08 -0500"])
    assert (old[0].protocol, old[0].id, old[0].by_ip) == ("mapi", None, "134.223.82.85")
    literal = parse_hops(["from [172.27.13.25] (172.27.13.25) by MTLCAS01.mtl.com (10.0.8.71) with "
                          "Microsoft SMTP Server (TLS) id 14.3.468.0; Mon, 16 Mar 2020 20:43:11 +0200"])
    assert (literal[0].from_host, literal[0].from_ip, literal[0].id) == ("172.27.13.25", "172.27.13.25", "14.3.468.0")


def test_indented_paste_and_crlf_are_fine() -> None:
    pasted = "    " + JP_INBOUND.replace("\n", "\r\n    ")
    assert len(parse_hops(pasted)) == 3


@pytest.mark.parametrize("garbage", ["", "hello world", "Subject: no hops here\r\n\r\nbody", []])
def test_garbage_gets_a_sentence_not_a_traceback(garbage) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(HeaderParseError, match="No Received headers found: paste the message headers"):
        parse_hops(garbage)


def test_hops_table() -> None:
    table = hops_table(parse_hops(JP_INBOUND))
    assert list(table.columns) == ["Hop", "From", "By", "With", "Via", "Time", "Delay"]
    assert table.iloc[0].to_dict() == {"Hop": 1, "From": "POP-SMTP (192.168.1.91)",
                                       "By": "E2013-1-E.e.local (192.168.1.52)", "With": "Microsoft SMTP Server",
                                       "Via": "Frontend Transport", "Time": "06:53:16", "Delay": ""}
    assert list(table["Delay"]) == ["", 1, 0]
