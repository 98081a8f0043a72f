"""SMTP Receive protocol logs: every line a receive connector heard and said (fact sheet §8.2).

Exchange 2013 writes them only for connectors set to `-ProtocolLoggingLevel Verbose` (off on
every connector by default), as CSV lines under `TransportRoles\\Logs\\<service>\\ProtocolLog\\
SmtpReceive`, one row per event:

    date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context

`+` connect, `-` disconnect, `<` a line received, `>` a reply sent, `*` information (such as
the session's permissions). A multi-line reply (EHLO's) is one row, its lines joined. The
message itself, and the answers to AUTH's challenges, are never logged.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .topology import ANONYMOUS, EXCHANGE_LEGACY_SERVERS, EXCHANGE_SERVERS, EXCHANGE_USERS, PARTNERS
from .views import Table

FIELDS = ["date-time", "connector-id", "session-id", "sequence-number", "local-endpoint",
          "remote-endpoint", "event", "data", "context"]


@dataclass(frozen=True)
class ProtocolLogRow:
    """One row of the log: Exchange's fields, with `_` where the file writes `-`."""
    date_time: str                # as the file writes it: 2014-03-04T00:00:01.000Z (UTC)
    connector_id: str             # SERVER\Connector name
    session_id: str
    sequence_number: int
    local_endpoint: str
    remote_endpoint: str
    event: str                    # + - < > *
    data: str
    context: str

    def fields(self) -> list[object]:
        """The row as the file's nine fields, in order."""
        return [getattr(self, f.replace("-", "_")) for f in FIELDS]
HEADER = ("#Software: Microsoft Exchange Server", "#Version: 15.0.0.0", "#Log-type: SMTP Receive Protocol Log")
LEVELS = ("None", "Verbose")

#: The rights each permission group grants, as a protocol log names them. Anonymous's list is a
#: real log line's (§8.2); the others add the rights the documentation lists for the group,
#: spelt the same way (UNCERTAIN: no real 2013 log line for them was found).
RIGHTS = {
    ANONYMOUS: ("SMTPSubmit", "SMTPAcceptAnySender", "SMTPAcceptAuthoritativeDomainSender", "AcceptRoutingHeaders"),
    EXCHANGE_USERS: ("SMTPSubmit", "SMTPAcceptAnyRecipient", "SMTPAcceptAnySender",
                     "SMTPAcceptAuthoritativeDomainSender", "BypassAntiSpam", "AcceptRoutingHeaders"),
    PARTNERS: ("SMTPSubmit", "SMTPAcceptAnySender", "SMTPAcceptAuthoritativeDomainSender", "AcceptRoutingHeaders"),
}
RIGHTS[EXCHANGE_SERVERS] = RIGHTS[EXCHANGE_USERS] + (
    "SMTPAcceptAuthenticationFlag", "BypassMessageSizeLimit", "SMTPAcceptExch50", "AcceptOrganizationHeaders",
    "AcceptForestHeaders", "SendRoutingHeaders", "SendOrganizationHeaders", "SendForestHeaders")
RIGHTS[EXCHANGE_LEGACY_SERVERS] = RIGHTS[EXCHANGE_SERVERS]
#: A relay connector for a device grants ANONYMOUS LOGON ms-Exch-SMTP-Accept-Any-Recipient.
RELAY_RIGHT = "SMTPAcceptAnyRecipient"


def permissions(groups: set[str], anonymous_relay: bool = False) -> str:
    """The `Set Session Permissions` data: the rights of every granted group, in order, once."""
    rights = [r for g in (ANONYMOUS, PARTNERS, EXCHANGE_USERS, EXCHANGE_SERVERS, EXCHANGE_LEGACY_SERVERS)
              if g in groups for r in RIGHTS[g]]
    if anonymous_relay and ANONYMOUS in groups:
        rights.insert(1, RELAY_RIGHT)
    return " ".join(dict.fromkeys(rights))


@dataclass
class SessionLog:
    """The rows of one SMTP session on one receive connector, numbered from 0."""
    log: ProtocolLog
    connector_id: str
    session_id: str
    local: str
    remote: str
    sequence: int = 0
    pending: list[str] = field(default_factory=list)

    def _row(self, event: str, data: str = "", context: str = "") -> None:
        self.log.rows.append(ProtocolLogRow(self.log.timestamp(), self.connector_id, self.session_id,
                                            self.sequence, self.local, self.remote, event, data, context))
        self.sequence += 1

    def connected(self, session_permissions: str) -> None:
        self._row("+")
        self._row("*", session_permissions, "Set Session Permissions")

    def received(self, line: str) -> None:
        self._row("<", line)

    def sent(self, reply: str) -> None:
        """One row per reply; `250-` continuation lines wait for the last line, then the whole
        reply is one row: `250  CA1... Hello [..] SIZE 37748736 ...`, as Exchange writes it."""
        if len(reply) > 3 and reply[3] == "-":
            self.pending.append(reply[4:])
            return
        if self.pending:
            reply = f"{reply[:3]}  {' '.join([*self.pending, reply[4:]])}"
            self.pending = []
        self._row(">", reply)

    def disconnected(self) -> None:
        self._row("-")


class ProtocolLog:
    """The lab's SMTP Receive protocol log, every Verbose connector's sessions in one table."""

    #: Session ids count up from here, in the 16-hex-digit shape real logs show.
    FIRST_SESSION = 0x08D0F5A2C3B40000
    #: Outside clients' source ports, counted from the start of Windows' dynamic port range.
    FIRST_PORT = 49152

    def __init__(self, now: Callable[[], datetime]) -> None:
        self.now = now
        self.rows: list[ProtocolLogRow] = []
        self._sessions = 0

    def timestamp(self) -> str:
        return self.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")

    def session(self, connector_id: str, local: str, remote_ip: str) -> SessionLog:
        """A new session's log; its remote port is simulated, so logs repeat exactly."""
        n = self._sessions
        self._sessions += 1
        return SessionLog(self, connector_id, f"{self.FIRST_SESSION + n:016X}", local,
                          f"{remote_ip}:{self.FIRST_PORT + n}")

    def table(self, connector_id: str | None = None) -> Table[ProtocolLogRow]:
        """The rows, oldest first, of every connector or of one (`SERVER\\Connector name`)."""
        rows = list(self.rows)                # a copy: the lab's thread may be appending
        if connector_id is not None:
            rows = [r for r in rows if r.connector_id.lower() == connector_id.lower()]
        return Table(rows, [f.replace("-", "_") for f in FIELDS])

    def text(self, connector_id: str | None = None) -> str:
        """The log as Exchange writes the file: the # header lines, then CSV rows."""
        out = io.StringIO()
        out.write("\n".join(HEADER) + f"\n#Date: {self.timestamp()}\n#Fields: {','.join(FIELDS)}\n")
        csv.writer(out, lineterminator="\n").writerows(r.fields() for r in self.table(connector_id))
        return out.getvalue()
