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
from rapidfuzz.distance import Levenshtein

from assistant.nlu.normalize import (
    fold_variants,
    normalize,
    phonetic,
    spoken_forms,
    strip_the,
    vowel_class,
    word_sound,
)
from assistant.nlu.phonemes import sounds
from assistant.nlu.spelling import SpellingIndex

# A name is taken when its score reaches ACCEPT (0..1).
ACCEPT = 0.82
# Scores of names found by sound and by part: the same sound is nearly as good as the same
# spelling; a near sound (SOUND_CUTOFF..100 % alike) scores from ACCEPT up; a distinctive
# part of one name is taken, a little under a near spelling.
SAME_SOUND = 0.95
SOUND_CUTOFF = 85.0
NEAR_PHONES = 2
PART_OF_NAME = 0.88
# A name spelled too far off to be taken, yet whose whole sound is this alike (0..100) and
# at most NEAR_WORDS_PHONES phones away, is offered as a question ("rolling in the beat":
# "Did you mean Rolling in the Deep?"): a recogniser's one wrong word, or a name the owner
# lacks, which the question lets them say. Short names are left out: one phone is too much
# of them ("the eagles" is not The Beatles).
NEAR_WORDS_RATIO = 83.0
NEAR_WORDS_PHONES = 2
NEAR_WORDS_MIN_PHONES = 6
# A part of a name that fits more names than this names none of them.
MAX_PART_CHOICES = 4
# Words in more names than this are not looked at as parts at all (a common word).
MAX_PART_NAMES = 50
# Below this spelling similarity (0..100) a name is not even considered.
SPELLING_CUTOFF = 70.0
# Words that carry little of a name and that recognisers swap freely ("in" for "and").
_LIGHT_WORDS = frozenset({"the", "a", "an", "and", "of", "o", "in", "n", "to", "on", "for"})
# Words that say what kind of thing a name is, not which: on their own, never the part of
# one name ("play the podcast" need not mean the one podcast whose name ends in "Podcast").
_GENERIC_WORDS = frozenset(
    "podcast podcasts show radio station fm playlist mix music songs hits band orchestra "
    "quartet trio ensemble choir group collection".split()
)
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
    sure: bool = True
    """False when only a near sound found it: worth asking about, not acting on."""


