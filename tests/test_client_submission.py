"""Client submission on port 587: STARTTLS, AUTH LOGIN and the hop to Client Proxy (465),
with smtplib, swaks and curl as real clients over real sockets."""
from __future__ import annotations

import base64
import shutil
import smtplib
import socket
import ssl
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from cryptography import x509

from mailflowlab import Lab, LabError, parse_hops, scenarios
from mailflowlab.console import smtp_session

from .conftest import ALICE, BOB

OUTSIDE = "lee@contoso.com"
MESSAGE = b"From: alice@exchange2013demo.com\r\nSubject: from a POP client\r\nMessage-ID: <pop-1@exchange2013demo.com>\r\n\r\nhi\r\n"


def _client(lab: Lab, helo: str = "OL2013") -> smtplib.SMTP:
    return smtplib.SMTP(*lab.endpoint("CA1", "Client Frontend CA1"), local_hostname=helo, timeout=10)


def test_client_frontend_offers_auth_login_only_after_starttls(socket_lab: Lab) -> None:
    lab = socket_lab
    with _client(lab) as client:
        client.ehlo()
        assert client.has_extn("starttls") and not client.has_extn("auth")
        assert client.mail(ALICE) == (530, b"5.7.1 Client was not authenticated")
        assert client.starttls() == (220, b"2.0.0 SMTP server ready")
        client.ehlo()
        assert client.has_extn("auth") and client.esmtp_features["auth"].strip() == "LOGIN"
        assert not client.has_extn("starttls")


@pytest.mark.parametrize("user", ["alice", "alice@exchange2013demo.com", "EXCHANGE2013DEMO\\alice"])
def test_logged_on_client_is_proxied_to_client_proxy_without_a_frontend_header(socket_lab: Lab, user: str) -> None:
    lab = socket_lab
    with _client(lab) as client:
        client.starttls()
        assert client.login(user, "Passw0rd") == (235, b"2.7.0 Authentication successful")
        client.sendmail(ALICE, [BOB], MESSAGE)
    lab.settle()
    delivered = lab.mailbox(BOB).messages
    assert len(delivered) == 1
    hops = parse_hops(delivered[0])
    assert [(h.from_host, h.from_ip, h.by_host, h.protocol, h.via) for h in hops] == [
        ("OL2013", "203.0.113.50", "MB2.exchange2013demo.com", "Microsoft SMTP Server (TLS)", None),
        ("MB2.exchange2013demo.com", "10.0.0.12", "MB2.exchange2013demo.com", "Microsoft SMTP Server (TLS)",
         "Mailbox Transport")]
    assert lab.path("<pop-1@exchange2013demo.com>") == [
        ("CA1", "Front End Transport"), ("MB2", "Transport"), ("MB2", "Mailbox Transport Delivery")]
    log = lab.tracking_log()
    received = log.where(EventId="RECEIVE", MessageId="<pop-1@exchange2013demo.com>")
    assert received["ConnectorId"] == ["MB2\\Client Proxy MB2"]


def test_wrong_password_is_refused_and_nothing_is_accepted(socket_lab: Lab) -> None:
    lab = socket_lab
    with _client(lab) as client:
        client.starttls()
        with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
            client.login("alice", "passw0rd")
        assert (refused.value.smtp_code, refused.value.smtp_error) == (535, b"5.7.3 Authentication unsuccessful")
        with pytest.raises(smtplib.SMTPSenderRefused) as no_sender:
            client.sendmail(ALICE, [BOB], MESSAGE)
        assert no_sender.value.smtp_code == 530
    lab.settle()
    assert lab.mailbox(BOB).messages == []


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_auth_before_starttls_and_unknown_domains_in_the_user_name_are_refused(socket_lab: Lab) -> None:
    lab = socket_lab
    t = smtp_session(lab, "CA1", "Client Frontend CA1",
                     ["EHLO OL2013", "AUTH LOGIN", "STARTTLS", "EHLO OL2013",
                      "AUTH LOGIN", _b64("CONTOSO\\alice"), _b64("Passw0rd"),
                      "AUTH LOGIN", _b64("alice"), _b64("Passw0rd"), "QUIT"])
    assert "504 5.7.4 Unrecognized authentication type" in t.replies
    assert "(TLS started; the server's certificate is CN=CA1, issued by CN=CA1)" in t.lines
    assert t.replies[-7:] == ["334 VXNlcm5hbWU6", "334 UGFzc3dvcmQ6", "535 5.7.3 Authentication unsuccessful",
                              "334 VXNlcm5hbWU6", "334 UGFzc3dvcmQ6", "235 2.7.0 Authentication successful",
                              "221 2.0.0 Service closing transmission channel"]


