"""Internal DNS lookups (EAC: Servers > server > DNS lookups), reader question 18.

Point a server's Set-TransportService / Set-FrontendTransportService internal DNS at a
resolver that does not know the organization's servers (8.8.8.8) and mail stops where a name
has to be looked up: Mailbox Transport Submission finds no Transport service (the message stays
in the Outbox, OWA's Drafts), the Front End answers PRX2 after DATA, Transport's internal
queues wait with "DNS query failed". Nothing is lost: put the setting back and mail moves.
"""
from __future__ import annotations

import re
from typing import Any

import pytest

from mailflowlab import Lab, LabError

from .conftest import ALICE, BOB, CAROL, values

GMAIL = "someone@gmail.com"
PRX2 = "451 4.7.0 Temporary server error. Please try again later. PRX2"
DNS_FAILED = "451 4.4.0 DNS query failed. The error was: SMTPSEND.DNS.NonExistentDomain; nonexistent domain"
OUTSIDE_DNS: dict[str, Any] = {"internal_dns_adapter_enabled": False, "internal_dns_servers": ["8.8.8.8"]}


def test_submission_that_cannot_find_transport_leaves_internal_mail_in_the_outbox(lab: Lab) -> None:
    lab.set_transport_service("MB2", **OUTSIDE_DNS)
    sent = lab.send(ALICE, BOB, subject="stuck in Drafts")
    assert [item.subject for item in lab.mailbox(ALICE).outbox] == ["stuck in Drafts"]
    assert lab.mailbox(BOB).messages == [] and lab.mailbox(ALICE).sent_items == []
    assert all(q.MessageCount == 0 for q in lab.queues()), "nothing reaches a queue"
    assert values(lab.tracking_log(sent), "EventId", "RecipientStatus") == [
        ["NOTIFYMAPI", ""], ["RECEIVE", ""], ["SUBMITDEFER", DNS_FAILED]]
    lab.advance(minutes=10)
    assert len(lab.mailbox(ALICE).outbox) == 1, "Submission keeps trying; the message is not lost"


def test_putting_the_dns_setting_back_delivers_the_stuck_message_once(lab: Lab) -> None:
    lab.set_transport_service("MB2", **OUTSIDE_DNS)
    sent = lab.send(ALICE, BOB, subject="stuck in Drafts")
    lab.set_transport_service("MB2", internal_dns_adapter_enabled=True)
    lab.advance(minutes=1)                      # Submission's next try
    assert lab.mailbox(ALICE).outbox == []
    assert [m["Subject"] for m in lab.mailbox(BOB).messages] == ["stuck in Drafts"]
    assert [m["Subject"] for m in lab.mailbox(ALICE).sent_items] == ["stuck in Drafts"]
    lab.advance(hours=1)
    assert len(lab.mailbox(BOB).messages) == 1, "delivered exactly once"
    assert list(lab.tracking_log(sent)["EventId"]).count("SUBMIT") == 1


def test_a_custom_list_that_starts_with_the_domain_controller_finds_the_servers(lab: Lab) -> None:
    lab.set_transport_service("MB2", internal_dns_adapter_enabled=False, internal_dns_servers=["10.0.0.1", "8.8.8.8"])
    lab.send(ALICE, BOB, subject="asked the DC")
    assert lab.mailbox(ALICE).outbox == [] and len(lab.mailbox(BOB).messages) == 1


def test_the_list_counts_only_with_the_network_adapter_off(lab: Lab) -> None:
    lab.set_transport_service("MB2", internal_dns_servers=["8.8.8.8"])    # adapter still on
    lab.send(ALICE, BOB, subject="adapter DNS")
    assert lab.mailbox(ALICE).outbox == [] and len(lab.mailbox(BOB).messages) == 1


