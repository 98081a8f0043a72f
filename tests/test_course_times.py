"""The times the course prints (each chapter's header, the welcome page, the README) are the ones
measured from the notebooks: 200 words a minute, a minute per code cell, five per exercise."""
from __future__ import annotations

import json
from pathlib import Path

from mailflowlab import course_times
from mailflowlab.course_times import ChapterTime, measure, stated_differences

ROOT = Path(__file__).resolve().parents[1]


def test_every_stated_time_is_the_measured_one() -> None:
    """Fails when a chapter grows or shrinks and its time is not updated: run
    `python -m mailflowlab.course_times notebooks README.md --write` (before the fix: ch. 11
    said 50 minutes for 4,200 words, 28 code cells and 3 exercises, and the welcome page gave
    two course lengths)."""
    assert stated_differences(ROOT / "notebooks", ROOT / "README.md") == []


def _notebook(tmp_path: Path, name: str, cells: list[tuple[str, str, list[str]]]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"cells": [
        {"cell_type": kind, "metadata": {"tags": tags}, "source": text} for kind, text, tags in cells]}))
    return path


def test_words_code_cells_and_exercises_are_counted_and_solutions_are_not(tmp_path: Path) -> None:
    path = _notebook(tmp_path, "12-incidents.ipynb", [
        ("markdown", "word " * 1000 + "[a link](https://learn.microsoft.com/x) "
         "<details><summary>Show</summary>\n\n" + "solution " * 500 + "</details>", []),
        ("code", "lab.send(...)", []),
        ("code", "answer = ...", ["exercise-stub"]),
        ("code", "check('x.1', answer=answer)", ["exercise-check", "nbval-check-output"]),
    ])
    assert measure(path) == ChapterTime("12-incidents.ipynb", 1002, 1, 1)
    assert measure(path).minutes == 10              # 5 min reading + 1 code cell + 5 exercise = 11


def test_the_rewrite_works_for_any_set_of_chapters(tmp_path: Path) -> None:
    _notebook(tmp_path, "00-welcome.ipynb", [
        ("markdown", "**Time to learn:** 99 minutes to read and run; the whole course takes about 7½ hours "
         "(table below).", []),
        ("markdown", "| 12. [Incidents](12-incidents.ipynb) | practice | 1 min |\n\nAbout 3 hours in all.", [])])
    _notebook(tmp_path, "12-incidents.ipynb", [("markdown", "**Time to learn:** 1 minutes, reading.\n" + "w " * 2000, [])])
    readme = tmp_path / "README.md"
    readme.write_text("| 12 | Incidents | 1 min |\n\nAbout 3 hours in all, reading.\n")
    assert len(stated_differences(tmp_path, readme)) == 6          # 3 lines of the welcome page, 1, 2
    assert course_times.main([str(tmp_path), str(readme), "--write"]) == 0
    assert stated_differences(tmp_path, readme) == []
    assert readme.read_text() == "| 12 | Incidents | 10 min |\n\nAbout 15 minutes in all, reading.\n"
    welcome = json.loads((tmp_path / "00-welcome.ipynb").read_text())
    assert "".join(welcome["cells"][0]["source"]).startswith(
        "**Time to learn:** 5 minutes to read and run; the whole course takes about 15 minutes")
