"""The play queue: the items in the order they were given and the order they are played in.

Kept apart from the engine so shuffle, wrap-around and stepping are plain Python, the same
whatever plays the sound.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from assistant.player.base import QueueItem


class PlayQueue:
    """Items plus a play order (a permutation of their indices) and a cursor into that order."""

    def __init__(self, *, rng: random.Random) -> None:
        self._rng = rng
        self._items: list[QueueItem] = []
        self._order: list[int] = []
        self._pos: int | None = None
        self._shuffled = False

    def __len__(self) -> int:
        return len(self._items)

    @property
    def position(self) -> int | None:
        """Index of the current item in play order; None when the queue is empty."""
        return self._pos

    @property
    def current(self) -> QueueItem | None:
        if self._pos is None:
            return None
        return self._items[self._order[self._pos]]

    @property
    def shuffled(self) -> bool:
        return self._shuffled

    def in_play_order(self) -> list[QueueItem]:
        return [self._items[i] for i in self._order]

    def replace(self, items: Sequence[QueueItem], start_index: int) -> None:
        """New items; `items[start_index]` becomes current (and first, when shuffled)."""
        self._items = list(items)
        self._order = list(range(len(self._items)))
        self._pos = start_index if self._items else None
        if self._shuffled and self._items:
            self._shuffle_around_current()

    def extend(self, items: Sequence[QueueItem]) -> None:
        """Append items; when shuffled they land at random places among the upcoming ones."""
        first_new = len(self._items)
        self._items.extend(items)
        for index in range(first_new, len(self._items)):
            if self._shuffled and self._pos is not None:
                self._order.insert(self._rng.randint(self._pos + 1, len(self._order)), index)
            else:
                self._order.append(index)
        if self._pos is None and self._items:
            self._pos = 0

    def advance(self, *, wrap: bool) -> bool:
        """Step to the next item; False (and no move) at the end unless `wrap`."""
        if self._pos is None:
            return False
        if self._pos + 1 < len(self._order):
            self._pos += 1
            return True
        if wrap:
            self._pos = 0
            return True
        return False

    def back(self) -> bool:
        """Step to the item before; False (and no move) at the start."""
        if not self._pos:
            return False
        self._pos -= 1
        return True

    def set_shuffle(self, on: bool) -> None:
        """On: current item first, the rest in random order. Off: the given order again."""
        if on == self._shuffled:
            return
        self._shuffled = on
        if not self._items or self._pos is None:
            return
        if on:
            self._shuffle_around_current()
        else:
            current = self._order[self._pos]
            self._order = list(range(len(self._items)))
            self._pos = current

    def _shuffle_around_current(self) -> None:
        assert self._pos is not None
        current = self._order[self._pos]
        rest = [i for i in range(len(self._items)) if i != current]
        self._rng.shuffle(rest)
        self._order = [current, *rest]
        self._pos = 0
