"""How much an incident costs a chapter, as ratios against a baseline measured in the same run.

For each incident, in memory (a chapter calls these many times; a browser has nothing else):
`incidents.start(id)` then one `verify()`, against the baseline of starting the article's lab in
memory and sending ten internal messages (alice -> bob) on it. A verify sends three or four
probes, tries to relay at every listener and moves the clock half an hour, so a ratio near 1-3
is expected; the target is a median ratio of at most 3, and no incident above 10. The absolute
median is printed too (the issue asks for well under a second or two).

Rounds are interleaved (baseline, incidents, baseline, ...) so machine noise hits both alike.
Usage: python bench/incidents.py [--rounds N]
"""
from __future__ import annotations

import argparse
import statistics
import time

from mailflowlab import Lab, incidents, scenarios

ALICE, BOB = "alice@exchange2013demo.com", "bob@exchange2013demo.com"


def baseline() -> float:
    """Seconds to start the article's lab in memory and send ten internal messages."""
    t = time.perf_counter()
    with Lab(scenarios.exchange2013demo(), transport="memory") as lab:
        for n in range(10):
            lab.send(ALICE, BOB, f"Baseline {n}")
    return time.perf_counter() - t


def incident(incident_id: str) -> float:
    """Seconds to start an incident in memory and verify it once."""
    t = time.perf_counter()
    with incidents.start(incident_id, seed=1, transport="memory") as ticket:
        ticket.verify()
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    bases: list[float] = []
    times: dict[str, list[float]] = {i: [] for i in incidents.ids()}
    for _ in range(args.rounds):
        for incident_id in times:
            bases.append(baseline())
            times[incident_id].append(incident(incident_id))
    base = statistics.median(bases)
    print(f"baseline (start + 10 internal messages, memory): median {base * 1000:.0f} ms")
    ratios = {i: statistics.median(t) / base for i, t in times.items()}
    for incident_id, ratio in sorted(ratios.items(), key=lambda kv: -kv[1]):
        print(f"  {incident_id:32} start+verify {statistics.median(times[incident_id]) * 1000:6.0f} ms  "
              f"ratio {ratio:5.2f}")
    median = statistics.median(ratios.values())
    overall = statistics.median(t for ts in times.values() for t in ts)
    print(f"median ratio {median:.2f} (target <= 3), worst {max(ratios.values()):.2f} (target <= 10); "
          f"median start+verify {overall * 1000:.0f} ms")


if __name__ == "__main__":
    main()
