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

from assistant.nlu.normalize import normalize, phonetic, spoken_forms, strip_the

# Scores are 0..1. Below SPELLING_CUTOFF / SOUND_CUTOFF a key is not even considered.
SPELLING_CUTOFF = 70.0
SOUND_CUTOFF = 80.0
# Sound keys of one or two letters say little ("RM", "PNK" is three): they only confirm.
_MIN_SOUND_KEY = 3


@dataclass(frozen=True)
class Entity:
    """A thing in the library that a slot can name."""

    value: str
    """The library's own spelling: "Guns N' Roses"."""
    attrs: Mapping[str, str] = field(default_factory=dict)
    """Context that tells same-named things apart: a track's artist and album."""


@dataclass(frozen=True)
class EntityMatch:
    entity: Entity
    score: float
    """0..1; 1 when the words are one of the ways the name is said."""


class EntityIndex:
    """Name lookup for one entity type. Immutable after construction; safe to share."""

    def __init__(self, entities: Iterable[Entity]) -> None:
        self.entities: list[Entity] = []
        key_ids: dict[str, list[int]] = {}
        sound_ids: dict[str, list[int]] = {}
        for entity in entities:
            index = len(self.entities)
            self.entities.append(entity)
            for form in spoken_forms(entity.value):
                key_ids.setdefault(form.replace(" ", ""), []).append(index)
                sound = phonetic(strip_the(form))
                if len(sound) >= _MIN_SOUND_KEY:
                    sound_ids.setdefault(sound, []).append(index)
        self._key_ids = {k: tuple(dict.fromkeys(v)) for k, v in key_ids.items()}
        self._keys = list(self._key_ids)
        self._sound_ids = {k: tuple(dict.fromkeys(v)) for k, v in sound_ids.items()}
        self._sounds = list(self._sound_ids)

    def __len__(self) -> int:
        return len(self.entities)

    def lookup(self, words: str, *, limit: int = 8) -> list[EntityMatch]:
        """The best-matching entities for spoken words, best first, one entry per entity."""
        query = normalize(words)
        if not query:
            return []
        keys = {query.replace(" ", ""), strip_the(query).replace(" ", "")}
        best: dict[int, float] = {}
        for key in keys:
            for index in self._key_ids.get(key, ()):
                best[index] = 1.0
        if best:
            return self._ranked(best, limit)
        spelled = strip_the(query).replace(" ", "")
        sound = phonetic(strip_the(query))
        spelling_hits: dict[str, float] = {}
        for key in keys:
            for choice, score, _ in process.extract(
                key, self._keys, scorer=fuzz.ratio, score_cutoff=SPELLING_CUTOFF, limit=limit
            ):
                spelling_hits[choice] = max(spelling_hits.get(choice, 0.0), score / 100)
        for choice, spelling in spelling_hits.items():
            for index in self._key_ids[choice]:
                best[index] = max(best.get(index, 0.0), spelling)
        if len(sound) >= _MIN_SOUND_KEY:
            for choice, score, _ in process.extract(
                sound, self._sounds, scorer=fuzz.ratio, score_cutoff=SOUND_CUTOFF, limit=limit
            ):
                for index in self._sound_ids[choice]:
                    spelling = self._spelling(spelled, index)
                    # Sounding alike lifts a near spelling; it never makes up for a far one.
                    combined = (spelling + score / 100) / 2
                    best[index] = max(best.get(index, 0.0), min(combined, spelling + 0.1))
        return self._ranked(best, limit)

    def _spelling(self, key: str, index: int) -> float:
        forms = spoken_forms(self.entities[index].value)
        return max(fuzz.ratio(key, strip_the(f).replace(" ", "")) for f in forms) / 100

    def _ranked(self, scores: Mapping[int, float], limit: int) -> list[EntityMatch]:
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]
        return [EntityMatch(self.entities[i], round(s, 4)) for i, s in ranked]

    def phrases(self) -> list[str]:
        """Every spoken form of every name, for grammar-constrained recognition."""
        return sorted({form for entity in self.entities for form in spoken_forms(entity.value)})