def test_a_logged_on_user_may_relay_where_anonymous_may_not(socket_lab: Lab) -> None:
    lab = socket_lab
    lab.new_send_connector("To Internet", address_spaces=["*"])
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        with smtplib.SMTP(*lab.endpoint("CA1", "Default Frontend CA1"), timeout=10) as anonymous:
            anonymous.sendmail(ALICE, [OUTSIDE], MESSAGE)
    with _client(lab) as client:
        client.starttls()
        client.login("alice", "Passw0rd")
        assert client.sendmail(ALICE, [OUTSIDE], MESSAGE) == {}
    lab.settle()
    assert [m["Subject"] for m in lab.internet.mailbox(OUTSIDE).messages] == ["from a POP client"]


def test_the_certificate_is_exchanges_self_signed_one(socket_lab: Lab) -> None:
    lab = socket_lab
    host, port = lab.endpoint("CA1", "Client Frontend CA1")
    with socket.create_connection((host, port), timeout=10) as raw:
        stream = raw.makefile("rb")
        stream.readline()
        raw.sendall(b"EHLO probe\r\nSTARTTLS\r\n")
        while not stream.readline().startswith(b"220 "):
            pass
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        with context.wrap_socket(raw, server_hostname="CA1.exchange2013demo.com") as tls:
            der = tls.getpeercert(binary_form=True)
            assert der is not None
            cert = x509.load_der_x509_certificate(der)
    assert cert.subject.rfc4514_string() == cert.issuer.rfc4514_string() == "CN=CA1"
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert names == ["CA1", "CA1.exchange2013demo.com"]
    start = cert.not_valid_before_utc
    assert start < datetime(2014, 3, 4, tzinfo=start.tzinfo) and (cert.not_valid_after_utc - start).days == 5 * 365


def test_port_25_offers_starttls_but_no_logon_before_it(socket_lab: Lab) -> None:
    lab = socket_lab
    with smtplib.SMTP(*lab.endpoint("CA1", "Default Frontend CA1"), local_hostname="mail.fabrikam.com",
                      timeout=10) as client:
        client.ehlo()
        assert client.has_extn("starttls") and not client.has_extn("auth")
        client.starttls()
        client.sendmail("kate@fabrikam.com", [BOB], b"Subject: over TLS\r\n\r\nhi\r\n")
    lab.settle()
    first = parse_hops(lab.mailbox(BOB).messages[0])[0]
    assert (first.from_host, first.protocol, first.via) == (
        "mail.fabrikam.com", "Microsoft SMTP Server (TLS)", "Frontend Transport")


def test_exchange_2010_client_connector_takes_a_logged_on_client() -> None:
    with Lab(scenarios.exchange2010demo(), transport="sockets") as lab2010:
        server = lab2010.org.servers[0].name
        with smtplib.SMTP(*lab2010.endpoint(server, f"Client {server}"), local_hostname="OL2010", timeout=10) as client:
            client.starttls()
            client.login("bob", "Passw0rd")
            client.sendmail("bob@exchange2010demo.com", ["alice@exchange2010demo.com"], b"Subject: 2010 587\r\n\r\nhi\r\n")
        lab2010.settle()
        delivered = lab2010.mailbox("alice@exchange2010demo.com").messages
        assert [m["Subject"] for m in delivered] == ["2010 587"]
        assert parse_hops(delivered[0])[0].from_host == "OL2010"


