"""Choosing tracks from history: the owner's mix, discoveries, and more like the current track.

- mix (conservative): the most played tracks plus every liked one, scored plays + LIKE_BONUS
  for a like; disliked tracks and tracks skipped at least half the time (over two or more
  starts) are left out; the best MIX_SIZE are shuffled.
- discover (exploratory): tracks never started, else those played least; disliked ones left
  out; one artist's tracks are spread out (round-robin over artists in random order) so the
  queue is not one album after another.
- more like this: tracks sharing artist or genre with the seed, never the seed itself nor a
  disliked track; same artist *and* genre first, then same artist, then same genre, each
  group shuffled.

Each reads a bounded number of rows (never the whole library per command), except the
ratings, read whole (`History.ratings`: one row per track the owner rated, so few).
"""

from __future__ import annotations

import random
from collections.abc import Iterable

from assistant.library.history import History
from assistant.library.models import Track
from assistant.library.store import Catalogue

MIX_SIZE = 50
DISCOVER_SIZE = 50
SIMILAR_SIZE = 50
LIKE_BONUS = 3
CANDIDATES = 500
SKIPPY = 0.5


def _disliked(history: History) -> set[str]:
    return {location for location, liked in history.ratings().items() if not liked}


def _too_skippy(history: History, track: Track) -> bool:
    ratio = history.skip_ratio(track.id)
    # One skip of a track heard once is not a pattern: it takes two starts.
    return ratio is not None and ratio >= SKIPPY and history.starts(track.path) >= 2


def mix(catalogue: Catalogue, history: History, rng: random.Random) -> list[Track]:
    ratings = history.ratings()
    scores: dict[int, tuple[float, Track]] = {}
    for track, count in history.most_played(CANDIDATES):
        scores[track.id] = (float(count), track)
    for location, liked in ratings.items():
        if not liked:
            continue
        liked_track = catalogue.track_by_path(location)
        if liked_track is not None:
            base = scores.get(liked_track.id, (0.0, liked_track))[0]
            scores[liked_track.id] = (base + LIKE_BONUS, liked_track)
    ranked = sorted(scores.values(), key=lambda st: st[0], reverse=True)
    chosen = [
        track
        for _, track in ranked
        if ratings.get(track.path) is not False and not _too_skippy(history, track)
    ][:MIX_SIZE]
    rng.shuffle(chosen)
    return chosen


def discover(catalogue: Catalogue, history: History, rng: random.Random) -> list[Track]:
    """Never-started tracks spread over artists; empty when everything has been heard."""
    disliked = _disliked(history)
    fresh = [t for t in history.never_played(CANDIDATES * 4) if t.path not in disliked]
    return spread_artists(fresh, rng)[:DISCOVER_SIZE]


def least_played(catalogue: Catalogue, history: History, rng: random.Random) -> list[Track]:
    """The fallback when everything was heard: the least played, not disliked, spread out."""
    disliked = _disliked(history)
    counts = history.play_counts()
    tracks = [t for t in catalogue.tracks() if t.path not in disliked]
    rng.shuffle(tracks)
    tracks.sort(key=lambda t: counts.get(t.id, 0))
    return spread_artists(tracks[: DISCOVER_SIZE * 2], rng)[:DISCOVER_SIZE]


def spread_artists(tracks: Iterable[Track], rng: random.Random) -> list[Track]:
    """Round-robin over artists (in random order), each artist's tracks shuffled."""
    by_artist: dict[str, list[Track]] = {}
    for track in tracks:
        by_artist.setdefault(track.artist.casefold(), []).append(track)
    groups = list(by_artist.values())
    rng.shuffle(groups)
    for group in groups:
        rng.shuffle(group)
    out: list[Track] = []
    while groups:
        out += [g.pop() for g in groups]
        groups = [g for g in groups if g]
    return out


def similar(
    catalogue: Catalogue, seed: Track, rng: random.Random, *, history: History
) -> list[Track]:
    disliked = _disliked(history)
    by_artist = {t.id: t for t in catalogue.tracks_by_artist(seed.artist)} if seed.artist else {}
    by_genre = {t.id: t for t in catalogue.genre_tracks(seed.genre)} if seed.genre else {}
    both = [t for i, t in by_artist.items() if i in by_genre]
    artist_only = [t for i, t in by_artist.items() if i not in by_genre]
    genre_only = [t for i, t in by_genre.items() if i not in by_artist]
    out: list[Track] = []
    for group in (both, artist_only, genre_only):
        group = [t for t in group if t.id != seed.id and t.path not in disliked]
        rng.shuffle(group)
        out += group
    return out[:SIMILAR_SIZE]
