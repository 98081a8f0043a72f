"""Exchange 2019 and Subscription Edition: the Client Access services inside the Mailbox role,
the chapter-1 experiments on them, and a 2013 -> 2019 migration (issue 18, part 2)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from mailflowlab import Lab, parse_hops, scenarios
from mailflowlab.header_analyzer import DELIVERY, EDGE, FRONT_END, NOT_EXCHANGE, SUBMISSION, TRANSPORT, explain
from mailflowlab.topology import FRONT_END_TRANSPORT, MAILBOX_TRANSPORT_DELIVERY, MAILBOX_TRANSPORT_SUBMISSION
from mailflowlab.topology import TRANSPORT as TRANSPORT_SERVICE

CURRENT = {"2019": (scenarios.exchange2019demo, "exchange2019demo.com", "15.2.1748.24", "Exchange 2019 CU15"),
           "SE": (scenarios.exchange_se_demo, "exchangesedemo.com", "15.2.2562.17", "Exchange Server SE RTM")}
WHEN = "Tue, 4 Mar 2014"


@pytest.fixture(params=sorted(CURRENT))
def edition(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def current(edition: str, transport: str) -> Iterator[Lab]:
    with Lab(CURRENT[edition][0](), transport=transport) as running:
        yield running


def test_a_mailbox_server_runs_all_four_services_on_the_2013_ports(edition: str) -> None:
    org = CURRENT[edition][0]()
    mbx1 = org.server("MBX1")
    assert mbx1.roles == ("Mailbox",) and mbx1.edition == edition
    assert mbx1.services == (FRONT_END_TRANSPORT, TRANSPORT_SERVICE, MAILBOX_TRANSPORT_SUBMISSION,
                             MAILBOX_TRANSPORT_DELIVERY)
    ports = {(c.service, c.port) for c in org.connectors_of("MBX1")}
    assert ports == {(FRONT_END_TRANSPORT, 25), (FRONT_END_TRANSPORT, 587), (FRONT_END_TRANSPORT, 717),
                     (TRANSPORT_SERVICE, 2525), (TRANSPORT_SERVICE, 465), (MAILBOX_TRANSPORT_DELIVERY, 475)}


def test_internal_mail_has_three_headers_with_the_build_and_no_front_end(current: Lab, edition: str) -> None:
    _, domain, build, version = CURRENT[edition]
    current.send(f"alice@{domain}", f"bob@{domain}", subject="Hello Bob")
    message = current.mailbox(f"bob@{domain}").messages[-1]
    mbx2 = f"MBX2.{domain}"
    long = "15.02." + ".".join(f"{int(n):0{w}d}" for n, w in zip(build.split(".")[2:], (4, 3), strict=True))
    assert message.get_all("Received") == [
        f"from {mbx2} (10.0.0.12) by {mbx2} (10.0.0.12) with Microsoft SMTP Server (TLS) id {build} via "
        f"Mailbox Transport; {WHEN} 09:00:02 +1000",
        f"from {mbx2} (10.0.0.12) by {mbx2} (10.0.0.12) with Microsoft SMTP Server (TLS) id {build}; "
        f"{WHEN} 09:00:01 +1000",
        f"from {mbx2} ([10.0.0.12]) by {mbx2} ([10.0.0.12]) with mapi id {long}; {WHEN} 09:00:01 +1000"]
    table = explain(parse_hops(message))
    assert list(table["Stamped by"]) == [SUBMISSION, TRANSPORT, DELIVERY]
    assert set(table["Version"]) == {version}


def test_internet_mail_crosses_front_end_transport_on_the_mailbox_server(current: Lab, edition: str) -> None:
    _, domain, build, version = CURRENT[edition]
    current.internet.send("someone@gmail.com", f"carol@{domain}", subject="From Gmail")
    hops = parse_hops(current.mailbox(f"carol@{domain}").messages[-1])
    mine = [(h.from_host, h.by_host, h.via, h.id) for h in hops[3:]]
    mbx1 = f"MBX1.{domain}"
    assert mine == [("mail-pa0-f43.google.com", mbx1, "Frontend Transport", build), (mbx1, mbx1, None, build),
                    (mbx1, mbx1, "Mailbox Transport", build)]
    assert list(explain(hops)["Stamped by"]) == [NOT_EXCHANGE] * 3 + [FRONT_END, TRANSPORT, DELIVERY]


def test_the_articles_telnet_experiment_with_transport_stopped(current: Lab, edition: str) -> None:
    _, domain, _, _ = CURRENT[edition]
    for server in ("MBX1", "MBX2"):
        current.stop_service(server, "Transport")
    session = str(current.smtp_session("MBX1", "Default Frontend MBX1", [
        "EHLO fabrikam.com", "MAIL FROM:<kate@fabrikam.com>", f"RCPT TO:<bob@{domain}>", "DATA",
        "Subject: Telnet test", "", "Can Bob hear me?", ".", "QUIT"]))
    assert "$ telnet 10.0.0.11 25\n" in session and f"220 MBX1.{domain} Microsoft ESMTP MAIL Service ready" in session
    assert "451 4.7.0 Temporary server error. Please try again later. PRX" in session
    assert current.mailbox(f"bob@{domain}").messages == []
    for server in ("MBX1", "MBX2"):
        current.start_service(server, "Transport")
    current.smtp_session("MBX1", "Default Frontend MBX1", [
        "EHLO fabrikam.com", "MAIL FROM:<kate@fabrikam.com>", f"RCPT TO:<bob@{domain}>", "DATA",
        "Subject: Telnet test", "", "Can Bob hear me?", ".", "QUIT"])
    assert [m["Subject"] for m in current.mailbox(f"bob@{domain}").messages] == ["Telnet test"]


def test_an_edge_in_front_of_2019_hands_internet_mail_to_port_25_front_end_transport(transport: str) -> None:
    """As the real 2013 multi-role sample (EDGE_2013) shows: the Edge's inbound connector talks to
    port 25 of the Mailbox servers, which is Front End Transport where it shares the server."""
    with Lab(scenarios.exchange2019demo(edge=True), transport=transport) as lab:
        lab.internet.send("someone@gmail.com", "carol@exchange2019demo.com", subject="Through the Edge")
        hops = parse_hops(lab.mailbox("carol@exchange2019demo.com").messages[-1])
        assert [(h.by_host, h.via) for h in hops[3:]] == [
            ("EDGE2019.exchange2019demo.com", None), ("MBX1.exchange2019demo.com", "Frontend Transport"),
            ("MBX1.exchange2019demo.com", None), ("MBX1.exchange2019demo.com", "Mailbox Transport")]
        assert list(explain(hops)["Stamped by"])[3:] == [EDGE, FRONT_END, TRANSPORT, DELIVERY]
        assert lab.org.server("EDGE2019").build == "15.2.1748.24"


def _services_by_server(lab: Lab, address: str) -> list[tuple[str, str, str]]:
    table = explain(parse_hops(lab.mailbox(address).messages[-1]))
    return [(str(by).split(".")[0], str(stamp), str(version))
            for by, stamp, version in zip(table["By"], table["Stamped by"], table["Version"], strict=True)
            if stamp != NOT_EXCHANGE]


@pytest.mark.parametrize(("phase", "internet_path"), [
    ("2019 installed", [("CA1", FRONT_END, "Exchange 2013 CU23"), ("MB1", TRANSPORT, "Exchange 2013 CU23"),
                        ("MB1", DELIVERY, "Exchange 2013 CU23")]),
    ("MX moved", [("MBX2019", FRONT_END, "Exchange 2019 CU14"), ("MB1", TRANSPORT, "Exchange 2013 CU23"),
                  ("MB1", DELIVERY, "Exchange 2013 CU23")]),
    ("mailboxes moved", [("MBX2019", FRONT_END, "Exchange 2019 CU14"), ("MBX2019", TRANSPORT, "Exchange 2019 CU14"),
                         ("MBX2019", DELIVERY, "Exchange 2019 CU14")]),
])
def test_the_migration_moves_the_mx_then_the_mailboxes(transport: str, phase: str,
                                                        internet_path: list[tuple[str, str, str]]) -> None:
    d = "exchange2013demo.com"
    with Lab(scenarios.migration2019(phase), transport=transport) as lab:
        lab.internet.send("someone@gmail.com", f"carol@{d}", subject="From Gmail")
        assert _services_by_server(lab, f"carol@{d}") == internet_path
        lab.send(f"alice@{d}", f"dave@{d}", subject="To the new server")
        first = "MBX2019" if phase == "mailboxes moved" else "MB2"
        old_or_new = "Exchange 2019 CU14" if phase == "mailboxes moved" else "Exchange 2013 CU23"
        assert _services_by_server(lab, f"dave@{d}") == [
            (first, SUBMISSION, old_or_new), (first, TRANSPORT, old_or_new),
            ("MBX2019", DELIVERY, "Exchange 2019 CU14")]


def test_migration_phase_is_checked_and_the_diagram_names_the_edition() -> None:
    with pytest.raises(ValueError, match="phase must be one of '2019 installed', 'MX moved', 'mailboxes moved'"):
        scenarios.migration2019("done")
    with Lab(scenarios.exchange_se_demo(), transport="memory") as lab:
        assert "MBX1 (SE) · Mailbox · 10.0.0.11" in lab.diagram().source
