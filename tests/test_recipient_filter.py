"""Recipient filtering on a Mailbox server (issue 12, item 2): "When recipient filtering on a
Mailbox server detects one invalid or blocked recipient in a message that contains other valid
recipients, the message is rejected" (Enable anti-spam functionality on Mailbox servers)."""
from __future__ import annotations

import pytest

from mailflowlab import Lab, LabError, scenarios
from mailflowlab.console import smtp_session

from .conftest import ALICE, BOB, CAROL

GMAIL = "someone@gmail.com"
NOBODY = "nobody@exchange2013demo.com"


def _filter_on_every_mailbox_server(lab: Lab, enabled: bool = True) -> None:
    for server in ("MB1", "MB2"):
        lab.set_recipient_filter_config(server, enabled=enabled, recipient_validation_enabled=enabled)


def _subjects(lab: Lab, address: str) -> list[str]:
    return [str(m["Subject"]) for m in lab.mailbox(address).messages]


def test_one_unknown_recipient_refuses_the_whole_message(lab: Lab) -> None:
    """Two good recipients and one unknown: nobody gets it, the sending server bounces all three,
    and Exchange writes no NDR (before the fix: Bob and Carol got it, nobody@ an NDR)."""
    _filter_on_every_mailbox_server(lab)
    lab.internet.send(GMAIL, [BOB, NOBODY, CAROL], subject="Team lunch")
    assert _subjects(lab, BOB) == [] and _subjects(lab, CAROL) == []
    bounce = lab.internet.mailbox(GMAIL).messages[-1].get_content()
    for who in (BOB, NOBODY, CAROL):
        assert f"     {who}\n" in bounce
    assert "550 5.1.1 User unknown" in bounce
    assert len(lab.tracking_log().where(EventId="FAIL")) == 0


def test_the_refusal_comes_after_the_final_dot_for_every_recipient(lab: Lab) -> None:
    """Front End Transport answers each RCPT itself; Transport on MB2 blocks nobody@ in the
    proxy session (no tarpit: the session is authenticated) and refuses the message, and the
    Front End passes that on after the dot."""
    _filter_on_every_mailbox_server(lab)
    lab.set_receive_connector("MB2", "Default MB2", protocol_logging="Verbose")
    t = smtp_session(lab, "CA1", "Default Frontend CA1", [
        "EHLO mail.gmail.com", f"MAIL FROM:<{GMAIL}>", f"RCPT TO:<{BOB}>", f"RCPT TO:<{NOBODY}>",
        f"RCPT TO:<{CAROL}>", "DATA", "Subject: Team lunch", "", "Friday?", ".", "QUIT"])
    assert t.replies[-6:] == ["250 2.1.5 Recipient OK"] * 3 + [
        "354 Start mail input; end with <CRLF>.<CRLF>", "550 5.1.1 User unknown",
        "221 2.0.0 Service closing transmission channel"]
    said = [row.data for row in lab.protocol_log("MB2", "Default MB2") if row.event == ">"]
    data = said.index("354 Start mail input; end with <CRLF>.<CRLF>")
    assert said[data - 3:data + 2] == ["250 2.1.5 Recipient OK", "550 5.1.1 User unknown", "250 2.1.5 Recipient OK",
                                       "354 Start mail input; end with <CRLF>.<CRLF>", "550 5.1.1 User unknown"]
    # The Front End's session is authenticated: "never delayed" by the tarpit.
    times = {row.date_time for row in lab.protocol_log("MB2", "Default MB2")}
    assert len(times) == 1
    assert _subjects(lab, BOB) == []


def test_with_the_filter_off_the_good_recipients_get_it_and_the_sender_an_ndr(lab: Lab) -> None:
    _filter_on_every_mailbox_server(lab)
    _filter_on_every_mailbox_server(lab, enabled=False)
    lab.new_send_connector("To Internet", address_spaces=["*"])
    lab.internet.send(GMAIL, [BOB, NOBODY, CAROL], subject="Team lunch")
    assert _subjects(lab, BOB) == ["Team lunch"] and _subjects(lab, CAROL) == ["Team lunch"]
    ndr = lab.internet.mailbox(GMAIL).messages[-1]
    assert ndr["Subject"] == "Undeliverable: Team lunch"
    assert "#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##" in ndr.get_content()


def test_good_recipients_and_mail_from_inside_pass_the_filter(lab: Lab) -> None:
    """Only mail from the Internet that isn't authenticated is filtered: Outlook's submission is
    not, so its unknown recipient gets the categorizer's NDR as before."""
    _filter_on_every_mailbox_server(lab)
    lab.internet.send(GMAIL, [BOB, CAROL], subject="All good")
    lab.send(ALICE, [BOB, NOBODY], subject="From inside")
    assert _subjects(lab, BOB) == ["All good", "From inside"]
    assert _subjects(lab, ALICE) == ["Undeliverable: From inside"]


def _edge_rcpt_reply(lab: Lab) -> str:
    t = smtp_session(lab, "EDGE2013", "Default internal receive connector EDGE2013", [
        "EHLO fabrikam.com", "MAIL FROM:<kate@fabrikam.com>", f"RCPT TO:<{NOBODY}>", "QUIT"])
    return t.replies[-2]


def test_a_fresh_edge_does_not_validate_recipients(transport: str) -> None:
    """RecipientValidationEnabled is $false by default (Set-RecipientFilterConfig reference): a
    fresh subscribed Edge accepts an unknown address, and the categorizer inside bounces it
    (before the fix: the fresh Edge said 550 5.1.1 User unknown)."""
    with Lab(scenarios.exchange2013demo(edge="2013"), transport=transport) as lab:
        assert _edge_rcpt_reply(lab) == "250 2.1.5 Recipient OK"
        lab.internet.send(GMAIL, NOBODY, subject="typo")
        assert [row.RecipientStatus for row in lab.tracking_log().where(EventId="FAIL")] == [
            "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"]
        lab.set_recipient_filter_config("EDGE2013", recipient_validation_enabled=True)
        assert _edge_rcpt_reply(lab) == "550 5.1.1 User unknown"


def test_the_recipient_filter_of_an_edge_can_be_turned_off(transport: str) -> None:
    with Lab(scenarios.exchange2013demo(edge="2013"), transport=transport) as lab:
        lab.set_recipient_filter_config("EDGE2013", recipient_validation_enabled=True)
        lab.set_recipient_filter_config("EDGE2013", enabled=False)
        assert _edge_rcpt_reply(lab) == "250 2.1.5 Recipient OK"


@pytest.mark.parametrize(("server", "enabled", "error"), [
    ("CA1", True, "runs no anti-spam agents"),
    ("MB1", "yes", r"-Enabled takes True or False \(\$true or \$false\), not 'yes'"),
    ("MB9", True, "There is no server named 'MB9'"),
])
def test_set_recipient_filter_config_refuses_what_exchange_would(lab: Lab, server: str, enabled: object,
                                                                  error: str) -> None:
    with pytest.raises(LabError, match=error):
        lab.set_recipient_filter_config(server, enabled=enabled)  # type: ignore[arg-type]


def test_recipient_validation_takes_a_flag(lab: Lab) -> None:
    with pytest.raises(LabError, match=r"-RecipientValidationEnabled takes True or False \(\$true or \$false\), not 1"):
        lab.set_recipient_filter_config("MB1", recipient_validation_enabled=1)  # type: ignore[arg-type]
