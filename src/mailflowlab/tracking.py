"""Message tracking: one row per event, like Get-MessageTrackingLog (fact sheet §8.1).

Transport writes MSGTRK, Mailbox Transport Submission MSGTRKMS and Delivery MSGTRKMD; Front
End Transport writes none. The lab keeps them in one list and shows them as a DataFrame.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

import pandas as pd


@dataclass(frozen=True)
class TrackingEvent:
    Timestamp: datetime
    ServerHostname: str
    Source: str                 # SMTP, STOREDRIVER, ROUTING, QUEUE, DSN, ...
    EventId: str                # RECEIVE, SUBMIT, SEND, DELIVER, DEFER, FAIL, DSN, ...
    ConnectorId: str
    Sender: str
    Recipients: str             # ';'-joined, like the RecipientAddress field
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
                                         ";".join(recipients), status, subject, message_id))

    def frame(self) -> pd.DataFrame:
        """All events, oldest first, with Get-MessageTrackingLog's field names."""
        cols = list(TrackingEvent.__dataclass_fields__)
        df = pd.DataFrame([asdict(e) for e in self.events], columns=cols)
        if not df.empty:
            df["Timestamp"] = [e.Timestamp.strftime("%Y-%m-%d %H:%M:%S") for e in self.events]
        return df
