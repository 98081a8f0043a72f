"""Get-MessageTrackingLog, the SMTP Receive protocol log, and a message's path drawn."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import graphviz

from .. import connectors
from ..diagrams import topology_diagram
from ..errors import LabError
from ..protocol_log import ProtocolLogRow
from ..records import SentMessage
from ..tracking import TrackingEvent, tracking_search
from ..views import Table
from .services import ServiceCmdlets


class TrackingCmdlets(ServiceCmdlets):
    """Reads the lab's logs; `diagram` also draws what Get-Service says of each service."""

    def tracking_log(self, message: SentMessage | str | None = None, *, sender: str | None = None,
                     recipients: str | Iterable[str] | None = None, event_id: str | None = None,
                     start: datetime | None = None, end: datetime | None = None,
                     message_subject: str | None = None) -> Table[TrackingEvent]:
        """Get-MessageTrackingLog, for every message or one (by SentMessage or Message-ID),
        with the cmdlet's filters: -Sender, -Recipients (any of them), -EventId, -Start
        (inclusive), -End (exclusive) and -MessageSubject (part of the subject)."""
        mid = message.message_id if isinstance(message, SentMessage) else message
        return self.tracking.table(mid, tracking_search(self.org.tz, sender, recipients, event_id, start, end,
                                                        message_subject))

    def protocol_log(self, server: str | None = None, connector: str | None = None) -> Table[ProtocolLogRow]:
        """The SMTP Receive protocol log of every connector set to Verbose, or of one
        (`lab.protocol_log("CA1", "Default Frontend CA1")`): one row per line heard or said."""
        return self.ctx.protocol_log.table(self._connector_id(server, connector))

    def protocol_log_file(self, server: str | None = None, connector: str | None = None) -> str:
        """The same log as the RECV*.log file Exchange writes: # header lines, then CSV rows."""
        return self.ctx.protocol_log.text(self._connector_id(server, connector))

    def _connector_id(self, server: str | None, connector: str | None) -> str | None:
        """`SERVER\\Connector name` as the logs write it, or None for every connector."""
        if connector is None:
            return None
        if server is None:
            raise LabError("Name the connector's server too: lab.protocol_log('CA1', 'Default Frontend CA1').")
        c = connectors.find_receive_connector(self.org, self._server(server).name, connector)
        return f"{c.server}\\{c.name}"

    def tracking_events(self, start: int = 0) -> list[TrackingEvent]:
        """The tracking log's events from the `start`-th on, oldest first: what a reader who
        has taken `start` of them has not seen yet (the teacher's feed)."""
        return self.tracking.events[start:]

    def protocol_log_rows(self, start: int = 0) -> list[ProtocolLogRow]:
        """The protocol log's rows, every connector's, from the `start`-th on, oldest first."""
        return self.ctx.protocol_log.rows[start:]

    def path(self, message: SentMessage | str) -> list[tuple[str, str]]:
        """The (server, service) steps that handled a message, in order."""
        mid = message.message_id if isinstance(message, SentMessage) else message
        return list(self.ctx.paths.steps.get(mid, []))

    def diagram(self, message: SentMessage | str | None = None) -> graphviz.Digraph:
        """The organization (stopped services greyed), with this message's path drawn on it."""
        if message is None:
            return topology_diagram(self.org, self.services_table())
        return topology_diagram(self.org, self.services_table(), self.path(message),
                                events=list(self.tracking_log(message)))
