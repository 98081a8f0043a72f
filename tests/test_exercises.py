"""Every exercise and every incident can fail, and its solution passes.

Each chapter is run once, as Run All runs it, with one change: after every check cell come
the solution from the collapsed `<details>` block that follows it, and the same check again.
The first check sees the learner's stub (it must not say "Correct"); the second sees the
solution (it must). The stub says "write your answer here"; no solution is in the run path.
An incident's check cell is its `verify()`: on the stub the ticket is still broken ("NOT
YET"), after the answer key's fix it passes ("PASSED").
"""
from __future__ import annotations

import ast
import copy
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from mailflowlab import Lab
from mailflowlab.exercises import EXERCISES, verdict
from mailflowlab.topology import names_service, service_names

from .conftest import CAROL

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


#: A lab method that changes something: what an exercise's fix calls, never what a hint may name.
CHANGE = re.compile(r"^(set|new|start|stop|retry|remove|suspend|resume|enable|disable|add)_")


def fix_words(solution: str, answers: set[str]) -> set[str]:
    """What names a solution's fix: each changing call as Python (`set_send_connector(`) and as its
    cmdlet (`Set-SendConnector`), each of its parameters (`smart_hosts=`, `-SmartHosts`) and text
    values, the service a Stop-Service or Start-Service names, and the value a learner's answer
    variable is set to (`port = 2525`)."""
    words: set[str] = set()
    for node in ast.walk(ast.parse(solution)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and CHANGE.match(node.func.attr):
            verb, noun = node.func.attr.split("_", 1)
            words |= {f"{node.func.attr}(", f"{verb.title()}-{noun.title().replace('_', '')}"}
            if noun == "service" and len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
                words.add(str(node.args[1].value))
            for keyword in node.keywords:
                if keyword.arg:
                    words |= {f"{keyword.arg}=", "-" + keyword.arg.title().replace("_", "")}
                if isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str):
                    words.add(keyword.value.value)
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            if any(isinstance(target, ast.Name) and target.id in answers for target in node.targets):
                words.add(str(node.value.value))
    return words


def test_fix_words_name_the_cmdlet_its_parameters_and_the_answer() -> None:
    solution = 'port = 2525\nlab.set_send_connector("X", smart_hosts=["a"], resubmit=True)\nprint(lab.queues())\n'
    assert fix_words(solution, {"port"}) == {"2525", "set_send_connector(", "Set-SendConnector", "smart_hosts=",
                                             "-SmartHosts", "resubmit=", "-Resubmit"}
    assert fix_words('lab.stop_service("MB1", "Transport")\nlab.send(A, B, subject="x")\n', set()) == {
        "stop_service(", "Stop-Service", "Transport"}


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_no_hint_names_the_fix(path: Path) -> None:
    """A hint points at where to look (an output, a column, an object); it never names the cmdlet
    that fixes it, its parameters or the answer's value, as the solution in `<details>` does."""
    nb = nbformat.read(path, as_version=4)
    for _stub, check, solution in exercises(nb):
        if is_incident(nb.cells[check]):
            continue
        exercise = check_id(nb.cells[check].source)
        answers = set(re.findall(r"(\w+)=\1\b", nb.cells[check].source))
        hint = EXERCISES[exercise].hint.lower()
        assert [w for w in sorted(fix_words(solution, answers)) if w.lower() in hint] == [], exercise


# --- the checks on their own, without a notebook -------------------------------------------------
def test_chapter_2_exercise_2_passes_by_doing_what_its_text_says(lab: Lab) -> None:
    """The text asks for the connector and a message from carol@ with no subject named: any
    subject passes, and the check proves MB1 is the only way out by sending from MB2 itself."""
    assert verdict("external.2", lab=lab)[0] is False
    lab.new_send_connector("To Fabrikam", address_spaces=["fabrikam.com"], source_servers=["MB1"])
    lab.send(CAROL, "kate@fabrikam.com", subject="Quarterly figures")
    assert verdict("external.2", lab=lab)[0] is True


