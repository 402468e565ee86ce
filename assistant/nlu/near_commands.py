"""Commands heard a word off: the templates' sentences without names, by sound.

Open-vocabulary recognisers garble short commands into words no template has ("stock
shuffling", "blade the next track", "set a sleeve timer for 30 minutes"). When nothing else
reads an utterance, its sound is compared with the sound of every sentence the templates
can say without a library name (a number said stands in for a number slot), and a near one
is offered as a question ("Did you mean stop shuffling?"), never acted on: a sentence a word
off is as often something else said as a mishearing. The sentences are worked out once per
template set, a few thousand short strings, so a lookup never walks the library.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from assistant.nlu.base import IntentResult, SlotValue
from assistant.nlu.numbers import parse_duration, parse_number
from assistant.nlu.phonemes import sounds
from assistant.nlu.templates import Alt, IntentSet, Node, Seq, SlotList, SlotRef, Word

# As for a name heard a word off (entities.NEAR_WORDS_*): at least this alike in sound
# (0..100), at most this many phones apart, and long enough for that to be a slip (commands
# are short: "un pause" has five phones).
NEAR_RATIO = 83.0
NEAR_PHONES = 2
MIN_PHONES = 5
# How sure such a reading is: under nlu.confirm_below, so the dialogue asks.
CONFIDENCE = 0.6
# Ways of saying one template that are worked out at most (its optional words multiply).
MAX_PER_TEMPLATE = 400
# Where a number slot is in a sentence's sound key: no phone has this letter.
NUMBER = "#"
_MAX_NUMBER_WORDS = 7


@dataclass(frozen=True)
class _Command:
    intent: str
    slots: tuple[tuple[str, SlotValue | _NumberSlot], ...]


class NearCommands:
    """The fixed sentences of an IntentSet by sound, for readings of garbled commands."""

    def __init__(self, intents: IntentSet) -> None:
        commands: dict[str, set[_Command]] = {}
        words: set[str] = set()
        for sentence in intents.sentences:
            for said, slots in itertools.islice(
                _sayings(sentence.pattern, intents), MAX_PER_TEMPLATE
            ):
                words.update(w for w in said if w != NUMBER)
                key = _key(said)
                if len(key) >= MIN_PHONES:
                    fixed = {**sentence.fixed_slots, **slots}
                    command = _Command(sentence.intent, tuple(sorted(fixed.items())))
                    commands.setdefault(key, set()).add(command)
        self._keys = list(commands)
        self._commands = [commands[key] for key in self._keys]
        self._vocabulary = frozenset(words)

    def read(self, tokens: Sequence[str], text: str) -> IntentResult | None:
        """The one command the words sound nearly like, to be asked about, or None.

        Only words with one the commands never use are taken for garbled: "turn it on" is
        not a mishearing of "turn it off", it is a sentence the templates lack."""
        if all(word in self._vocabulary for word in tokens):
            return None
        # As said; else with a number said, or a length of time, standing in for a number
        # slot of that kind ("raise the volume of seventy percent" is no sleep timer).
        for said, number in [(list(tokens), None), *_numbers_out(list(tokens))]:
            found = self._nearest(_key(said), number)
            if found:
                break
        else:
            return None
        if len(found) != 1:
            return None  # several commands as near: no one reading to offer
        command = found.pop()
        slots: dict[str, SlotValue] = {}
        for name, value in command.slots:
            if not isinstance(value, _NumberSlot):
                slots[name] = value
            elif number is not None:  # always, by _takes
                slots[name] = number.value
        return IntentResult(intent=command.intent, slots=slots, confidence=CONFIDENCE, text=text)

    def _nearest(self, key: str, number: _Number | None) -> set[_Command]:
        """The commands of the nearest sentences that take `number` (or none), by phones
        apart ("stock shuffling" is one from "stop shuffling", two from "start shuffling")."""
        if len(key) < MIN_PHONES:
            return set()
        nearest: dict[int, set[_Command]] = {}
        for other, _, position in process.extract(
            key, self._keys, scorer=fuzz.ratio, score_cutoff=NEAR_RATIO, limit=10
        ):
            apart = Levenshtein.distance(key, other)
            taken = {c for c in self._commands[position] if _takes(c, number)}
            if apart <= NEAR_PHONES and taken:
                nearest.setdefault(apart, set()).update(taken)
        return nearest[min(nearest)] if nearest else set()


@dataclass(frozen=True)
class _NumberSlot:
    """A number slot in a sentence, filled from the number said."""

    list: SlotList


def _key(words: Sequence[str]) -> str:
    say = sounds()
    return "".join(NUMBER if w == NUMBER else say.word(w) for w in words)


@dataclass(frozen=True)
class _Number:
    """A number said, as a number or as a length of time in minutes."""

    value: int
    duration: bool


def _takes(command: _Command, number: _Number | None) -> bool:
    """Whether the command has a number slot exactly when a number was taken out, of its
    kind and range."""
    slots = [value for _, value in command.slots if isinstance(value, _NumberSlot)]
    if number is None or not slots:
        return number is None and not slots
    slot = slots[0].list
    if slot.duration or number.duration:
        return slot.duration == number.duration
    return slot.low <= number.value <= slot.high


def _numbers_out(tokens: list[str]) -> list[tuple[list[str], _Number]]:
    """The words with their longest run that is a number as NUMBER, and with their longest
    run that is a length of time as NUMBER (each when there is one)."""
    out = []
    for duration in (False, True):
        run = _longest_run(tokens, duration)
        if run is not None:
            start, end, value = run
            out.append(([*tokens[:start], NUMBER, *tokens[end:]], _Number(value, duration)))
    return out


def _longest_run(tokens: list[str], duration: bool) -> tuple[int, int, int] | None:
    parse = parse_duration if duration else parse_number
    for size in range(min(_MAX_NUMBER_WORDS, len(tokens)), 0, -1):
        for start in range(len(tokens) - size + 1):
            run = tokens[start : start + size]
            if run in (["a"], ["an"]) or run[0] in ("for", "of", "more"):
                continue  # "turn it up a bit": an article; "for ten minutes": not the time
            value = parse(run)
            if value is not None:
                return start, start + size, value
    return None


Saying = tuple[tuple[str, ...], dict[str, SlotValue | _NumberSlot]]
"""Words a template says, and the slot values those words fix."""


def _sayings(node: Node, intents: IntentSet) -> Iterator[Saying]:
    """Every word sequence `node` matches, with the slot values it fixes (NUMBER for a
    number slot); nothing for a node with a name slot."""
    if isinstance(node, Word):
        yield (node.text,), {}
    elif isinstance(node, SlotRef):
        slot = intents.lists[node.name]
        if slot.is_number or slot.duration:
            yield (NUMBER,), {node.name: _NumberSlot(slot)}
        for value in slot.values:  # a closed list ("on", "off"); names have none
            for words, _ in _sayings(value.pattern, intents):
                yield words, {node.name: value.out}
    elif isinstance(node, Alt):
        for option in node.options:
            yield from _sayings(option, intents)
    elif isinstance(node, Seq):
        yield from _sequence(node.items, intents)


def _sequence(items: tuple[Node, ...], intents: IntentSet) -> Iterator[Saying]:
    if not items:
        yield (), {}
        return
    rests = list(itertools.islice(_sequence(items[1:], intents), MAX_PER_TEMPLATE))
    for words, slots in _sayings(items[0], intents):
        for rest_words, rest_slots in rests:
            yield words + rest_words, {**slots, **rest_slots}
