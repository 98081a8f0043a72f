"""verify(): graded by the mail, never by the learner's words. Shared by every incident.

1. **Relay stays closed.** From an outside address, an anonymous SMTP session at every
   listening port of every server asks `RCPT TO:` an outside domain; a `250` is an open relay.
2. **Nothing widened.** A receive connector scoped to some addresses when the incident began
   must not now take connections from the Internet, and a connector that lets anonymous callers
   relay must name its devices (at most a /24), not a whole network.
3. **Probes arrive.** Fresh mail goes along every path the incident declares; the clock moves
   on (RELEASE_TIME) so that queued retries run, as they would while the learner waits.
4. **Stuck mail arrives exactly once**, and every probe exactly once: nothing lost, nothing
   doubled (counted by Message-ID in every expected mailbox, inside or outside).

verify() never changes a setting: on a lab still broken it fails every time, with the first
thing that does not work in one sentence. Its own probes are new messages each time, so an
earlier verify's probes, arriving late, count for nothing.
"""
from __future__ import annotations

import html
import ipaddress
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from ..topology import ReceiveConnector
from . import probes
from .model import Sent

if TYPE_CHECKING:
    from ..lab import Lab
    from .model import Path

#: How far verify() moves the clock after sending: past an outside sender's 30-minute retry
#: (RFC 5321's advice) and Exchange's queue retries (1, 5 and 10 minutes, fact sheet §4.2).
RELEASE_TIME = timedelta(minutes=31)

#: Where verify()'s relay test comes from: an outside address (TEST-NET-2, RFC 5737).
RELAY_TEST_IP = "198.51.100.99"
RELAY_TEST_FROM = "relay-test@relay-check.example"
RELAY_TEST_TO = "victim@relay-check.example"

#: Addresses on the Internet: a scoped connector that now matches one of them was widened.
INTERNET_SAMPLES = ("198.51.100.99", "203.0.113.50", "209.85.220.43", "192.0.2.25", "8.8.8.8")

#: The most addresses a connector that grants anonymous relay may cover: one /24 of devices. The
#: lab's grading rule (Microsoft's relay page says to list the devices' addresses; the size is ours).
MAX_RELAY_ADDRESSES = 256


@dataclass(frozen=True)
class PathResult:
    """One probe: the path, whether every expected recipient got exactly one copy, and why not."""
    path: str
    delivered: bool
    detail: str


@dataclass(frozen=True)
class Check:
    """One invariant that holds for every incident (relay closed, nothing widened, ...)."""
    name: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class Verdict:
    """What verify() found: `passed`, one `sentence`, and the per-path and per-check details."""
    passed: bool
    sentence: str
    paths: tuple[PathResult, ...]
    checks: tuple[Check, ...]

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        lines = [("PASSED: " if self.passed else "NOT YET: ") + self.sentence]
        lines += [f"  [{'ok' if c.passed else '--'}] {c.name}: {c.detail}" for c in self.checks]
        lines += [f"  [{'ok' if p.delivered else '--'}] {p.path}: {p.detail}" for p in self.paths]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.passed else "#b42318"
        rows = [(c.name, c.passed, c.detail) for c in self.checks] + [(p.path, p.delivered, p.detail)
                                                                       for p in self.paths]
        body = "".join(f"<tr><td>{'&#10003;' if ok else '&#10007;'}</td><td>{html.escape(name)}</td>"
                       f"<td>{html.escape(detail)}</td></tr>" for name, ok, detail in rows)
        return (f"<p style='color:{colour}'><b>{'Passed' if self.passed else 'Not yet'}:</b> "
                f"{html.escape(self.sentence)}</p><table><tr><th></th><th>Check</th><th>Result</th></tr>"
                f"{body}</table>")


@dataclass(frozen=True)
class Baseline:
    """What verify() compares with: the receive connectors that took no Internet address in the
    healthy organization (before the fault), and those the incident's history created scoped."""
    scoped: dict[tuple[str, str], tuple[str, ...]]
    known: frozenset[tuple[str, str]]


def baseline(lab: Lab, before: Baseline | None = None) -> Baseline:
    """The scoped connectors now; given `before` (taken before the fault), those of `before` as
    they were then, plus connectors created since as they are now: a fault that scoped a default
    connector may be fixed by opening it again, but a relay connector made for a printer stays
    scoped."""
    connectors = [c for c in lab.org.receive_connectors if not c.implicit]
    now = {(c.server, c.name): c.remote_ip_ranges for c in connectors
           if not any(c.accepts_ip(ip) for ip in INTERNET_SAMPLES)}
    known = frozenset((c.server, c.name) for c in connectors)
    if before is None:
        return Baseline(now, known)
    created = {k: v for k, v in now.items() if k not in before.known}
    return Baseline({**created, **before.scoped}, known)