def test_front_end_that_cannot_find_a_mailbox_server_answers_prx2_after_data(lab: Lab) -> None:
    lab.set_frontend_transport_service("CA1", **OUTSIDE_DNS)
    transcript = lab.smtp_session("CA1", "Default Frontend CA1", [
        "EHLO client.contoso.com", "MAIL FROM:<someone@contoso.com>", f"RCPT TO:<{BOB}>",
        "DATA", "Subject: telnet test", "", "hello", ".", "QUIT"])
    assert transcript.replies[-4:] == ["250 2.1.5 Recipient OK", "354 Start mail input; end with <CRLF>.<CRLF>",
                                       PRX2, "221 2.0.0 Service closing transmission channel"]
    assert lab.mailbox(BOB).messages == []
    lab.set_frontend_transport_service("CA1", internal_dns_adapter_enabled=True)
    lab.internet.send(GMAIL, BOB, subject="after the fix")
    assert [m["Subject"] for m in lab.mailbox(BOB).messages] == ["after the fix"]


def test_internet_mail_waits_at_the_front_end_sender_and_goes_after_the_fix(lab: Lab) -> None:
    lab.set_frontend_transport_service("CA1", **OUTSIDE_DNS)
    lab.internet.send(GMAIL, BOB, subject="retry me")
    assert values(lab.internet.queue(), "LastError") == [[PRX2]]
    lab.set_frontend_transport_service("CA1", internal_dns_adapter_enabled=True)
    lab.advance(minutes=30)                     # the outside server's next try
    assert [m["Subject"] for m in lab.mailbox(BOB).messages] == ["retry me"]


def test_transport_that_cannot_find_mailbox_delivery_queues_with_dns_query_failed(lab: Lab) -> None:
    lab.set_transport_service("MB1", **OUTSIDE_DNS)
    lab.internet.send(GMAIL, CAROL, subject="for carol")     # the Front End picks MB1, her server
    waiting = lab.queues().where(DeliveryType="SmtpDeliveryToMailbox")
    assert values(waiting, "Identity", "Status", "MessageCount", "LastError") == [
        ["MB1\\3", "Retry", 1, DNS_FAILED]]
    lab.set_transport_service("MB1", internal_dns_adapter_enabled=True)
    lab.advance(minutes=5)                      # the mailbox delivery queue's next retry
    assert [m["Subject"] for m in lab.mailbox(CAROL).messages] == ["for carol"]


@pytest.mark.parametrize(("call", "server", "changes", "says"), [
    ("set_transport_service", "CA1", {"internal_dns_adapter_enabled": False},
     "CA1 doesn't run the Transport service"),
    ("set_frontend_transport_service", "MB2", {"internal_dns_adapter_enabled": False},
     "MB2 doesn't run the Front End Transport service"),
    ("set_transport_service", "MB2", {"internal_dns_adapter_enabled": "no"},
     "-InternalDNSAdapterEnabled takes True or False ($true or $false), not 'no'."),
    ("set_transport_service", "MB2", {"internal_dns_servers": ["dns.google"]},
     "InternalDNSServers must be an IP address like 203.0.113.50, not 'dns.google'."),
    ("set_frontend_transport_service", "CA1", {"internal_dns_servers": 8.8},
     "InternalDNSServers takes a list of IP addresses like ['10.0.0.1'], not 8.8."),
    ("set_transport_service", "MB9", {"internal_dns_adapter_enabled": True}, "There is no server named 'MB9'"),
])
def test_bad_arguments_say_what_is_wrong_and_change_nothing(lab: Lab, call: str, server: str,
                                                            changes: dict[str, object], says: str) -> None:
    with pytest.raises(LabError, match="^" + re.escape(says)):
        getattr(lab, call)(server, **changes)
    lab.send(ALICE, BOB, subject="still flows")
    assert len(lab.mailbox(BOB).messages) == 1


def test_a_mistake_in_one_value_leaves_the_other_unchanged(lab: Lab) -> None:
    with pytest.raises(LabError):
        lab.set_transport_service("MB2", internal_dns_adapter_enabled=False, internal_dns_servers=["not-an-ip"])
    lab.send(ALICE, BOB, subject="adapter still on")
    assert len(lab.mailbox(BOB).messages) == 1
