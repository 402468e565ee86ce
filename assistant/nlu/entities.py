"""Fuzzy lookup of spoken names among the library's artists, albums, tracks, playlists, ...

Built once per catalogue generation: every name is indexed under each way it can be said
(`spoken_forms`), as a space-free key and a sound-alike key. A lookup is an exact dictionary
hit, else two rapidfuzz passes (spelling and sound) over the keys, so a command never walks
the library in Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from assistant.nlu.normalize import (
    normalize,
    phonetic,
    spoken_forms,
    strip_the,
    vowel_class,
    word_sound,
)

# Below this spelling similarity (0..100) a name is not even considered.
SPELLING_CUTOFF = 70.0
# Words that carry little of a name and that recognisers swap freely ("in" for "and").
_LIGHT_WORDS = frozenset({"the", "a", "an", "and", "of", "o", "in", "n", "to", "on", "for"})
# How much a word said but not in the name, or in the name but not said, costs: a whole
# word wrong ("cold moon" for "old moon") must not pass for a near spelling.
WORD_PENALTY = 0.4


@dataclass(frozen=True)
class Entity:
    """A thing in the library that a slot can name."""

    value: str
    """The library's own spelling: "Guns N' Roses"."""
    attrs: Mapping[str, str] = field(default_factory=dict)
    """Context that tells same-named things apart: a track's artist and album."""
    aliases: tuple[str, ...] = ()
    """Other names that say the same thing (a concept playlist's "car songs"); a match on one
    still answers `value`."""

    def names(self) -> tuple[str, ...]:
        return (self.value, *self.aliases)


@dataclass(frozen=True)
class EntityMatch:
    entity: Entity
    score: float
    """0..1; 1 when the words are one of the ways the name is said."""


class EntityIndex:
    """Name lookup for one entity type. Immutable after construction; safe to share."""

    def __init__(self, entities: Iterable[Entity]) -> None:
        self.entities: list[Entity] = []
        exact: dict[str, list[int]] = {}
        fuzzy: dict[str, list[int]] = {}
        for entity in entities:
            index = len(self.entities)
            self.entities.append(entity)
            for form in (f for name in entity.names() for f in spoken_forms(name)):
                exact.setdefault(form.replace(" ", ""), []).append(index)
                fuzzy.setdefault(strip_the(form), []).append(index)
        self._exact = {key: tuple(dict.fromkeys(ids)) for key, ids in exact.items()}
        # Fuzzy comparison is on forms without a leading "the" (it would make "the eagles"
        # look like "the beatles"), spaces removed; their words and sound are kept beside.
        self._fuzzy_forms = list(fuzzy)
        self._fuzzy_keys = [form.replace(" ", "") for form in self._fuzzy_forms]
        self._fuzzy_ids = [tuple(dict.fromkeys(fuzzy[form])) for form in self._fuzzy_forms]

    def __len__(self) -> int:
        return len(self.entities)

    def lookup(self, words: str, *, limit: int = 8) -> list[EntityMatch]:
        """The best-matching entities for spoken words, best first, one entry per entity."""
        query = normalize(words)
        if not query:
            return []
        best: dict[int, float] = {}
        for key in (query.replace(" ", ""), strip_the(query).replace(" ", "")):
            for index in self._exact.get(key, ()):
                best[index] = 1.0
        if best:
            return self._ranked(best, limit)
        bare = strip_the(query)
        sound = phonetic(bare)
        for _, spelling, position in process.extract(
            bare.replace(" ", ""),
            self._fuzzy_keys,
            scorer=fuzz.ratio,
            score_cutoff=SPELLING_CUTOFF,
            limit=limit * 3,
        ):
            form = self._fuzzy_forms[position]
            score = _similarity(bare, sound, form, spelling / 100)
            for index in self._fuzzy_ids[position]:
                best[index] = max(best.get(index, 0.0), score)
        return self._ranked(best, limit)

    def _ranked(self, scores: Mapping[int, float], limit: int) -> list[EntityMatch]:
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]
        return [EntityMatch(self.entities[i], round(s, 4)) for i, s in ranked]

    def phrases(self) -> list[str]:
        """Every spoken form of every name, for grammar-constrained recognition."""
        return sorted(
            {
                form
                for entity in self.entities
                for name in entity.names()
                for form in spoken_forms(name)
            }
        )


def _similarity(query: str, query_sound: str, form: str, spelling: float) -> float:
    """How well spoken words fit one way of saying a name (both without a leading "the").

    Spelling of the whole is the base. Sounding alike lifts a near spelling (the beetles /
    beatles) but never makes up for a far one; each word without a counterpart on the other
    side costs WORD_PENALTY times its share of all the words.
    """
    sound = fuzz.ratio(query_sound, phonetic(form)) / 100
    score = max(spelling, min((spelling + sound) / 2, spelling + 0.1))
    said = [w for w in query.split() if w not in _LIGHT_WORDS]
    named = [w for w in form.split() if w not in _LIGHT_WORDS]
    # Words split or joined differently ("dead mouse" / "deadmau5") are compared as a whole.
    regrouped = len(said) != len(named) and query_sound == phonetic(form)
    if (said or named) and not regrouped:
        lonely = sum(not _has_counterpart(w, named) for w in said)
        lonely += sum(not _has_counterpart(w, said) for w in named)
        score -= WORD_PENALTY * lonely / (len(said) + len(named))
    return max(score, 0.0)


def _has_counterpart(word: str, others: list[str]) -> bool:
    """A word matches one of `others` if it sounds the same, or is spelled nearly the same
    and begins and ends with the same sounds (recognisers rarely get those wrong)."""
    sound = word_sound(word)
    for other in others:
        if other == word:
            return True
        other_sound = word_sound(other)
        if other_sound == sound and vowel_class(other) == vowel_class(word):
            return True
        same_ends = other_sound[:1] == sound[:1] and other_sound[-1:] == sound[-1:]
        if same_ends and fuzz.ratio(word, other) >= 80:
            return True
    return False
