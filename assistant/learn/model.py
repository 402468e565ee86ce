"""The taste model: what this listener finishes, skips, likes and dislikes, and what is close.

It reads history incrementally: each refresh folds in only the plays stored since the last one
(a few rows per command) and re-reads the ratings (one row per rated track). Everything that
depends on the library (the tag index, playlist neighbours) is rebuilt when the catalogue's
generation changes, that is after a scan, never per command.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from assistant.config import Concept
from assistant.learn.concepts import Pool, concept_pool
from assistant.learn.finder import TrackFinder
from assistant.learn.signals import Tally, votes
from assistant.learn.similarity import CoOccurrence, Sessions, playlist_cooccurrence
from assistant.learn.tags import TagIndex, name_key
from assistant.library.history import History, Play
from assistant.library.models import Track
from assistant.library.store import Catalogue

BATCH = 5000
"""Plays read per query while folding history in."""
LIKE_VOTES = 2.0
"""A like counts as this many completions for the artist and genre (a dislike as skips)."""
LIKE_BONUS = 1.0
"""Added to a liked track's affinity: a like is the clearest thing the owner says."""
SEEDS = 200
"""How many favourite tracks the neighbourhood of the taste is grown from."""


@dataclass(frozen=True)
class Closeness:
    """How close an (often unheard) track is to what the listener likes, and why."""

    score: float
    """0 knows nothing; about 1 is close on several counts; negative is far."""
    reason: str


