"""The receive policy alone (services.smtp_receive.SessionInfo): which permission groups a
caller gets on a connector, who may relay, what the anti-spam agents take for Internet mail,
and when AUTH is on offer. Real connectors of the article's organization; no session runs."""
from __future__ import annotations

import dataclasses

from mailflowlab import scenarios
from mailflowlab.services.smtp_receive import SessionInfo
from mailflowlab.smtp.network import Peer
from mailflowlab.topology import ANONYMOUS, EXCHANGE_LEGACY_SERVERS, EXCHANGE_SERVERS, EXCHANGE_USERS, ReceiveConnector

ORG = scenarios.exchange2013demo()
INTERNET = Peer("mail.fabrikam.com", "203.0.113.50")
MB1 = Peer("MB1.exchange2013demo.com", "10.0.0.11", exchange=True)
EDGE = Peer("EDGE.exchange2013demo.com", "10.0.0.30", exchange=True, edge=True)
ALICE = Peer("alice-pc", "10.0.0.70", authenticated_as="alice@exchange2013demo.com", tls=True)


def connector(name: str) -> ReceiveConnector:
    return next(c for c in ORG.receive_connectors if c.name == name)


def session(peer: Peer, name: str | None) -> SessionInfo:
    return SessionInfo(peer, connector(name) if name else None, helo=peer.name)


def test_an_internet_sender_on_default_frontend_is_anonymous_and_may_not_relay() -> None:
    s = session(INTERNET, "Default Frontend CA1")
    assert s.groups == {ANONYMOUS}
    assert not s.may_relay and not s.is_exchange_server and s.from_internet and not s.tls


def test_a_server_of_the_organization_is_an_exchange_server_that_may_relay_over_tls() -> None:
    s = session(MB1, "Default MB2")
    assert s.groups == {EXCHANGE_SERVERS}
    assert s.may_relay and s.is_exchange_server and not s.from_internet and s.tls


def test_a_legacy_server_gets_exchange_legacy_servers() -> None:
    legacy = dataclasses.replace(MB1, legacy=True)
    assert session(legacy, "Default MB1").groups == {EXCHANGE_SERVERS, EXCHANGE_LEGACY_SERVERS}


def test_what_an_edge_relays_in_is_internet_mail_to_the_anti_spam_agents() -> None:
    s = session(EDGE, "Default MB1")
    assert s.is_exchange_server and s.from_internet


def test_a_logged_on_user_may_relay_on_client_frontend_and_an_anonymous_one_may_not() -> None:
    assert session(ALICE, "Client Frontend CA1").groups == {EXCHANGE_USERS}
    assert session(ALICE, "Client Frontend CA1").may_relay
    assert session(INTERNET, "Client Frontend CA1").groups == set()


def test_a_relay_connector_lets_an_anonymous_device_relay() -> None:
    relay = dataclasses.replace(connector("Default Frontend CA1"), name="Relay CA1", anonymous_relay=True,
                                remote_ip_ranges=("10.0.0.70",))
    printer = SessionInfo(Peer("printer", "10.0.0.70"), relay, helo="printer")
    assert printer.groups == {ANONYMOUS} and printer.may_relay


def test_auth_login_waits_for_tls_where_the_connector_requires_it() -> None:
    plain = dataclasses.replace(ALICE, authenticated_as=None, tls=False)
    assert not session(plain, "Client Frontend CA1").may_log_on          # BasicAuthRequireTLS
    assert session(dataclasses.replace(plain, tls=True), "Client Frontend CA1").may_log_on
    assert session(plain, "Default MB1").may_log_on                       # BasicAuth without the TLS rule
    assert not session(plain, "Default Mailbox Delivery MB1").may_log_on          # ExchangeServer only


def test_no_connector_grants_nothing() -> None:
    s = session(INTERNET, None)
    assert s.groups == set() and not s.may_relay and not s.offers("TLS")
