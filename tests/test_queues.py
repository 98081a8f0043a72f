"""Which service keeps a queue, over real sockets (fact sheet §0.3, §1, §4.1, §5.2, §8.1).

Front End Transport and Mailbox Transport hold nothing: with Transport stopped a sender on
port 25 gets `451 4.7.0 ... PRX5` after the final dot and must retry itself. Transport keeps
what it has accepted: with Mailbox Transport Delivery stopped the message waits in a delivery
queue whose LastError names port 475.
"""
from __future__ import annotations

import smtplib
import socket
from datetime import timedelta

import ipywidgets as widgets
import pytest

from mailflowlab import Lab, LabError, replies
from mailflowlab.diagrams import retry_timeline
from mailflowlab.ui import QueueViewer

from .conftest import ALICE, BOB, CAROL, at, records, values

PRX5 = "451 4.7.0 Temporary server error. Please try again later. PRX5"
OUTSIDE_MESSAGE = (b"From: printer@outside.example\r\nTo: bob@exchange2013demo.com\r\n"
                   b"Subject: scan\r\nMessage-ID: <scan-1@outside.example>\r\n\r\nHello\r\n")


def _session(address: tuple[str, int], lines: list[bytes]) -> list[str]:
    """A telnet-like session: read the banner, then send each line and read its reply."""
    replies_seen = []
    with socket.create_connection(address, timeout=10) as sock:
        reader = sock.makefile("rb")

        def reply() -> str:
            text = []
            while True:
                line = reader.readline().decode().rstrip("\r\n")
                text.append(line)
                if line[3:4] != "-":
                    return "\n".join(text)
        replies_seen.append(reply())
        for line in lines:
            sock.sendall(line)
            replies_seen.append(reply())
    return replies_seen


def test_front_end_answers_until_the_dot_then_451_prx5_when_every_transport_is_stopped(socket_lab: Lab) -> None:
    lab = socket_lab
    lab.stop_service("MB1", "Transport")
    lab.stop_service("MB2", "Transport")
    got = _session(lab.endpoint("CA1", "Default Frontend CA1"), [
        b"EHLO printer.outside.example\r\n", b"MAIL FROM:<printer@outside.example>\r\n",
        b"RCPT TO:<bob@exchange2013demo.com>\r\n", b"DATA\r\n", OUTSIDE_MESSAGE + b".\r\n",
        b"QUIT\r\n"])
    assert got[0].startswith("220 CA1.exchange2013demo.com Microsoft ESMTP MAIL Service ready at ")
    assert got[1].startswith("250-CA1.exchange2013demo.com Hello [203.0.113.50]")
    assert got[2:] == ["250 2.1.0 Sender OK", "250 2.1.5 Recipient OK",
                       "354 Start mail input; end with <CRLF>.<CRLF>", PRX5,
                       "221 2.0.0 Service closing transmission channel"]
    lab.settle()
    # Nobody kept the message: no queue holds it and no mailbox got it.
    assert values(lab.queues(), "Identity", "MessageCount") == [["MB1\\Submission", 0],
                                                                 ["MB2\\Submission", 0]]
    assert lab.mailbox(BOB).messages == []
    assert lab.tracking_log().empty


def test_the_sender_retries_after_transport_is_back_and_the_message_arrives_once(socket_lab: Lab) -> None:
    lab = socket_lab
    lab.stop_service("MB1", "Transport")
    lab.stop_service("MB2", "Transport")
    host, port = lab.endpoint("CA1", "Default Frontend CA1")
    with smtplib.SMTP(host, port, timeout=10) as client:
        with pytest.raises(smtplib.SMTPDataError) as refused:
            client.sendmail("printer@outside.example", [BOB], OUTSIDE_MESSAGE)
    assert (refused.value.smtp_code, refused.value.smtp_error) == (451, PRX5[4:].encode())
    lab.start_service("MB2", "Transport")
    with smtplib.SMTP(host, port, timeout=10) as client:
        assert client.sendmail("printer@outside.example", [BOB], OUTSIDE_MESSAGE) == {}
    lab.settle()
    assert [str(m["Message-ID"]) for m in lab.mailbox(BOB).messages] == ["<scan-1@outside.example>"]


