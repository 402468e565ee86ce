"""Choosing a queue from the taste model: the mix, discoveries, more like a track, a concept.

- mix (conservative): the tracks this listener finishes and likes most (recent votes count
  more), then, if that is too few, unheard tracks closest to them; never a disliked track,
  never one they skip more than finish.
- discover (exploratory): tracks never started, ranked by closeness to the favourites
  (shared playlists and sessions, then artist, genre and year for tracks nobody has played),
  two at most per artist; allowed to miss.
- similar: tracks sharing playlists or sessions with the seed, then its artist, then its genre
  and years, nudged by the listener's own liking.
- concept: the pool's tracks, as mix (conservative) or as discover (exploratory) would rank
  them; with no history at all, a spread over the pool's artists.

Every choice reads bounded candidate sets (favourites, their neighbours, a few artists' and
genres' tracks, a sample), never the whole library. Ties and near-ties are broken at random, so
asking twice gives a fresh order of the same kind of queue.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from assistant.config import Concept
from assistant.learn.concepts import Pool
from assistant.learn.model import TasteModel
from assistant.library.models import Track

MIX_SIZE = 50
DISCOVER_SIZE = 50
SIMILAR_SIZE = 50
FAMILIAR = 0.15
"""A heard track's affinity from which it belongs in a mix: it was finished more than not."""
JITTER = 0.08
"""Scores are multiplied by 1 - JITTER * random: near-equal tracks swap places."""
TOP_ARTISTS = 15
TOP_GENRES = 5
GENRE_SAMPLE = 300
EXPLORE_SAMPLE = 200
"""Random tracks a discovery also considers, so it can reach beyond the known taste."""
SECOND_LOOK = 5000
"""Tracks a discovery samples when the first candidates held too few unheard ones."""
DISCOVER_PER_ARTIST = 2
CONCEPT_SCORED = 2000
"""A pool bigger than this is scored on what the model knows of it plus a sample."""
LOOK_AHEAD = 5
"""How far ahead a queue looks for another artist rather than play one twice in a row."""


@dataclass(frozen=True)
class Pick:
    track: Track
    reason: str
    """A few words why: "you finish it often", "shares playlists with Yellow"."""


def _keep(model: TasteModel, track_id: int) -> bool:
    return track_id not in model.excluded()


def _familiar_reason(model: TasteModel, track_id: int) -> str:
    if model.rating(track_id):
        return "you liked it"
    tally = model.tally(track_id)
    if tally and tally.finishes >= 3:
        return "you finish it often"
    return "you finished it recently"


def _queue(
    model: TasteModel,
    scored: Mapping[int, tuple[float, str]],
    rng: random.Random,
    size: int,
    *,
    per_artist: int | None = None,
) -> list[Pick]:
    """Best first (with jitter), at most `per_artist` per artist, no artist twice in a row
    when another is within LOOK_AHEAD."""
    ranked = sorted(
        scored.items(), key=lambda item: item[1][0] * (1 - JITTER * rng.random()), reverse=True
    )
    chosen: list[Pick] = []
    count: dict[str, int] = {}
    for track_id, (_, reason) in ranked:
        track = model.tags.tracks[track_id]
        artist = track.artist.casefold()
        if per_artist is not None and count.get(artist, 0) >= per_artist:
            continue
        count[artist] = count.get(artist, 0) + 1
        chosen.append(Pick(track, reason))
        if len(chosen) == size:
            break
    return _apart(chosen)


def _apart(picks: list[Pick]) -> list[Pick]:
    out: list[Pick] = []
    rest = list(picks)
    while rest:
        last = out[-1].track.artist.casefold() if out else None
        index = next(
            (i for i, p in enumerate(rest[:LOOK_AHEAD]) if p.track.artist.casefold() != last), 0
        )
        out.append(rest.pop(index))
    return out


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


def mix(model: TasteModel, rng: random.Random, size: int = MIX_SIZE) -> list[Pick]:
    """Empty when the listener has finished or liked nothing yet."""
    scored = {
        i: (1.0 + liking, _familiar_reason(model, i))
        for i, liking in model.favourites()
        if liking >= FAMILIAR and _keep(model, i)
    }
    if not scored:
        return []
    if len(scored) < size:
        for i in model.neighbourhood():
            if i not in scored and _keep(model, i) and not model.heard(i):
                near = model.closeness(i)
                if near.score > 0.3:
                    scored[i] = (0.5 * near.score, near.reason)
    return _queue(model, scored, rng, size)


def _taste_candidates(model: TasteModel, rng: random.Random) -> set[int]:
    tags = model.tags
    found = set(model.neighbourhood())
    found.update(tags.playlist_count)
    favourites = [tags.tracks[i] for i, _ in model.favourites()]
    for artist in list(dict.fromkeys(t.artist for t in favourites))[:TOP_ARTISTS]:
        found.update(tags.artist_tracks(artist))
    for genre in list(dict.fromkeys(t.genre for t in favourites if t.genre))[:TOP_GENRES]:
        ids = tags.genre_tracks(genre)
        found.update(rng.sample(ids, min(GENRE_SAMPLE, len(ids))))
    found.update(rng.sample(tags.ids, min(EXPLORE_SAMPLE, len(tags.ids))))
    return found


