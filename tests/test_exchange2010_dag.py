"""Exchange 2010 internal mail and its Received headers (fact sheet §0.2): one `with mapi`
header on a standalone server; in a DAG of multi-role servers, Mail Submission avoids the
local Hub, and a Hub with the recipient's database mounted locally relays over SMTP to
another Hub, which adds the `Microsoft SMTP Server (TLS) id 14.3...` header."""
from __future__ import annotations

from email.message import EmailMessage

from mailflowlab import Lab, scenarios
from mailflowlab.headers import parse_hops
from mailflowlab.message import to_bytes

from .conftest import values

D = "@exchange2010demo.com"
ALICE, BOB, CAROL = (f"{u}{D}" for u in ("alice", "bob", "carol"))
MAPI_ID, SMTP_ID = "14.03.0123.004", "14.3.123.4"


def newest(lab: Lab, address: str) -> EmailMessage:
    return lab.mailbox(address).messages[-1]


def hops(message: EmailMessage) -> list[tuple[str, str, str | None, str | None]]:
    """(from, by, with, id) of each Received header, oldest first."""
    return [((h.from_host or "").split(".")[0], (h.by_host or "").split(".")[0], h.protocol, h.id)
            for h in parse_hops(message)]


def test_standalone_2010_server_writes_exactly_one_mapi_header(transport: str) -> None:
    with Lab(scenarios.exchange2010demo(), transport=transport) as lab:
        lab.send(ALICE, BOB, subject="standalone")
        received = newest(lab, BOB).get_all("Received", [])
        assert len(received) == 1
        assert " with mapi id 14.03.0123.004;" in received[0]
        assert hops(newest(lab, BOB)) == [("EX2010", "EX2010", "mapi", MAPI_ID)]


def test_dag_mail_submission_notifies_the_other_members_hub(transport: str) -> None:
    """Alice and Bob on one database mounted on EX1: EX2's store driver picks the message up
    (not EX1's) and, not holding the database, delivers it itself over MAPI: one header."""
    with Lab(scenarios.exchange2010dag(), transport=transport) as lab:
        msg = lab.send(ALICE, BOB, subject="same database")
        assert hops(newest(lab, BOB)) == [("EX1", "EX2", "mapi", MAPI_ID)]
        assert lab.path(msg) == [("EX2", "Hub Transport"), ("EX2", "store driver")]
        assert values(lab.tracking_log(msg), "ServerHostname", "Source", "EventId") == [
            ["EX2.exchange2010demo.com", "STOREDRIVER", "RECEIVE"],
            ["EX2.exchange2010demo.com", "STOREDRIVER", "DELIVER"]]


def test_dag_hub_with_the_database_mounted_locally_reroutes_to_the_other_hub(transport: str) -> None:
    """Alice (database on EX1) to Carol (database on EX2): EX2 picks up, holds Carol's database,
    so relays over SMTP to EX1, which delivers over MAPI: the article's two headers."""
    with Lab(scenarios.exchange2010dag(), transport=transport) as lab:
        msg = lab.send(ALICE, CAROL, subject="two headers")
        assert hops(newest(lab, CAROL)) == [("EX1", "EX2", "mapi", MAPI_ID),
                                            ("EX2", "EX1", "Microsoft SMTP Server (TLS)", SMTP_ID)]
        assert lab.path(msg) == [("EX2", "Hub Transport"), ("EX1", "Hub Transport"), ("EX1", "store driver")]
        assert values(lab.tracking_log(msg), "ServerHostname", "Source", "EventId", "ConnectorId") == [
            ["EX2.exchange2010demo.com", "STOREDRIVER", "RECEIVE", ""],
            ["EX1.exchange2010demo.com", "SMTP", "RECEIVE", "EX1\\Default EX1"],
            ["EX2.exchange2010demo.com", "SMTP", "SEND", "Intra-Organization SMTP Send Connector"],
            ["EX1.exchange2010demo.com", "STOREDRIVER", "DELIVER", ""]]
        queues = lab.queues(include_empty=True)
        assert ["EX2\\3", "SmtpRelayWithinAdSite", "Mailbox Database 02"] in values(
            queues, "Identity", "DeliveryType", "NextHopDomain")
        assert ["EX1\\3", "MapiDelivery", "Mailbox Database 02"] in values(
            queues, "Identity", "DeliveryType", "NextHopDomain")


def test_dag_mail_submission_falls_back_to_the_local_hub(transport: str) -> None:
    """With EX2's Hub stopped, EX1's own Hub picks up; no other Hub runs to reroute to, so it
    delivers the message itself."""
    with Lab(scenarios.exchange2010dag(), transport=transport) as lab:
        lab.stop_service("EX2", "Hub Transport")
        msg = lab.send(ALICE, BOB, subject="fallback")
        assert hops(newest(lab, BOB)) == [("EX1", "EX1", "mapi", MAPI_ID)]
        assert lab.path(msg) == [("EX1", "Hub Transport"), ("EX1", "store driver")]


def test_dag_outbox_waits_for_a_hub_and_the_first_to_start_picks_up(transport: str) -> None:
    with Lab(scenarios.exchange2010dag(), transport=transport) as lab:
        lab.stop_service("EX1", "Hub Transport")
        lab.stop_service("EX2", "Hub Transport")
        lab.send(ALICE, BOB, subject="no hub")
        assert len(lab.mailbox(ALICE).outbox) == 1
        lab.start_service("EX2", "Hub Transport")
        assert lab.mailbox(ALICE).outbox == []
        assert hops(newest(lab, BOB)) == [("EX1", "EX2", "mapi", MAPI_ID)]


def _dag_run(transport: str) -> tuple[list[bytes], list[object]]:
    with Lab(scenarios.exchange2010dag(), transport=transport) as lab:
        lab.send(ALICE, BOB, subject="same database")
        lab.send(ALICE, CAROL, subject="other database")
        lab.send(CAROL, [ALICE, BOB], subject="back")
        delivered = [to_bytes(m) for a in lab.mailboxes() for m in lab.mailbox(a).messages]
        return delivered, list(lab.tracking_log())


def test_dag_gives_byte_identical_mail_over_sockets_and_in_memory() -> None:
    sockets, memory = _dag_run("sockets"), _dag_run("memory")
    assert len(sockets[0]) == 4
    assert sockets == memory
