"""The music catalogue: what tracks, playlists and podcasts the owner has, and queries on them."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from assistant.errors import LibraryError
from assistant.library.database import Database
from assistant.library.indexer import ProgressSink, run_scan, unfinished_scan
from assistant.library.models import Episode, Playlist, ScanReport, Track

logger = logging.getLogger(__name__)

TRACK_COLUMNS = (
    "t.id, t.path, t.title, t.artist, t.album_artist, t.album, t.genre, t.track_no, t.duration, "
    "t.year"
)
_EPISODE_COLUMNS = "id, show, title, path, published, duration"
# Album order within an artist, track order within an album; files without numbers last.
_ALBUM_ORDER = (
    "t.album COLLATE NOCASE, t.disc_no IS NULL, t.disc_no, t.track_no IS NULL, t.track_no, t.path"
)


def _track(row: Any) -> Track:
    return Track(*row)


def _episode(row: Any) -> Episode:
    return Episode(*row)


class Catalogue:
    """The catalogue in the state file (SQLite, WAL), shared with `History`.

    Owned by one thread at a time: in the daemon that is its loop thread. Every call takes an
    internal lock, so another thread (a scan started from the control socket) may call it too
    but waits its turn. For a long scan that must not hold up the loop, open a second
    `Catalogue` on the same path in the worker thread: WAL lets the loop keep reading, the scan
    commits in batches so the loop's history writes get in between, and `generation()` tells
    the loop when to rebuild its name indexes.

    A corrupt file is moved aside and a fresh one started (see `Database`); `recovered_from`
    then names the moved file so the caller can tell the owner to rescan. Other failures to
    open or query raise LibraryError naming the file.
    """

    def __init__(self, *, path: Path) -> None:
        self.database = Database(path=path)

    @property
    def path(self) -> Path:
        return self.database.path

    @property
    def recovered_from(self) -> Path | None:
        """The corrupt file that was moved aside when this catalogue was opened, if any."""
        return self.database.recovered_from

    def scan(
        self,
        *,
        music_dirs: Sequence[Path],
        playlist_dirs: Sequence[Path],
        podcast_dirs: Sequence[Path],
        on_progress: ProgressSink | None = None,
    ) -> ScanReport:
        """Incrementally bring the catalogue in line with the folders.

        A file whose size and modification time are unchanged is not opened; new and changed
        files are read; files that are gone are removed, except under a library folder that is
        missing altogether (an unmounted drive), whose entries are kept. Unreadable files are
        logged, skipped and listed in `failed` on every scan; playlists are re-read every scan
        and their entries that are not in the catalogue listed in `dangling`. `on_progress` is
        called every few hundred files with the counts so far.

        A scan that stops half-way (killed, power cut) keeps what it committed and is reported
        by `unfinished()` until a later scan completes; that scan skips what is already read.
        """
        try:
            return run_scan(
                self.database,
                music_dirs=music_dirs,
                playlist_dirs=playlist_dirs,
                podcast_dirs=podcast_dirs,
                on_progress=on_progress,
            )
        except sqlite3.Error as exc:
            raise LibraryError(f"library scan could not write {self.path}: {exc}") from exc

    def unfinished(self) -> str | None:
        """Why this catalogue may be missing part of the library (its last scan did not finish,
        or none ever did), or None when its last scan completed."""
        return unfinished_scan(self.database)

    def generation(self) -> int:
        """A number that grows whenever a scan changes tracks, episodes or playlists.

        A file that was re-read because its time changed counts as a change even if its tags
        came back the same; a scan that found nothing new leaves the number alone.
        """
        with self.database.read() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0])

    def _tracks(self, where: str, params: Sequence[Any], order: str) -> list[Track]:
        sql = f"SELECT {TRACK_COLUMNS} FROM tracks t {where} ORDER BY {order}"
        with self.database.read() as conn:
            return [_track(r) for r in conn.execute(sql, params)]

    def tracks(self) -> list[Track]:
        """Every track, by album artist (or artist), album and track number."""
        return self._tracks(
            "",
            (),
            "CASE WHEN t.album_artist != '' THEN t.album_artist ELSE t.artist END "
            "COLLATE NOCASE, " + _ALBUM_ORDER,
        )

    def track(self, track_id: int) -> Track | None:
        found = self._tracks("WHERE t.id = ?", (track_id,), "t.id")
        return found[0] if found else None

    def track_by_path(self, path: str | Path) -> Track | None:
        found = self._tracks("WHERE t.path = ?", (str(path),), "t.id")
        return found[0] if found else None

    def artists(self) -> list[str]:
        """Distinct artist and album-artist names, sorted ignoring case."""
        with self.database.read() as conn:
            rows = conn.execute(
                "SELECT artist FROM tracks WHERE artist != '' "
                "UNION SELECT album_artist FROM tracks WHERE album_artist != ''"
            ).fetchall()
        return sorted((r[0] for r in rows), key=str.casefold)

    def albums(self) -> list[tuple[str, str]]:
        """Distinct (album, album artist or else artist), sorted ignoring case."""
        with self.database.read() as conn:
            rows = conn.execute(
                "SELECT DISTINCT album, CASE WHEN album_artist != '' THEN album_artist "
                "ELSE artist END FROM tracks WHERE album != ''"
            ).fetchall()
        return sorted(((a, b) for a, b in rows), key=lambda r: (r[0].casefold(), r[1].casefold()))

    def genres(self) -> list[str]:
        with self.database.read() as conn:
            rows = conn.execute("SELECT DISTINCT genre FROM tracks WHERE genre != ''").fetchall()
        return sorted((r[0] for r in rows), key=str.casefold)

    def tracks_by_artist(self, name: str) -> list[Track]:
        """Tracks whose artist or album artist is `name` (ASCII case ignored), album by album."""
        return self._tracks(
            "WHERE t.artist = ? COLLATE NOCASE OR t.album_artist = ? COLLATE NOCASE",
            (name, name),
            _ALBUM_ORDER,
        )

    def album_tracks(self, album: str, artist: str | None = None) -> list[Track]:
        """An album in track order; `artist` (artist or album artist) tells same-named apart."""
        if artist is None:
            return self._tracks("WHERE t.album = ? COLLATE NOCASE", (album,), _ALBUM_ORDER)
        return self._tracks(
            "WHERE t.album = ? COLLATE NOCASE "
            "AND (t.album_artist = ? COLLATE NOCASE OR t.artist = ? COLLATE NOCASE)",
            (album, artist, artist),
            _ALBUM_ORDER,
        )

    def tracks_by_title(self, title: str, artist: str | None = None) -> list[Track]:
        if artist is None:
            return self._tracks(
                "WHERE t.title = ? COLLATE NOCASE",
                (title,),
                "t.artist COLLATE NOCASE, " + _ALBUM_ORDER,
            )
        return self._tracks(
            "WHERE t.title = ? COLLATE NOCASE "
            "AND (t.artist = ? COLLATE NOCASE OR t.album_artist = ? COLLATE NOCASE)",
            (title, artist, artist),
            _ALBUM_ORDER,
        )

    def genre_tracks(self, genre: str) -> list[Track]:
        """A genre's tracks by artist, album and track number."""
        return self._tracks(
            "WHERE t.genre = ? COLLATE NOCASE", (genre,), "t.artist COLLATE NOCASE, " + _ALBUM_ORDER
        )

    def playlists(self) -> list[Playlist]:
        with self.database.read() as conn:
            rows = conn.execute("SELECT id, name, path FROM playlists").fetchall()
        return sorted((Playlist(*r) for r in rows), key=lambda p: (p.name.casefold(), p.path))

    def playlist_tracks(self, playlist_id: int) -> list[Track]:
        """The playlist's tracks in file order (a track may appear more than once)."""
        sql = (
            f"SELECT {TRACK_COLUMNS} FROM playlist_entries e JOIN tracks t ON t.id = e.track_id "
            "WHERE e.playlist_id = ? ORDER BY e.position"
        )
        with self.database.read() as conn:
            return [_track(r) for r in conn.execute(sql, (playlist_id,))]

    def shows(self) -> list[str]:
        with self.database.read() as conn:
            rows = conn.execute("SELECT DISTINCT show FROM episodes").fetchall()
        return sorted((r[0] for r in rows), key=str.casefold)

    def episodes(self, show: str) -> list[Episode]:
        """A show's episodes, oldest first (tag date where it names a day, else file time)."""
        with self.database.read() as conn:
            rows = conn.execute(
                f"SELECT {_EPISODE_COLUMNS} FROM episodes WHERE show = ? ORDER BY published, path",
                (show,),
            ).fetchall()
        return [_episode(r) for r in rows]

    def episode_by_path(self, path: str | Path) -> Episode | None:
        with self.database.read() as conn:
            row = conn.execute(
                f"SELECT {_EPISODE_COLUMNS} FROM episodes WHERE path = ?", (str(path),)
            ).fetchone()
        return _episode(row) if row else None

    def close(self) -> None:
        self.database.close()

    def __enter__(self) -> Catalogue:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
