"""The records the lab hands out: plain data, no I/O; `views.Table` shows lists of them."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SentMessage:
    """What `Lab.send` returns: enough to find the message again."""
    message_id: str
    sender: str
    recipients: tuple[str, ...]
    subject: str


@dataclass(frozen=True)
class ServiceStatus:
    """One row of Get-Service on a server: a transport service and whether it runs."""
    Server: str
    Service: str
    Status: str                   # "Running" or "Stopped"

    @property
    def running(self) -> bool:
        return self.Status == "Running"


@dataclass(frozen=True)
class ListenerRow:
    """A receive connector's listener: Exchange's address beside the lab's real one."""
    Server: str
    Service: str
    Connector: str
    ExchangeAddress: str          # e.g. 10.0.0.10:25
    LabAddress: str               # 127.0.0.1:<port> over sockets; "(in memory)" in memory
    Status: str                   # "Listening" or "Stopped"


@dataclass(frozen=True)
class AdSiteRow:
    """Get-AdSite."""
    Name: str
    HubSiteEnabled: bool
    Servers: str


@dataclass(frozen=True)
class AdSiteLinkRow:
    """Get-AdSiteLink."""
    Name: str
    Sites: str
    Cost: int


@dataclass(frozen=True)
class OutgoingRow:
    """One message still in an outside sender's queue."""
    From: str
    Recipients: str
    Subject: str
    Attempts: int
    NextAttempt: object           # datetime
    LastError: str
