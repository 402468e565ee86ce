"""The second way to read a command, when no template fits: find the names, then the intent.

People and recognisers put the words of a request in orders no template foresees ("play
fleetwood mac rumours", "play podcast the daily", "lay back in black album"). Here the words
after a command word are read as one library name, or an artist and an album or title, with
type words (album, song, playlist, podcast, ...) saying which kind; whatever is left must be
a few filler words. The reading is less sure than a template's: it is capped so the dialogue
asks unless everything about it is clear (a real command word, every name said as it is
written, nothing left over).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.nlu.base import IntentResult, SlotValue
from assistant.nlu.entities import ACCEPT, EntityMatch
from assistant.nlu.phonemes import sounds

Lookup = Callable[[str, str, bool], list[EntityMatch]]
"""(entity kind, words, near) -> matches, best first (the matcher's cached EntityIndex.lookup;
near=False: only names said as written, the same sound or a part)."""

# Words that start a request to play, as said and as recognisers garble "play". The garbled
# ones only ever lead to a question.
COMMAND_LEADS = {
    ("play",): True, ("put", "on"): True, ("listen", "to"): True, ("start",): True,
    ("start", "playing"): True, ("queue", "up"): True, ("i", "want", "to", "hear"): True,
    ("i", "wanna", "hear"): True, ("let", "me", "hear"): True, ("lets", "hear"): True,
    ("lay",): False, ("place", "a"): False, ("place",): False, ("plays",): False,
    ("played",): False, ("playing",): False, ("pray",): False, ("clay",): False,
    ("play", "a"): True,
}  # fmt: skip
_MAX_LEAD = max(len(lead) for lead in COMMAND_LEADS)
# Type words: which kind of thing the name is.
TYPE_WORDS = {
    "album": "album", "record": "album", "song": "track", "track": "track", "tune": "track",
    "playlist": "playlist", "podcast": "podcast", "episode": "podcast", "show": "podcast",
    "radio": "station", "station": "station", "artist": "artist", "band": "artist",
    "genre": "genre", "albums": "album", "records": "album", "tracks": "track",
    "tunes": "track", "playlists": "playlist", "podcasts": "podcast", "episodes": "podcast",
    "shows": "podcast", "stations": "station",
}  # fmt: skip
# Words around a name that say nothing about it.
FILLERS = frozenset(
    "the a an some my me by from of music songs stuff please on shuffle shuffled latest newest "
    "last new called named".split()
)
INTENTS = {"artist": "PlayArtist", "album": "PlayAlbum", "track": "PlayTrack",
           "playlist": "PlayPlaylist", "podcast": "PlayPodcast", "station": "PlayRadio",
           "genre": "PlayGenre"}  # fmt: skip
# A kind's place among equally good readings: as the templates' PRIORITY.
_ORDER = ("playlist", "artist", "album", "track", "genre", "station", "podcast")
# How sure a reading of this path can be: clear ones act, the rest are asked about.
CLEAR = 0.85
UNCLEAR = 0.65
# A name this well matched counts as said as written.
WELL_SAID = 0.95
# Names within this of the best are asked about (as the matcher's AMBIGUITY).
AMBIGUITY = 0.04


@dataclass(frozen=True)
class _Reading:
    kind: str
    slots: dict[str, SlotValue]
    score: float
    choices: tuple[dict[str, SlotValue], ...] = ()
    sure: bool = True


def read(tokens: Sequence[str], lookup: Lookup, text: str) -> IntentResult | None:
    """A play request read names first, or None when the words are not one."""
    tokens, glued = _unglued(tokens)
    lead, sure = _lead(tokens)
    sure = sure and not glued
    if not lead:
        return None
    words = list(tokens[lead:])
    kinds = {TYPE_WORDS[w] for w in words if w in TYPE_WORDS}
    core = _trim(words)
    if not core or len(kinds) > 1:
        return None
    best: _Reading | None = None
    for reading in _readings(core, lookup, kinds):
        if best is None or _rank(reading) > _rank(best):
            best = reading
    if best is None:
        return None
    clear = sure and best.sure and best.score >= WELL_SAID and not best.choices
    confidence = CLEAR if clear else UNCLEAR
    return IntentResult(
        intent=INTENTS[best.kind],
        slots=best.slots,
        confidence=confidence,
        text=text,
        choices=best.choices,
    )


def _rank(reading: _Reading) -> tuple[float, int, int]:
    return (round(reading.score, 3), len(reading.slots), -_ORDER.index(reading.kind))


def _lead(tokens: Sequence[str]) -> tuple[int, bool]:
    """(how many words the command word takes, whether it is a real one), longest first."""
    for n in range(min(_MAX_LEAD, len(tokens) - 1), 0, -1):
        sure = COMMAND_LEADS.get(tuple(tokens[:n]))
        if sure is not None:
            return n, sure
    return 0, False


def _unglued(tokens: Sequence[str]) -> tuple[Sequence[str], bool]:
    """ "playbilly island" as "play billy island": recognisers that write what they hear
    glue "play" to the next word. Only a word no dictionary has is split ("playful" stays);
    the reading is then asked about, as a garbled command word."""
    first = tokens[0] if tokens else ""
    if first.startswith("play") and len(first) >= 7 and first not in sounds().lexicon:
        return ("play", first[4:], *tokens[1:]), True
    return tokens, False


def _trim(words: list[str]) -> list[str]:
    """The words without fillers and type words at either end."""
    start, end = 0, len(words)
    while start < end and (words[start] in FILLERS or words[start] in TYPE_WORDS):
        start += 1
    while end > start and (words[end - 1] in FILLERS or words[end - 1] in TYPE_WORDS):
        end -= 1
    return words[start:end]


def _readings(core: list[str], lookup: Lookup, kinds: set[str]) -> list[_Reading]:
    out = []
    whole = " ".join(core)
    for kind in _ORDER:
        if kinds and kind not in kinds:
            continue
        reading = _one(kind, lookup(kind, whole, True))
        if reading is not None:
            out.append(reading)
    # An artist and an album or title, either way round ("fleetwood mac rumours").
    if not kinds or kinds & {"album", "track"}:
        for i in range(1, len(core)):
            left, right = _trim(core[:i]), _trim(core[i:])
            if not left or not right:
                continue
            for kind in ("album", "track"):
                if kinds and kind not in kinds:
                    continue
                for artist_words, name_words in ((left, right), (right, left)):
                    reading = _pair(kind, lookup, " ".join(artist_words), " ".join(name_words))
                    if reading is not None:
                        out.append(reading)
    return out


def _one(kind: str, matches: list[EntityMatch]) -> _Reading | None:
    good = [m for m in matches if m.score >= ACCEPT]
    if not good:
        return None
    top = good[0]
    rivals = list(dict.fromkeys(m.entity.value for m in good if m.score >= top.score - AMBIGUITY))
    choices: tuple[dict[str, SlotValue], ...] = ()
    if len(rivals) > 1:
        choices = tuple({kind: value} for value in rivals)
    if not choices and kind in ("album", "track"):
        # One title by several artists (Hello by Adele / by Lionel Richie): ask which.
        same = [m for m in good if m.entity.value == top.entity.value]
        by = sorted({m.entity.attrs.get("artist", "") for m in same} - {""})
        if len(by) > 1:
            choices = tuple({kind: top.entity.value, "artist": who} for who in by)
    return _Reading(kind, {kind: top.entity.value}, top.score, choices, top.sure)


def _pair(kind: str, lookup: Lookup, artist_words: str, name_words: str) -> _Reading | None:
    # Every split of the words is a guess: the artist must be said well (cheap to check)
    # before the album or title is looked for, and only a whole artist's name earns a look
    # at near spellings of the title.
    artists = [m for m in lookup("artist", artist_words, False) if m.score >= ACCEPT]
    if not artists:
        return None
    artist = artists[0]
    names = [
        m
        for m in lookup(kind, name_words, artist.score >= WELL_SAID)
        if m.score >= ACCEPT
        and artist.entity.value
        in (m.entity.attrs.get("artist"), m.entity.attrs.get("album_artist"))
    ]
    if not names:
        return None
    slots: dict[str, SlotValue] = {kind: names[0].entity.value, "artist": artist.entity.value}
    sure = artist.sure and names[0].sure
    return _Reading(kind, slots, artist.score * names[0].score, sure=sure)
