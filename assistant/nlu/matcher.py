"""Understanding: words -> IntentResult, by templates plus fuzzy resolution of library names.

Every template that matches the whole utterance is a candidate; its slots are resolved
against the library and the best fully-resolved candidate wins. The matcher never swaps a
name it cannot find for a different one: such a slot is reported as unresolved, and names
that fit several things equally well come back as `choices` to ask about.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

from rapidfuzz import fuzz

from assistant.nlu import names_first
from assistant.nlu.base import IntentResult, SlotValue
from assistant.nlu.entities import ACCEPT as ACCEPT  # re-exported: the matcher's threshold
from assistant.nlu.entities import EntityIndex, EntityMatch
from assistant.nlu.near_commands import NearCommands
from assistant.nlu.normalize import normalize, without_possessives
from assistant.nlu.numbers import parse_duration, parse_number
from assistant.nlu.phonemes import sounds
from assistant.nlu.templates import (
    Alt,
    IntentSet,
    Node,
    Sentence,
    Seq,
    SlotList,
    SlotRef,
    Word,
)

logger = logging.getLogger(__name__)

MAX_NAME_WORDS = 12
MAX_NUMBER_WORDS = 7
# A name is taken when its score reaches ACCEPT (entities.py); another name within AMBIGUITY
# of the best makes the slot ambiguous (we ask instead of guessing).
AMBIGUITY = 0.04
# When the library has several things of one name (a title by two artists) and the words do
# not say which, or the recogniser is unsure of the words, the result is capped at this
# confidence so the assistant asks.
ASK_CONFIDENCE = 0.6
# An engine confidence under this: the recogniser would not bet on the words, and the result's
# confidence (the product) is under the shipped nlu.min_confidence (tests and benches count it).
UNSURE_BELOW = 0.5
# A reading of the same command with other slots at least this likely, relative to the heard
# one, is asked about rather than ruled out ("shuffle on" heard, "shuffle off" nearly as
# good: "Which one: on or off?").
RIVAL_SHARE = 0.35
# A title found by an artist not found ("lemonade by bayon"): when the words said for the
# artist are this alike (0..100, by spelling or by sound) to the title's one artist, the
# assistant asks "Did you mean Lemonade by Beyoncé?" rather than saying it has no Bayon.
MISHEARD_ARTIST = 60.0
# How much better a later recognition alternative must be understood to win over an earlier
# one: a playlist's name matched at 0.97 is no worse understood than a template's words at
# 1.0, and whisper's reading, first when it and the grammar's differ, was the right one 36
# and 51 times of 37 and 53 (asr.second_opinion.RIVAL_CONFIDENCE); at 0.02 the grammar's
# "play for fifteen more" (a sleep timer) was asked about instead of whisper's "play songs to
# sing in the car". An unresolved name (half the score) is still clearly worse. It orders the
# grammar recogniser's own alternatives too, which have confidences of their own: bench_spoken
# --quick (seed 7) had the same successes and wrong actions with it (and the second opinion's
# changes made with it) as before, at 0.02.
RANK_PENALTY = 0.05
# Which intent wins among equally good readings ("play help": album or track?).
PRIORITY = ("PlayPlaylist", "PlayArtist", "PlayAlbum", "PlayTrack", "PlayGenre", "PlayRadio",
            "PlayPodcast")  # fmt: skip
# Which intent reports a name found nowhere ("play the rolling stones" -> "I couldn't find the
# rolling stones in your library"): the most common kind of thing people ask for by name.
UNRESOLVED_PRIORITY = ("PlayArtist", "PlayTrack", "PlayAlbum", "PlayPlaylist", "PlayGenre",
                       "PlayPodcast", "PlayRadio")  # fmt: skip
# Words that make a template look more specific than it is ("play THE x").
_FILLER = frozenset({"the", "a", "an", "my", "some", "to", "me"})


@dataclass(frozen=True)
class OutOfRange:
    """A number said where the slot allows a range it is outside ("volume 150")."""

    words: str


Capture = tuple[str, tuple[str, ...] | SlotValue | OutOfRange]


@dataclass
class _Candidate:
    sentence: Sentence
    literal_words: int
    score: float
    slots: dict[str, SlotValue] = field(default_factory=dict)
    unresolved: dict[str, str] = field(default_factory=dict)
    choices: list[dict[str, SlotValue]] = field(default_factory=list)
    unsure: bool = False
    """A name was found only by a near sound: ask before acting."""
    found: dict[str, EntityMatch] = field(default_factory=dict)
    """The library name each resolved name slot took."""

    def rank(self) -> tuple[float, int, int]:
        return (
            round(self.score, 3),
            self.literal_words,
            -_position(PRIORITY, self.sentence.intent),
        )

    def rank_unresolved(self) -> tuple[int, int, float]:
        position = _position(UNRESOLVED_PRIORITY, self.sentence.intent)
        return (self.literal_words, -position, self.score)


def _upper_bound(sentence: Sentence, literal: int) -> tuple[float, int, int]:
    """The best rank a parse can reach, before its names are looked up."""
    return (round(sentence.weight, 3), literal, -_position(PRIORITY, sentence.intent))


def _position(order: tuple[str, ...], intent: str) -> int:
    return order.index(intent) if intent in order else len(order)


class Matcher:
    """Matches text against an IntentSet with library names from `entities` (by list type)."""

    def __init__(self, *, intents: IntentSet, entities: Mapping[str, EntityIndex]) -> None:
        self.intents = intents
        self.entities = entities
        # The words each template can begin with (None: any, it may begin with a name) and
        # the words every match of it holds, so most templates are passed over without
        # walking them.
        self._starts = [_first_words(s.pattern) for s in intents.sentences]
        self._needs = [_needed_words(s.pattern) for s in intents.sentences]
        self._openers = _alt_openers(intents)
        self._near_commands = NearCommands(intents)

    def match(self, text: str) -> IntentResult | None:
        """The best reading of `text`, or None when it is not a command we understand."""
        tokens = normalize(text).split()
        # In a fixed order (not a set's, which changes with each process's string hashes):
        # among equally good readings the first wins.
        # Skip words at the start can begin a template too ("i want to hear ..."): the words
        # with those at the end taken off one by one are read as well ("... adele please"),
        # after the whole words, so that there a name ending in one keeps it ("i want to
        # hear all right now"). (Without such a start, "play all right now" is All Right:
        # the words stripped at both ends come first, and tie.)
        readings = dict.fromkeys(
            [self._strip_skip_words(tokens), tuple(tokens), *self._ends_stripped(tokens)]
        )
        # "fleetwood mac's rumours" is also read as "fleetwood mac rumours".
        plain = without_possessives(text)
        plain_tokens = normalize(plain).split() if plain is not None else []
        if plain_tokens:
            readings[self._strip_skip_words(plain_tokens)] = None
        walks = [
            _Walk(reading, self.intents.lists, self._openers) for reading in readings if reading
        ]
        parses = [
            (sentence, literal, captures)
            for walk in walks
            for sentence, starts, needs in zip(
                self.intents.sentences, self._starts, self._needs, strict=True
            )
            if (starts is None or walk.tokens[0] in starts) and needs <= walk.words
            for literal, captures in walk.whole(sentence.pattern)
        ]
        # Resolving names is the costly part: go from the most promising parse down and stop
        # once no remaining parse could beat the best resolved one (names score at most 1).
        parses.sort(key=lambda p: _upper_bound(p[0], p[1]), reverse=True)
        lookups: dict[tuple[str, str, bool], list[EntityMatch]] = {}
        best: _Candidate | None = None
        unresolved: list[_Candidate] = []
        for sentence, literal, captures in parses:
            if best is not None and _upper_bound(sentence, literal) <= best.rank():
                break
            candidate = self._candidate(sentence, literal, captures, lookups)
            if candidate.unresolved:
                unresolved.append(candidate)
            elif best is None or candidate.rank() > best.rank():
                best = candidate
        if best is None:
            for words in filter(None, (tokens, plain_tokens)):
                reading = names_first.read(
                    self._strip_skip_words(words),
                    lambda kind, words, near: self._lookup(kind, words, lookups, near=near),
                    text,
                )
                if reading is not None:
                    return reading
            if not unresolved:
                return self._near_commands.read(self._strip_skip_words(tokens), text)
            best = _misheard_artist(unresolved) or max(unresolved, key=_Candidate.rank_unresolved)
        confidence = best.score
        if best.choices or best.unsure:
            confidence = min(confidence, ASK_CONFIDENCE)
        return IntentResult(
            intent=best.sentence.intent,
            slots=best.slots,
            confidence=round(confidence, 3),
            text=text,
            unresolved=best.unresolved,
            choices=tuple(best.choices),
        )

    def match_alternatives(self, hypotheses: Sequence[tuple[str, float]]) -> IntentResult | None:
        """Score every recognition alternative (text, engine confidence 0..1); the best wins.

        A lower-ranked transcript wins only when it understands clearly better: recognisers
        often put the right words second when a name is unusual. The engine's confidences
        are probabilities that the words are right, so the winner's is the sum over every
        alternative that means the same action ("turn it up" and "turn that up"), and the
        result's confidence is the matcher's times that. An alternative of the same intent
        that means something else, and is at least RIVAL_SHARE as likely, makes the result a
        question between the two ("Which one: on or off?").
        """
        readings: list[tuple[float, float, IntentResult]] = []
        for rank, (text, asr_confidence) in enumerate(hypotheses):
            result = self.match(text)
            if result is None:
                continue
            resolved = 0.0 if result.unresolved else 1.0
            understood = result.confidence * (0.75 + 0.25 * asr_confidence)
            score = understood - RANK_PENALTY * rank + resolved
            readings.append((score, asr_confidence, result))
        if not readings:
            return None
        _, asr_confidence, result = max(readings, key=lambda r: r[0])
        action = _action(result)
        heard = sum(asr for _, asr, r in readings if _action(r) == action)
        rivals: dict[tuple[str, str], tuple[float, IntentResult]] = {}
        for _, asr, r in readings:
            key = _action(r)
            if key != action:
                mass, first = rivals.get(key, (0.0, r))
                rivals[key] = (mass + asr, first)
        if len(hypotheses) > 1 or asr_confidence < 1.0:
            # A result with choices carries ASK_CONFIDENCE as a sign to ask, not a probability.
            words = min(1.0, heard)
            confidence = (
                min(result.confidence, words) if result.choices else result.confidence * words
            )
            result = replace(result, confidence=confidence)
        close = [r for mass, r in rivals.values()
                 if r.intent == result.intent and not r.unresolved and not r.choices
                 and mass >= RIVAL_SHARE * heard]  # fmt: skip
        if close and not result.choices and not result.unresolved:
            choices = (dict(result.slots), *(dict(r.slots) for r in close))
            result = replace(
                result, choices=choices, confidence=min(result.confidence, ASK_CONFIDENCE)
            )
        return result

    def _ends_stripped(self, tokens: list[str]) -> list[tuple[str, ...]]:
        """`tokens` with the skip words at their end taken off, one more each time."""
        found: list[tuple[str, ...]] = []
        words = tuple(tokens)
        while True:
            skip = next((s for s in self.intents.skip_words
                         if len(words) > len(s) and words[-len(s) :] == s), None)  # fmt: skip
            if skip is None:
                return found
            words = words[: -len(skip)]
            found.append(words)

    def _strip_skip_words(self, tokens: list[str]) -> tuple[str, ...]:
        words = list(tokens)
        changed = True
        while changed and words:
            changed = False
            for skip in self.intents.skip_words:
                n = len(skip)
                if tuple(words[:n]) == skip and len(words) > n:
                    words = words[n:]
                    changed = True
                elif tuple(words[-n:]) == skip and len(words) > n:
                    words = words[:-n]
                    changed = True
        return tuple(words)

    def _candidate(
        self,
        sentence: Sentence,
        literal: int,
        captures: tuple[Capture, ...],
        lookups: dict[tuple[str, str, bool], list[EntityMatch]],
    ) -> _Candidate:
        candidate = _Candidate(sentence, literal, sentence.weight, dict(sentence.fixed_slots))
        names: dict[str, str] = {}
        for slot, value in captures:
            if isinstance(value, tuple):
                names[slot] = " ".join(value)
            elif isinstance(value, OutOfRange):
                # Reported like a name not found, so the answer can say what is allowed.
                candidate.unresolved[slot] = value.words
                candidate.score *= 0.5
            else:
                candidate.slots[slot] = value
        # Resolve the artist first: it narrows which album or track is meant.
        for slot in sorted(names, key=lambda s: s != "artist"):
            kind = self.intents.lists[slot].entities or slot
            words = names[slot]
            self._resolve(candidate, slot, words, self._lookup(kind, words, lookups))
        return candidate

    def _lookup(
        self,
        kind: str,
        words: str,
        lookups: dict[tuple[str, str, bool], list[EntityMatch]],
        *,
        near: bool = True,
    ) -> list[EntityMatch]:
        """Library names of `kind` for `words`, each looked up once per utterance (a full
        lookup answers for a `near=False` one too)."""
        if (kind, words, True) in lookups:
            return lookups[(kind, words, True)]
        key = (kind, words, near)
        if key not in lookups:
            index = self.entities.get(kind)
            lookups[key] = index.lookup(words, near=near) if index is not None else []
        return lookups[key]

    def _resolve(
        self, candidate: _Candidate, slot: str, words: str, matches: list[EntityMatch]
    ) -> None:
        artist = candidate.slots.get("artist")
        if artist is not None and slot != "artist":
            matches = [m for m in matches if artist in _artists(m)]
        good = [m for m in matches if m.score >= ACCEPT]
        if not good:
            candidate.unresolved[slot] = words
            candidate.score *= 0.5
            return
        top = good[0]
        rivals = [m for m in good if m.score >= top.score - AMBIGUITY]
        candidate.slots[slot] = top.entity.value
        candidate.found[slot] = top
        candidate.score *= top.score
        candidate.unsure = candidate.unsure or not top.sure
        distinct = {m.entity.value for m in rivals}
        if len(distinct) > 1:
            candidate.choices = [
                {slot: value} for value in dict.fromkeys(m.entity.value for m in rivals)
            ]
            return
        # One name, several things (Hello by Adele / by Lionel Richie): ask which, unless said.
        same_name = [m for m in rivals if m.entity.value == top.entity.value]
        by = {m.entity.attrs.get("artist", "") for m in same_name}
        if artist is None and len(by) > 1 and slot in ("track", "album"):
            candidate.choices = [
                {slot: top.entity.value, "artist": who} for who in sorted(by) if who
            ]


def _misheard_artist(candidates: Sequence[_Candidate]) -> _Candidate | None:
    """The best reading whose only name not found is the artist of a title found, said
    like the title's one artist (MISHEARD_ARTIST), as that artist's, to be asked about.
    Only readings as literal as any: "something by the eagles" is a request for an artist,
    not for a song called Something."""
    literal = max(c.literal_words for c in candidates)
    for candidate in sorted(candidates, key=_Candidate.rank, reverse=True):
        said = candidate.unresolved.get("artist")
        if said is None or len(candidate.unresolved) > 1 or candidate.choices:
            continue
        if candidate.literal_words < literal:
            continue
        for slot in ("track", "album"):
            match = candidate.found.get(slot)
            artist = match.entity.attrs.get("artist", "") if match else ""
            if match is None or not artist or not _alike(said, artist):
                continue
            return replace(
                candidate,
                score=candidate.sentence.weight * match.score,
                slots={**candidate.slots, "artist": artist},
                unresolved={},
                unsure=True,
            )
    return None


def _alike(said: str, name: str) -> bool:
    named = normalize(name)
    say = sounds()
    spelling = fuzz.ratio(said, named)
    sound = fuzz.ratio(say.words(said), say.words(named))
    return max(spelling, sound) >= MISHEARD_ARTIST


def _first_words(node: Node) -> frozenset[str] | None:
    """The words a match of `node` can begin with; None when it can begin with any."""
    words, _ = _firsts(node)
    return words


def _firsts(node: Node) -> tuple[frozenset[str] | None, bool]:
    """(first words or None for any, whether the node can match no words at all)."""
    if isinstance(node, Word):
        return frozenset({node.text}), False
    if isinstance(node, SlotRef):
        return None, False
    if isinstance(node, Alt):
        found: set[str] = set()
        empty = False
        for option in node.options:
            words, option_empty = _firsts(option)
            if words is None:
                return None, False
            found |= words
            empty = empty or option_empty
        return frozenset(found), empty
    found = set()
    for item in node.items:
        words, item_empty = _firsts(item)
        if words is None:
            return None, False
        found |= words
        if not item_empty:
            return frozenset(found), False
    return frozenset(found), True


Openers = Mapping[int, tuple[tuple[Node, frozenset[str] | None], ...]]
"""By id of each Alt of the templates and slot lists: its options, each with the words a
match of it begins with (None: it may begin with any word, or match none)."""


def _alt_openers(intents: IntentSet) -> Openers:
    openers: dict[int, tuple[tuple[Node, frozenset[str] | None], ...]] = {}

    def visit(node: Node) -> None:
        if isinstance(node, Alt) and id(node) not in openers:
            firsts = [_firsts(option) for option in node.options]
            openers[id(node)] = tuple(
                (option, None if empty else words)
                for option, (words, empty) in zip(node.options, firsts, strict=True)
            )
            for option in node.options:
                visit(option)
        elif isinstance(node, Seq):
            for item in node.items:
                visit(item)

    for sentence in intents.sentences:
        visit(sentence.pattern)
    for slot in intents.lists.values():
        for value in slot.values:
            visit(value.pattern)
    return openers


def _needed_words(node: Node) -> frozenset[str]:
    """The words every match of `node` holds (a slot's words are not counted on)."""
    if isinstance(node, Word):
        return frozenset({node.text})
    if isinstance(node, Alt):
        options = [_needed_words(option) for option in node.options]
        return frozenset.intersection(*options) if options else frozenset()
    if isinstance(node, Seq):
        return frozenset().union(*(_needed_words(item) for item in node.items))
    return frozenset()


def _artists(match: EntityMatch) -> set[str]:
    attrs = match.entity.attrs
    return {attrs.get("artist", ""), attrs.get("album_artist", "")} - {""}


Step = tuple[int, tuple[Capture, ...], int]
"""(position after the match, what its slots captured, literal words it matched)."""


class _Walk:
    """Every way a template matches a tokenised utterance, with what its slots captured.

    The matches of a piece of template at a position are worked out once per utterance and
    remembered: the same pieces (<play>, <song>, a {slot}) begin most templates.
    """

    def __init__(
        self, tokens: tuple[str, ...], lists: Mapping[str, SlotList], openers: Openers
    ) -> None:
        self.tokens = tokens
        self.openers = openers
        self.words = frozenset(tokens)
        self.lists = lists
        self._memo: dict[tuple[int, int], tuple[Step, ...]] = {}

    def whole(self, node: Node) -> Iterator[tuple[int, tuple[Capture, ...]]]:
        """Matches of `node` covering all the tokens: (literal words matched, captures)."""
        for end, caps, literal in self.node(node, 0):
            if end == len(self.tokens):
                yield literal, caps

    def node(self, node: Node, pos: int) -> tuple[Step, ...]:
        key = (id(node), pos)
        steps = self._memo.get(key)
        if steps is None:
            steps = self._memo[key] = tuple(self._steps(node, pos))
        return steps

    def _steps(self, node: Node, pos: int) -> Iterator[Step]:
        tokens = self.tokens
        if isinstance(node, Word):
            if pos < len(tokens) and tokens[pos] == node.text:
                yield pos + 1, (), int(node.text not in _FILLER)
        elif isinstance(node, Seq):
            yield from self.seq(node.items, 0, pos)
        elif isinstance(node, Alt):
            # Only the options that can begin with the word here are tried.
            word = tokens[pos] if pos < len(tokens) else None
            for option, opens in self.openers[id(node)]:
                if opens is None or word in opens:
                    yield from self.node(option, pos)
        elif isinstance(node, SlotRef):
            yield from self.slot(self.lists[node.name], pos)

    def seq(self, items: tuple[Node, ...], i: int, pos: int) -> Iterator[Step]:
        if i == len(items):
            yield pos, (), 0
            return
        for end, caps, literal in self.node(items[i], pos):
            for rest_end, rest_caps, rest_literal in self.seq(items, i + 1, end):
                yield rest_end, caps + rest_caps, literal + rest_literal

    def slot(self, slot: SlotList, pos: int) -> Iterator[Step]:
        tokens = self.tokens
        if slot.values:
            for value in slot.values:
                for end, _, _ in self.node(value.pattern, pos):
                    if end > pos:
                        yield end, ((slot.name, value.out),), end - pos
            return
        limit = MAX_NAME_WORDS if slot.entities else MAX_NUMBER_WORDS
        for end in range(pos + 1, min(len(tokens), pos + limit) + 1):
            words = tokens[pos:end]
            if slot.entities:
                yield end, ((slot.name, words),), 0
                continue
            number = parse_duration(words) if slot.duration else parse_number(words)
            if number is None:
                continue
            if slot.duration or slot.low <= number <= slot.high:
                yield end, ((slot.name, number),), len(words)
            else:
                yield end, ((slot.name, OutOfRange(str(number))),), len(words)


def _action(result: IntentResult) -> tuple[str, str]:
    """What a result would do: readings with the same action pool their probability."""
    return result.intent, repr(sorted(result.slots.items()))
