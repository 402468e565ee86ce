"""Where the words heard so far stand in the command grammar: a whole sentence or not, and
what could still follow them.

The end of a command is held open while the owner may still be saying it: "play the album
rumours" can go on "by fleetwood mac". The grammar's word graph (assistant.asr.fsg) answers
it by walking the words from its start: the sequence is a whole sentence when the walk can
reach the final state, and it can go on when a reached state has words leaving it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from assistant.asr.base import Grammar, SoFar
from assistant.asr.fsg import WordGraph, compile_grammar

LONGER_LIMIT = 64
"""Longer sentences listed at most; past this (a name can follow) only "there are more" is
said. The fixed commands' optional words ("stop [the] [music|radio|...]") stay well under."""


class GrammarWalk:
    """A grammar's word graph, indexed to walk a word sequence through it."""

    def __init__(self, graph: WordGraph, spoken: Callable[[str], str] = str) -> None:
        """`spoken` maps the graph's words back to the grammar's (a decoder's spelling)."""
        self._final = graph.final
        self._start = graph.start
        self._nulls: dict[int, set[int]] = {}
        self._by_word: dict[int, dict[str, list[int]]] = {}
        """state -> word -> the states that word leads to."""
        for source, target, _, word in graph.transitions:
            if word is None:
                self._nulls.setdefault(source, set()).add(target)
            else:
                self._by_word.setdefault(source, {}).setdefault(spoken(word), []).append(target)

    @classmethod
    def of(cls, grammar: Grammar) -> GrammarWalk:
        return cls(compile_grammar(grammar))

    def _closed(self, states: Iterable[int]) -> set[int]:
        # Null transitions are transitively closed by compile_grammar: one step reaches all.
        found = set(states)
        for state in list(found):
            found |= self._nulls.get(state, set())
        return found

    def after(self, words: Sequence[str], *, limit: int = LONGER_LIMIT) -> SoFar:
        """Where `words` stand: a whole sentence or not, and the longer sentences they begin."""
        text = " ".join(words)
        states = self._closed([self._start])
        for word in words:
            states = self._closed(
                target for state in states for target in self._by_word.get(state, {}).get(word, ())
            )
            if not states:
                return SoFar(text=text, complete=False, longer=())
        return SoFar(text=text, complete=self._final in states, longer=self._longer(states, limit))

    def _next_words(self, states: set[int]) -> dict[str, set[int]]:
        """Each word that can be said next from `states`, and where it leads."""
        leads: dict[str, set[int]] = {}
        for state in states:
            for word, targets in self._by_word.get(state, {}).items():
                leads.setdefault(word, set()).update(targets)
        return leads

    def _longer(self, states: set[int], limit: int) -> tuple[str, ...] | None:
        """Every way to go on from `states` to the end of a sentence, as the words to add;
        None when there are more than `limit`."""
        found: list[str] = []
        stack: list[tuple[set[int], tuple[str, ...]]] = [(states, ())]
        while stack:
            here, said = stack.pop()
            for word, targets in sorted(self._next_words(here).items()):
                reached = self._closed(targets)
                more = (*said, word)
                if self._final in reached:
                    found.append(" ".join(more))
                if any(s in self._by_word for s in reached):
                    stack.append((reached, more))
                if len(found) > limit or len(stack) > limit:
                    return None
        return tuple(dict.fromkeys(found))
