"""Errors a learner can cause, at the bottom of the package so every layer can raise them."""
from __future__ import annotations


class LabError(Exception):
    """A mistake a learner can make (unknown server, address or service), in plain words."""
