"""A Grammar compiled to a compact finite-state graph of words, for decoders that search one.

pocketsphinx's own JSGF compiler joins every alternative to the next rule through empty
(null) transitions and then closes them transitively: two large alternative sets in a row
cost the product of their sizes (11,000 states and 286,000 null transitions for a
200-sentence grammar of a small library). Here alternatives share their prefixes (a trie)
and end straight on the next rule's state, so only optional parts make null transitions and
the graph grows with the words, not their products.

The null transitions that remain are closed transitively here: pocketsphinx's FSG search
follows only one null transition per word exit (it assumes the closure), so a chain of two
optional parts ("play queen" + no tail + no trailing skip word) would otherwise never reach
the final state.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.asr.base import Grammar

Transition = tuple[int, int, float, str | None]
"""(from state, to state, probability, word or None for a null transition)."""


@dataclass
class WordGraph:
    start: int
    final: int
    transitions: list[Transition] = field(default_factory=list)

    @property
    def states(self) -> int:
        return 1 + max((max(a, b) for a, b, _, _ in self.transitions), default=1)

    @property
    def null_transitions(self) -> int:
        return sum(1 for t in self.transitions if t[3] is None)


def compile_grammar(grammar: Grammar, spell: Callable[[str], str] = str) -> WordGraph:
    """The grammar's language as a word graph; `spell` maps grammar words to decoder words.

    Null transitions are transitively closed; no transition appears twice.
    """
    arcs: dict[tuple[int, int, str | None], None] = {}  # ordered set: no duplicate arcs
    next_state = [2]

    def new_state() -> int:
        next_state[0] += 1
        return next_state[0] - 1

    def rule(name: str, entry: int, exit_: int, depth: int) -> None:
        if depth > 50:
            raise ValueError(f"grammar rule <{name}> nests too deeply (a cycle?)")
        if name not in grammar.rules:
            raise ValueError(f"grammar refers to an undefined rule <{name}>")
        alternatives(grammar.rules[name], entry, exit_, depth)

    def alternatives(alts: tuple[tuple[str, ...], ...], entry: int, exit_: int, depth: int) -> None:
        # A trie over the alternatives: (state, token) -> state for tokens not at an end.
        inner: dict[tuple[int, str], int] = {}
        ended: set[tuple[int, str]] = set()
        for alt in alts:
            tokens = [t for t in alt if t]
            if not tokens:
                arcs[(entry, exit_, None)] = None
                continue
            state = entry
            for i, token in enumerate(tokens):
                key = (state, token)
                if i == len(tokens) - 1:
                    if key not in ended:
                        ended.add(key)
                        edge(token, state, exit_, depth)
                    continue
                if key not in inner:
                    inner[key] = new_state()
                    edge(token, state, inner[key], depth)
                state = inner[key]

    def edge(token: str, source: int, target: int, depth: int) -> None:
        if Grammar.is_ref(token):
            rule(token[1:-1], source, target, depth + 1)
        else:
            arcs[(source, target, spell(token))] = None

    rule(grammar.start, 0, 1, 0)
    words = [(a, b, w) for a, b, w in arcs if w is not None]
    nulls = _close({(a, b) for a, b, w in arcs if w is None})
    outdegree: dict[int, int] = {}
    for source, _, _ in words:
        outdegree[source] = outdegree.get(source, 0) + 1
    # Every word on from a state is equally likely: the templates say what is possible, not
    # what is frequent. A null transition costs nothing (probability 1): it adds no word.
    transitions: list[Transition] = [(a, b, 1.0 / outdegree[a], w) for a, b, w in words]
    transitions += [(a, b, 1.0, None) for a, b in sorted(nulls)]
    return WordGraph(start=0, final=1, transitions=transitions)


def _close(nulls: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Transitive closure of null transitions (the grammar is acyclic, so this terminates)."""
    out: dict[int, list[int]] = {}
    for a, b in nulls:
        out.setdefault(a, []).append(b)

    @functools.cache
    def reach(state: int) -> frozenset[int]:
        found: set[int] = set()
        for nxt in out.get(state, ()):
            found.add(nxt)
            found |= reach(nxt)
        return frozenset(found)

    return {(a, b) for a in out for b in reach(a) if a != b}


def with_prefix(graph: WordGraph, words: tuple[str, ...]) -> WordGraph:
    """`graph` with `words` allowed in front of its sentences (as ever, they may be left out):
    a new start state, the words in a chain to the old start, and null transitions from the
    new start wherever the old one's reach (closed, as compile_grammar's)."""
    first = graph.states
    chain = [*range(first, first + len(words)), graph.start]
    transitions = list(graph.transitions)
    transitions += [(a, b, 1.0, w) for a, b, w in zip(chain[:-1], chain[1:], words, strict=True)]
    skipped = {graph.start}
    skipped |= {b for a, b, _, w in graph.transitions if a == graph.start and w is None}
    transitions += [(first, b, 1.0, None) for b in sorted(skipped)]
    return WordGraph(start=first, final=graph.final, transitions=transitions)
