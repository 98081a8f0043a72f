"""The lab's one exception for a learner's mistake: it carries a sentence, never a traceback."""
from __future__ import annotations

import sys
from types import ModuleType
from typing import Any


class LabError(Exception):
    """A mistake a learner can make (unknown server, address or service), in plain words."""


#: What a learner reads when a cell runs before the chapter's setup cell (the first code cell).
SETUP_FIRST = ("name {name!r} is not defined yet: this chapter's cells build on its first code cell "
               "(the setup cell under \"What you will learn\"), so run that cell first, or Run All.")


def show_as_sentences(shell: Any = None) -> None:
    """In IPython (JupyterLab, JupyterLite), show a LabError as its one sentence instead of a
    traceback: the mistake is the learner's, and the sentence says what to do. So is a NameError
    in a kernel where no chapter has run its setup cell yet (nothing of mailflowlab is in the
    namespace): it names the cell to run first. Nothing happens outside IPython, which the lab
    does not need."""
    if shell is None:
        ipython = sys.modules.get("IPython")
        shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return

    def sentence(shell: Any, etype: type[BaseException], value: BaseException, tb: Any,
                 tb_offset: int | None = None) -> None:
        if not issubclass(etype, NameError):
            print(f"LabError: {value}", file=sys.stderr)
        elif etype is NameError and not _setup_ran(shell.user_ns):
            print(f"NameError: {SETUP_FIRST.format(name=getattr(value, 'name', None) or str(value))}",
                  file=sys.stderr)
        else:                      # a typo once the setup has run: IPython's own traceback
            shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
    shell.set_custom_exc((LabError, NameError), sentence)


def _setup_ran(namespace: dict[str, Any]) -> bool:
    """Whether a cell has brought anything of mailflowlab into the learner's namespace."""
    for name, value in namespace.items():
        if name.startswith("_"):
            continue
        module = value.__name__ if isinstance(value, ModuleType) else getattr(value, "__module__", None)
        if isinstance(module, str) and module.split(".")[0] == "mailflowlab":
            return True
    return False


def load_ipython_extension(shell: Any) -> None:
    """Loaded at kernel start by the course's IPython config (etc/ipython/ipython_config.json,
    installed with the package; in the Lite lab too), so the sentences hold before any cell."""
    if getattr(shell, "kernel", None) is not None:     # a notebook's kernel, not a terminal
        show_as_sentences(shell)
