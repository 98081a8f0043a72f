"""Maintenance mode: the server component states every Exchange 2013 operator sets before a
cumulative update (Set-ServerComponentState / Get-ServerComponentState).

A component is in one of three states, Active, Inactive or Draining, and each *requester*
(HealthApi, Maintenance, Sidelined, Functional, Deployment) keeps its own say: the component
is Active only while no requester holds it Inactive or Draining, so a state set with
`-Requester Maintenance` is undone with `-Requester Maintenance` (Set-ServerComponentState
reference). `ServerWideOffline` Inactive takes every other component with it.

The lab models the transport components:

* **HubTransport** (the Transport service on a Mailbox server): Draining "will tell the
  HubTransport to drain and finish processing the messages it has and stop accepting any new
  messages" (the maintenance procedure in the course's sources). A sender that reaches it
  anyway hears `421 4.3.2 Service not available` at MAIL FROM, as a receive connector's
  protocol log of a draining server shows it (field report, chapter 11); Front End Transport
  and Mailbox Transport Submission pass over a server that is not Active (INFERRED: they keep
  the site's Mailbox servers in a list for fast fail-over).
* **FrontendTransport** and **ServerWideOffline** are listed and kept; only their effect on
  HubTransport is modelled.

Get-ServerComponentState on a real server lists some thirty components (the protocol proxies,
Monitoring, RecoveryActionsEnabled, ...); the lab lists the three above.
"""
from __future__ import annotations

from dataclasses import dataclass

from .errors import LabError
from .topology import Server

COMPONENTS = ("ServerWideOffline", "HubTransport", "FrontendTransport")
STATES = ("Active", "Inactive", "Draining")
REQUESTERS = ("HealthApi", "Maintenance", "Sidelined", "Functional", "Deployment")
ACTIVE, INACTIVE, DRAINING = STATES


@dataclass(frozen=True)
class ComponentStateRow:
    """One row of Get-ServerComponentState."""
    Server: str
    Component: str
    State: str


def _pick(value: object, allowed: tuple[str, ...], what: str) -> str:
    found = next((a for a in allowed if isinstance(value, str) and a.lower() == value.lower()), None)
    if found is None:
        raise LabError(f"-{what} must be one of {', '.join(allowed)}, not {value!r}.")
    return found


def set_state(server: Server, component: object, state: object, requester: object) -> None:
    """Set-ServerComponentState <server> -Component -State -Requester."""
    if server.version < 2013 or server.has_role("Edge"):
        raise LabError(f"{server.name} has no server component states the lab models: "
                       "Set-ServerComponentState is for Exchange 2013 Mailbox and Client Access servers.")
    name = _pick(component, COMPONENTS, "Component")
    server.component_states.setdefault(name, {})[_pick(requester, REQUESTERS, "Requester")] = \
        _pick(state, STATES, "State")


def state(server: Server, component: str) -> str:
    """The component's state as Get-ServerComponentState shows it: Inactive if any requester
    (or ServerWideOffline) holds it Inactive, else Draining if any holds it Draining."""
    said = set(server.component_states.get(component, {}).values())
    if component != "ServerWideOffline" and state(server, "ServerWideOffline") == INACTIVE:
        said.add(INACTIVE)
    return INACTIVE if INACTIVE in said else DRAINING if DRAINING in said else ACTIVE


def takes_new_mail(server: Server) -> bool:
    """Whether the server's Transport service accepts new messages (HubTransport Active)."""
    return state(server, "HubTransport") == ACTIVE


def component_rows(server: Server) -> list[ComponentStateRow]:
    return [ComponentStateRow(server.fqdn, c, state(server, c)) for c in COMPONENTS]
