"""Text from outside, made safe for a Graphviz label.

A pasted header is anyone's text: a host name ending in `\\` ends a DOT string early, one
that looks like `<b>x</b>` is read as an HTML-like label (where `HREF` makes a link in the
SVG), `&#106;` is decoded by dot as the entity it spells, and a 16 KB token overflows dot's
lexer. `dot_label` is the one door such text goes through into DOT; HTML gets `html.escape`.
"""
from __future__ import annotations

import re

import graphviz

#: The longest line a label shows; a real host name is at most 253 characters.
MAX_LINE = 120
#: Control characters and lone surrogates: nothing a label can show.
_UNSHOWABLE = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


def dot_label(*lines: str) -> str:
    """One label of several lines, each shown literally: no escape sequences (`\\l`, `\\N`),
    no HTML-like markup, no entities, no control characters, no line longer than MAX_LINE."""
    shown = []
    for line in lines:
        line = _UNSHOWABLE.sub("\ufffd", line).replace("&", "&amp;")
        shown.append(line if len(line) <= MAX_LINE else line[:MAX_LINE - 1] + "…")
    escaped: str = graphviz.escape("\n".join(shown))
    return escaped
