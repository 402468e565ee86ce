"""Near spellings among a library's many names, without comparing the words with every name.

fuzz.ratio is 200·LCS / (len a + len b), and a common subsequence can use each letter no more
often than both strings have it: so the letters a name shares with the words (counted with
repeats, order ignored) bound its ratio from above. Each name's letter counts are held as
numpy columns, built once per library generation; a lookup adds up the columns of the words'
letters, and only the few names whose bound reaches the cutoff are compared by rapidfuzz.
The answer is exactly that of `process.extract` over every name.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from rapidfuzz import fuzz, process

# Names are canonical words (normalize.py); every other character shares one column, which
# still bounds what they can share.
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_COLUMN = {c: i for i, c in enumerate(_ALPHABET)}
_OTHER = len(_ALPHABET)
# The bound is added up in bytes: words longer than this are compared with every name.
_MAX_COUNT = 255
# How many of one letter are told apart (3 or more of it is "3", the bound stays a bound).
_LEVELS = 3
# Below this many names comparing with each is as fast as working out the bound.
SCAN_BELOW = 2000


class SpellingIndex:
    """`process.extract(words, keys, scorer=fuzz.ratio, ...)` for many fixed keys, fast."""

    def __init__(self, keys: Sequence[str]) -> None:
        self.keys = list(keys)
        n = len(self.keys)
        lengths = np.fromiter(map(len, self.keys), dtype=np.intp, count=n)
        # Held shortest first: the keys that can reach a cutoff are one run of lengths, and
        # the letters each must share are the same along a length.
        self._order = np.argsort(lengths, kind="stable")
        ordered = [self.keys[i] for i in self._order]
        self._keys = np.array(ordered, dtype=object)
        self._lengths = lengths[self._order]
        longest = int(self._lengths[-1]) if n else 0
        self._from_length = np.searchsorted(self._lengths, np.arange(longest + 2))
        points = np.frombuffer("".join(ordered).encode("utf-32-le"), dtype=np.uint32)
        table = np.full(128, _OTHER, dtype=np.int64)
        table[[ord(c) for c in _ALPHABET]] = np.arange(_OTHER)
        columns = np.full(len(points), _OTHER, dtype=np.int64)
        ascii_ = points < 128
        columns[ascii_] = table[points[ascii_]]
        rows = np.repeat(np.arange(n, dtype=np.int64), self._lengths)
        counts = np.bincount(columns * n + rows, minlength=(_OTHER + 1) * n).reshape(_OTHER + 1, n)
        # min(count, k) is the sum of "has at least j" for j = 1..k; held for j up to
        # _LEVELS, above which "at least _LEVELS" stands in (still a bound, and rare).
        self._levels = np.stack([counts >= j for j in range(1, _LEVELS + 1)]).astype(np.uint8)

    def extract(
        self, words: str, *, score_cutoff: float, limit: int
    ) -> list[tuple[str, float, int]]:
        """(key, ratio 0..100, position in keys) of the best `limit` keys at or above
        `score_cutoff`, best first, equal ratios in key order."""
        if len(self.keys) < SCAN_BELOW or len(words) > _MAX_COUNT:
            return process.extract(
                words, self.keys, scorer=fuzz.ratio, score_cutoff=score_cutoff, limit=limit
            )
        # The letters a key of each length must share to reach the cutoff (a hair under it:
        # rapidfuzz's own rounding must never lose a key here). No key can share more than
        # its own length, nor than the words' (which bounds what is added up below).
        lengths = np.arange(len(self._from_length) - 1)
        need = np.ceil((score_cutoff - 1e-6) * (lengths + len(words)) / 200)
        reachable = np.flatnonzero(need <= np.minimum(lengths, len(words)))
        if not len(reachable):
            return []
        low, high = reachable[0], reachable[-1]
        start, end = self._from_length[low], self._from_length[high + 1]
        shared = np.zeros(end - start, dtype=np.uint8)
        for column, count in Counter(_COLUMN.get(c, _OTHER) for c in words).items():
            for j in range(count):
                shared += self._levels[min(j, _LEVELS - 1), column, start:end]
        runs = np.diff(self._from_length[low : high + 2])
        least = np.repeat(need[low : high + 1].astype(np.uint8), runs)
        possible = start + np.flatnonzero(shared >= least)
        found = process.extract(
            words,
            self._keys[possible].tolist(),
            scorer=fuzz.ratio,
            score_cutoff=score_cutoff,
            limit=None,
        )
        # In key order among equal ratios, as rapidfuzz gives them over all the keys.
        ranked = [(key, score, int(self._order[possible[at]])) for key, score, at in found]
        return sorted(ranked, key=lambda r: (-r[1], r[2]))[:limit]
