"""The lab's one exception for a learner's mistake: it carries a sentence, never a traceback."""
from __future__ import annotations

import sys
from typing import Any


class LabError(Exception):
    """A mistake a learner can make (unknown server, address or service), in plain words."""


def show_as_sentences() -> None:
    """In IPython (JupyterLab, JupyterLite), show a LabError as its one sentence instead of a
    traceback: the mistake is the learner's, and the sentence says what to do. Nothing happens
    outside IPython, which the lab does not need."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return

    def sentence(shell: Any, etype: type[BaseException], value: BaseException, tb: Any,
                 tb_offset: int | None = None) -> None:
        print(f"LabError: {value}", file=sys.stderr)
    shell.set_custom_exc((LabError,), sentence)
