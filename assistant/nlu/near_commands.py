"""Commands heard a word off: the templates' fixed sentences (no names, no numbers) by sound.

Open-vocabulary recognisers garble short commands into words no template has ("stock
shuffling", "and pause", "blade the next track"). When nothing else reads an utterance, its
sound is compared with the sound of every fixed sentence the templates can say, and a near
one is offered as a question ("Did you mean stop shuffling?"), never acted on: a sentence
a word off is as often something else said as a mishearing. The sentences are worked out
once per template set, a few thousand short strings, so a lookup never walks the library.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from assistant.nlu.base import IntentResult, SlotValue
from assistant.nlu.phonemes import sounds
from assistant.nlu.templates import Alt, IntentSet, Node, Seq, SlotRef, Word

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


@dataclass(frozen=True)
class _Command:
    intent: str
    slots: tuple[tuple[str, SlotValue], ...]


class NearCommands:
    """The fixed sentences of an IntentSet by sound, for readings of garbled commands."""

    def __init__(self, intents: IntentSet) -> None:
        say = sounds()
        commands: dict[str, set[_Command]] = {}
        words: set[str] = set()
        for sentence in intents.sentences:
            for said, slots in itertools.islice(
                _sayings(sentence.pattern, intents), MAX_PER_TEMPLATE
            ):
                words.update(said)
                key = say.words(" ".join(said))
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
        key = sounds().words(" ".join(tokens))
        if len(key) < MIN_PHONES:
            return None
        # The nearest sentences, by phones apart ("stock shuffling" is one from "stop
        # shuffling", two from "start shuffling").
        nearest: dict[int, set[_Command]] = {}
        for other, _, position in process.extract(
            key, self._keys, scorer=fuzz.ratio, score_cutoff=NEAR_RATIO, limit=10
        ):
            apart = Levenshtein.distance(key, other)
            if apart <= NEAR_PHONES:
                nearest.setdefault(apart, set()).update(self._commands[position])
        found = nearest[min(nearest)] if nearest else set[_Command]()
        if len(found) != 1:
            return None  # nothing near, or several commands as near: no one reading to offer
        command = found.pop()
        return IntentResult(
            intent=command.intent, slots=dict(command.slots), confidence=CONFIDENCE, text=text
        )


Saying = tuple[tuple[str, ...], dict[str, SlotValue]]
"""Words a template says, and the slot values those words fix."""


def _sayings(node: Node, intents: IntentSet) -> Iterator[Saying]:
    """Every word sequence `node` matches, with the slot values it fixes; nothing for a
    node with a name or number slot (those are not fixed sentences)."""
    if isinstance(node, Word):
        yield (node.text,), {}
    elif isinstance(node, SlotRef):
        slot = intents.lists[node.name]
        for value in slot.values:  # a closed list ("on", "off"); names and numbers have none
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
