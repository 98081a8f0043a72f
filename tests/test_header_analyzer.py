"""Reading headers: which service wrote each, which version, on real samples and lab mail."""
from __future__ import annotations

import html
from email.message import EmailMessage

import ipywidgets as widgets
import pytest

from mailflowlab import Lab, parse_hops, scenarios
from mailflowlab import header_samples as samples
from mailflowlab.header_analyzer import (
    DELIVERY,
    EDGE,
    FRONT_END,
    HUB_OR_EDGE_2010,
    NOT_EXCHANGE,
    STORE_DRIVER,
    SUBMISSION,
    TRANSPORT,
    exchange_version,
    explain,
    stamped_by,
)
from mailflowlab.headers import NO_RECEIVED
from mailflowlab.ui import header_analyzer

from .conftest import ALICE, BOB, CAROL


@pytest.mark.parametrize(("build", "version"), [
    ("15.0.847.32", "Exchange 2013 SP1 (CU4)"),
    ("15.00.1395.000", "Exchange 2013 CU21"),
    ("15.0.1497.2", "Exchange 2013 CU23"),
    ("15.0.1501.0", "Exchange 2013 (a build not in the table)"),
    ("14.3.123.4", "Exchange 2010 SP3"),
    ("14.03.0174.001", "Exchange 2010 SP3 (a later rollup)"),
    ("14.1.438.0", "Exchange 2010"),
    ("15.1.2507.23", "Exchange 2016 CU23"),
    ("15.20.2644.19", "Exchange Online"),
    ("d71f34b5so3291129pab.26", ""),
    (None, ""),
])
def test_exchange_version_reads_the_build_table(build: str | None, version: str) -> None:
    assert exchange_version(build) == version


def _services(text: str | EmailMessage) -> list[str]:
    return list(explain(parse_hops(text))["Stamped by"])


@pytest.mark.parametrize(("sample", "services"), [
    (samples.INTERNAL_2013, [SUBMISSION, TRANSPORT, DELIVERY]),
    (samples.INBOUND_2013, [FRONT_END, TRANSPORT, DELIVERY]),
    (samples.EDGE_2013, [EDGE, FRONT_END, TRANSPORT, DELIVERY]),
    (samples.RELAY_2013, [FRONT_END, TRANSPORT]),
    (samples.EXCHANGE_2010, [STORE_DRIVER, HUB_OR_EDGE_2010]),
    (samples.COEXISTENCE, [HUB_OR_EDGE_2010, FRONT_END, TRANSPORT]),
])
def test_each_real_sample_is_read_service_by_service(sample: samples.HeaderSample, services: list[str]) -> None:
    assert _services(sample.text) == services


def test_another_organizations_transport_is_not_taken_for_our_edge() -> None:
    outside = ("Received: from mail.contoso.com (192.0.2.10) by CA1.exchange2013demo.com (10.0.0.10) with Microsoft SMTP "
               "Server (TLS) id 15.0.847.32 via Frontend Transport; Tue, 4 Mar 2014 09:00:03 +1000\n"
               "Received: from mbx1.contoso.com (192.0.2.11) by mail.contoso.com (192.0.2.10) with Microsoft SMTP "
               "Server (TLS) id 15.0.1497.2; Tue, 4 Mar 2014 09:00:02 +1000\n")
    assert _services(outside) == [TRANSPORT, FRONT_END]


def test_early_store_driver_and_non_exchange_hops() -> None:
    [early] = parse_hops(["from MBX01.contoso.local ([10.1.1.5]) by HUB01.contoso.local ([10.1.1.6]) "
                          "with mapi; Tue, 30 Oct 2012 16:28:05 -0400"])
    assert stamped_by(early) == STORE_DRIVER
    [postfix] = parse_hops(["from mail.example.org (mail.example.org [198.51.100.7]) by mx.example.net "
                            "(Postfix) with ESMTPS id 4F2A1B; Tue, 4 Mar 2014 09:00:00 +0000"])
    assert stamped_by(postfix) == NOT_EXCHANGE


def test_lab_mail_reads_like_the_real_samples(lab: Lab) -> None:
    lab.send(ALICE, BOB, subject="internal")
    assert _services(lab.mailbox(BOB).messages[-1]) == [SUBMISSION, TRANSPORT, DELIVERY]
    lab.internet.send("someone@gmail.com", CAROL, subject="from gmail")
    table = explain(parse_hops(lab.mailbox(CAROL).messages[-1]))
    assert list(table["Stamped by"]) == [NOT_EXCHANGE] * 3 + [FRONT_END, TRANSPORT, DELIVERY]
    assert set(table["Version"][3:]) == {"Exchange 2013 SP1 (CU4)"}


def test_a_2013_edge_in_front_of_mailbox_only_servers_reads_as_transport() -> None:
    with Lab(scenarios.exchange2013demo(edge="2013")) as lab:
        lab.internet.send("someone@gmail.com", CAROL, subject="through the Edge")
        table = explain(parse_hops(lab.mailbox(CAROL).messages[-1]))
    assert list(table["By"][3:]) == ["EDGE2013.exchange2013demo.com", "MB1.exchange2013demo.com",
                                     "MB1.exchange2013demo.com"]
    assert list(table["Stamped by"][3:]) == [TRANSPORT, TRANSPORT, DELIVERY]


def test_the_panel_explains_pasted_headers_and_answers_garbage_in_words() -> None:
    panel = header_analyzer(samples.EDGE_2013.text)
    box, button, result, message = panel.children
    assert isinstance(box, widgets.Textarea) and "Edge Transport (inferred)" in result.value
    assert 'src="data:image/svg+xml;base64,' in result.value and 'alt="Hop diagram of ' in result.value
    box.value = "hello, these are not headers"
    button.click()
    assert result.value == f"<b class='mfl-parse-error'>{html.escape(NO_RECEIVED)}</b>"


def test_every_sample_names_its_source_and_is_exchange_throughout() -> None:
    for sample in samples.ALL:
        assert sample.title and sample.source
        table = explain(parse_hops(sample.text))
        assert len(table) >= 2 and NOT_EXCHANGE not in set(table["Stamped by"]), sample.title
        assert all(v.startswith("Exchange 20") for v in table["Version"]), sample.title
