"""Test-Mailflow: a probe message from a Mailbox server's system mailbox, and how long it took.

From the cmdlet reference (named in chapter 11): the cmdlet "tests mail submission, transport,
and delivery". By default a Mailbox server sends itself a message; -TargetMailboxServer sends it
to another server's system mailbox, -TargetEmailAddress to any address (always a remote test).
The subject is `Test-Mailflow <GUID>`, the body "This is a Test-Mailflow probe message." The
result shows TestMailflowResult (Success or *FAILURE*), MessageLatencyTime (a TimeSpan,
`00:00:02`) and IsRemoteTest, as the cmdlet's default table does. With no message delivered
within ExecutionTimeout (240 seconds in the Shell) the test fails.

The lab gives each mailbox database one system mailbox, `SystemMailbox{<database>}@<domain>`:
Exchange names it SystemMailbox{<GUID>}; the lab puts the database's name where the GUID is.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .errors import LabError
from .topology import Mailbox, Organization, Server
from .tracking import TrackingLog
from .views import TimeSpan

SUBJECT = "Test-Mailflow {guid}"
BODY = "This is a Test-Mailflow probe message."
#: -ExecutionTimeout's default when the cmdlet runs in the Exchange Management Shell.
EXECUTION_TIMEOUT = timedelta(seconds=240)
SUCCESS, FAILURE = "Success", "*FAILURE*"


@dataclass(frozen=True)
class TestMailflowRow:
    """Test-Mailflow's result: its default table's three columns."""
    __test__ = False                    # not a pytest test class, whatever its name
    TestMailflowResult: str
    MessageLatencyTime: TimeSpan
    IsRemoteTest: bool


def mailbox_server(server: Server) -> Server:
    """The server itself, if Test-Mailflow can run on it (an Exchange 2013 Mailbox server)."""
    if not server.has_role("Mailbox") or server.version < 2013:
        raise LabError(f"{server.name} isn't an Exchange 2013 Mailbox server; Test-Mailflow runs on one.")
    return server


def system_mailbox(org: Organization, server: Server) -> Mailbox:
    """The system mailbox of the server's first database (by name)."""
    names = sorted(d.name for d in org.databases if d.server == server.name)
    if not names:
        raise LabError(f"{server.name} hosts no mailbox database, so it has no system mailbox.")
    return next(m for m in org.system_mailboxes if m.database == names[0])


def result(tracking: TrackingLog, message_id: str, remote: bool, sent: datetime, now: datetime) -> TestMailflowRow:
    """Success with the time from submission to DELIVER, or *FAILURE* with the time waited."""
    delivered = tracking.table(message_id).where(EventId="DELIVER")
    if len(delivered):
        return TestMailflowRow(SUCCESS, TimeSpan(seconds=(delivered["Timestamp"][0] - sent).total_seconds()), remote)
    return TestMailflowRow(FAILURE, TimeSpan(seconds=(now - sent).total_seconds()), remote)
