"""How long each chapter takes a learner, measured from the notebooks, and the places that say so.

A learner reads the text at about 200 words a minute (technical text), spends about a minute
on each code cell (read it, run it, look at what it printed) and about five minutes on each
exercise (its stub, its check, maybe its hint). Solutions in a collapsed `<details>` block are
not counted: Run All never opens them. A chapter's time is that sum, rounded to 5 minutes.

The times are printed in four kinds of place, and this module reads and rewrites them all, for
any set of numbered chapters `NN-name.ipynb`:

* each chapter's header, `**Time to learn:** N minutes, ...`;
* the welcome page's header (`N minutes to read and run; the whole course takes about ...`),
  its table of chapters (`| 1. [Title](01-name.ipynb) | ... | N min |`) and its total;
* the README's chapter table (`| 01 | ... | N min |`) and its total.

    python -m mailflowlab.course_times notebooks README.md           # the table, and what differs
    python -m mailflowlab.course_times notebooks README.md --write   # print the measured times

`tests/test_course_times.py` fails when a stated time drifts from the measured one.
"""
from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WORDS_PER_MINUTE = 200
MINUTES_PER_CODE_CELL = 1
MINUTES_PER_EXERCISE = 5
CHAPTER = re.compile(r"^(\d\d)-[\w-]+\.ipynb$")


@dataclass(frozen=True)
class ChapterTime:
    """What one chapter asks of a learner, and the minutes it adds up to."""
    file: str
    words: int
    code_cells: int
    exercises: int

    @property
    def minutes(self) -> int:
        raw = (self.words / WORDS_PER_MINUTE + self.code_cells * MINUTES_PER_CODE_CELL
               + self.exercises * MINUTES_PER_EXERCISE)
        return max(5, 5 * round(raw / 5))


def _text(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def measure(path: Path) -> ChapterTime:
    """Count a notebook's words to read, code cells to run and exercises to do."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    words = code = exercises = 0
    for cell in notebook["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if cell["cell_type"] == "markdown":
            text = re.sub(r"<details>.*?</details>", "", _text(cell), flags=re.S)
            text = re.sub(r"\]\([^)]*\)", "]", text)              # a link's address is not read
            words += len(re.sub(r"<[^>]+>", " ", text).split())
        elif "exercise-stub" in tags:
            exercises += 1
        elif "exercise-check" not in tags:
            code += 1
    return ChapterTime(path.name, words, code, exercises)


def chapters(directory: Path) -> list[ChapterTime]:
    """Every numbered chapter in `directory`, in order (the glossary is not a chapter)."""
    return [measure(p) for p in sorted(directory.iterdir()) if CHAPTER.match(p.name)]


def total_text(minutes: int) -> str:
    """'7 hours 5 minutes', '8 hours', '45 minutes'."""
    hours, rest = divmod(minutes, 60)
    parts = ([f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []) + \
        ([f"{rest} minutes"] if rest or not hours else [])
    return " ".join(parts)


# --- the places that state a time: (pattern, replacement) per kind of line -------------------
def _rewrite(text: str, times: dict[str, int], own: str | None) -> str:
    """`text` with every stated time replaced by the measured one. `own` is the notebook the
    text belongs to (its header's "Time to learn"), None for the README."""
    total = total_text(sum(times.values()))
    number = {f[:2]: m for f, m in times.items()}
    if own is not None and own in times:
        text = re.sub(r"(\*\*Time to learn:\*\* )\d+( minutes)", rf"\g<1>{times[own]}\g<2>", text)
        text = re.sub(r"(the whole course takes about )[^(\n]*?( \(table below\))", rf"\g<1>{total}\g<2>", text)
    text = re.sub(r"(\| \d+\. \[[^]]*\]\((\d\d)-[^)]*\.ipynb\) \|[^\n]*\| )\d+( min \|)",
                  lambda m: f"{m.group(1)}{number.get(m.group(2), '?')}{m.group(3)}", text)
    text = re.sub(r"(^\| (\d\d) \|[^\n]*\| )\d+( min \|)",
                  lambda m: f"{m.group(1)}{number.get(m.group(2), '?')}{m.group(3)}", text, flags=re.M)
    return re.sub(r"(About )[^.,\n]*?( in all)", rf"\g<1>{total}\g<2>", text)


def rewrite_notebook(path: Path, times: dict[str, int]) -> bool:
    """Put the measured times into a notebook's markdown; whether anything changed."""
    raw = path.read_text(encoding="utf-8")
    notebook = json.loads(raw)
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            new = _rewrite(_text(cell), times, path.name)
            if new != _text(cell):
                cell["source"] = new.splitlines(keepends=True)
    written = json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
    if written != raw:
        path.write_text(written, encoding="utf-8")
    return written != raw


def stated_differences(directory: Path, readme: Path) -> list[str]:
    """Each place whose stated time is not the measured one, as 'file: what it says'."""
    times = {c.file: c.minutes for c in chapters(directory)}
    found = []
    for path in [*(directory / f for f in times), readme]:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".ipynb":
            cells = json.loads(text)["cells"]
            texts = [_text(c) for c in cells if c["cell_type"] == "markdown"]
            own: str | None = path.name
        else:
            texts, own = [text], None
        for t in texts:
            for said, measured in zip(t.splitlines(), _rewrite(t, times, own).splitlines(), strict=True):
                if said != measured:
                    found.append(f"{path.name} says {_gist(said, measured)!r}; measured: {_gist(measured, said)!r}")
    return found


def _gist(line: str, other: str) -> str:
    """The part of `line` around where it differs from `other`."""
    at = next((i for i, (a, b) in enumerate(zip(line, other, strict=False)) if a != b), min(len(line), len(other)))
    return line[max(0, at - 30):at + 30]


def main(argv: list[str]) -> int:
    """Print the measured times; with --write, put them where the course states them."""
    args = [a for a in argv if a != "--write"]
    if len(args) != 2:
        print("Usage: python -m mailflowlab.course_times NOTEBOOKS_DIR README.md [--write]")
        return 2
    directory, readme = Path(args[0]), Path(args[1])
    measured = chapters(directory)
    for c in measured:
        print(f"{c.file:42} {c.words:5} words {c.code_cells:3} code cells {c.exercises:2} exercises "
              f"-> {c.minutes:3} min")
    print(f"In all: {total_text(sum(c.minutes for c in measured))}")
    if "--write" in argv:
        times = {c.file: c.minutes for c in measured}
        for c in measured:
            rewrite_notebook(directory / c.file, times)
        readme.write_text(_rewrite(readme.read_text(encoding="utf-8"), times, None), encoding="utf-8")
    differences = stated_differences(directory, readme)
    for line in differences:
        print(line)
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