class EntityIndex:
    """Name lookup for one entity type. Immutable after construction; safe to share.

    `partial`: a distinctive part of a name (its first or last words) may name it, as people
    call artists ("mahler" for Gustav Mahler); not for titles, where a part is often a
    common word.
    """

    def __init__(self, entities: Iterable[Entity], *, partial: bool = False) -> None:
        exact: dict[str, list[int]] = {}
        fuzzy: dict[str, list[int]] = {}
        sound_ids: dict[str, list[int]] = {}
        sound_words: dict[str, int] = {}
        parts: dict[str, list[int]] = {}
        say = sounds()
        self.entities = list(entities)
        named = [
            [(name, spoken_forms(name)) for name in entity.names()] for entity in self.entities
        ]
        say.learn({w for names in named for _, forms in names for f in forms for w in f.split()})
        for index, names in enumerate(named):
            for name, forms in names:
                bare = list(dict.fromkeys(strip_the(f) for f in forms))
                for form in forms:
                    for variant in {form, fold_variants(form)}:
                        exact.setdefault(variant.replace(" ", ""), []).append(index)
                for form in bare:
                    fuzzy.setdefault(form, []).append(index)
                    if partial:
                        for word in set(fold_variants(form).split()) - _LIGHT_WORDS:
                            parts.setdefault(say.word(word), []).append(index)
                for key in say.name(name, bare):
                    sound_ids.setdefault(key, []).append(index)
                    count = min(len(f.split()) for f in bare)
                    sound_words[key] = min(sound_words.get(key, count), count)
        self._exact = {key: tuple(dict.fromkeys(ids)) for key, ids in exact.items()}
        # Fuzzy comparison is on forms without a leading "the" (it would make "the eagles"
        # look like "the beatles"), spaces removed; their words and sound are kept beside.
        self._fuzzy_forms = list(fuzzy)
        self._spelling = SpellingIndex([form.replace(" ", "") for form in self._fuzzy_forms])
        self._fuzzy_ids = [tuple(dict.fromkeys(fuzzy[form])) for form in self._fuzzy_forms]
        self._sound_ids = {key: tuple(dict.fromkeys(ids)) for key, ids in sound_ids.items()}
        # A near sound must share the first and last phone: keys are grouped by them, so a
        # lookup compares against one group, not every name.
        self._sound_words = sound_words
        self._sound_groups: dict[str, list[str]] = {}
        for key in self._sound_ids:
            self._sound_groups.setdefault(_ends(key), []).append(key)
        # Words of names by their sound ("credence" is "creedence"), to find names by a part.
        self._parts = {word: tuple(dict.fromkeys(ids)) for word, ids in parts.items()}

    def __len__(self) -> int:
        return len(self.entities)

    def lookup(self, words: str, *, limit: int = 8, near: bool = True) -> list[EntityMatch]:
        """The best-matching entities for spoken words, best first, one entry per entity.

        Tried in order, each only when the ones before found nothing good: one of the ways
        the name is said; a near spelling; the same or a near sound; a part of the name;
        last, a near spelling whose whole sound is a word or so off (NEAR_WORDS_RATIO), as
        a match to ask about (`sure` False). `near=False` leaves out near spellings and
        sounds (the costly part), for guesses at where a name might be.
        """
        query = normalize(words)
        if not query:
            return []
        best: dict[int, float] = {}
        variant = fold_variants(query)
        for key in {query, strip_the(query), variant, strip_the(variant)}:
            for index in self._exact.get(key.replace(" ", ""), ()):
                best[index] = 1.0
        if best:
            return self._ranked(best, limit)
        bare = strip_the(query)
        doubted = self._spelled_like(bare, best, limit) if near else {}
        loose: set[int] = set()
        if max(best.values(), default=0.0) < ACCEPT:
            loose = self._sounds_like(bare, best, limit, near=near)
        if max(best.values(), default=0.0) < ACCEPT and self._parts:
            self._part_of(strip_the(variant), best)
        if max(best.values(), default=0.0) < ACCEPT and doubted:
            best.update(doubted)
            loose = set(doubted)
        return self._ranked(best, limit, loose)

    def _spelled_like(self, bare: str, best: dict[int, float], limit: int) -> dict[int, float]:
        """Names spelled nearly like the words, into `best`; returned apart, the names only
        to be offered as a question (a near whole sound, see NEAR_WORDS_RATIO)."""
        sound = phonetic(bare)
        say = sounds()
        said = {say.words(bare), say.words(fold_variants(bare))}
        doubted: dict[int, float] = {}
        for _, spelling, position in self._spelling.extract(
            bare.replace(" ", ""), score_cutoff=SPELLING_CUTOFF, limit=limit * 3
        ):
            form = self._fuzzy_forms[position]
            score = _similarity(bare, sound, form, spelling / 100)
            near_sound = score < ACCEPT and any(
                _near_whole_sound(heard, say.words(named))
                for heard in said
                for named in {form, fold_variants(form)}
            )
            for index in self._fuzzy_ids[position]:
                best[index] = max(best.get(index, 0.0), score)
                if near_sound:
                    doubted[index] = ACCEPT
        return doubted

    def _sounds_like(
        self, bare: str, best: dict[int, float], limit: int, *, near: bool
    ) -> set[int]:
        """Names that sound the same ("you too" / U2, "fleet wood mack") or nearly; the
        names found only nearly, which are to be asked about: a near sound is as often
        another name ("mountain sweet" / Mountain Street) as a mishearing. It must begin
        and end with the same phones (a plural s aside), be at most NEAR_PHONES phones away,
        and be one word or words grouped differently: words said one for one are compared
        word by word by spelling and sound (`_similarity`), which knows a wrong word."""
        key = sounds().words(bare)
        if len(key) < 2:
            return set()
        for index in self._sound_ids.get(key, ()):
            best[index] = max(best.get(index, 0.0), SAME_SOUND)
        if len(key) < 4 or not near:
            return set()
        loose = set()
        said = len(bare.split())
        group = self._sound_groups.get(_ends(key), [])
        for other, ratio, _ in process.extract(
            key, group, scorer=fuzz.ratio, score_cutoff=SOUND_CUTOFF, limit=limit
        ):
            if other == key or Levenshtein.distance(key, other) > NEAR_PHONES:
                continue
            if said > 1 and self._sound_words[other] == said:
                continue
            # Words run together or split apart with one phone off ("are e m" / R.E.M.) are
            # a mishearing; anything nearer to a different name is asked about.
            regrouped = said != self._sound_words[other]
            sure = regrouped and Levenshtein.distance(key, other) <= 1
            score = ACCEPT + (ratio - SOUND_CUTOFF) / 100
            for index in self._sound_ids[other]:
                if score > best.get(index, 0.0):
                    best[index] = score
                    if not sure:
                        loose.add(index)
        return loose

    def _part_of(self, query: str, best: dict[int, float]) -> None:
        """Names whose first or last words sound like the query ("basie orchestra" in Count
        Basie Orchestra, "credence" in Creedence Clearwater Revival). Only a distinctive
        part counts (a word of four letters or more), and only when it names few things: a
        part shared by many names is no name at all."""
        words = query.split()
        content = [w for w in words if w not in _LIGHT_WORDS]
        if not content or max(len(w) for w in content) < 4:
            return
        # A part that only says the kind of thing ("the orchestra") may be a choice between
        # several names, never one name.
        generic = all(w in _GENERIC_WORDS for w in content)
        say = sounds()
        said = [_unpossessive(say.word(w), self._parts) for w in words]
        ids = set(self._parts.get(said[words.index(content[0])], ()))
        for word in content[1:]:
            ids &= set(self._parts.get(_unpossessive(say.word(word), self._parts), ()))
        if len(ids) > MAX_PART_NAMES:
            return
        found = []
        n = len(said)
        for index in ids:
            for form in (f for name in self.entities[index].names() for f in spoken_forms(name)):
                named = [say.word(w) for w in fold_variants(strip_the(form)).split()]
                if n < len(named) and said in (named[:n], named[-n:]):
                    found.append(index)
                    break
        if generic and len(found) == 1:
            return
        if 0 < len(found) <= MAX_PART_CHOICES:
            for index in found:
                best[index] = max(best.get(index, 0.0), PART_OF_NAME)

    def _ranked(
        self, scores: Mapping[int, float], limit: int, loose: set[int] | None = None
    ) -> list[EntityMatch]:
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]
        unsure = loose or set()
        return [EntityMatch(self.entities[i], round(s, 4), i not in unsure) for i, s in ranked]

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


def _unpossessive(sound: str, parts: Mapping[str, object]) -> str:
    """The sound of "mahlers" (Mahler's, as recognisers write it) as that of "mahler" when
    only that is a word of a name."""
    if sound not in parts and sound[-1:] in ("s", "z") and sound[:-1] in parts:
        return sound[:-1]
    return sound


def _near_whole_sound(said: str, named: str) -> bool:
    """Sound keys a wrong word or two apart, on names long enough for that to be a slip."""
    if min(len(said), len(named)) < NEAR_WORDS_MIN_PHONES:
        return False
    if Levenshtein.distance(said, named) > NEAR_WORDS_PHONES:
        return False
    return fuzz.ratio(said, named) >= NEAR_WORDS_RATIO


def _ends(key: str) -> str:
    """A sound key's first and last phone, a final s or z (plurals, possessives) aside."""
    stem = key[:-1] if len(key) > 2 and key[-1] in "sz" else key
    return key[0] + stem[-1]


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
