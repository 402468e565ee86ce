"""The recognition grammar: every command the templates allow, with the library's names.

Speech recognisers constrained to this grammar can only hear things the assistant can act
on (grammar-constrained decoding is the single biggest accuracy lever; see
bench/bench_asr.py). Built from the same IntentSet and entity indexes as the matcher, so
what is heard and what is understood cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from assistant.asr.base import Grammar
from assistant.nlu.entities import EntityIndex
from assistant.nlu.numbers import to_words
from assistant.nlu.templates import Alt, IntentSet, Node, Seq, SlotList, SlotRef, Word

# Spoken lengths of time the grammar offers for a {minutes} slot.
_DURATION_MINUTES = (1, 2, 3, 4, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 75, 90, 120)


class _Builder:
    def __init__(self, intents: IntentSet, entities: Mapping[str, EntityIndex]) -> None:
        self.intents = intents
        self.entities = entities
        self.rules: dict[str, tuple[tuple[str, ...], ...]] = {}
        self._alt_names: dict[Node, str] = {}

    def tokens(self, node: Node) -> tuple[str, ...]:
        if isinstance(node, Word):
            return (node.surface,)
        if isinstance(node, Seq):
            return tuple(t for item in node.items for t in self.tokens(item))
        if isinstance(node, SlotRef):
            return (f"<{self.slot(self.intents.lists[node.name])}>",)
        return (f"<{self.alternatives(node)}>",)

    def alternatives(self, node: Alt) -> str:
        if node not in self._alt_names:
            name = f"alt{len(self._alt_names)}"
            self._alt_names[node] = name
            self.rules[name] = tuple(dict.fromkeys(self.tokens(o) for o in node.options))
        return self._alt_names[node]

    def slot(self, slot: SlotList) -> str:
        name = f"slot_{slot.name}"
        if name in self.rules:
            return name
        self.rules[name] = ()  # reserve: a slot's values never refer back to the slot
        if slot.entities:
            index = self.entities.get(slot.entities)
            phrases: Iterable[str] = index.phrases() if index is not None else ()
            alts = tuple(tuple(p.split()) for p in phrases)
            self.rules[name] = alts or (("<nothing>",),)
        elif slot.duration:
            self.rules[name] = self._durations()
        elif slot.is_number:
            self.rules[name] = tuple(
                tuple(to_words(n).split()) for n in range(slot.low, slot.high + 1)
            )
        else:
            self.rules[name] = tuple(dict.fromkeys(self.tokens(v.pattern) for v in slot.values))
        return name

    @staticmethod
    def _durations() -> tuple[tuple[str, ...], ...]:
        alts: list[tuple[str, ...]] = []
        for minutes in _DURATION_MINUTES:
            words = tuple(to_words(minutes).split())
            alts.append((*words, "minutes" if minutes > 1 else "minute"))
            alts.append(words)
        alts += [("an", "hour"), ("one", "hour"), ("two", "hours"), ("three", "hours"),
                 ("half", "an", "hour"), ("an", "hour", "and", "a", "half")]  # fmt: skip
        return tuple(alts)


def build_grammar(intents: IntentSet, entities: Mapping[str, EntityIndex]) -> Grammar:
    """The grammar of every sentence the templates allow, names from `entities`.

    A leading or trailing skip word ("please", "can you") is allowed, as the matcher allows.
    Slots with no names in the library (no podcasts, say) get a rule that cannot be said, so
    their sentences drop out rather than accepting anything.
    """
    builder = _Builder(intents, entities)
    commands = tuple(dict.fromkeys(builder.tokens(s.pattern) for s in intents.sentences))
    builder.rules["command"] = commands
    skips = tuple(s for s in intents.skip_words if len(s) <= 2)
    builder.rules["skip"] = ((), *skips)
    builder.rules["nothing"] = ()
    builder.rules["start"] = (("<skip>", "<command>", "<skip>"),)
    return Grammar(rules={k: v for k, v in builder.rules.items()}, start="start")
