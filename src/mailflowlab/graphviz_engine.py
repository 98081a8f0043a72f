"""Which Graphviz draws the diagrams, on any machine.

The `graphviz` package only writes DOT; a `dot` program draws it. `install()` (called once
by `diagrams`) picks, in this order:

1. a `dot` on PATH (Debian's `graphviz` package, `winget install graphviz`, `brew install graphviz`);
2. else the `graphviz-pure` program that pip installs with mailflowlab on Linux (x86_64,
   aarch64), macOS and Windows x64: a port of Graphviz 16.1.0, the version the browser lab
   draws with, whose SVG of every lab diagram is byte-identical to it;
3. in a browser, Graphviz compiled to WebAssembly (`browser.install`);
4. else none: each diagram is a picture of one sentence naming this platform's install
   command, its description in words is still there, and the lab works on.
"""
from __future__ import annotations

import html
import shutil
import sys
import sysconfig
from pathlib import Path
from typing import Any

import graphviz.backend.dot_command
import graphviz.piping

from . import browser

#: The program graphviz-pure installs (it deliberately installs none named `dot`).
PURE = "graphviz-pure"
#: How to install Graphviz, by `sys.platform` (anything else: Linux's words).
INSTALL_COMMANDS = {"win32": "winget install graphviz", "darwin": "brew install graphviz"}
LINUX_INSTALL = "sudo apt-get install graphviz"


def find_dot(path: str | None = None) -> Path | None:
    """The program that will draw: `dot` on `path` (default: PATH), else graphviz-pure, else None."""
    dot = shutil.which("dot", path=path)
    if dot:
        return Path(dot)
    # pip puts graphviz-pure beside this Python's scripts, which a kernel's PATH may lack.
    beside = shutil.which(PURE, path=sysconfig.get_path("scripts"))
    found = beside or shutil.which(PURE, path=path)
    return Path(found) if found else None


def missing_sentence(platform: str = sys.platform) -> str:
    """What a diagram says where no Graphviz can draw it."""
    command = INSTALL_COMMANDS.get(platform, LINUX_INSTALL)
    return (f"Graphviz is not installed, so diagrams are described in words only: "
            f"install it with `{command}` and restart the kernel.")


def sentence_svg(sentence: str) -> str:
    """A picture of one line of text, wide enough for it."""
    text = html.escape(sentence)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{16 + 7 * len(sentence)}" height="40" role="img" '
            f'aria-label="{text}"><text x="8" y="24" font-family="Helvetica" font-size="13">{text}</text></svg>')


def use(dot: Path | None) -> None:
    """Draw with `dot`; with None, draw every SVG as the missing-Graphviz sentence."""
    if dot is not None:
        graphviz.backend.dot_command.DOT_BINARY = dot
        return
    sentence = missing_sentence()

    def _pipe_future(self: Any, format: str | None = None, *, renderer: str | None = None,
                     formatter: str | None = None, neato_no_op: Any = None, quiet: bool = False,
                     engine: str | None = None, encoding: str | None = None) -> str | bytes:
        if (format or self.format) != "svg" or renderer or formatter:
            raise RuntimeError(sentence)
        svg = sentence_svg(sentence)
        return svg if encoding is not None else svg.encode(self.encoding)

    graphviz.piping.Pipe._pipe_future = _pipe_future


def install() -> None:
    """Choose the engine once, when the diagrams module is imported."""
    if browser.IN_BROWSER:
        browser.install()
    else:
        use(find_dot())