def discover(model: TasteModel, rng: random.Random, size: int = DISCOVER_SIZE) -> list[Pick]:
    """Unheard tracks closest to the taste; empty when everything has been heard."""
    scored = {}
    for i in _taste_candidates(model, rng):
        if not model.heard(i) and _keep(model, i):
            near = model.closeness(i)
            scored[i] = (near.score, f"new, {near.reason}" if near.reason else "new to you")
    if len(scored) < size:
        # Few unheard tracks turned up: look further, in a bigger sample (the whole of a
        # library up to that size), still bounded.
        for i in rng.sample(model.tags.ids, min(SECOND_LOOK, len(model.tags.ids))):
            if i not in scored and not model.heard(i) and _keep(model, i):
                scored[i] = (model.closeness(i).score, "new to you")
    return _queue(model, scored, rng, size, per_artist=DISCOVER_PER_ARTIST)


def rediscover(model: TasteModel, rng: random.Random, size: int = DISCOVER_SIZE) -> list[Pick]:
    """When everything has been heard: what was not rejected, longest unheard first."""
    now = model.now()
    scored = {}
    for i in model.heard_ids():
        tally = model.tally(i)
        if tally and _keep(model, i) and model.affinity(i) >= 0:
            scored[i] = (now - tally.at, "you haven't heard it in a while")
    return _queue(model, scored, rng, size)


def similar(
    model: TasteModel, seed: Track, rng: random.Random, size: int = SIMILAR_SIZE
) -> list[Pick]:
    tags = model.tags
    playlists = model.playlist_neighbours(seed.id)
    sessions = model.session_neighbours(seed.id)
    artist = set(tags.artist_tracks(seed.artist))
    genre = tags.genre_tracks(seed.genre) if seed.genre else ()
    candidates = set(playlists) | set(sessions) | artist
    candidates.update(rng.sample(genre, min(GENRE_SAMPLE, len(genre))))
    scored = {}
    for i in candidates:
        if i == seed.id or not _keep(model, i):
            continue
        track = tags.tracks[i]
        same_genre = bool(seed.genre) and track.genre.casefold() == seed.genre.casefold()
        near_year = math.exp(-abs(track.year - seed.year) / 5) if track.year and seed.year else 0.0
        parts = {
            f"shares playlists with {seed.title}": 1.2 * (1 - math.exp(-2 * playlists.get(i, 0))),
            f"often played with {seed.title}": 1.0 * (1 - math.exp(-sessions.get(i, 0))),
            f"also by {seed.artist}": 0.5 * (i in artist),
            f"also {seed.genre}": 0.35 * same_genre,
            f"from around {seed.year}": 0.15 * near_year,
        }
        reason = max(parts, key=lambda r: parts[r])
        liking = max(-1.0, min(1.0, model.affinity(i)))
        scored[i] = (sum(parts.values()) + 0.3 * liking, reason)
    return _queue(model, scored, rng, size)


def concept(model: TasteModel, concept: Concept, pool: Pool, rng: random.Random) -> list[Pick]:
    """This listener's cut of the concept's pool, concept.size tracks at most."""
    ids = list(pool.ids - model.excluded())
    if model.empty:
        tracks = spread_artists((model.tags.tracks[i] for i in ids), rng)[: concept.size]
        return [Pick(t, "from the pool, while I learn your taste") for t in tracks]
    if len(ids) > CONCEPT_SCORED:
        known = set(model.neighbourhood()) | set(model.heard_ids())
        informed = [i for i in ids if i in known]
        rest = [i for i in ids if i not in known]
        ids = informed + rng.sample(rest, max(0, min(len(rest), CONCEPT_SCORED - len(informed))))
    scored: dict[int, tuple[float, str]] = {}
    for i in ids:
        liking = model.affinity(i)
        if model.heard(i) and liking < 0:
            continue  # skipped more than enjoyed: not for this listener's cut
        if model.heard(i) and liking >= FAMILIAR:
            # Conservative: favourites above everything; exploratory: below every new track.
            familiar = 2.0 + liking if concept.mode == "conservative" else 0.5 * min(1.0, liking)
            scored[i] = (familiar, _familiar_reason(model, i))
            continue
        near = model.closeness(i)
        fresh = 1.0 if concept.mode == "exploratory" and not model.heard(i) else 0.0
        if model.heard(i):
            reason = near.reason or "from the pool"
        else:
            reason = f"new, {near.reason}" if near.reason else "new to you"
        scored[i] = (fresh + near.score, reason)
    return _queue(model, scored, rng, concept.size)
