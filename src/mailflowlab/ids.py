"""Seeded identifiers: Message-IDs, network message ids and queue ids that repeat exactly.

Exchange makes these from GUIDs and counters; the lab draws them from one seeded random
source, so two fresh labs given the same actions produce byte-identical messages.
"""
from __future__ import annotations

import random
import uuid
from typing import TypeVar

T = TypeVar("T")


class IdSource:
    def __init__(self, seed: int = 2013) -> None:
        self._rng = random.Random(seed)
        self._internal = 0

    def guid(self) -> str:
        """A GUID, e.g. the X-MS-Exchange-Organization-Network-Message-Id of a message."""
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def message_id(self, fqdn: str) -> str:
        """An Outlook/Exchange style Message-ID: 40 upper-case hex digits at the server."""
        return f"<{self._rng.getrandbits(160):040X}@{fqdn}>"

    def internal_id(self) -> int:
        """The queue database's InternalId of a message (as in '250 2.6.0 ... [InternalId=...]')."""
        self._internal += 1
        return 5111011082240 + self._internal

    def choice(self, items: list[T]) -> T:
        """A seeded pick, for where Exchange picks at random (e.g. FET with no mailbox recipient)."""
        return items[self._rng.randrange(len(items))]