def verify(lab: Lab, paths: tuple[Path, ...], stuck: tuple[Sent, ...], base: Baseline, round_: int) -> Verdict:
    """Grade the lab as it is now (see the module's docstring)."""
    checks = [_relay_closed(lab), _not_widened(lab, base)]
    sent = [probes.send(lab, p, f"Mail flow check {round_}.{n}") for n, p in enumerate(paths, 1)]
    lab.advance(seconds=RELEASE_TIME.total_seconds())
    stuck_results = [_arrived(lab, s) for s in stuck]
    checks.append(_stuck_check(stuck_results))
    results = tuple(_arrived(lab, s) for s in sent)
    first_check = next((c for c in checks if not c.passed), None)
    first_path = next((r for r in results if not r.delivered), None)
    if first_check is not None:
        sentence = first_check.detail
    elif first_path is not None:
        sentence = f"Not every path works yet: {first_path.path}: {first_path.detail}."
    else:
        waited = f"the {_count(len(stuck), 'message')} that waited and " if stuck else ""
        sentence = (f"Mail flows again: {waited}{_count(len(results), 'fresh probe')} arrived once each, "
                    "and no listener relays for the Internet.")
    passed = first_check is None and first_path is None
    return Verdict(passed, sentence, results, tuple(checks))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _arrived(lab: Lab, sent: Sent) -> PathResult:
    """Exactly one copy in each expected mailbox, or where it is instead."""
    for recipient in sent.path.expect:
        n = probes.copies(lab, recipient, sent.message_id)
        if n > 1:
            return PathResult(sent.path.label, False, f"{recipient} got {n} copies of {sent.message_id}: "
                                                      "a message was doubled")
        if n == 0:
            return PathResult(sent.path.label, False,
                              f"not delivered to {recipient}; {probes.whereabouts(lab, sent, recipient)}")
    return PathResult(sent.path.label, True, "delivered once")


def _stuck_check(results: list[PathResult]) -> Check:
    missing = next((r for r in results if not r.delivered), None)
    if not results:
        return Check("stuck mail", True, "no message was left waiting (what the fault met was refused or returned)")
    if missing is None:
        return Check("stuck mail", True, f"the {_count(len(results), 'message')} that waited arrived once each")
    return Check("stuck mail", False, f"The mail that was already affected did not arrive exactly once: "
                                      f"{missing.path}: {missing.detail}.")


def _relay_closed(lab: Lab) -> Check:
    """An outside address tries to relay at every listening port; any 250 to RCPT is an open relay."""
    tried = 0
    for svc in lab.services.values():
        if not svc.running:
            continue
        for binding in svc.bindings:
            connector = binding.connector_for(RELAY_TEST_IP)
            if not binding.listening or connector is None:
                continue
            tried += 1
            transcript = lab.smtp_session(svc.server.name, connector.name,
                                          ["EHLO relay-check.example", f"MAIL FROM:<{RELAY_TEST_FROM}>",
                                           f"RCPT TO:<{RELAY_TEST_TO}>", "QUIT"],
                                          as_ip=RELAY_TEST_IP, as_name="relay-check.example")
            if any(r.startswith("250 2.1.5") for r in transcript.replies):
                return Check("relay closed", False,
                             f"{svc.server.name}\\{connector.name} (port {binding.port}) is an open relay: an "
                             f"anonymous caller at {RELAY_TEST_IP} was allowed RCPT TO:<{RELAY_TEST_TO}>, so "
                             "anyone on the Internet can send spam through it.")
    return Check("relay closed", True, f"{_count(tried, 'listener')} refused to relay for an outside address")


def _addresses(c: ReceiveConnector) -> int:
    total = 0
    for r in c.remote_ip_ranges:
        if "-" in r:
            lo, hi = (ipaddress.ip_address(x.strip()) for x in r.split("-", 1))
            total += int(hi) - int(lo) + 1
        else:
            total += ipaddress.ip_network(r.strip(), strict=False).num_addresses
    return total


def _not_widened(lab: Lab, base: Baseline) -> Check:
    for c in lab.org.receive_connectors:
        before = base.scoped.get((c.server, c.name))
        if before is not None and c.enabled and any(c.accepts_ip(ip) for ip in INTERNET_SAMPLES):
            return Check("nothing widened", False,
                         f"{c.server}\\{c.name} was scoped to {', '.join(before)} and now takes connections "
                         f"from the Internet ({', '.join(c.remote_ip_ranges)}): scope it to the addresses "
                         "that need it.")
        if c.anonymous_relay and c.enabled and _addresses(c) > MAX_RELAY_ADDRESSES:
            return Check("nothing widened", False,
                         f"{c.server}\\{c.name} lets {_addresses(c):,} addresses relay anonymously "
                         f"({', '.join(c.remote_ip_ranges)}): a relay connector should list only its devices.")
    return Check("nothing widened", True, "every scoped receive connector is still scoped")
