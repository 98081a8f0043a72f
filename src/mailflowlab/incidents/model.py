"""The parts an incident is made of: plain records, no I/O.

An `IncidentSpec` says everything about one incident: which organization it starts from, how
the fault is put in place (`stage`: the lab's own cmdlets, then some mail that meets the fault),
what the user tells the help desk, three hints, which mail paths must work again (`paths`) and
the known fix (`fix`: cmdlet calls). The facts a seed chose (who, which server, which connector
name) travel in `Facts`, so report, hints, paths and fix all speak of the same lab.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from random import Random
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..lab import Lab
    from ..topology import Organization

#: What a seed chose for one incident: names of people, servers, connectors, addresses.
Facts = Mapping[str, str]

#: The kinds of mail path verify() can send along.
INTERNAL, INBOUND, OUTBOUND, DEVICE = "internal", "inbound", "outbound", "device"
#: The hybrid paths: an on-premises mailbox to a cloud mailbox, and a cloud mailbox to anyone.
TO_CLOUD, FROM_CLOUD = "to-cloud", "from-cloud"


@dataclass(frozen=True)
class Path:
    """One way mail must flow once the incident is fixed; verify() sends fresh mail along it.

    `internal`: Outlook-style from a mailbox to mailboxes; `inbound`: from an outside address
    through the MX (`lab.internet.send`); `outbound`: from a mailbox to an outside address;
    `device`: an anonymous SMTP session from `device_ip` (a printer) at port 25 of `server`;
    in hybrid, `to-cloud`: Outlook-style from an on-premises mailbox to a mailbox in Exchange
    Online (through the send connector to EOP), `from-cloud`: from a cloud mailbox
    (`lab.exchange_online.send`) to on-premises mailboxes or outside addresses.
    `expect` are the recipients that must receive it (all of them unless told), `size` the
    bytes of body it carries (an attachment's stand-in)."""
    kind: str
    sender: str
    recipients: tuple[str, ...]
    expect: tuple[str, ...] = ()
    size: int = 0
    device_ip: str = ""
    server: str = ""

    def __post_init__(self) -> None:
        if not self.expect:
            object.__setattr__(self, "expect", self.recipients)

    @property
    def label(self) -> str:
        """`internal alice@... -> bob@...`: how a verdict names the path."""
        via = f" via {self.server} from {self.device_ip}" if self.kind == DEVICE else ""
        size = f" ({self.size / (1024 * 1024):.0f} MB)" if self.size >= 1024 * 1024 else ""
        return f"{self.kind}{via} {self.sender} -> {', '.join(self.recipients)}{size}"


def internal(sender: str, *recipients: str, size: int = 0) -> Path:
    return Path(INTERNAL, sender, recipients, size=size)


def inbound(sender: str, *recipients: str, expect: tuple[str, ...] = (), size: int = 0) -> Path:
    return Path(INBOUND, sender, recipients, expect=expect, size=size)


def outbound(sender: str, *recipients: str, size: int = 0) -> Path:
    return Path(OUTBOUND, sender, recipients, size=size)


def to_cloud(sender: str, *recipients: str) -> Path:
    return Path(TO_CLOUD, sender, recipients)


def from_cloud(sender: str, *recipients: str) -> Path:
    return Path(FROM_CLOUD, sender, recipients)


def device(ip: str, server: str, sender: str, *recipients: str) -> Path:
    return Path(DEVICE, sender, recipients, device_ip=ip, server=server)


@dataclass(frozen=True)
class Step:
    """One cmdlet call of a fix: `method` of the Lab with its arguments, and the PowerShell an
    Exchange administrator would type for it. One record serves the reference fix (`apply`),
    the teacher's answer key (`python`, `powershell`) and the test that hints never say it.
    `method` may name a cmdlet of the tenant's side, `exchange_online.set_inbound_connector`."""
    powershell: str
    method: str
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()

    def apply(self, lab: Lab) -> None:
        target: Any = lab
        for name in self.method.split("."):
            target = getattr(target, name)
        target(*self.args, **dict(self.kwargs))

    @property
    def python(self) -> str:
        """The call as a learner would type it, `lab.<method>(<arguments>)` (shown only in the answer key)."""
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs]
        return f"lab.{self.method}({', '.join(parts)})"


def step(powershell: str, method: str, *args: Any, **kwargs: Any) -> Step:
    return Step(powershell, method, args, tuple(kwargs.items()))


@dataclass(frozen=True)
class Sent:
    """A message the incident (or verify) sent along a path: enough to find it again."""
    path: Path
    message_id: str
    #: What the sender heard at once, for a device session ("" when it was taken).
    refusal: str = ""
    #: How many reports the outside sender's mailbox held before, to find a new bounce.
    bounces_before: int = 0


@dataclass(frozen=True)
class Staged:
    """What `stage` leaves behind: the facts chosen, and the mail already waiting because of the
    fault (`stuck`), which must arrive exactly once when the fault is fixed."""
    facts: Facts
    stuck: tuple[Sent, ...] = ()


@dataclass(frozen=True)
class IncidentSpec:
    """One incident of the catalogue.

    `report`, `hints` and `faults` are str.format templates over the facts. `scenario(rng)`
    builds the organization, `stage(lab, rng)` breaks it and lets mail meet the fault, `paths`
    and `fix` give the probes and the known fix for these facts."""
    id: str
    title: str
    chapters: tuple[int, ...]
    scenario: Callable[[Random], Organization]
    stage: Callable[[Lab, Random], Staged]
    report: str
    hints: tuple[str, str, str]
    faults: tuple[str, ...]
    paths: Callable[[Facts], tuple[Path, ...]]
    fix: Callable[[Facts], tuple[Step, ...]]
    #: Sources for the fault, from the fact sheet or Microsoft's pages.
    sources: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class IncidentRow:
    """One row of `incidents.catalogue()`."""
    Id: str
    Title: str
    Chapters: str
    Faults: int
