"""What the owner played, skipped and liked, and where each podcast episode was left off."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from assistant.errors import LibraryError
from assistant.library.models import Episode, Track
from assistant.library.store import TRACK_COLUMNS, Catalogue

logger = logging.getLogger(__name__)

EndReason = Literal["finished", "skipped", "stopped", "error"]
END_REASONS: frozenset[str] = frozenset({"finished", "skipped", "stopped", "error"})

# A play "counts" when the listener did not reject it: it finished or was stopped. Skips and
# errors are kept (the taste model reads skips) but are not plays.
_COUNTED = "('finished', 'stopped')"


@dataclass(frozen=True)
class Play:
    """One stored play, as `plays_after` reads it back (or as an import adds it)."""

    location: str
    started_at: float
    """Unix seconds."""
    seconds_played: float
    duration: float | None
    ended: EndReason
    id: int = 0
    """The row id, increasing in the order plays were stored; 0 for one not stored yet."""


@dataclass(frozen=True)
class Rating:
    location: str
    liked: bool
    rated_at: float
    """Unix seconds."""


class History:
    """Listening history in the catalogue's file, on the catalogue's connection and thread.

    Every write is its own short transaction, so a power cut loses at most the last event. A
    write that fails (disk full, read-only file) is logged and reported by returning False; it
    never raises, since losing one history event must not stop the music. History is keyed by
    location (file path or URL): it survives a track being removed and scanned in again.
    """

    def __init__(self, *, catalogue: Catalogue) -> None:
        self._catalogue = catalogue
        self._db = catalogue.database

    def _write(self, what: str, sql: str, params: tuple[object, ...]) -> bool:
        try:
            with self._db.write() as conn:
                conn.execute(sql, params)
        except sqlite3.Error as exc:
            logger.error("history: could not record %s in %s: %s", what, self._db.path, exc)
            return False
        return True

    @contextlib.contextmanager
    def _import(self) -> Iterator[sqlite3.Connection]:
        """One transaction for a batch brought in on purpose: unlike a live event, a failure
        is the owner's to see, as a LibraryError."""
        try:
            with self._db.write() as conn:
                yield conn
        except sqlite3.Error as exc:
            raise LibraryError(f"history: could not import into {self._db.path}: {exc}") from exc

    def _location(self, item: int | str | Path) -> str | None:
        if isinstance(item, int):
            track = self._catalogue.track(item)
            if track is None:
                logger.warning("history: no track with id %d; event not recorded", item)
                return None
            return track.path
        return str(item)

    def record_play(
        self,
        item: int | str | Path,
        *,
        started_at: float,
        seconds_played: float,
        duration: float | None,
        ended: EndReason,
    ) -> bool:
        """Record one play of a track id, or of a location (file path, episode path, stream URL).

        `started_at` is Unix seconds; `seconds_played` how long it was heard; `duration` the
        item's full length in seconds (None for a stream). Returns False if nothing was stored.
        """
        if ended not in END_REASONS:
            logger.warning("history: unknown end reason %r; play not recorded", ended)
            return False
        location = self._location(item)
        if location is None:
            return False
        return self._write(
            "a play",
            "INSERT INTO plays (location, started_at, seconds_played, duration, ended) "
            "VALUES (?, ?, ?, ?, ?)",
            (location, float(started_at), max(0.0, float(seconds_played)), duration, ended),
        )

    def _rate(self, track_id: int, liked: bool) -> bool:
        location = self._location(track_id)
        if location is None:
            return False
        # One row per track: a like replaces a dislike and the other way round.
        return self._write(
            "a like" if liked else "a dislike",
            "INSERT INTO ratings (location, liked, rated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (location) DO UPDATE SET liked = excluded.liked, "
            "rated_at = excluded.rated_at",
            (location, int(liked), time.time()),
        )

    def like(self, track_id: int) -> bool:
        return self._rate(track_id, True)

    def dislike(self, track_id: int) -> bool:
        return self._rate(track_id, False)

    def liked(self, track_id: int) -> bool | None:
        """True if liked, False if disliked, None if neither."""
        with self._db.read() as conn:
            row = conn.execute(
                "SELECT r.liked FROM ratings r JOIN tracks t ON t.path = r.location WHERE t.id = ?",
                (track_id,),
            ).fetchone()
        return None if row is None else bool(row[0])

    def ratings(self) -> dict[str, bool]:
        """Location -> True (liked) or False (disliked), for every rated location.

        Reads the whole ratings table: one row per track the owner rated by voice, so small.
        """
        with self._db.read() as conn:
            rows = conn.execute("SELECT location, liked FROM ratings").fetchall()
        return {location: bool(liked) for location, liked in rows}

    def play_counts(self) -> dict[int, int]:
        """Track id -> number of plays that finished or were stopped (skips are not plays)."""
        with self._db.read() as conn:
            rows = conn.execute(
                "SELECT t.id, COUNT(*) FROM plays p JOIN tracks t ON t.path = p.location "
                f"WHERE p.ended IN {_COUNTED} GROUP BY t.id"
            ).fetchall()
        return {track_id: count for track_id, count in rows}

    def most_played(self, limit: int) -> list[tuple[Track, int]]:
        """The most played tracks with their counts, most first (most recent first on a tie)."""
        sql = (
            f"SELECT {TRACK_COLUMNS}, COUNT(*) AS n FROM plays p "
            "JOIN tracks t ON t.path = p.location "
            f"WHERE p.ended IN {_COUNTED} GROUP BY t.id "
            "ORDER BY n DESC, MAX(p.started_at) DESC LIMIT ?"
        )
        with self._db.read() as conn:
            return [(Track(*r[:-1]), int(r[-1])) for r in conn.execute(sql, (limit,))]

    def plays_after(self, play_id: int, limit: int) -> list[Play]:
        """Up to `limit` plays stored after the one with id `play_id`, in the order stored.

        The taste model reads history this way: each play once, never the whole table again.
        """
        with self._db.read() as conn:
            rows = conn.execute(
                "SELECT location, started_at, seconds_played, duration, ended, id FROM plays "
                "WHERE id > ? ORDER BY id LIMIT ?",
                (play_id, limit),
            ).fetchall()
        return [Play(*row) for row in rows]

    def add_plays(self, plays: Sequence[Play]) -> int:
        """Store plays brought in from elsewhere, in one transaction; returns how many were new.

        A play of the same location starting at the same second is already there (nobody
        starts one track twice at once), so importing the same listens again adds nothing.
        """
        added = 0
        with self._import() as conn:
            for play in plays:
                if conn.execute(
                    "SELECT 1 FROM plays WHERE location = ? AND started_at = ?",
                    (play.location, play.started_at),
                ).fetchone():
                    continue
                conn.execute(
                    "INSERT INTO plays (location, started_at, seconds_played, duration, ended) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (play.location, play.started_at, play.seconds_played, play.duration,
                     play.ended),
                )  # fmt: skip
                added += 1
        return added

    def add_ratings(self, ratings: Sequence[Rating]) -> int:
        """Store likes and dislikes brought in from elsewhere; returns how many changed a rating.

        One rating per location, the latest winning: an imported one older than the stored
        one, or the same one again, changes nothing.
        """
        changed = 0
        with self._import() as conn:
            for rating in ratings:
                row = conn.execute(
                    "SELECT liked, rated_at FROM ratings WHERE location = ?", (rating.location,)
                ).fetchone()
                if row is not None and (
                    row[1] > rating.rated_at or (row == (int(rating.liked), rating.rated_at))
                ):
                    continue
                conn.execute(
                    "INSERT INTO ratings (location, liked, rated_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (location) DO UPDATE SET liked = excluded.liked, "
                    "rated_at = excluded.rated_at",
                    (rating.location, int(rating.liked), rating.rated_at),
                )
                changed += 1
        return changed

    def save_position(self, episode_path: str | Path, seconds: float) -> bool:
        """Remember where playback of an episode (or any file) got to, for resuming."""
        return self._write(
            "a podcast position",
            "INSERT INTO positions (location, seconds, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (location) DO UPDATE SET seconds = excluded.seconds, "
            "updated_at = excluded.updated_at",
            (str(episode_path), max(0.0, float(seconds)), time.time()),
        )

    def position(self, episode_path: str | Path) -> float:
        """Seconds to resume from; 0.0 if never saved."""
        with self._db.read() as conn:
            row = conn.execute(
                "SELECT seconds FROM positions WHERE location = ?", (str(episode_path),)
            ).fetchone()
        return 0.0 if row is None else float(row[0])

    def last_played_episode(self, show: str) -> Episode | None:
        """The show's episode with the latest play or saved position; None if none was heard."""
        sql = (
            "SELECT e.id, e.show, e.title, e.path, e.published, e.duration FROM episodes e JOIN ("
            " SELECT location, updated_at AS at FROM positions"
            " UNION ALL SELECT location, started_at + seconds_played FROM plays"
            ") a ON a.location = e.path WHERE e.show = ? "
            "GROUP BY e.id ORDER BY MAX(a.at) DESC, e.published DESC LIMIT 1"
        )
        with self._db.read() as conn:
            row = conn.execute(sql, (show,)).fetchone()
        return None if row is None else Episode(*row)
