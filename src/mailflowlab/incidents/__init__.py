"""The incident catalogue: labs with a hidden fault and a user's complaint, graded by the mail.

    from mailflowlab import incidents

    incidents.ids()                        # ['transport-stopped', 'submission-stopped', ...]
    incidents.for_chapter(3)               # the specs whose topic fits chapter 3
    with incidents.start("internal-dns", seed=7) as ticket:
        ticket.report                      # "Since the network team's DNS clean-up this morning, ..."
        ticket.lab                         # a running Lab: the fault in place, some mail already stuck
        ticket.lab.tracking_log()          # diagnose with the operator's tools ...
        ticket.hint()                      # a symptom to look at; next call a tool; then the object
        ...                                # ... and fix it with the lab's cmdlets
        result = ticket.verify()           # fresh mail along every path, invariants, one sentence
        result.passed, result.sentence
        ticket.reveal()                    # the teacher's answer key (what is broken, the known fix)
        ticket.reference_fix()             # applies the known fix (tests, answer keys)

`start(id, seed=0, transport=None, **lab_options)` builds the incident's organization, starts a
`Lab` (sockets or memory, as `Lab` chooses; lab_options go to `Lab`), puts the fault in place with
the lab's own cmdlets and lets some mail meet it. The seed picks who is affected, which server,
which connector names and addresses; the same seed gives the same lab in either transport.

`verify()` passes only when the mail that was stuck arrives exactly once, fresh mail arrives
along every path the incident concerns, no listener relays for an outside address and no scoped
connector was opened to the Internet (see `incidents.verify`). Nothing in it reads the learner's
words: typing an answer cannot pass it.

A new incident is an `IncidentSpec` (see `model`): its organization, a `stage` that breaks it with
the lab's cmdlets and sends the first affected mail (`probes.send`), the report and three hints
as templates over the facts the seed chose, the paths that must work again, and the fix as
`Step`s. `Incident(spec, seed)` runs one that is not in the catalogue. `organization(spec, seed)`
is the organization an incident starts from (`serve --incident` gives its listeners fixed ports
with it).
"""
from __future__ import annotations

from typing import Any

from ..errors import LabError
from ..views import Table
from . import coexistence, edge, hybrid, internal, internet, limits, queues, relay, sites
from .model import IncidentRow, IncidentSpec, Path, Step
from .running import Incident, organization
from .verify import Check, PathResult, Verdict

#: Every incident, in the order of the chapters they belong to.
CATALOGUE: tuple[IncidentSpec, ...] = (*internal.INCIDENTS, *internet.INCIDENTS, *relay.INCIDENTS, *queues.INCIDENTS,
                                        *edge.INCIDENTS, *coexistence.INCIDENTS, *sites.INCIDENTS, *limits.INCIDENTS,
                                        *hybrid.INCIDENTS)

__all__ = ["CATALOGUE", "Check", "Incident", "IncidentRow", "IncidentSpec", "Path", "PathResult", "Step", "Verdict",
           "catalogue", "for_chapter", "get", "ids", "organization", "start"]


def ids() -> list[str]:
    """The id of every incident, e.g. 'transport-stopped'."""
    return [spec.id for spec in CATALOGUE]


def get(incident_id: str) -> IncidentSpec:
    """The incident with this id, or a sentence listing the ids."""
    for spec in CATALOGUE:
        if spec.id == incident_id:
            return spec
    raise LabError(f"There is no incident '{incident_id}'. Incidents: {', '.join(ids())}.")


def for_chapter(chapter: int) -> list[IncidentSpec]:
    """The incidents whose topic fits chapter `chapter` (1-11, 14), first the ones made for it."""
    return sorted((s for s in CATALOGUE if chapter in s.chapters), key=lambda s: s.chapters.index(chapter))


def start(incident_id: str, seed: int = 0, transport: str | None = None, **lab_options: Any) -> Incident:
    """Start an incident: a running lab with the fault in place and some mail already affected."""
    spec = get(incident_id)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise LabError(f"The seed must be a whole number, like 7, not {seed!r}.")
    return Incident(spec, seed, transport, **lab_options)


def catalogue() -> Table[IncidentRow]:
    """Every incident: id, title, chapters and how many faults it hides, as a table for a teacher."""
    return Table([IncidentRow(s.id, s.title, ", ".join(map(str, s.chapters)), len(s.faults)) for s in CATALOGUE],
                 list(IncidentRow.__dataclass_fields__))
