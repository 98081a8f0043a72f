"""What a service may use of the lab: the organization, time, ids, logs and the network.

Below `base` and `smtp_receive`, which both need it, so neither imports the other for it.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from ..clock import VirtualClock
from ..ids import IdSource
from ..protocol_log import ProtocolLog
from ..queues import RetryPolicy
from ..scheduler import Scheduler
from ..smtp.client import SessionCache
from ..smtp.network import Network
from ..store import Database
from ..topology import Endpoint, Organization
from ..tracking import TrackingLog


@dataclass
class PathLog:
    """Which service handled which message, in order: what `Lab.diagram` draws."""
    steps: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))

    def record(self, message_id: str | None, server: str, service: str) -> None:
        if message_id:
            self.steps[message_id].append((server, service))


@dataclass
class LabContext:
    """The shared things a service may use: AD (the org), time and its scheduler, ids, logs,
    the network and the SMTP sessions kept open on it."""
    org: Organization
    clock: VirtualClock
    scheduler: Scheduler
    network: Network
    sessions: SessionCache
    ids: IdSource
    tracking: TrackingLog
    protocol_log: ProtocolLog
    paths: PathLog
    databases: dict[str, Database]
    policy: RetryPolicy
    resolve_mx: Callable[[str], Endpoint | None]
