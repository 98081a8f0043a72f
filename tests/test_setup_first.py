"""A cell run before the chapter's setup cell says, in one sentence, which cell to run first.

Real kernels, as a learner meets them: nbclient starts an IPython kernel whose IPython
directory holds the course's own `etc/ipython/ipython_config.json` (what the package installs
into the environment's etc/ipython) and runs a chapter's second cell before its first.
"""
from __future__ import annotations

import json
import os
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
import yaml
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from mailflowlab.errors import SETUP_FIRST

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "etc" / "ipython" / "ipython_config.json"
CHAPTER = ROOT / "notebooks" / "04-message-queues.ipynb"


def test_every_setup_installs_the_kernel_config() -> None:
    """The wheel carries it (pip install, `mailflowlab course`, the Lite lab); an editable install
    does not, so `make course` copies it into .venv and Binder installs the package not editable."""
    data_files = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["data-files"]
    assert "etc/ipython/ipython_config.json" in data_files["etc/ipython"]
    assert json.loads(CONFIG.read_text())["InteractiveShellApp"]["extensions"] == ["mailflowlab.errors"]
    assert "cp etc/ipython/ipython_config.json $(VENV)/etc/ipython/" in (ROOT / "Makefile").read_text()
    pip = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"][-1]["pip"]
    assert "." in pip and "-e ." not in pip


@pytest.fixture
def kernel_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A kernel that reads the course's IPython config and imports this checkout's package."""
    profile = tmp_path / "ipython" / "profile_default"
    profile.mkdir(parents=True)
    (profile / "ipython_config.json").write_text(CONFIG.read_text())
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("MFL_TRANSPORT", "memory")


def _stderr(cell: nbformat.NotebookNode) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stderr")


def test_a_cell_run_before_the_setup_cell_names_the_setup_cell(kernel_env: None) -> None:
    chapter = nbformat.read(CHAPTER, as_version=4)
    code = [c for c in chapter.cells if c.cell_type == "code"]
    setup, later = code[0], code[1]
    assert "from mailflowlab" in setup.source and "print(lab." in later.source
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(setup.source),
                                         nbformat.v4.new_code_cell(later.source),
                                         nbformat.v4.new_code_cell("undefined_by_a_typo")])
    client = NotebookClient(nb, kernel_name="python3", timeout=60, resources={"metadata": {"path": str(CHAPTER.parent)}})
    with client.setup_kernel():
        with pytest.raises(CellExecutionError):
            client.execute_cell(nb.cells[1], 1)            # the second cell first
        said = _stderr(nb.cells[1])
        assert said.strip() == "NameError: " + SETUP_FIRST.format(name="lab"), said
        assert said.count("\n") == 1 and not [o for o in nb.cells[1].outputs if o.output_type == "error"]
        client.execute_cell(nb.cells[0], 0)                # the setup cell, then the cell works
        client.execute_cell(nb.cells[1], 1)
        assert not [o for o in nb.cells[1].outputs if o.output_type == "error"]
        with pytest.raises(CellExecutionError) as typo:    # after setup a typo is a plain NameError
            client.execute_cell(nb.cells[2], 2)
        assert "undefined_by_a_typo" in str(typo.value) and SETUP_FIRST[:20] not in str(typo.value)
        assert [o.ename for o in nb.cells[2].outputs if o.output_type == "error"] == ["NameError"]


def test_a_terminal_ipython_is_left_alone() -> None:
    from IPython.core.interactiveshell import InteractiveShell

    from mailflowlab.errors import load_ipython_extension
    shell = InteractiveShell.instance()
    try:
        before = shell.custom_exceptions
        load_ipython_extension(shell)                      # no kernel: nothing changes
        assert shell.custom_exceptions == before
    finally:
        InteractiveShell.clear_instance()
    assert sys.modules["mailflowlab.errors"]