def test_chapter_2_exercise_2_fails_when_mb2_may_send_too(lab: Lab) -> None:
    lab.new_send_connector("To Fabrikam", address_spaces=["fabrikam.com"], source_servers=["MB1", "MB2"])
    lab.send(CAROL, "kate@fabrikam.com", subject="Quarterly figures")
    assert verdict("external.2", lab=lab)[0] is False       # alice@'s probe leaves from MB2


@pytest.mark.parametrize(("exercise", "service", "names"), [
    ("internal.1", "Mailbox Transport Delivery",
     ["Mailbox Transport Delivery", "MSExchangeDelivery", "Microsoft Exchange Mailbox Transport Delivery",
      " mailbox transport delivery "]),
    ("external.1", "Front End Transport",
     ["Front End Transport", "MSExchangeFrontEndTransport", "Microsoft Exchange Frontend Transport",
      "Frontend Transport"]),
])
def test_a_service_is_named_by_any_name_exchange_uses(exercise: str, service: str, names: list[str]) -> None:
    for name in names:
        assert names_service(name, service), name
        assert verdict(exercise, answer=name)[0] is True, name
    for wrong in ("Transport", "MSExchangeTransport", "Microsoft Exchange Transport", "Delivery", ""):
        assert verdict(exercise, answer=wrong)[0] is False, wrong


def test_the_service_that_held_a_message_is_named_by_any_name_too() -> None:
    for name in ("Transport", "MSExchangeTransport", "Microsoft Exchange Transport"):
        assert verdict("headers.3", longest_hop=3, queue_owner=name)[0] is True, name
    assert verdict("headers.3", longest_hop=3, queue_owner="Mailbox Transport Delivery")[0] is False


def test_every_service_has_its_get_service_and_display_name() -> None:
    assert service_names("Transport") == ("Transport", "MSExchangeTransport", "Microsoft Exchange Transport")
    assert names_service("MSExchangeTransport", "Edge Transport")       # the Edge runs the same service
    assert not names_service("MSExchangeTransport", "Front End Transport")


def test_the_lab_stops_a_service_by_its_display_name(lab: Lab) -> None:
    lab.stop_service("MB1", "Microsoft Exchange Mailbox Transport Delivery")
    assert [(r.Server, r.Service) for r in lab.services_table().where(Status="Stopped")] == [
        ("MB1", "Mailbox Transport Delivery")]


START = re.compile(r'(\w+) = incidents\.start\("([\w-]+)"')
#: The chapters the incident catalogue covers: 1-11 end with one each, 12 is all incidents.
INCIDENT_CHAPTERS = [p for p in CHAPTERS if int(p.name[:2]) <= 12]


@pytest.mark.parametrize("path", INCIDENT_CHAPTERS, ids=[p.stem for p in INCIDENT_CHAPTERS])
def test_each_chapter_ends_with_an_incident_on_its_own_topic(path: Path) -> None:
    """Chapters 1-11 end with one incident that the catalogue files under that chapter, started,
    worked and verified in its own cells before the summary; chapter 12 has at least eight."""
    from mailflowlab import incidents

    nb = nbformat.read(path, as_version=4)
    started = [m.groups() for c in nb.cells if c.cell_type == "code" for m in [START.match(c.source.split("\n\n")[-1])]
               if m is not None]
    verified = {c.source.split(".verify()")[0].split("(")[-1] for c in nb.cells
                if "exercise-check" in tags(c) and ".verify()" in c.source}
    chapter = int(path.name[:2])
    if chapter == 12:
        learners = [(var, iid) for var, iid in started if var in verified]
        assert len(learners) >= 8 and len({iid for _, iid in learners}) == len(learners), learners
        return
    assert len(started) == 1, started
    var, incident_id = started[0]
    assert chapter in incidents.get(incident_id).chapters, (incident_id, incidents.get(incident_id).chapters)
    assert verified == {var}
    summary = next(i for i, c in enumerate(nb.cells) if c.source.startswith("## Summary"))
    incident = next(i for i, c in enumerate(nb.cells) if c.source.startswith("## Incident:"))
    assert incident < summary
