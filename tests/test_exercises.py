"""Every exercise and every incident can fail, and its solution passes.

Each chapter is run once, as Run All runs it, with one change: after every check cell come
the solution from the collapsed `<details>` block that follows it, and the same check again.
The first check sees the learner's stub (it must not say "Correct"); the second sees the
solution (it must). The stub says "write your answer here"; no solution is in the run path.
An incident's check cell is its `verify()`: on the stub the ticket is still broken ("NOT
YET"), after the answer key's fix it passes ("PASSED").
"""
from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from mailflowlab.exercises import EXERCISES

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
CHAPTERS = sorted(p for p in NOTEBOOKS.glob("[0-9][0-9]-*.ipynb") if not p.name.startswith("00-"))
SOLUTION = re.compile(r"<details>.*?```python\n(.*?)```.*?</details>", re.S)
CHECK_ID = re.compile(r'check\("([\w.]+)"')


def tags(cell: nbformat.NotebookNode) -> list[str]:
    found: list[str] = cell.get("metadata", {}).get("tags", [])
    return found


def check_id(source: str) -> str:
    """The exercise id a check cell passes to `check(...)`."""
    match = CHECK_ID.search(source)
    assert match is not None, f"no check(...) in {source!r}"
    return match.group(1)


def exercises(nb: nbformat.NotebookNode) -> list[tuple[int, int, str]]:
    """(stub index, check index, solution code) for each exercise, in order."""
    found = []
    stub = None
    for i, cell in enumerate(nb.cells):
        if "exercise-stub" in tags(cell):
            stub = i
        if "exercise-check" in tags(cell):
            assert stub is not None, f"check cell {i} has no stub before it"
            after = nb.cells[i + 1]
            match = SOLUTION.search(after.source) if after.cell_type == "markdown" else None
            assert match, f"check cell {i} is not followed by a <details> block with the solution"
            found.append((stub, i, match.group(1)))
            stub = None
    return found


def is_incident(check_cell: nbformat.NotebookNode) -> bool:
    """An incident's check cell prints its ticket's verify(); an exercise's calls check("id", ...)."""
    return ".verify()" in check_cell.source


def output_text(cell: nbformat.NotebookNode) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_each_check_fails_on_its_stub_and_passes_on_its_solution(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    found = exercises(nb)
    assert len(found) >= 3, f"{path.name}: {len(found)} exercises"
    for stub, check, _solution in found:
        assert "write your answer here" in nb.cells[stub].source
        assert is_incident(nb.cells[check]) or check_id(nb.cells[check].source) in EXERCISES
        assert "hide-input" not in tags(nb.cells[stub]), "a hidden solution would run under Run All"
    run = copy.deepcopy(nb)
    for cell in run.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    pairs = []
    for _stub, check, solution in reversed(found):
        again = nbformat.v4.new_code_cell(nb.cells[check].source)
        run.cells[check + 1:check + 1] = [nbformat.v4.new_code_cell(solution), again]
    for cell in run.cells:            # pair each original check with its re-run after the solution
        if "exercise-check" in tags(cell):
            pairs.append([cell, None])
        elif pairs and pairs[-1][1] is None and cell.source == pairs[-1][0].source and cell is not pairs[-1][0]:
            pairs[-1][1] = cell
    NotebookClient(run, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    for on_stub, on_solution in pairs:
        if is_incident(on_stub):
            assert output_text(on_stub).startswith("NOT YET: "), f"{on_stub.source}: {output_text(on_stub)}"
            assert output_text(on_solution).startswith("PASSED: "), f"{on_solution.source}: {output_text(on_solution)}"
            continue
        exercise = check_id(on_stub.source)
        assert "✅" not in output_text(on_stub), f"{exercise}: the stub already passes"
        assert ("Not answered yet" in output_text(on_stub) or "Not yet" in output_text(on_stub)), exercise
        assert "✅ Correct!" in output_text(on_solution), f"{exercise}: the solution fails: {output_text(on_solution)}"
