"""The recognition grammar: every command the templates allow, with the library's names.

Speech recognisers constrained to this grammar can only hear things the assistant can act
on (grammar-constrained decoding is the single biggest accuracy lever; see
bench/bench_asr.py). Built from the same IntentSet and entity indexes as the matcher, so
what is heard and what is understood cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from assistant.asr.base import Grammar
from assistant.nlu.answers import NO_PHRASES, PICK_LEADS, PICK_ORDINALS, YES_PHRASES
from assistant.nlu.entities import EntityIndex
from assistant.nlu.numbers import to_words
from assistant.nlu.templates import Alt, IntentSet, Node, Seq, SlotList, SlotRef, Word


def _top_level_sequences(node: Node) -> list[tuple[Node, ...]]:
    """A sentence as flat item sequences (a template that is itself alternatives gives several)."""
    if isinstance(node, Alt):
        return [seq for option in node.options for seq in _top_level_sequences(option)]
    if isinstance(node, Seq):
        return [node.items]
    return [(node,)]


def _is_name_slot(node: Node, intents: IntentSet) -> bool:
    return isinstance(node, SlotRef) and intents.lists[node.name].entities is not None


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


def _answers() -> tuple[tuple[str, ...], ...]:
    said = [tuple(phrase.split()) for phrase in sorted(YES_PHRASES | NO_PHRASES)]
    said += [("the", ordinal, "one") for ordinal in PICK_ORDINALS]
    return tuple(dict.fromkeys(said))


def build_grammar(intents: IntentSet, entities: Mapping[str, EntityIndex]) -> Grammar:
    """The grammar of the sentences the templates allow, names from `entities`.

    Sentences that name something are factored as (lead-in) (any name) (tail): every
    template's words before its first name, then one shared rule of every name, then what
    may follow ("by <artist>", "playlist"). Recognisers expand each rule reference into a
    copy, so naming the thousands of names once, not once per template, is what keeps the
    search small; the price is some sentences no template has ("play the album <station>"),
    which the matcher then reports as not found. A leading or trailing "please" is allowed.
    Answers to the assistant's questions ("yes", "the one by adele", "the second one") are
    sentences too: a follow-up is heard with the same grammar.
    Entity types with no names in the library get a rule that cannot be said, so their
    sentences drop out.
    """
    builder = _Builder(intents, entities)
    fixed: list[tuple[str, ...]] = []
    leads: list[tuple[str, ...]] = []
    tails: list[tuple[str, ...]] = []
    names: list[str] = []
    for sentence in intents.sentences:
        for items in _top_level_sequences(sentence.pattern):
            cut = next((i for i, item in enumerate(items) if _is_name_slot(item, intents)), None)
            if cut is None:
                fixed.append(tuple(t for item in items for t in builder.tokens(item)))
                continue
            slot = items[cut]
            assert isinstance(slot, SlotRef)
            names.append(f"<{builder.slot(intents.lists[slot.name])}>")
            leads.append(tuple(t for item in items[:cut] for t in builder.tokens(item)))
            tails.append(tuple(t for item in items[cut + 1 :] for t in builder.tokens(item)))
    # "the one by <name>" answers a question; as one more lead-in before the shared names it
    # costs a few words, where a rule of its own would copy every name (+46 % graph).
    leads += [lead for lead in PICK_LEADS if lead]
    builder.rules["lead"] = tuple(dict.fromkeys(leads))
    builder.rules["name"] = tuple((n,) for n in dict.fromkeys(names))
    builder.rules["tail"] = tuple(dict.fromkeys(tails))
    builder.rules["command"] = (*dict.fromkeys(fixed), ("<lead>", "<name>", "<tail>"))
    # Only "please" around a command: every filler word offered to the recogniser is one more
    # way to explain noise (measured: fewer right, more rejected with all skip words).
    builder.rules["skip"] = ((), ("please",))
    builder.rules["nothing"] = ()
    builder.rules["answer"] = _answers()
    builder.rules["start"] = (("<skip>", "<command>", "<skip>"), ("<answer>",))
    return Grammar(rules={k: v for k, v in builder.rules.items()}, start="start",
                   names=frozenset(n[1:-1] for n in names))  # fmt: skip
