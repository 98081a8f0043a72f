"""The course as a pip package: its version, the chapters it carries, `mailflowlab course`, and
diagrams on a machine without `dot`. (tests/packaging/check_wheel.sh builds and installs the
wheel itself into a fresh environment.)"""
from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from setuptools import find_packages

import mailflowlab
from mailflowlab import graphviz_engine
from mailflowlab.course_folder import MANIFEST, copy_chapters, packaged_chapters

ROOT = Path(__file__).resolve().parents[1]
SRC = str(ROOT / "src")


def _run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=60, cwd=cwd,
                          env={**os.environ, "PYTHONPATH": SRC, **(env or {})})


def test_the_wheel_lists_every_package_under_src_and_the_chapters() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert sorted(setuptools["packages"]) == sorted([*find_packages(SRC), "mailflowlab.notebooks"])
    assert setuptools["package-dir"]["mailflowlab.notebooks"] == "notebooks"


def test_version_comes_from_the_package_metadata() -> None:
    assert mailflowlab.__version__ == importlib.metadata.version("mailflowlab")
    out = _run("-m", "mailflowlab", "--version")
    assert (out.returncode, out.stdout) == (0, f"mailflowlab {mailflowlab.__version__}\n")


def test_a_checkout_finds_its_chapters() -> None:
    names = sorted(p.name for p in packaged_chapters().glob("*.ipynb"))
    assert names == sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert "00-welcome.ipynb" in names and len(names) >= 13


def test_course_copies_the_chapters_and_keeps_what_the_learner_changed(tmp_path: Path) -> None:
    folder = tmp_path / "my course"
    first = _run("-m", "mailflowlab", "course", "--no-browser", str(folder))
    count = len(list((ROOT / "notebooks").glob("*.ipynb")))
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[0] == f"Chapters in {folder}: {count} copied."
    assert (folder / "04-message-queues.ipynb").read_bytes() == (ROOT / "notebooks/04-message-queues.ipynb").read_bytes()
    mine = b'{"cells": [], "note": "my own notes"}'
    (folder / "04-message-queues.ipynb").write_bytes(mine)
    again = _run("-m", "mailflowlab", "course", "--no-browser", str(folder))
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[:2] == [
        f"Chapters in {folder}: {count - 1} already up to date.",
        "Kept your changed copy of 04-message-queues.ipynb (delete a file to get the packaged chapter again)."]
    assert (folder / "04-message-queues.ipynb").read_bytes() == mine


def test_a_newer_release_updates_untouched_chapters_only(tmp_path: Path) -> None:
    old, new, folder = tmp_path / "old", tmp_path / "new", tmp_path / "course"
    old.mkdir()
    new.mkdir()
    for name, text in (("a.ipynb", "a1"), ("b.ipynb", "b1")):
        (old / name).write_text(text)
    copy_chapters(folder, old)
    (folder / "b.ipynb").write_text("b1 with my answer")
    for name, text in (("a.ipynb", "a2"), ("b.ipynb", "b2"), ("c.ipynb", "c2")):
        (new / name).write_text(text)
    report = copy_chapters(folder, new)
    assert (report.updated, report.kept, report.copied) == (["a.ipynb"], ["b.ipynb"], ["c.ipynb"])
    assert [(folder / n).read_text() for n in ("a.ipynb", "b.ipynb", "c.ipynb")] == ["a2", "b1 with my answer", "c2"]
    assert set(json.loads((folder / MANIFEST).read_text())) == {"a.ipynb", "c.ipynb", "b.ipynb"}
    assert copy_chapters(folder, new).kept == ["b.ipynb"]      # still the learner's, on every later run


def test_a_folder_that_cannot_be_made_is_one_sentence(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    out = _run("-m", "mailflowlab", "course", "--no-browser", str(blocker / "course"))
    assert out.returncode == 2
    assert out.stderr.startswith(f"mailflowlab: error: cannot copy the chapters into {blocker / 'course'}: ")
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr


@pytest.mark.skipif(sys.platform == "emscripten", reason="a browser has no programs to find")
def test_without_dot_on_path_graphviz_pure_draws(tmp_path: Path) -> None:
    """A machine without Graphviz (PATH holds no `dot`): the graphviz-pure that pip installed draws."""
    found = graphviz_engine.find_dot(path=str(tmp_path))
    assert found is not None and found.name.startswith(graphviz_engine.PURE)
    code = ("from mailflowlab import hop_diagram, parse_hops\n"
            "print(hop_diagram(parse_hops('Received: from a.example ([10.0.0.1]) by b.example with SMTP; "
            "Tue, 4 Mar 2014 09:00:00 +1000\\r\\n\\r\\n')).pipe(format='svg').decode())")
    out = _run("-c", code, env={"PATH": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    assert "(graphviz-pure)" in out.stdout and "a.example" in out.stdout and "b.example" in out.stdout


def test_with_no_graphviz_at_all_a_diagram_is_one_sentence_and_its_words() -> None:
    code = ("from mailflowlab import graphviz_engine, hop_diagram, parse_hops\n"
            "graphviz_engine.use(None)\n"
            "bundle = hop_diagram(parse_hops('Received: from a.example ([10.0.0.1]) by b.example with SMTP; "
            "Tue, 4 Mar 2014 09:00:00 +1000\\r\\n\\r\\n'))._repr_mimebundle_()\n"
            "print(bundle['image/svg+xml']); print(bundle['text/plain'])")
    out = _run("-c", code)
    assert out.returncode == 0, out.stderr
    svg, words = out.stdout.splitlines()
    assert graphviz_engine.missing_sentence() in svg and "Traceback" not in out.stderr
    assert words.startswith("Hop diagram of 1 Received headers")


@pytest.mark.parametrize("platform,command", [("win32", "winget install graphviz"), ("darwin", "brew install graphviz"),
                                              ("linux", "sudo apt-get install graphviz")])
def test_the_missing_graphviz_sentence_names_the_platforms_install_command(platform: str, command: str) -> None:
    assert graphviz_engine.missing_sentence(platform) == (
        f"Graphviz is not installed, so diagrams are described in words only: install it with `{command}` "
        "and restart the kernel.")


def test_without_jupyterlab_the_chapters_are_copied_and_one_sentence_says_what_to_install(tmp_path: Path) -> None:
    code = ("import sys; sys.modules['jupyterlab'] = None\n"      # as if JupyterLab were not installed
            "from mailflowlab.cli import main; sys.exit(main(['course', sys.argv[1]]))")
    out = _run("-c", code, str(tmp_path / "course"))
    assert out.returncode == 2
    assert out.stderr == ('mailflowlab: error: JupyterLab is not installed in this Python; install it with: '
                          'pip install "mailflowlab[course]"\n')
    assert (tmp_path / "course" / "00-welcome.ipynb").is_file()
