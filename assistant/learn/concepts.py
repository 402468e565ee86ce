"""Concept playlists: which concept a name says, and which tracks its pool holds."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.config import Concept
from assistant.learn.tags import TagIndex, name_key
from assistant.library.models import Track

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pool:
    ids: frozenset[int]
    missing: tuple[str, ...]
    """Pool entries that name nothing in the library ("artists: Quen"), for the owner to fix."""


def find_concept(concepts: Sequence[Concept], name: str) -> Concept | None:
    """The concept `name` (or one of its aliases) says, ignoring case and punctuation."""
    key = name_key(name)
    for concept in concepts:
        if key in {name_key(n) for n in (concept.name, *concept.aliases)}:
            return concept
    return None


def concept_pool(
    concept: Concept, tags: TagIndex, find_track: Callable[[str], Track | None]
) -> Pool:
    """Every track any pool entry names, plus the m3u playlist of the concept's own name."""
    pool = concept.pool
    ids: set[int] = set(tags.playlists.get(name_key(concept.name), ()))
    missing: list[str] = []

    def take(kind: str, name: str, found: Sequence[int]) -> None:
        if not found:
            missing.append(f"{kind} {name!r}")
        ids.update(found)

    for genre in pool.genres:
        take("genre", genre, tags.genre_tracks(genre))
    for artist in pool.artists:
        take("artist", artist, tags.artist_tracks(artist))
    for playlist in pool.playlists:
        take("playlist", playlist, tags.playlists.get(name_key(playlist), ()))
    for text in pool.tracks:
        track = find_track(text)
        take("track", text, (track.id,) if track else ())
    if pool.years:
        first, last = pool.years
        years = [i for year, group in tags.by_year.items() if first <= year <= last for i in group]
        take("years", f"{first}-{last}", years)
    if missing:
        logger.warning(
            "concept %s: nothing in the library for %s", concept.name, ", ".join(missing)
        )
    return Pool(frozenset(ids), tuple(missing))