def test_the_internet_sender_keeps_the_message_after_prx5_and_it_is_delivered_once(lab: Lab) -> None:
    lab.stop_service("MB1", "Transport")
    lab.stop_service("MB2", "Transport")
    sent = lab.internet.send("jane.doe@gmail.com", BOB, subject="Lunch?")
    assert values(lab.internet.queue(), "Attempts", "LastError") == [[1, PRX5]]
    lab.start_service("MB1", "Transport")
    lab.start_service("MB2", "Transport")
    lab.advance(minutes=29)
    assert lab.mailbox(BOB).messages == []              # the sender's own retry interval
    lab.advance(minutes=1)
    assert [str(m["Message-ID"]) for m in lab.mailbox(BOB).messages] == [sent.message_id]
    assert lab.internet.queue().empty
    lab.advance(hours=2)
    assert len(lab.mailbox(BOB).messages) == 1


def test_one_stopped_transport_is_not_noticed_the_front_end_fails_over(socket_lab: Lab) -> None:
    lab = socket_lab
    lab.stop_service("MB2", "Transport")
    host, port = lab.endpoint("CA1", "Default Frontend CA1")
    with smtplib.SMTP(host, port, timeout=10) as client:
        assert client.sendmail("printer@outside.example", [BOB], OUTSIDE_MESSAGE) == {}
    lab.settle()
    assert len(lab.mailbox(BOB).messages) == 1
    assert lab.path("<scan-1@outside.example>") == [
        ("CA1", "Front End Transport"), ("MB1", "Transport"), ("MB2", "Mailbox Transport Delivery")]


def test_stopped_delivery_keeps_the_message_in_transport_with_a_475_last_error(lab: Lab) -> None:
    lab.stop_service("MB2", "Mailbox Transport Delivery")
    msg = lab.send(ALICE, BOB, subject="waits")
    error = replies.CONNECT_FAILED.format(endpoint="10.0.0.12:475")
    assert error.endswith("The last endpoint attempted was 10.0.0.12:475")
    queues = lab.queues()
    # Submission runs one hop after the Outbox save (09:00:01), Transport takes the message in
    # that session, and its delivery attempt is one hop later (09:00:02): retry 5 min after that.
    assert records(queues) == [
        {"Identity": "MB1\\Submission", "DeliveryType": "Undefined", "Status": "Ready", "MessageCount": 0, "Velocity": 0.0,
         "NextHopDomain": "Submission", "NextHopCategory": "Internal", "RetryCount": 0,
         "NextRetryTime": None, "LastError": ""},
        # Shadow redundancy: MB1 keeps a copy until MB2 has delivered the message.
        {"Identity": "MB1\\Shadow\\3", "DeliveryType": "ShadowRedundancy", "Status": "Ready",
         "MessageCount": 1, "Velocity": -0.02, "NextHopDomain": "MB2.exchange2013demo.com", "NextHopCategory": "Internal",
         "RetryCount": 0, "NextRetryTime": None, "LastError": ""},
        {"Identity": "MB2\\Submission", "DeliveryType": "Undefined", "Status": "Ready", "MessageCount": 0, "Velocity": 0.0,
         "NextHopDomain": "Submission", "NextHopCategory": "Internal", "RetryCount": 0,
         "NextRetryTime": None, "LastError": ""},
        {"Identity": "MB2\\3", "DeliveryType": "SmtpDeliveryToMailbox", "Status": "Retry",
         "MessageCount": 1, "Velocity": -0.02, "NextHopDomain": "DB02", "NextHopCategory": "Internal", "RetryCount": 1,
         "NextRetryTime": at("09:05:02"), "LastError": error}]
    messages = lab.queue_messages("MB2\\3")
    assert values(messages, "Identity", "FromAddress", "Status", "Subject", "LastError",
                  "MessageSourceName") == [
        ["MB2\\3\\5111011082241", ALICE, "Retry", "waits", error, "SMTP:Default MB2"]]
    # Mailbox Transport holds nothing: the message is in Sent Items, not in any Outbox.
    assert lab.mailbox(ALICE).outbox == [] and len(lab.mailbox(ALICE).sent_items) == 1

    lab.start_service("MB2", "Mailbox Transport Delivery")
    assert lab.mailbox(BOB).messages == []          # the queue waits for its NextRetryTime
    lab.advance(minutes=5)
    assert [str(m["Message-ID"]) for m in lab.mailbox(BOB).messages] == [msg.message_id]
    assert lab.queues()["Identity"] == ["MB1\\Submission", "MB2\\Submission"]
    log = lab.tracking_log(msg)
    assert values(log, "Timestamp", "ServerHostname", "Source", "EventId") == [
        [at("09:00:01"), "MB2.exchange2013demo.com", "STOREDRIVER", "NOTIFYMAPI"],
        [at("09:00:01"), "MB2.exchange2013demo.com", "STOREDRIVER", "RECEIVE"],
        [at("09:00:01"), "MB1.exchange2013demo.com", "SMTP", "HARECEIVE"],
        [at("09:00:01"), "MB2.exchange2013demo.com", "SMTP", "HAREDIRECT"],
        [at("09:00:01"), "MB2.exchange2013demo.com", "SMTP", "RECEIVE"],
        [at("09:00:01"), "MB2.exchange2013demo.com", "STOREDRIVER", "SUBMIT"],
        [at("09:00:01"), "MB2.exchange2013demo.com", "AGENT", "AGENTINFO"],
        [at("09:00:02"), "MB2.exchange2013demo.com", "QUEUE", "DEFER"],
        [at("09:05:02"), "MB2.exchange2013demo.com", "STOREDRIVER", "DELIVER"],
        [at("09:05:02"), "MB2.exchange2013demo.com", "SMTP", "SEND"],
        [at("09:05:02"), "MB1.exchange2013demo.com", "REDUNDANCY", "HADISCARD"]]


