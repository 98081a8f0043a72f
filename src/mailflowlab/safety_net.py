"""Safety Net: the copy Transport keeps of every message it delivered to a mailbox database.

Fact sheet §4.3 (the Safety Net page): Safety Net replaces the transport dumpster; it is "just
another queue in the queue database", not visible to the queue tools; it keeps messages for
SafetyNetHoldTime (Set-TransportConfig, 2 days) with no size limit; resubmits are started by
Active Manager after a database fails over, and logged as RESUBMIT, RESUBMITDEFER and
RESUBMITFAIL. Add-ResubmitRequest (Exchange 2013 and later, named in chapter 11) asks for the
same replay by hand "after a mailbox database recovery": the messages delivered between
-StartTime and -EndTime, to one database (-Destination) or from a -Sender / to a -Recipient.

The lab keeps the primary Safety Net only: the Transport service that delivered a message
keeps it. The shadow Safety Net (a second copy on the shadow server, used when the primary
is gone for more than 12 hours) and Active Manager's automatic resubmits are not modelled:
the lab has no DAG.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from . import arguments
from .errors import LabError
from .queues import QueuedMessage

#: Set-TransportConfig -SafetyNetHoldTime's default (fact sheet §4.2).
SAFETY_NET_HOLD_TIME = timedelta(days=2)


@dataclass(frozen=True)
class SafetyNetCopy:
    message: QueuedMessage
    database: str                   # the mailbox database it was delivered to
    delivered: datetime


@dataclass(frozen=True)
class ResubmitRequest:
    """What Add-ResubmitRequest asks for: a time range and a destination or a sender/recipient."""
    start: datetime
    end: datetime
    destination: str | None = None
    recipient: str | None = None
    sender: str | None = None

    def wants(self, copy: SafetyNetCopy) -> bool:
        m = copy.message
        return (self.start <= copy.delivered <= self.end
                and (self.destination is None or copy.database.lower() == self.destination.lower())
                and (self.recipient is None or self.recipient.lower() in (r.lower() for r in m.recipients))
                and (self.sender is None or m.mail_from.lower() == self.sender.lower()))


def resubmit_request(start: object, end: object, now: datetime, tz: tzinfo, databases: Iterable[str], *,
                     destination: object = None, recipient: object = None,
                     sender: object = None) -> ResubmitRequest:
    """Add-ResubmitRequest's parameters checked as the cmdlet checks them: a time range in the
    past, and a known -Destination database or a -Recipient / -Sender, never both kinds."""
    start, end = arguments.moment(start, "StartTime", tz), arguments.moment(end, "EndTime", tz)
    if not start < end <= now:
        raise LabError("-StartTime must be earlier than -EndTime, and both must be in the past.")
    if destination is not None and (recipient is not None or sender is not None):
        raise LabError("-Destination can't be used with -Recipient or -Sender.")
    database = None
    if destination is not None:
        database = arguments.name(destination, "mailbox database")
        names = list(databases)
        if database.lower() not in (d.lower() for d in names):
            raise LabError(f"The mailbox database '{database}' couldn't be found. Databases: {', '.join(names)}.")
    return ResubmitRequest(start, end, database,
                           None if recipient is None else arguments.address(recipient),
                           None if sender is None else arguments.address(sender, "sender"))


@dataclass
class SafetyNet:
    """One Transport service's Safety Net."""
    copies: list[SafetyNetCopy] = field(default_factory=list)

    def keep(self, message: QueuedMessage, database: str, now: datetime) -> None:
        self.copies.append(SafetyNetCopy(message, database, now))

    def replay(self, request: ResubmitRequest, now: datetime) -> list[QueuedMessage]:
        """The kept messages a request asks for (copies past SafetyNetHoldTime are gone)."""
        self.copies = [c for c in self.copies if c.delivered + SAFETY_NET_HOLD_TIME > now]
        return [c.message for c in self.copies if request.wants(c)]
