"""Which tracks belong together: co-occurrence in the owner's playlists and listening sessions.

Two tracks the owner put in one playlist, or played one after the other and let finish, are
close; a small playlist says more than a big one, and neighbours in a session more than
tracks an hour apart. Each track keeps only its strongest neighbours, so memory stays
bounded however long the history grows.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Mapping, Sequence

MAX_NEIGHBOURS = 64
PLAYLIST_WINDOW = 30
"""In a playlist longer than twice this, a track pairs with this many on either side."""
SESSION_GAP_S = 30 * 60.0
"""A pause this long between two starts ends a listening session."""
SESSION_WINDOW = 5
"""A completed track pairs with the last few completed before it in the session."""


class CoOccurrence:
    """Symmetric pair weights between track ids, strongest MAX_NEIGHBOURS kept per track."""

    def __init__(self) -> None:
        self._weights: dict[int, dict[int, float]] = {}

    def add(self, a: int, b: int, weight: float) -> None:
        if a == b:
            return
        for x, y in ((a, b), (b, a)):
            row = self._weights.setdefault(x, {})
            row[y] = row.get(y, 0.0) + weight
            if len(row) > 2 * MAX_NEIGHBOURS:
                kept = sorted(row.items(), key=lambda item: item[1], reverse=True)
                self._weights[x] = dict(kept[:MAX_NEIGHBOURS])

    def neighbours(self, track_id: int) -> Mapping[int, float]:
        return self._weights.get(track_id, {})


def playlist_cooccurrence(playlists: Iterable[Sequence[int]]) -> CoOccurrence:
    """Pairs from playlists (each a sequence of distinct track ids), 1/log2(1 + length) each."""
    pairs = CoOccurrence()
    for ids in playlists:
        n = len(ids)
        if n < 2:
            continue
        weight = 1.0 / math.log2(1 + n)
        reach = n if n <= 2 * PLAYLIST_WINDOW else PLAYLIST_WINDOW
        for i, a in enumerate(ids):
            for b in ids[i + 1 : i + 1 + reach]:
                pairs.add(a, b, weight)
    return pairs


class Sessions:
    """Feeds completed plays, in time order, into session pairs."""

    def __init__(self, pairs: CoOccurrence) -> None:
        self._pairs = pairs
        self._recent: deque[tuple[float, int]] = deque(maxlen=SESSION_WINDOW)

    @property
    def latest(self) -> float:
        return self._recent[-1][0] if self._recent else -math.inf

    def restart(self) -> None:
        """Forget the current session (the next plays are from another time)."""
        self._recent.clear()

    def completed(self, at: float, track_id: int) -> None:
        if self._recent and at - self._recent[-1][0] > SESSION_GAP_S:
            self._recent.clear()
        for distance, (_, other) in enumerate(reversed(self._recent), start=1):
            self._pairs.add(track_id, other, 1.0 / distance)
        self._recent.append((at, track_id))
