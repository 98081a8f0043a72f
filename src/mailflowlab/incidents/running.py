"""A started incident: the broken lab, the user's report, hints, verify() and the answer key."""
from __future__ import annotations

import html
from random import Random
from typing import Any

from ..lab import Lab
from ..topology import Organization
from . import verify as grading
from .model import Facts, IncidentSpec, Path, Sent, Staged

#: What hint() says once every hint has been given.
NO_MORE_HINTS = "That was the last hint: the object at fault is named above. Fix it with the cmdlets you know."


def _rng(spec: IncidentSpec, seed: int) -> Random:
    """The one random stream of an incident: the organization is drawn first, then the fault."""
    return Random(f"{spec.id}/{seed}")


def organization(spec: IncidentSpec, seed: int) -> Organization:
    """The organization the incident starts from (the same one `Incident` builds), e.g. to give
    its listeners fixed ports before the lab starts."""
    return spec.scenario(_rng(spec, seed))


class Incident:
    """A lab with a hidden fault, as the help desk hands it over.

    `lab` runs with the fault in place and some mail already affected; `report` is the user's
    words; `hint()` gives the next hint (a symptom, then a tool, then the object at fault);
    `verify()` sends mail and grades; `reference_fix()` applies the known fix; `reveal()` is
    the teacher's answer key. Use it as a context manager, or call `close()`."""

    def __init__(self, spec: IncidentSpec, seed: int, transport: str | None = None, **lab_options: Any) -> None:
        self.spec = spec
        self.seed = seed
        rng = _rng(spec, seed)
        self.lab = Lab(spec.scenario(rng), seed=seed, transport=transport, **lab_options)
        self.lab.start()
        healthy = grading.baseline(self.lab)
        try:
            self._staged: Staged = spec.stage(self.lab, rng)
        except BaseException:
            self.lab.close()
            raise
        self._baseline = grading.baseline(self.lab, healthy)
        self._hints_given = 0
        self._rounds = 0

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def facts(self) -> Facts:
        """What the seed chose (people, servers, connector names): the answer key's raw facts."""
        return self._staged.facts

    @property
    def stuck(self) -> tuple[Sent, ...]:
        """The mail the fault already caught, which must arrive exactly once after the fix."""
        return self._staged.stuck

    @property
    def paths(self) -> tuple[Path, ...]:
        """The mail paths verify() sends fresh mail along (`.label` names each one)."""
        return self.spec.paths(self._staged.facts)

    @property
    def report(self) -> str:
        """What the user told the help desk: the symptom, never the cause."""
        return self.spec.report.format(**self._staged.facts)

    @property
    def hints(self) -> tuple[str, ...]:
        """The hints given so far."""
        return self._hint_texts()[:self._hints_given]

    def _hint_texts(self) -> tuple[str, ...]:
        return tuple(h.format(**self._staged.facts) for h in self.spec.hints)

    def hint(self) -> str:
        """The next hint: first a symptom to look at, then a tool, then the object at fault."""
        texts = self._hint_texts()
        if self._hints_given >= len(texts):
            return NO_MORE_HINTS
        self._hints_given += 1
        return texts[self._hints_given - 1]

    def verify(self) -> grading.Verdict:
        """Send fresh mail along every path, let retries run, and grade (see `verify`)."""
        self._rounds += 1
        return grading.verify(self.lab, self.paths, self._staged.stuck,
                              self._baseline, self._rounds)

    def reference_fix(self) -> None:
        """Apply the known fix with the lab's cmdlets (for tests and a teacher's answer key)."""
        for s in self.spec.fix(self._staged.facts):
            s.apply(self.lab)

    def fix_steps(self) -> tuple[str, ...]:
        """The known fix as PowerShell, each line with the lab's Python call beside it."""
        return tuple(f"{s.powershell}    # {s.python}" for s in self.spec.fix(self._staged.facts))

    def reveal(self) -> str:
        """The teacher's answer key: what is broken and the known fix."""
        facts = self._staged.facts
        faults = "\n".join(f"  - {f.format(**facts)}" for f in self.spec.faults)
        fix = "\n".join(f"  {line}" for line in self.fix_steps())
        sources = "".join(f"\n  {source}" for source in self.spec.sources)
        return (f"{self.id}: {self.title}\nWhat is broken:\n{faults}\nThe known fix:\n{fix}"
                + (f"\nSources:{sources}" if sources else ""))

    def close(self) -> None:
        self.lab.close()

    def __enter__(self) -> Incident:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Incident {self.id!r} (seed {self.seed}): {self.report}"

    def _repr_html_(self) -> str:
        return (f"<p><b>Ticket {html.escape(self.id)}</b> (seed {self.seed})</p>"
                f"<blockquote>{html.escape(self.report)}</blockquote>")
