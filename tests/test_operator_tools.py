"""The operator's tools (chapter 11): the queue cmdlets, message tracking filters, accepted
domain types and back pressure, each on the real lab, over sockets and in memory.

Sources: the Exchange cmdlet reference (Suspend-Queue, Resume-Queue, Retry-Queue,
Suspend-Message, Remove-Message, Get-MessageTrackingLog, New-AcceptedDomain), the fact sheet
§4 (queues, 4.3.1) and Microsoft's back pressure page, as chapter 11 names them.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from mailflowlab import Lab, LabError, replies

from .conftest import ALICE, BOB, CAROL, at, records

QUEUE = "MB2\\3"          # Bob's database queue on MB2 once Delivery there is stopped


def _waiting(lab: Lab, subject: str = "Waits") -> str:
    """A message from Alice to Bob waiting in MB2\\3 (Delivery on MB2 stopped); its identity."""
    lab.stop_service("MB2", "Mailbox Transport Delivery")
    lab.send(ALICE, BOB, subject=subject)
    return str(lab.queue_messages(QUEUE)["Identity"][-1])


def _subjects(lab: Lab, address: str) -> list[str]:
    return [str(m["Subject"]) for m in lab.mailbox(address).messages]


# --- Suspend-Queue / Resume-Queue -----------------------------------------------------------------
def test_a_suspended_queue_keeps_its_mail_until_resume_queue(lab: Lab) -> None:
    _waiting(lab)
    lab.suspend_queue(QUEUE)
    assert lab.queues().where(Identity=QUEUE)["Status"] == ["Suspended"]
    lab.start_service("MB2", "Mailbox Transport Delivery")
    lab.advance(hours=1)                       # twelve retry times go by: nothing leaves
    assert _subjects(lab, BOB) == []
    lab.resume_queue(QUEUE)
    lab.advance(minutes=5)
    assert _subjects(lab, BOB) == ["Waits"]
    assert lab.queues().where(Identity=QUEUE).empty


def test_resume_queue_puts_a_queue_back_in_retry_while_its_retry_is_ahead(lab: Lab) -> None:
    _waiting(lab)
    lab.suspend_queue(QUEUE)
    lab.resume_queue(QUEUE)
    assert lab.queues().where(Identity=QUEUE)["Status"] == ["Retry"]


def test_queue_cmdlets_refuse_in_exchanges_words(lab: Lab) -> None:
    _waiting(lab)
    with pytest.raises(LabError, match=r"Resume-Queue works only on a suspended queue"):
        lab.resume_queue(QUEUE)
    lab.suspend_queue(QUEUE)
    with pytest.raises(LabError, match=r"already suspended"):
        lab.suspend_queue(QUEUE)
    with pytest.raises(LabError, match=r"The queue 'MB9\\1' couldn't be found"):
        lab.suspend_queue("MB9\\1")
    with pytest.raises(LabError, match=r"The queue is named by a string"):
        lab.suspend_queue(3)      # type: ignore[arg-type]


def test_a_suspended_submission_queue_holds_mail_before_the_categorizer(lab: Lab) -> None:
    lab.suspend_queue("MB1\\Submission")
    lab.suspend_queue("MB2\\Submission")
    lab.send(ALICE, BOB, subject="Held")
    assert sum(lab.queues().where(lambda q: q.Identity.endswith("Submission"))["MessageCount"]) == 1
    lab.resume_queue("MB1\\Submission")
    lab.resume_queue("MB2\\Submission")
    assert _subjects(lab, BOB) == ["Held"]


def test_a_suspended_unreachable_queue_is_not_resubmitted_by_a_routing_change(lab: Lab) -> None:
    """The queues page: a suspended Unreachable queue's messages "are no longer automatically
    resubmitted to the categorizer when configuration updates are detected" (before the fix a
    new send connector resubmitted it all the same). Retry-Queue -Resubmit still does."""
    lab.send(ALICE, "jane.doe@gmail.com", subject="No way out yet")
    lab.suspend_queue("MB2\\Unreachable")
    lab.new_send_connector("Internet", address_spaces=["*"])
    assert lab.queues().where(Identity="MB2\\Unreachable")["MessageCount"] == [1]
    assert lab.internet.mailbox("jane.doe@gmail.com").messages == []
    lab.retry_queue("MB2\\Unreachable", resubmit=True)
    assert [str(m["Subject"]) for m in lab.internet.mailbox("jane.doe@gmail.com").messages] == ["No way out yet"]


# --- Retry-Queue -Resubmit -----------------------------------------------------------------------
def test_retry_queue_resubmit_routes_the_messages_again(lab: Lab) -> None:
    _waiting(lab)
    lab.retry_queue(QUEUE, resubmit=True)
    resubmitted = lab.queue_messages(QUEUE)
    assert len(resubmitted) == 1                 # categorized again: back in the same queue
    lab.start_service("MB2", "Mailbox Transport Delivery")
    lab.retry_queue(QUEUE, resubmit=True)       # now it routes and goes at once
    assert _subjects(lab, BOB) == ["Waits"]


def test_retry_queue_resubmit_takes_a_flag_and_a_delivery_queue(lab: Lab) -> None:
    _waiting(lab)
    with pytest.raises(LabError, match=r"-Resubmit takes True or False"):
        lab.retry_queue(QUEUE, resubmit="yes")   # type: ignore[arg-type]
    with pytest.raises(LabError, match=r"can't be resubmitted"):
        lab.retry_queue("MB2\\Submission", resubmit=True)


# --- Suspend-Message / Resume-Message / Remove-Message ------------------------------------------
def test_a_suspended_message_stays_while_the_rest_of_its_queue_leaves(lab: Lab) -> None:
    first = _waiting(lab, "First")
    lab.send(CAROL, BOB, subject="Second")
    lab.suspend_message(first)
    assert lab.queue_messages(QUEUE).where(Identity=first)["Status"] == ["Suspended"]
    lab.start_service("MB2", "Mailbox Transport Delivery")
    lab.advance(minutes=10)
    assert _subjects(lab, BOB) == ["Second"]
    assert lab.queue_messages(QUEUE)["Identity"] == [first]
    lab.resume_message(first)
    assert _subjects(lab, BOB) == ["Second", "First"]


def test_message_cmdlets_refuse_in_exchanges_words(lab: Lab) -> None:
    first = _waiting(lab)
    with pytest.raises(LabError, match=r"Resume-Message works only on a suspended message"):
        lab.resume_message(first)
    with pytest.raises(LabError, match=r"The message 'MB2\\3\\1' couldn't be found"):
        lab.remove_message("MB2\\3\\1")
    with pytest.raises(LabError, match=r"-WithNDR takes True or False"):
        lab.remove_message(first, with_ndr=0)     # type: ignore[arg-type]


def test_remove_message_sends_an_ndr_by_default(lab: Lab) -> None:
    first = _waiting(lab, "Removed")
    lab.remove_message(first)
    assert "Removed" not in lab.queue_messages(QUEUE)["Subject"]
    lab.start_service("MB2", "Mailbox Transport Delivery")     # Alice's NDR waits for it too
    lab.advance(minutes=5)
    ndr = lab.mailbox(ALICE).messages[-1]
    assert str(ndr["Subject"]) == "Undeliverable: Removed"
    assert replies.ADMIN_REMOVED.split(";")[0] in ndr.as_string()
    fail = lab.tracking_log(event_id="FAIL", message_subject="Removed")
    assert fail["Source"] == ["ADMIN"] and fail["RecipientStatus"] == [replies.ADMIN_REMOVED]


def test_remove_message_without_ndr_is_silent(lab: Lab) -> None:
    first = _waiting(lab, "Gone quietly")
    lab.remove_message(first, with_ndr=False)
    assert lab.queue_messages(QUEUE).empty
    lab.start_service("MB2", "Mailbox Transport Delivery")
    lab.advance(minutes=5)
    assert lab.mailbox(ALICE).messages == []
    assert lab.tracking_log(event_id="DSN").empty
    assert lab.tracking_log(event_id="FAIL")["Source"] == ["ADMIN"]


# --- Get-MessageTrackingLog filters --------------------------------------------------------------
def test_tracking_log_filters_as_the_cmdlet_does(lab: Lab) -> None:
    lab.send(ALICE, BOB, subject="Seattle trip")
    lab.advance(minutes=10)
    lab.send(CAROL, [BOB, ALICE], subject="Budget")
    by_sender = lab.tracking_log(sender=CAROL)
    assert set(by_sender["MessageSubject"]) == {"Budget"}
    assert set(lab.tracking_log(recipients=[ALICE, "nobody@exchange2013demo.com"])["MessageSubject"]) == {"Budget"}
    assert lab.tracking_log(event_id="deliver")["EventId"] == ["DELIVER"] * 2      # Bob and Alice share DB02: one DELIVER
    assert set(lab.tracking_log(message_subject="sea")["MessageSubject"]) == {"Seattle trip"}
    early = lab.tracking_log(start=at("09:00:00"), end=at("09:05:00"))
    assert set(early["MessageSubject"]) == {"Seattle trip"}
    end = early["Timestamp"][-1]
    assert end not in lab.tracking_log(end=end)["Timestamp"]          # -End is exclusive
    assert lab.tracking_log(start=end)["Timestamp"][0] == end          # -Start is not
    naive = datetime(2014, 3, 4, 9, 5)                                 # read in the org's zone
    assert len(lab.tracking_log(start=naive)) == len(lab.tracking_log(start=at("09:05:00")))


def test_tracking_log_filters_refuse_in_one_sentence(lab: Lab) -> None:
    with pytest.raises(LabError, match=r"'SENT' is not a message tracking EventId"):
        lab.tracking_log(event_id="SENT")
    with pytest.raises(LabError, match=r"5\.1\.7 Invalid address"):
        lab.tracking_log(sender="alice")
    with pytest.raises(LabError, match=r"-Start takes a date and time"):
        lab.tracking_log(start="yesterday")     # type: ignore[arg-type]
    with pytest.raises(LabError, match=r"-End must come after -Start"):
        lab.tracking_log(start=at("10:00:00"), end=at("09:00:00"))


# --- accepted domains: Authoritative, InternalRelay, ExternalRelay ------------------------------
NOBODY = "nobody@exchange2013demo.com"


def test_get_accepted_domain_lists_the_organizations_own_domain(lab: Lab) -> None:
    assert records(lab.accepted_domains()) == [{"Name": "exchange2013demo.com", "DomainName": "exchange2013demo.com",
                                                "DomainType": "Authoritative", "Default": True}]


def test_an_unknown_recipient_in_an_authoritative_domain_gets_550_5_1_1(lab: Lab) -> None:
    lab.send(ALICE, NOBODY, subject="To nobody")
    assert lab.tracking_log(event_id="FAIL")["RecipientStatus"] == [replies.RECIP_NOT_FOUND]
    assert str(lab.mailbox(ALICE).messages[-1]["Subject"]) == "Undeliverable: To nobody"


def test_internal_relay_by_dns_loops_until_the_hop_count_refuses_it(lab: Lab) -> None:
    """The relay domain's MX is the organization itself: the `*` connector sends nobody@'s copy
    back to CA1, round and round, until a receive connector's MaxLocalHopCount (8) refuses it
    with 554 5.4.14 and Alice gets an NDR (before the fix: the outside MX took it at once)."""
    lab.new_send_connector("Internet", address_spaces=["*"])
    lab.set_accepted_domain("exchange2013demo.com", "InternalRelay")
    lab.send(ALICE, [NOBODY, BOB], subject="Shared namespace")
    assert _subjects(lab, BOB) == ["Shared namespace"]                 # a mailbox here: delivered here
    assert lab.internet.mailbox(NOBODY).messages == []
    assert lab.tracking_log(event_id="FAIL")["RecipientStatus"] == [replies.HOP_COUNT_EXCEEDED]
    ndr = lab.mailbox(ALICE).messages[-1]
    assert ndr["Subject"] == "Undeliverable: Shared namespace"
    assert "554 5.4.14 Hop count exceeded - possible mail loop" in ndr.get_content()
    assert len(lab.tracking_log(event_id="SEND", recipients=NOBODY)) > 3     # it went round


def test_internal_relay_reaches_the_other_system_by_a_smart_host_connector(lab: Lab) -> None:
    lab.set_accepted_domain("exchange2013demo.com", "InternalRelay")
    lab.new_send_connector("To the other system", address_spaces=["exchange2013demo.com"],
                           smart_hosts=["mail.legacy.exchange2013demo.com"])
    lab.send(ALICE, [NOBODY, BOB], subject="Shared namespace")
    assert _subjects(lab, BOB) == ["Shared namespace"]
    assert [str(m["Subject"]) for m in lab.internet.mailbox(NOBODY).messages] == ["Shared namespace"]
    send = lab.tracking_log(event_id="SEND", recipients=NOBODY)
    assert send["ConnectorId"] == ["To the other system"]
    assert lab.tracking_log(event_id="FAIL").empty


def test_a_message_past_the_hop_count_is_refused_at_the_final_dot(lab: Lab) -> None:
    """MaxHopCount (30 by default): 31 Received headers from outside are refused as a loop."""
    hops = [f"Received: from hop{i}.fabrikam.com by hop{i + 1}.fabrikam.com; Tue, 4 Mar 2014 08:00:00 +0000"
            for i in range(31)]
    t = lab.smtp_session("CA1", "Default Frontend CA1", [
        "EHLO mail.fabrikam.com", "MAIL FROM:<kate@fabrikam.com>", f"RCPT TO:<{BOB}>", "DATA",
        *hops, "Subject: Looping", "", "Hi.", ".", "QUIT"])
    assert t.replies[-2] == replies.HOP_COUNT_EXCEEDED
    assert _subjects(lab, BOB) == []


def test_internal_relay_without_a_send_connector_waits_in_unreachable(lab: Lab) -> None:
    lab.set_accepted_domain("exchange2013demo.com", "InternalRelay")
    lab.send(ALICE, NOBODY, subject="No way out")
    assert lab.queues().where(lambda q: q.Identity.endswith("Unreachable"))["MessageCount"] == [1]


def test_external_relay_takes_outside_mail_without_relay_rights_and_relays_it_out(lab: Lab) -> None:
    refused = lab.smtp_session("CA1", "Default Frontend CA1",
                               ["EHLO mail.gmail.com", "MAIL FROM:<jane@gmail.com>", "RCPT TO:<sales@fabrikam.net>", "QUIT"])
    assert refused.replies[3] == replies.UNABLE_TO_RELAY
    lab.new_accepted_domain("Fabrikam", "fabrikam.net", "ExternalRelay")
    lab.new_send_connector("To Fabrikam", address_spaces=["fabrikam.net"], smart_hosts=["mail.fabrikam.net"])
    assert lab.accepted_domains().where(Name="Fabrikam")["DomainType"] == ["ExternalRelay"]
    lab.internet.send("jane@gmail.com", "sales@fabrikam.net", subject="Order")
    assert [str(m["Subject"]) for m in lab.internet.mailbox("sales@fabrikam.net").messages] == ["Order"]
    assert lab.tracking_log(event_id="SEND", recipients="sales@fabrikam.net")["ConnectorId"] == ["To Fabrikam"]


def test_accepted_domain_cmdlets_refuse_in_one_sentence(lab: Lab) -> None:
    with pytest.raises(LabError, match=r"DomainType must be Authoritative, InternalRelay or ExternalRelay"):
        lab.set_accepted_domain("exchange2013demo.com", "Relay")
    with pytest.raises(LabError, match=r"The accepted domain 'contoso.com' couldn't be found"):
        lab.set_accepted_domain("contoso.com", "InternalRelay")
    with pytest.raises(LabError, match=r"already exists"):
        lab.new_accepted_domain("Again", "EXCHANGE2013DEMO.COM")
    with pytest.raises(LabError, match=r"A smart host is a host name or an IP address"):
        lab.new_send_connector("Bad", address_spaces=["fabrikam.net"], smart_hosts=["mail fabrikam"])
    with pytest.raises(LabError, match=r"A domain is a name like fabrikam.com"):
        lab.new_accepted_domain("Bad", "fab rikam")


# --- back pressure ------------------------------------------------------------------------------
def test_back_pressure_starts_normal_on_every_transport_service(lab: Lab) -> None:
    table = lab.back_pressure()
    assert set(table["Server"]) == {"MB1", "MB2"} and set(table["Pressure"]) == {"Normal"}
    assert "DatabaseUsedSpace" in lab.back_pressure("MB2")["Resource"]


def test_the_front_end_fails_over_past_a_server_under_pressure(lab: Lab) -> None:
    """MB2 refuses MAIL FROM with 452 4.3.1; Front End Transport tries MB1, the other Mailbox
    server of the site, as it does for a server that does not answer (before the fix: it passed
    MB2's 452 on to Gmail, which queued the message)."""
    lab.set_resource_pressure("MB2", "DatabaseUsedSpace", "High")
    msg = lab.internet.send("jane.doe@gmail.com", BOB, subject="Around it")
    assert lab.internet.queue()["Subject"] == []
    assert _subjects(lab, BOB) == ["Around it"]
    assert lab.tracking_log(msg, event_id="RECEIVE")["ServerHostname"][0] == "MB1.exchange2013demo.com"


def test_with_every_server_under_pressure_the_sender_hears_452_4_3_1_after_its_dot(lab: Lab) -> None:
    """Front End Transport answers MAIL FROM and RCPT itself; the refusal it passes on comes only
    at the end of DATA, and the sender keeps the message until the pressure is relieved."""
    lab.set_resource_pressure("MB2", "DatabaseUsedSpace", "High")
    lab.set_resource_pressure("MB1", "SystemMemory", "Medium")
    t = lab.smtp_session("CA1", "Default Frontend CA1", [
        "EHLO mail.gmail.com", "MAIL FROM:<jane.doe@gmail.com>", f"RCPT TO:<{BOB}>", "DATA",
        "Subject: Under pressure", "", "Hi.", ".", "QUIT"])
    assert t.replies[-5:] == ["250 2.1.0 Sender OK", "250 2.1.5 Recipient OK",
                              "354 Start mail input; end with <CRLF>.<CRLF>", replies.INSUFFICIENT_RESOURCES,
                              "221 2.0.0 Service closing transmission channel"]
    lab.internet.send("jane.doe@gmail.com", BOB, subject="Under pressure")
    assert lab.internet.queue()["LastError"] == [replies.INSUFFICIENT_RESOURCES]
    assert _subjects(lab, BOB) == []
    for server in ("MB1", "MB2"):
        lab.set_resource_pressure(server, "DatabaseUsedSpace", "Normal")
        lab.set_resource_pressure(server, "SystemMemory", "Normal")
    lab.advance(hours=1)                                                  # Gmail tries again
    assert _subjects(lab, BOB) == ["Under pressure"]


def test_submission_fails_over_to_a_transport_service_without_pressure(lab: Lab) -> None:
    lab.set_resource_pressure("MB2", "PrivateBytes", "High")
    msg = lab.send(ALICE, BOB, subject="Around it")
    assert _subjects(lab, BOB) == ["Around it"]
    assert lab.tracking_log(msg, event_id="RECEIVE")["ServerHostname"][-1] == "MB1.exchange2013demo.com"


def test_a_message_already_queued_is_still_delivered_under_high_pressure(lab: Lab) -> None:
    _waiting(lab, "Queued before")
    lab.set_resource_pressure("MB2", "UsedDiskSpace", "High")
    lab.start_service("MB2", "Mailbox Transport Delivery")
    lab.advance(minutes=5)
    assert _subjects(lab, BOB) == ["Queued before"]


def test_medium_pressure_lets_authoritative_senders_through_only(lab: Lab) -> None:
    for server in ("MB1", "MB2"):
        lab.set_resource_pressure(server, "SystemMemory", "Medium")
    lab.send(ALICE, BOB, subject="From inside")
    lab.internet.send("jane.doe@gmail.com", BOB, subject="From outside")
    assert _subjects(lab, BOB) == ["From inside"]
    assert lab.internet.queue()["LastError"] == [replies.INSUFFICIENT_RESOURCES]


def test_back_pressure_arguments_refuse_in_one_sentence(lab: Lab) -> None:
    with pytest.raises(LabError, match=r"Back pressure watches DatabaseUsedSpace"):
        lab.set_resource_pressure("MB2", "Disk", "High")
    with pytest.raises(LabError, match=r"Normal, Medium or High, not 'Full'"):
        lab.set_resource_pressure("MB2", "DatabaseUsedSpace", "Full")
    with pytest.raises(LabError, match=r"CA1 does not run a service named 'Transport'"):
        lab.set_resource_pressure("CA1", "DatabaseUsedSpace", "High")


# --- Test-Mailflow -------------------------------------------------------------------------------
def test_test_mailflow_from_a_server_to_itself_succeeds_with_its_latency(lab: Lab) -> None:
    table = lab.test_mailflow("MB2")
    row = table[0]
    assert row.TestMailflowResult == "Success" and row.IsRemoteTest is False
    assert timedelta(0) < row.MessageLatencyTime < timedelta(seconds=15)   # below ErrorLatency
    # The cmdlet's default table: a TimeSpan, no invented columns (before: TargetEmailAddress,
    # MessageId and a latency of "2 s").
    assert list(table.columns) == ["TestMailflowResult", "MessageLatencyTime", "IsRemoteTest"]
    assert table.text().splitlines()[-1].split() == ["Success", "00:00:02", "False"]
    probe = lab.mailbox("SystemMailbox{DB02}@exchange2013demo.com").messages[-1]
    assert str(probe["Subject"]).startswith("Test-Mailflow ")
    assert "This is a Test-Mailflow probe message." in probe.get_content()
    assert lab.mailboxes() == [ALICE, BOB, CAROL]                         # system mailboxes are not users'


def test_test_mailflow_to_another_server_or_address(lab: Lab) -> None:
    assert lab.test_mailflow("MB1", target_mailbox_server="MB2")[0].TestMailflowResult == "Success"
    row = lab.test_mailflow("MB1", target_email_address=BOB)[0]
    assert row.TestMailflowResult == "Success" and str(lab.mailbox(BOB).messages[-1]["Subject"]).startswith("Test-")
    assert row.IsRemoteTest is True


def test_test_mailflow_fails_after_its_execution_timeout(lab: Lab) -> None:
    lab.stop_service("MB2", "Mailbox Transport Delivery")
    start = lab.now()
    row = lab.test_mailflow("MB1", target_mailbox_server="MB2")[0]
    assert row.TestMailflowResult == "*FAILURE*"
    assert row.MessageLatencyTime == timedelta(seconds=240) == lab.now() - start


def test_test_mailflow_refuses_in_one_sentence(lab: Lab) -> None:
    with pytest.raises(LabError, match=r"CA1 isn't an Exchange 2013 Mailbox server"):
        lab.test_mailflow("CA1")
    with pytest.raises(LabError, match=r"not both"):
        lab.test_mailflow("MB1", target_mailbox_server="MB2", target_email_address=BOB)
    with pytest.raises(LabError, match=r"5\.1\.3 Invalid recipient address"):
        lab.test_mailflow("MB1", target_email_address="bob")


# --- Safety Net and Add-ResubmitRequest ----------------------------------------------------------
def test_safety_net_replays_delivered_mail_after_a_database_restore(lab: Lab) -> None:
    start = lab.now()
    lab.send(ALICE, BOB, subject="Kept in Safety Net")
    lab.send(ALICE, CAROL, subject="For Carol")
    lab.advance(minutes=10)
    lab.mailbox(BOB).inbox.clear()                       # DB02 restored from an older backup
    assert lab.add_resubmit_request(start, lab.now(), destination="DB02") == 1
    assert _subjects(lab, BOB) == ["Kept in Safety Net"]
    assert _subjects(lab, CAROL) == ["For Carol"]         # DB01 was not asked for
    resubmit = lab.tracking_log(event_id="RESUBMIT")
    assert resubmit["Source"] == ["SAFETYNET"] and resubmit["ServerHostname"] == ["MB2.exchange2013demo.com"]
    assert not any("Safety" in q for q in lab.queues(include_empty=True)["Identity"])   # not a queue tool's


def test_a_resubmit_request_by_recipient_or_sender(lab: Lab) -> None:
    start = lab.now()
    lab.send(ALICE, CAROL, subject="One")
    lab.send(BOB, CAROL, subject="Two")
    lab.advance(minutes=1)
    assert lab.add_resubmit_request(start, lab.now(), sender=BOB) == 1
    assert _subjects(lab, CAROL) == ["One", "Two", "Two"]
    assert lab.add_resubmit_request(start, lab.now(), recipient=BOB) == 0


def test_safety_net_keeps_mail_for_two_days(lab: Lab) -> None:
    start = lab.now()
    lab.send(ALICE, BOB, subject="Old")
    lab.advance(days=2)
    assert lab.add_resubmit_request(start, lab.now(), destination="DB02") == 0


def test_add_resubmit_request_refuses_in_one_sentence(lab: Lab) -> None:
    now = lab.now()
    with pytest.raises(LabError, match=r"-StartTime must be earlier than -EndTime, and both must be in the past"):
        lab.add_resubmit_request(now, now)
    lab.advance(minutes=1)
    with pytest.raises(LabError, match=r"-Destination can't be used with -Recipient or -Sender"):
        lab.add_resubmit_request(now, lab.now(), destination="DB02", sender=ALICE)
    with pytest.raises(LabError, match=r"The mailbox database 'DB09' couldn't be found"):
        lab.add_resubmit_request(now, lab.now(), destination="DB09")
    with pytest.raises(LabError, match=r"-StartTime takes a date and time"):
        lab.add_resubmit_request("yesterday", lab.now())   # type: ignore[arg-type]