def test_retry_queue_only_works_on_a_queue_in_retry(lab: Lab) -> None:
    lab.stop_service("MB1", "Mailbox Transport Delivery")
    lab.send(ALICE, CAROL, subject="retry me")
    with pytest.raises(LabError, match=r"The queue 'MB2\\Submission' is Ready; Retry-Queue works only "
                                       r"on queues in Retry\."):
        lab.retry_queue("MB2\\Submission")
    with pytest.raises(LabError, match=r"The queue 'MB9\\1' couldn't be found"):
        lab.retry_queue("MB9\\1")
    lab.start_service("MB1", "Mailbox Transport Delivery")
    lab.retry_queue("MB2\\3")
    assert len(lab.mailbox(CAROL).messages) == 1


def test_a_message_from_outside_any_mailbox_is_in_the_tracking_log(socket_lab: Lab) -> None:
    lab = socket_lab
    host, port = lab.endpoint("CA1", "Default Frontend CA1")
    with smtplib.SMTP(host, port, timeout=10) as client:
        client.sendmail("printer@outside.example", [CAROL], OUTSIDE_MESSAGE)
    lab.settle()
    log = lab.tracking_log("<scan-1@outside.example>")
    assert values(log, "ServerHostname", "Source", "EventId", "ConnectorId", "Sender", "Recipients") == [
        ["MB2.exchange2013demo.com", "SMTP", "HARECEIVE", "MB2\\Default MB2", "printer@outside.example", (CAROL,)],
        ["MB1.exchange2013demo.com", "SMTP", "HAREDIRECT", "", "printer@outside.example", (CAROL,)],
        ["MB1.exchange2013demo.com", "SMTP", "RECEIVE", "MB1\\Default MB1", "printer@outside.example", (CAROL,)],
        ["MB1.exchange2013demo.com", "AGENT", "AGENTINFO", "", "printer@outside.example", (CAROL,)],
        ["MB1.exchange2013demo.com", "STOREDRIVER", "DELIVER", "MB1\\Default Mailbox Delivery MB1",
         "printer@outside.example", (CAROL,)],
        ["MB1.exchange2013demo.com", "SMTP", "SEND", "Intra-Organization SMTP Send Connector",
         "printer@outside.example", (CAROL,)],
        ["MB2.exchange2013demo.com", "REDUNDANCY", "HADISCARD", "", "printer@outside.example", (CAROL,)]]
    # HAREDIRECT quotes the shadow server's reply, which says what it queued the copy for.
    redirect = log.where(EventId="HAREDIRECT")[0]
    assert (redirect.RecipientStatus, redirect.SourceContext.split(" [")[0]) == (
        "", "MB2.exchange2013demo.com = 250 2.6.0 <scan-1@outside.example>")
    assert redirect.SourceContext.endswith("] Queued mail for redundancy")