@pytest.mark.skipif(shutil.which("swaks") is None, reason="swaks is not installed")
def test_swaks_submits_with_tls_and_auth_login(socket_lab: Lab) -> None:
    lab = socket_lab
    host, port = lab.endpoint("CA1", "Client Frontend CA1")
    run = subprocess.run(["swaks", "--server", host, "--port", str(port), "--helo", "laptop", "--tls",
                          "--auth", "LOGIN", "--auth-user", "alice", "--auth-password", "Passw0rd",
                          "--from", ALICE, "--to", BOB, "--header", "Subject: swaks 587"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "<~  235 2.7.0 Authentication successful" in run.stdout
    lab.settle()
    assert [m["Subject"] for m in lab.mailbox(BOB).messages] == ["swaks 587"]


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_submits_with_starttls_and_a_password(socket_lab: Lab, tmp_path: Path) -> None:
    lab = socket_lab
    host, port = lab.endpoint("CA1", "Client Frontend CA1")
    mail = tmp_path / "mail.txt"
    mail.write_bytes(MESSAGE)
    run = subprocess.run(["curl", "-sS", "--url", f"smtp://{host}:{port}", "--ssl-reqd", "--insecure",
                          "--user", "alice:Passw0rd", "--mail-from", ALICE, "--mail-rcpt", BOB,
                          "--upload-file", str(mail)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    lab.settle()
    assert [m["Message-ID"] for m in lab.mailbox(BOB).messages] == ["<pop-1@exchange2013demo.com>"]
    run = subprocess.run(["curl", "-sS", "--url", f"smtp://{host}:{port}", "--ssl-reqd", "--insecure",
                          "--user", "alice:wrong", "--mail-from", ALICE, "--mail-rcpt", BOB,
                          "--upload-file", str(mail)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 67                     # CURLE_LOGIN_DENIED


def test_a_tls_session_left_open_is_dropped_when_the_lab_closes() -> None:
    lab = Lab(scenarios.exchange2013demo(), transport="sockets").start()
    client = _client(lab)
    client.starttls()
    client.login("alice", "Passw0rd")
    lab.close()
    with pytest.raises((smtplib.SMTPServerDisconnected, ConnectionError, ssl.SSLError)):
        client.noop()
    client.close()


def test_set_receive_connector_auth_mechanism_changes_what_ehlo_offers(socket_lab: Lab) -> None:
    lab = socket_lab
    lab.set_receive_connector("CA1", "Client Frontend CA1", auth_mechanism=["TLS", "BasicAuth", "Integrated"])
    with _client(lab) as client:
        client.ehlo()
        assert client.has_extn("auth") and client.has_extn("starttls")   # a password in clear text now
        assert client.login("alice", "Passw0rd")[0] == 235
    lab.set_receive_connector("CA1", "Client Frontend CA1", auth_mechanism="None")
    with _client(lab) as client:
        client.ehlo()
        assert not client.has_extn("auth") and not client.has_extn("starttls")
    [row] = lab.receive_connectors("CA1").where(Identity="CA1\\Client Frontend CA1")
    assert row.AuthMechanism == "None"
    with pytest.raises(LabError, match="BasicAuthRequireTLS needs BasicAuth and TLS"):
        lab.set_receive_connector("CA1", "Client Frontend CA1", auth_mechanism=["BasicAuthRequireTLS"])
    with pytest.raises(LabError, match="'Kerberos' is not an authentication mechanism"):
        lab.set_receive_connector("CA1", "Client Frontend CA1", auth_mechanism=["Kerberos"])
