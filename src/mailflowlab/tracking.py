"""Message tracking: one row per event, like Get-MessageTrackingLog (fact sheet §8.1).

Transport writes MSGTRK, Mailbox Transport Submission MSGTRKMS and Delivery MSGTRKMD; Front
End Transport writes none. The lab keeps them in one list of records; `views.Table` shows them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from . import arguments
from .errors import LabError
from .views import Table

#: Every EventId the Exchange 2013 message tracking log writes (fact sheet §8.1).
EVENT_IDS = ("AGENTINFO", "BADMAIL", "DEFER", "DELIVER", "DROP", "DSN", "DUPLICATEDELIVER",
             "DUPLICATEEXPAND", "DUPLICATEREDIRECT", "EXPAND", "FAIL", "HADISCARD", "HARECEIVE",
             "HAREDIRECT", "HAREDIRECTFAIL", "INITMESSAGECREATED", "LOAD", "MODERATIONEXPIRE",
             "MODERATORAPPROVE", "MODERATORREJECT", "MODERATORSALLNDR", "NOTIFYMAPI", "NOTIFYSHADOW",
             "POISONMESSAGE", "PROCESS", "PROCESSMEETINGMESSAGE", "RECEIVE", "REDIRECT", "RESOLVE",
             "RESUBMIT", "RESUBMITDEFER", "RESUBMITFAIL", "SEND", "SUBMIT", "SUBMITDEFER", "SUBMITFAIL",
             "SUPPRESSED", "THROTTLE", "TRANSFER")


@dataclass(frozen=True)
class Search:
    """Get-MessageTrackingLog's filters; None leaves a field unfiltered. As the cmdlet
    reference says: -Recipients matches an event naming any of them, -Start is inclusive and
    -End is not, -MessageSubject matches part of the subject."""
    sender: str | None = None
    recipients: tuple[str, ...] | None = None
    event_id: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    message_subject: str | None = None

    def matches(self, e: TrackingEvent) -> bool:
        return ((self.sender is None or e.Sender.lower() == self.sender.lower())
                and (self.recipients is None
                     or bool({r.lower() for r in e.Recipients} & {r.lower() for r in self.recipients}))
                and (self.event_id is None or e.EventId == self.event_id.upper())
                and (self.start is None or e.Timestamp >= self.start)
                and (self.end is None or e.Timestamp < self.end)
                and (self.message_subject is None or self.message_subject.lower() in e.MessageSubject.lower()))


@dataclass(frozen=True)
class TrackingEvent:
    """One line of Get-MessageTrackingLog. ConnectorId as real lines write it: a Receive
    connector as `SERVER\\name` (`MB1\\Default MB1`; an Exchange 2016 FAIL line shows
    `xxx\\Default xxx`, https://learn.microsoft.com/en-us/answers/questions/1407358/exchange-2016-blocking-emails),
    a Send connector by its name alone (`Intra-Organization SMTP Send Connector`, `To Internet`),
    and nothing on HAREDIRECT, AGENTINFO (real 2013 lines) or a 2010 store driver's DELIVER
    (a real 2010 line). DELIVER by Mailbox Transport Delivery names its `Default Mailbox
    Delivery SERVER` connector, as RECEIVE names its own: INFERRED, no real 2013 DELIVER
    line was found."""
    Timestamp: datetime
    ServerHostname: str
    #: The event's own details (source-context): for HAREDIRECT, the shadow server and its reply.
    SourceContext: str
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
            status: str = "", context: str = "") -> None:
        self.events.append(TrackingEvent(when, server, context, source, event_id, connector, sender,
                                         tuple(recipients), status, subject, message_id))

    def table(self, message_id: str | None = None, search: Search | None = None) -> Table[TrackingEvent]:
        """All events (or one message's, or those a search finds), oldest first, with
        Get-MessageTrackingLog's fields."""
        search = search or Search()
        rows = [e for e in list(self.events)
                if (message_id is None or e.MessageId == message_id) and search.matches(e)]
        return Table(rows, list(TrackingEvent.__dataclass_fields__))


def tracking_search(tz: tzinfo, sender: object = None, recipients: object = None, event_id: object = None,
                    start: object = None, end: object = None, message_subject: object = None) -> Search:
    """Check Get-MessageTrackingLog's filters as a learner passes them, and build the search."""
    if event_id is not None:
        event_id = arguments.name(event_id, "EventId").upper()
        if event_id not in EVENT_IDS:
            raise LabError(f"'{event_id}' is not a message tracking EventId. EventIds: {', '.join(EVENT_IDS)}.")
    found = Search(
        sender=None if sender is None else arguments.address(sender, "sender"),
        recipients=None if recipients is None else tuple(arguments.recipients(recipients)),
        event_id=event_id,
        start=None if start is None else arguments.moment(start, "Start", tz),
        end=None if end is None else arguments.moment(end, "End", tz),
        message_subject=None if message_subject is None else arguments.text(message_subject, "MessageSubject"))
    if found.start is not None and found.end is not None and found.end <= found.start:
        raise LabError("-End must come after -Start: the search runs from -Start up to, not including, -End.")
    return found
