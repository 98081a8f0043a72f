"""Message tracking: one row per event, like Get-MessageTrackingLog (fact sheet §8.1).

Transport writes MSGTRK, Mailbox Transport Submission MSGTRKMS and Delivery MSGTRKMD; Front
End Transport writes none. The lab keeps them in one list of records; `views.Table` shows them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .views import Table


@dataclass(frozen=True)
class TrackingEvent:
    Timestamp: datetime
    ServerHostname: str
    Source: str                 # SMTP, STOREDRIVER, ROUTING, QUEUE, DSN, ...
    EventId: str                # RECEIVE, SUBMIT, SEND, DELIVER, DEFER, FAIL, DSN, ...
    ConnectorId: str
    Sender: str
    Recipients: tuple[str, ...]     # shown ';'-joined, like the RecipientAddress field
    RecipientStatus: str
    MessageSubject: str
    MessageId: str


class TrackingLog:
    def __init__(self) -> None:
        self.events: list[TrackingEvent] = []

    def log(self, when: datetime, server: str, source: str, event_id: str, *, sender: str,
            recipients: list[str], subject: str, message_id: str, connector: str = "",
            status: str = "") -> None:
        self.events.append(TrackingEvent(when, server, source, event_id, connector, sender,
                                         tuple(recipients), status, subject, message_id))

    def table(self, message_id: str | None = None) -> Table[TrackingEvent]:
        """All events (or one message's), oldest first, with Get-MessageTrackingLog's fields."""
        rows = [e for e in list(self.events) if message_id is None or e.MessageId == message_id]
        return Table(rows, list(TrackingEvent.__dataclass_fields__))