def test_a_shadow_copy_waits_on_the_other_server_and_never_delivers_a_second_time(lab: Lab) -> None:
    lab.stop_service("MB2", "Mailbox Transport Delivery")
    msg = lab.send(ALICE, BOB, subject="kept twice")
    lab.stop_service("MB2", "Transport")                  # the primary holds it, but is down
    lab.advance(days=1)
    shadows = lab.queue_messages("MB1\\Shadow\\3")
    assert values(shadows, "FromAddress", "Status", "InternetMessageId") == [
        [ALICE, "Ready", msg.message_id]]
    assert lab.mailbox(BOB).messages == []                # a shadow is never delivered
    lab.start_service("MB2", "Transport")
    lab.start_service("MB2", "Mailbox Transport Delivery")
    lab.advance(minutes=5)
    assert [str(m["Message-ID"]) for m in lab.mailbox(BOB).messages] == [msg.message_id]
    assert lab.queue_messages().empty                     # the primary told MB1 to drop its copy
    assert lab.tracking_log(msg).where(EventId="HADISCARD")["ServerHostname"] == [
        "MB1.exchange2013demo.com"]


def test_no_second_mailbox_server_no_shadow_and_the_message_is_still_accepted(lab: Lab) -> None:
    lab.stop_service("MB1", "Transport")
    lab.stop_service("MB2", "Mailbox Transport Delivery")
    msg = lab.send(ALICE, BOB, subject="alone")
    assert lab.queues()["Identity"] == ["MB1\\Submission", "MB2\\Submission", "MB2\\3"]
    assert "HAREDIRECT" not in lab.tracking_log(msg)["EventId"]


def test_only_an_exchange_server_may_discard_shadows(socket_lab: Lab) -> None:
    lab = socket_lab
    got = _session(lab.endpoint("MB1", "Default MB1"), [b"EHLO intruder\r\n", b"XSHADOWDISCARD 5111011082241\r\n"])
    assert got[-1] == "500 5.3.3 Unrecognized command"


def test_the_queue_viewer_shows_a_service_a_cell_stopped_as_stopped(lab: Lab) -> None:
    viewer = QueueViewer(lab)
    toggle = viewer.toggles[("MB1", "Transport")]
    lab.stop_service("MB1", "Transport")
    assert (toggle.value, toggle.button_style) == (True, "success")       # not redrawn yet
    viewer.refresh()
    assert (toggle.value, toggle.button_style, toggle.icon) == (False, "danger", "stop")
    assert lab.service("MB1", "Transport").running is False
    toggle.value = True
    assert lab.service("MB1", "Transport").running is True


def test_the_queue_viewer_moves_time_and_stops_services_through_the_lab(lab: Lab) -> None:
    viewer = QueueViewer(lab)
    buttons = [w for w in viewer.clock.children[0].children if isinstance(w, widgets.Button)]
    assert [b.description for b in buttons] == ["+1 min", "+10 min", "+1 hour", "+1 day", "Refresh"]
    viewer.toggles[("MB2", "Mailbox Transport Delivery")].value = False
    assert lab.service("MB2", "Mailbox Transport Delivery").running is False
    msg = lab.send(ALICE, BOB, subject="watched")
    viewer.refresh()
    assert "MB2\\3" in viewer.queue_table.value and "watched" in viewer.message_table.value
    start = lab.now()
    buttons[1].click()
    assert lab.now() - start == timedelta(minutes=10)
    viewer.toggles[("MB2", "Mailbox Transport Delivery")].value = True
    buttons[0].click()
    assert lab.mailbox(BOB).messages == []              # the next retry is at 09:15:01
    buttons[1].click()
    assert [str(m["Message-ID"]) for m in lab.mailbox(BOB).messages] == [msg.message_id]
    assert "MB2\\3" not in viewer.queue_table.value
    timeline = retry_timeline(list(lab.tracking_log(msg))).source
    assert [line.split("label=")[1].split("\\n")[:2] for line in timeline.splitlines()
            if "DEFER" in line] == [['"DEFER', "+0:00:01"], ['"DEFER', "+0:05:01"], ['"DEFER', "+0:10:01"]]
