"""The lab's one exception for a learner's mistake: it carries a sentence, never a traceback."""
from __future__ import annotations


class LabError(Exception):
    """A mistake a learner can make (unknown server, address or service), in plain words."""
