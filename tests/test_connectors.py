"""Receive connectors change what real clients can do (fact sheet §2.1, §5.2): smtplib-free,
telnet-like sessions, swaks and curl over real sockets."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from mailflowlab import Lab, LabError, parse_hops
from mailflowlab.console import smtp_session

from .conftest import BOB, values

DEFAULT_FRONTEND = ("CA1", "Default Frontend CA1")
OUTSIDE = "kate@fabrikam.com"


def _session(lab: Lab, rcpt: str, *, as_ip: str | None = None) -> list[str]:
    t = smtp_session(lab, *DEFAULT_FRONTEND, ["EHLO printer.exchange2013demo.com",
                                              "MAIL FROM:<scanner@exchange2013demo.com>", f"RCPT TO:<{rcpt}>"],
                     as_ip=as_ip)
    return t.replies


def test_every_default_connector_of_every_server(lab: Lab) -> None:
    df = lab.receive_connectors()
    rows = [tuple(r) for r in values(df, "Identity", "Service", "Bindings", "PermissionGroups", "RemoteIPRanges")]
    everyone = "0.0.0.0-255.255.255.255"
    servers = "ExchangeLegacyServers, ExchangeServers, ExchangeUsers"
    assert rows == [
        ("CA1\\Default Frontend CA1", "Front End Transport", "0.0.0.0:25",
         "AnonymousUsers, ExchangeLegacyServers, ExchangeServers", everyone),
        ("CA1\\Outbound Proxy Frontend CA1", "Front End Transport", "0.0.0.0:717", "ExchangeServers", everyone),
        ("CA1\\Client Frontend CA1", "Front End Transport", "0.0.0.0:587", "ExchangeUsers", everyone),
        ("MB1\\Default MB1", "Transport", "0.0.0.0:25", servers, everyone),
        ("MB1\\Client Proxy MB1", "Transport", "0.0.0.0:465", "ExchangeServers, ExchangeUsers", everyone),
        ("MB2\\Default MB2", "Transport", "0.0.0.0:25", servers, everyone),
        ("MB2\\Client Proxy MB2", "Transport", "0.0.0.0:465", "ExchangeServers, ExchangeUsers", everyone),
    ]
    assert "Default Mailbox Delivery MB1" in [row.Connector for row in lab.endpoints()], "its listener is shown"
    assert list(df["TransportRole"][:4]) == ["FrontendTransport"] * 3 + ["HubTransport"]


def test_anonymous_may_send_to_accepted_domains_but_not_relay(lab: Lab) -> None:
    assert _session(lab, BOB)[-1] == "250 2.1.5 Recipient OK"
    assert _session(lab, OUTSIDE)[-1] == "550 5.7.1 Unable to relay"


def test_a_relay_connector_lets_one_device_relay_and_nobody_else(lab: Lab) -> None:
    lab.new_send_connector("To Internet")
    lab.new_receive_connector("CA1", "Relay for scanner", remote_ip_ranges=["10.0.0.50"], anonymous_relay=True)
    t = smtp_session(lab, *DEFAULT_FRONTEND, [
        "EHLO scanner", "MAIL FROM:<scanner@exchange2013demo.com>", f"RCPT TO:<{OUTSIDE}>", "DATA",
        "Subject: Scan", "", "page 1", ".", "QUIT"], as_ip="10.0.0.50")
    assert t.replies[3:] == ["250 2.1.5 Recipient OK", "354 Start mail input; end with <CRLF>.<CRLF>"] + t.replies[5:]
    assert t.replies[5].startswith("250 2.6.0 ")
    assert [m["Subject"] for m in lab.internet.mailbox(OUTSIDE).messages] == ["Scan"]
    assert _session(lab, OUTSIDE)[-1] == "550 5.7.1 Unable to relay"          # 203.0.113.50 still refused
    assert _session(lab, OUTSIDE, as_ip="10.0.0.51")[-1] == "550 5.7.1 Unable to relay"
    assert "CA1\\Relay for scanner" in set(lab.receive_connectors("CA1")["Identity"])


def test_removing_anonymous_from_default_frontend_shuts_out_the_internet(lab: Lab) -> None:
    lab.set_receive_connector(*DEFAULT_FRONTEND, permission_groups=["ExchangeServers", "ExchangeLegacyServers"])
    assert _session(lab, BOB)[-2] == "530 5.7.1 Client was not authenticated"
    lab.internet.send("someone@gmail.com", BOB, subject="blocked")
    assert lab.mailbox(BOB).messages == []
    assert "530 5.7.1 Client was not authenticated" in lab.internet.mailbox("someone@gmail.com").messages[-1].get_content()


def test_restricting_remote_ips_to_the_spam_filter(lab: Lab) -> None:
    lab.set_receive_connector(*DEFAULT_FRONTEND, remote_ip_ranges=["192.0.2.77"])
    refused = smtp_session(lab, *DEFAULT_FRONTEND, ["EHLO fabrikam.com"])
    assert refused.replies[-1] == "421 4.3.2 Service not active"
    assert _session(lab, BOB, as_ip="192.0.2.77")[-1] == "250 2.1.5 Recipient OK"


def test_connector_mistakes_are_explained(lab: Lab) -> None:
    with pytest.raises(LabError, match="'Anonymous' is not a permission group"):
        lab.set_receive_connector(*DEFAULT_FRONTEND, permission_groups=["Anonymous"])
    with pytest.raises(LabError, match="'10.0.0.300' is not an IP address"):
        lab.new_receive_connector("CA1", "Relay", remote_ip_ranges=["10.0.0.300"])
    with pytest.raises(LabError, match="already exists on CA1"):
        lab.new_receive_connector("CA1", "Default Frontend CA1", remote_ip_ranges=["10.0.0.50"])
    with pytest.raises(LabError, match="Port 475 on MB1 already belongs to 'Default Mailbox Delivery MB1'"):
        lab.new_receive_connector("MB1", "Relay", port=475, remote_ip_ranges=["10.0.0.50"])
    with pytest.raises(LabError, match="couldn't be found"):
        lab.set_receive_connector("CA1", "Nope", enabled=False)


def _mail_file(tmp_path: Path) -> Path:
    f = tmp_path / "m.eml"
    f.write_bytes(b"From: kate@fabrikam.com\r\nTo: bob@exchange2013demo.com\r\nSubject: curl test\r\n"
                  b"Message-ID: <curl-1@fabrikam.com>\r\n\r\nsent with curl\r\n")
    return f


@pytest.mark.skipif(shutil.which("swaks") is None, reason="swaks is not installed")
def test_swaks_from_outside_is_delivered_through_the_front_end(socket_lab: Lab) -> None:
    lab = socket_lab
    host, port = lab.endpoint(*DEFAULT_FRONTEND)
    run = subprocess.run(["swaks", "--server", host, "--port", str(port), "--helo", "laptop.fabrikam.com",
                          "--from", OUTSIDE, "--to", BOB, "--header", "Subject: swaks test"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout
    assert "<-  250 2.1.5 Recipient OK" in run.stdout
    lab.settle()
    delivered = lab.mailbox(BOB).messages[-1]
    assert delivered["Subject"] == "swaks test"
    assert [(h.from_host, h.by_host, h.via) for h in parse_hops(delivered)][-3:] == [
        ("laptop.fabrikam.com", "CA1.exchange2013demo.com", "Frontend Transport"),
        ("CA1.exchange2013demo.com", "MB2.exchange2013demo.com", None),
        ("MB2.exchange2013demo.com", "MB2.exchange2013demo.com", "Mailbox Transport")]
    assert parse_hops(delivered)[-3].from_ip == "203.0.113.50"


@pytest.mark.skipif(shutil.which("swaks") is None, reason="swaks is not installed")
def test_swaks_relay_attempt_is_refused(socket_lab: Lab) -> None:
    lab = socket_lab
    host, port = lab.endpoint(*DEFAULT_FRONTEND)
    run = subprocess.run(["swaks", "--server", host, "--port", str(port), "--from", BOB, "--to", OUTSIDE],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode != 0
    assert "<** 550 5.7.1 Unable to relay" in run.stdout


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_from_outside_is_delivered(socket_lab: Lab, tmp_path: Path) -> None:
    lab = socket_lab
    host, port = lab.endpoint(*DEFAULT_FRONTEND)
    run = subprocess.run(["curl", "-sS", "--url", f"smtp://{host}:{port}", "--mail-from", OUTSIDE,
                          "--mail-rcpt", BOB, "--upload-file", str(_mail_file(tmp_path))],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    lab.settle()
    delivered = lab.mailbox(BOB).messages[-1]
    assert delivered["Message-ID"] == "<curl-1@fabrikam.com>"
    assert [h.via for h in parse_hops(delivered)] == ["Frontend Transport", None, "Mailbox Transport"]


def test_each_default_connector_admits_an_anonymous_client_only_if_it_grants_anonymous_users(lab: Lab) -> None:
    answers = {}
    for c in lab.org.receive_connectors:
        t = smtp_session(lab, c.server, c.name, ["EHLO laptop", "MAIL FROM:<kate@fabrikam.com>", "QUIT"])
        answers[f"{c.server}\\{c.name}"] = t.replies[2]
    sender_ok = {k for k, v in answers.items() if v == "250 2.1.0 Sender OK"}
    refused = {k for k, v in answers.items() if v == "530 5.7.1 Client was not authenticated"}
    assert sender_ok == {"CA1\\Default Frontend CA1"}
    assert refused == set(answers) - sender_ok


def test_a_session_cut_off_before_the_final_dot_delivers_nothing(lab: Lab) -> None:
    t = smtp_session(lab, *DEFAULT_FRONTEND, ["EHLO laptop", "MAIL FROM:<kate@fabrikam.com>", f"RCPT TO:<{BOB}>",
                                              "DATA", "Subject: half a message", "", "and then the line dropped"])
    assert t.last_reply == "354 Start mail input; end with <CRLF>.<CRLF>"
    assert lab.mailbox(BOB).messages == []
    assert sum(lab.queues()["MessageCount"]) == 0
    assert lab.tracking_log().empty


def test_a_range_mixing_ipv4_and_ipv6_is_one_sentence(lab: Lab) -> None:
    """Found by mypy --strict: the two ends were compared across IP versions (a TypeError)."""
    with pytest.raises(LabError, match=r"^The range '10\.0\.0\.1-::1' mixes an IPv4 and an IPv6 address"):
        lab.set_receive_connector("CA1", "Default Frontend CA1", remote_ip_ranges=["10.0.0.1-::1"])


def test_the_mailbox_delivery_connector_is_implicit(lab: Lab) -> None:
    """Issue 12 item 7: Get-ReceiveConnector does not list Mailbox Transport Delivery's
    connector on 475, and Set-ReceiveConnector cannot change it; its listener still answers."""
    assert not lab.receive_connectors("MB1").where(lambda row: "Mailbox Delivery" in row.Identity)
    with pytest.raises(LabError, match="implicit receive connector of Mailbox Transport Delivery"):
        lab.set_receive_connector("MB1", "Default Mailbox Delivery MB1", protocol_logging="Verbose")
    assert lab.endpoints().where(Connector="Default Mailbox Delivery MB1")[0].Status == "Listening"


def test_a_device_pointed_at_a_mailbox_servers_transport_needs_a_relay_connector_there(lab: Lab) -> None:
    """Reader question 4 (issue 12, item 8): Default MB1 has no AnonymousUsers, so a device
    that cannot log on is refused even inside; a connector scoped to its IP lets it relay."""
    device = ["EHLO scanner02", "MAIL FROM:<scanner@exchange2013demo.com>", "RCPT TO:<bob@exchange2013demo.com>",
              "RCPT TO:<lee@contoso.com>", "QUIT"]
    assert smtp_session(lab, "MB1", "Default MB1", device, as_ip="10.0.0.52").replies[2] == \
        "530 5.7.1 Client was not authenticated"
    lab.new_receive_connector("MB1", "Relay for scanner02", remote_ip_ranges=["10.0.0.52"], anonymous_relay=True)
    assert lab.receive_connectors("MB1").where(Identity="MB1\\Relay for scanner02")["Service"] == ["Transport"]
    assert smtp_session(lab, "MB1", "Default MB1", device, as_ip="10.0.0.52").replies[2:5] == [
        "250 2.1.0 Sender OK", "250 2.1.5 Recipient OK", "250 2.1.5 Recipient OK"]
    assert smtp_session(lab, "MB1", "Default MB1", device, as_ip="10.0.0.53").replies[2] == \
        "530 5.7.1 Client was not authenticated"


def test_set_send_connector_address_spaces_reroutes_what_waited(lab: Lab) -> None:
    """Set-SendConnector -AddressSpaces: a connector narrowed to one partner leaves other mail in
    Unreachable; widening it again to * is a routing change, so that mail leaves."""
    lab.new_send_connector("To Internet", address_spaces=["fabrikam.com"])
    lab.send(BOB, "someone@gmail.com", subject="Waits")
    assert [q.Identity for q in lab.queues() if q.MessageCount and "Unreachable" in q.Identity]
    lab.set_send_connector("To Internet", address_spaces=["*"])
    assert [m["Subject"] for m in lab.internet.mailbox("someone@gmail.com").messages] == ["Waits"]
    assert lab.send_connectors()[0].AddressSpaces == "SMTP:*;1"
    with pytest.raises(LabError, match=r"^Give at least one address space"):
        lab.set_send_connector("To Internet", address_spaces=[])


def test_bindings_move_the_default_frontend_to_another_port(lab: Lab) -> None:
    """Set-ReceiveConnector -Bindings: the old port stops listening (the Internet's sender meets
    a refused connection and retries), the new port takes mail, and moving back restores it."""
    lab.set_receive_connector(*DEFAULT_FRONTEND, bindings="0.0.0.0:2526")
    assert lab.receive_connectors("CA1")[0].Bindings == "0.0.0.0:2526"
    assert [(r.ExchangeAddress, r.Status) for r in lab.endpoints() if r.Connector == DEFAULT_FRONTEND[1]] == [
        ("10.0.0.10:2526", "Listening")]
    lab.internet.send(OUTSIDE, BOB, "Knock knock")
    assert lab.internet.queue()[0].LastError == "Connection refused by 10.0.0.10:25"
    assert smtp_session(lab, *DEFAULT_FRONTEND, ["EHLO fabrikam.com"]).replies[0].startswith("220 CA1")
    lab.set_receive_connector(*DEFAULT_FRONTEND, bindings=25)
    lab.advance(minutes=30)
    assert [m["Subject"] for m in lab.mailbox(BOB).messages] == ["Knock knock"]
    with pytest.raises(LabError, match=r"^Bindings is an address and a port, like 0\.0\.0\.0:25 "):
        lab.set_receive_connector("CA1", "Client Frontend CA1", bindings="10.0.0.10:587")
    with pytest.raises(LabError, match=r"^Port 475 on MB1 already belongs to 'Default Mailbox Delivery MB1' of Mailbox "
                                       r"Transport Delivery; two services can't listen on one port"):
        lab.set_receive_connector("MB1", "Default MB1", bindings=475)