class TasteModel:
    """Loop thread only (like the catalogue it reads). Call `refresh()` before choosing."""

    def __init__(
        self, *, catalogue: Catalogue, history: History, now: Callable[[], float] = time.time
    ) -> None:
        self._catalogue = catalogue
        self._history = history
        self.now = now
        self._generation: int | None = None
        self._version = 0
        self._finder: TrackFinder | None = None
        self._pools: dict[Concept, Pool] = {}
        self.tags = TagIndex(
            tracks={}, by_path={}, by_artist={}, by_genre={}, by_year={}, playlists={},
            playlist_count={}, ids=(),
        )  # fmt: skip
        self._reset()

    def _reset(self) -> None:
        self._cursor = 0
        self._tracks: dict[int, Tally] = {}
        self._artists: dict[str, Tally] = {}
        self._genres: dict[str, Tally] = {}
        self._years: dict[int, float] = {}
        self._sessions = CoOccurrence()
        self._session_feed = Sessions(self._sessions)
        self._playlists = CoOccurrence()
        self._ratings: dict[int, bool] = {}
        self._rated_artists: dict[str, tuple[int, int]] = {}
        self._rated_genres: dict[str, tuple[int, int]] = {}
        self._version += 1
        self._favourites: tuple[int, list[tuple[int, float]]] = (-1, [])
        self._neighbourhood: tuple[int, Mapping[int, tuple[float, int, str]]] = (-1, {})
        self._era: tuple[int, float, float, bool] = (-1, 0.0, 0.0, False)
        self._excluded: tuple[int, frozenset[int]] = (-1, frozenset())
        """(version, mean year, spread, any years) of what the listener finishes."""

    # --- keeping up with history -----------------------------------------------------------

    def refresh(self) -> None:
        generation = self._catalogue.generation()
        if generation != self._generation:
            self._reset()
            self.tags = TagIndex.build(self._catalogue)
            self._playlists = playlist_cooccurrence(self.tags.playlists.values())
            self._finder = None
            self._pools = {}
            self._generation = generation
            self._version += 1
        while plays := self._history.plays_after(self._cursor, BATCH):
            self._fold(plays)
            self._cursor = plays[-1].id
            self._version += 1
        self._read_ratings()

    def _fold(self, plays: list[Play]) -> None:
        known = [
            (p, self.tags.by_path[p.location]) for p in plays if p.location in self.tags.by_path
        ]
        known.sort(key=lambda pair: pair[0].started_at)
        # Live plays continue the current session; an import of older listens is its own.
        if known and known[0][0].started_at < self._session_feed.latest:
            self._session_feed.restart()
        for play, track_id in known:
            vote = votes(play)
            if vote is None:
                continue
            good, bad = vote
            finished = play.ended == "finished"
            track = self.tags.tracks[track_id]
            for tally in (
                self._tracks.setdefault(track_id, Tally()),
                self._artists.setdefault(name_key(track.artist), Tally()),
                self._genres.setdefault(name_key(track.genre), Tally()),
            ):
                tally.add(play.started_at, good, bad, finished=finished)
            if finished:
                self._session_feed.completed(play.started_at, track_id)
                if track.year:
                    self._years[track.year] = self._years.get(track.year, 0.0) + 1.0

    def _read_ratings(self) -> None:
        ratings = {
            self.tags.by_path[location]: liked
            for location, liked in self._history.ratings().items()
            if location in self.tags.by_path
        }
        if ratings == self._ratings:
            return
        self._ratings = ratings
        artists: dict[str, tuple[int, int]] = {}
        genres: dict[str, tuple[int, int]] = {}
        for track_id, liked in ratings.items():
            track = self.tags.tracks[track_id]
            for counts, key in ((artists, name_key(track.artist)), (genres, name_key(track.genre))):
                likes, dislikes = counts.get(key, (0, 0))
                counts[key] = (likes + liked, dislikes + (not liked))
        self._rated_artists, self._rated_genres = artists, genres
        self._version += 1

    # --- what the listener thinks ----------------------------------------------------------

    @property
    def empty(self) -> bool:
        """Nothing heard and nothing rated: no taste to go on yet."""
        return not self._tracks and not self._ratings

    def heard(self, track_id: int) -> bool:
        """Started at least once (finished, skipped or stopped), or rated: not new to them."""
        return track_id in self._tracks or track_id in self._ratings

    def heard_ids(self) -> list[int]:
        return list(self._tracks.keys() | self._ratings.keys())

    def tally(self, track_id: int) -> Tally | None:
        return self._tracks.get(track_id)

    def rating(self, track_id: int) -> bool | None:
        return self._ratings.get(track_id)

    def excluded(self) -> frozenset[int]:
        """Tracks no queue picked for the listener may hold: disliked, or skipped more than
        finished over two starts or more (one skip is not a pattern)."""
        if self._excluded[0] != self._version:
            rejected = {i for i, tally in self._tracks.items() if tally.rejected()}
            disliked = {i for i, liked in self._ratings.items() if not liked}
            self._excluded = (self._version, frozenset(rejected | disliked))
        return self._excluded[1]

    def affinity(self, track_id: int) -> float:
        """How much the track itself is liked: votes plus a like; 0 for one never heard."""
        tally = self._tracks.get(track_id)
        value = tally.affinity(self.now()) if tally else 0.0
        return value + LIKE_BONUS if self._ratings.get(track_id) else value

    def artist_affinity(self, artist: str) -> float:
        return self._group_affinity(self._artists, self._rated_artists, name_key(artist))

    def genre_affinity(self, genre: str) -> float:
        return self._group_affinity(self._genres, self._rated_genres, name_key(genre))

    def _group_affinity(
        self, tallies: Mapping[str, Tally], rated: Mapping[str, tuple[int, int]], key: str
    ) -> float:
        likes, dislikes = rated.get(key, (0, 0))
        tally = tallies.get(key)
        if tally is None and not likes and not dislikes:
            return 0.0
        return (tally or Tally(at=self.now())).affinity(
            self.now(), extra_good=LIKE_VOTES * likes, extra_bad=LIKE_VOTES * dislikes
        )

    def year_fit(self, year: int | None) -> float:
        """0..1: how near `year` is to the years of what the listener finishes."""
        if self._era[0] != self._version:
            total = sum(self._years.values())
            mean = sum(y * n for y, n in self._years.items()) / total if total else 0.0
            spread = (
                math.sqrt(sum(n * (y - mean) ** 2 for y, n in self._years.items()) / total)
                if total
                else 0.0
            )
            self._era = (self._version, mean, spread, bool(total))
        _, mean, spread, known = self._era
        if not year or not known:
            return 0.0
        return math.exp(-(((year - mean) / (spread + 3.0)) ** 2) / 2)

    def playlist_neighbours(self, track_id: int) -> Mapping[int, float]:
        return self._playlists.neighbours(track_id)

    def session_neighbours(self, track_id: int) -> Mapping[int, float]:
        return self._sessions.neighbours(track_id)

    # --- the library, as the owner names it ------------------------------------------------

    def find_track(self, text: str) -> Track | None:
        """The track "ARTIST - TITLE" names, matched like a spoken name; None if none."""
        if self._finder is None:
            # Built on first use only: most libraries' concepts never name single tracks.
            self._finder = TrackFinder(self.tags.tracks.values())
        return self._finder.find_text(text)

    def pool(self, concept: Concept) -> Pool:
        """The concept's pool in this library (kept until the next scan)."""
        if concept not in self._pools:
            self._pools[concept] = concept_pool(concept, self.tags, self.find_track)
        return self._pools[concept]

    # --- closeness: derived, and kept until history or the library changes ---------------

    def favourites(self) -> list[tuple[int, float]]:
        """(track id, affinity) of the SEEDS best-liked tracks, best first."""
        if self._favourites[0] != self._version:
            liked = {i for i, good in self._ratings.items() if good}
            scored = [(i, self.affinity(i)) for i in set(self._tracks) | liked]
            best = sorted((p for p in scored if p[1] > 0), key=lambda p: p[1], reverse=True)
            self._favourites = (self._version, best[:SEEDS])
        return self._favourites[1]

    def neighbourhood(self) -> Mapping[int, tuple[float, int, str]]:
        """Track id -> (closeness to the favourites, the favourite it is closest to, "playlist"
        or "session"): the candidates a discovery starts from."""
        if self._neighbourhood[0] != self._version:
            near: dict[int, tuple[float, int, str, float]] = {}
            for seed, liking in self.favourites():
                for kind, neighbours in (
                    ("playlist", self._playlists.neighbours(seed)),
                    ("session", self._sessions.neighbours(seed)),
                ):
                    for other, weight in neighbours.items():
                        share = liking * weight
                        total, best, best_kind, best_share = near.get(other, (0.0, seed, kind, 0.0))
                        if share > best_share:
                            best, best_kind, best_share = seed, kind, share
                        near[other] = (total + share, best, best_kind, best_share)
            self._neighbourhood = (
                self._version,
                {i: (total, best, kind) for i, (total, best, kind, _) in near.items()},
            )
        return self._neighbourhood[1]

    def closeness(self, track_id: int) -> Closeness:
        """How close a track is to the taste: its neighbours among the favourites, then tags
        (artist, genre, year) and the owner's playlists, which also reach tracks nobody has
        played."""
        track = self.tags.tracks[track_id]
        total, seed, kind = self.neighbourhood().get(track_id, (0.0, 0, ""))
        parts = {
            "near": 1.0 - math.exp(-total),
            "artist": 0.6 * self.artist_affinity(track.artist),
            "genre": 0.4 * self.genre_affinity(track.genre),
            "playlists": 0.3 * min(1, self.tags.playlist_count.get(track_id, 0)),
            "year": 0.15 * self.year_fit(track.year),
        }
        why, weight = max(parts.items(), key=lambda item: item[1])
        reason = ""
        if weight > 0.05:
            if why == "near":
                title = self.tags.tracks[seed].title
                reason = (
                    f"shares playlists with {title}"
                    if kind == "playlist"
                    else (f"often played with {title}")
                )
            else:
                reason = {
                    "artist": f"by {track.artist}, whom you play",
                    "genre": f"{track.genre}, like what you finish",
                    "playlists": "in your playlists",
                    "year": "from the years you play most",
                }[why]
        return Closeness(sum(parts.values()), reason)
