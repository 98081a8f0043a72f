"""Back pressure: the Transport service watches its own resources and refuses new mail when
they run short, while it goes on delivering what it already holds.

From Microsoft's back pressure page (Exchange 2016/2019, named in chapter 11; the 2010 page
says the same of Hub and Edge): the resources are the queue database's disk and its
transaction logs' disk (DatabaseUsedSpace, UsedDiskSpace), uncommitted queue transactions
(UsedVersionBuckets), EdgeTransport.exe's memory (PrivateBytes), everyone else's memory
(SystemMemory) and the Submission queue's length (QueueLength). Each is at one of three
pressures:

* **Normal**: new connections and messages are accepted.
* **Medium**: mail from senders in the organization's authoritative domains flows; MAIL FROM
  from other sources is refused (or tarpitted, for some resources: the lab does not tarpit).
* **High**: every new MAIL FROM is refused; the server works only on the messages it holds
  (and may stop sending those too: the lab goes on sending).

The connection itself succeeds; the refusal comes at MAIL FROM, with the DSN code 4.3.1
"Insufficient system resources" (fact sheet §4.4): `452 4.3.1 Insufficient system resources`.
A 4xx, so the sender keeps the message and tries again later.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import replies
from .errors import LabError
from .topology import Organization

RESOURCES = ("DatabaseUsedSpace", "PrivateBytes", "QueueLength", "SystemMemory", "UsedDiskSpace",
             "UsedVersionBuckets")
PRESSURES = ("Normal", "Medium", "High")


@dataclass(frozen=True)
class ResourceRow:
    """One resource of one Transport service and its pressure now."""
    Server: str
    Resource: str
    Pressure: str


class ResourceMonitor:
    """The pressure on each resource of one Transport service (all Normal at start)."""

    def __init__(self, server: str) -> None:
        self.server = server
        self.pressure = dict.fromkeys(RESOURCES, "Normal")

    def set(self, resource: object, pressure: object) -> None:
        name = next((r for r in RESOURCES if isinstance(resource, str) and r.lower() == resource.lower()), None)
        if name is None:
            raise LabError(f"Back pressure watches {', '.join(RESOURCES)}; not {resource!r}.")
        level = next((p for p in PRESSURES if isinstance(pressure, str) and p.lower() == pressure.lower()), None)
        if level is None:
            raise LabError(f"A resource's pressure is Normal, Medium or High, not {pressure!r}.")
        self.pressure[name] = level

    @property
    def level(self) -> str:
        """The highest pressure on any resource: what the service acts on."""
        return max(self.pressure.values(), key=PRESSURES.index)

    def mail_from_reply(self, org: Organization, sender: str) -> str | None:
        """The refusal of a MAIL FROM under pressure, or None when the sender may go on."""
        level = self.level
        if level == "High":
            return replies.INSUFFICIENT_RESOURCES
        if level == "Medium" and not org.is_authoritative(sender.rpartition("@")[2]):
            return replies.INSUFFICIENT_RESOURCES
        return None

    def rows(self) -> list[ResourceRow]:
        return [ResourceRow(self.server, r, p) for r, p in self.pressure.items()]
