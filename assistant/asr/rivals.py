"""Rival readings of a recognised sentence: the same sentence with one word swapped for another
word the grammar allows in that place and that sounds most like it.

A grammar-constrained decoder always returns *some* sentence, and its score says how well the
whole sentence fits, not whether the one word that decides the action ("on" or "off", "up" or
"down", which name) was heard. Scoring these rivals against the same audio does: when a rival
that means something else scores nearly as well, the word was not really heard.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from assistant.asr.fsg import WordGraph


class RivalFinder:
    """Finds, per word of a sentence of `graph`, the words allowed in its place.

    Built once per grammar. Walking the graph touches only the states the sentence passes
    through and their arcs, never the whole graph (a library's grammar has ~10^5 arcs).
    """

    def __init__(self, graph: WordGraph, phones: Callable[[str], str | None]) -> None:
        self._start = graph.start
        self._final = graph.final
        self._out: dict[int, list[tuple[int, str]]] = defaultdict(list)
        self._in: dict[int, list[tuple[int, str]]] = defaultdict(list)
        self._null_out: dict[int, set[int]] = defaultdict(set)
        self._null_in: dict[int, set[int]] = defaultdict(set)
        for source, target, _, word in graph.transitions:
            if word is None:
                self._null_out[source].add(target)
                self._null_in[target].add(source)
            else:
                self._out[source].append((target, word))
                self._in[target].append((source, word))
        self._phones = phones
        self._codes: dict[str, str] = {}
        self._symbols: dict[str, str] = {}

    def _forward(self, words: Sequence[str]) -> list[frozenset[int]]:
        """States reachable after each prefix: index i holds the states before words[i]."""
        # Null transitions are transitively closed (fsg.compile_grammar): one step suffices.
        states = frozenset({self._start} | self._null_out[self._start])
        sets = [states]
        for word in words:
            nxt: set[int] = set()
            for state in states:
                for target, w in self._out[state]:
                    if w == word:
                        nxt.add(target)
                        nxt |= self._null_out[target]
            states = frozenset(nxt)
            sets.append(states)
        return sets

    def _backward(self, words: Sequence[str]) -> list[frozenset[int]]:
        """States from which each suffix reaches the end: index i holds the states after
        words[i] (from which words[i + 1:] completes the sentence)."""
        states = frozenset({self._final} | self._null_in[self._final])
        sets = [states]
        for word in reversed(words[1:]):
            prev: set[int] = set()
            for state in states:
                for source, w in self._in[state]:
                    if w == word:
                        prev.add(source)
                        prev |= self._null_in[source]
            states = frozenset(prev)
            sets.append(states)
        return sets[::-1]

    def allowed(self, words: Sequence[str], *, limit: int | None = None) -> list[set[str]]:
        """Per position, the words the grammar accepts there with the rest unchanged, the
        heard word included. With `limit`, a position that allows more than `limit` others
        (a name slot: thousands) keeps the `limit` that sound most like the heard word."""
        if not words:
            return []
        before = self._forward(words)
        after = self._backward(words)
        out: list[set[str]] = []
        for i, word in enumerate(words):
            ends = after[i]
            allowed = {w for s in before[i] for target, w in self._out[s] if target in ends}
            if limit is not None and len(allowed) > limit + 1:
                allowed = {word, *self.closest(word, allowed - {word}, limit)}
            out.append(allowed | {word})
        return out

    def closest(self, word: str, others: set[str], limit: int) -> list[str]:
        """The `limit` words of `others` whose phones are fewest edits from `word`'s."""
        codes = {w: self._code(w) for w in others}
        best = process.extract(
            self._code(word), codes, scorer=Levenshtein.normalized_similarity, limit=limit
        )
        return [w for _, _, w in best]

    def _code(self, word: str) -> str:
        """The word's phones as one character each, so string distances are phone edits."""
        if word not in self._codes:
            phones = (self._phones(word) or "").split()
            self._codes[word] = "".join(
                self._symbols.setdefault(p, chr(0x100 + len(self._symbols))) for p in phones
            )
        return self._codes[word]
