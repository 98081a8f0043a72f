"""Same scenario and same actions give byte-identical results (DESIGN.md §3, Determinism)."""
from __future__ import annotations

from mailflowlab import Lab, scenarios
from mailflowlab.message import to_bytes
from mailflowlab.tracking import TrackingEvent

from .conftest import ALICE, BOB, CAROL


def _run(transport: str) -> tuple[list[bytes], list[TrackingEvent]]:
    with Lab(scenarios.exchange2013demo(), transport=transport) as lab:
        lab.send(ALICE, BOB, subject="one", body="first")
        lab.stop_service("MB1", "Transport")
        lab.send(ALICE, [CAROL, "zed@exchange2013demo.com"], subject="two")
        lab.stop_service("MB1", "Mailbox Transport Delivery")
        lab.send(BOB, CAROL, subject="three")
        lab.advance(minutes=7)
        lab.start_service("MB1", "Mailbox Transport Delivery")
        lab.advance(minutes=10)
        delivered = [to_bytes(m) for a in lab.mailboxes() for m in lab.mailbox(a).messages]
        # Every field of every event (was the log's CSV: the same fields, times to the second).
        return delivered, list(lab.tracking_log())


def test_two_fresh_labs_deliver_byte_identical_messages(transport: str) -> None:
    first, second = _run(transport), _run(transport)
    assert len(first[0]) == 4, "bob's, carol's two, and alice's NDR for zed"
    assert first == second


def test_sockets_and_memory_deliver_byte_identical_messages() -> None:
    assert _run("sockets") == _run("memory")


def test_a_different_seed_gives_different_message_ids(transport: str) -> None:
    ids = []
    for seed in (1, 2):
        with Lab(scenarios.exchange2013demo(), seed=seed, transport=transport) as lab:
            ids.append(lab.send(ALICE, BOB).message_id)
    assert ids[0] != ids[1]
