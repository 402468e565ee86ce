"""One incremental scan: walks the folders, reads only new or changed files, writes in batches."""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assistant.library import scanner
from assistant.library.database import Database
from assistant.library.models import ScanReport
from assistant.library.playlists import PLAYLIST_EXTENSIONS, read_playlist

logger = logging.getLogger(__name__)

# Files read per transaction: big enough that commits do not dominate on an SD card, small
# enough that another connection waiting to write (history) is not held up for long.
BATCH_SIZE = 500


@dataclass
class _Tally:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    playlists_changed: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    dangling: list[tuple[str, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.playlists_changed)


@dataclass(frozen=True)
class _Root:
    path: str
    present: bool


def _roots(dirs: Iterable[Path]) -> list[_Root]:
    roots = []
    for d in dirs:
        path = os.path.realpath(os.path.expanduser(d))
        present = os.path.isdir(path)
        if not present:
            logger.warning("library folder %s is missing; what it held is kept until it is back", d)
        roots.append(_Root(path, present))
    return roots


def _under(path: str, roots: Iterable[_Root]) -> _Root | None:
    for root in roots:
        if path == root.path or path.startswith(root.path.rstrip(os.sep) + os.sep):
            return root
    return None


def _removable(path: str, roots: Sequence[_Root]) -> bool:
    """A file not seen by the walk is gone, unless its whole library folder is missing."""
    root = _under(path, roots)
    return root is None or root.present


def run_scan(
    db: Database,
    *,
    music_dirs: Sequence[Path],
    playlist_dirs: Sequence[Path],
    podcast_dirs: Sequence[Path],
) -> ScanReport:
    """Bring the database in line with the folders; see Catalogue.scan."""
    started = time.monotonic()
    tally = _Tally()
    music = _roots(music_dirs)
    podcasts = _roots(podcast_dirs)
    _scan_tracks(db, music, podcasts, tally)
    _scan_episodes(db, podcasts, tally)
    _scan_playlists(db, _roots(playlist_dirs), tally)
    if tally.changed:
        with db.write() as conn:
            conn.execute("UPDATE meta SET value = value + 1 WHERE key = 'generation'")
    report = ScanReport(
        added=tally.added,
        updated=tally.updated,
        removed=tally.removed,
        unchanged=tally.unchanged,
        failed=tuple(tally.failed),
        dangling=tuple(tally.dangling),
        seconds=time.monotonic() - started,
    )
    logger.info(
        "library scan: %d added, %d updated, %d removed, %d unchanged, %d failed, "
        "%d dangling playlist entries in %.1f s",
        report.added,
        report.updated,
        report.removed,
        report.unchanged,
        len(report.failed),
        len(report.dangling),
        report.seconds,
    )
    return report


_TRACK_UPSERT = """
INSERT INTO tracks (path, size, mtime_ns, title, artist, album_artist, album, genre,
                    track_no, disc_no, duration, year)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (path) DO UPDATE SET
    size = excluded.size, mtime_ns = excluded.mtime_ns, title = excluded.title,
    artist = excluded.artist, album_artist = excluded.album_artist, album = excluded.album,
    genre = excluded.genre, track_no = excluded.track_no, disc_no = excluded.disc_no,
    duration = excluded.duration, year = excluded.year
"""

_EPISODE_UPSERT = """
INSERT INTO episodes (show, title, path, size, mtime_ns, published, duration)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (path) DO UPDATE SET
    show = excluded.show, title = excluded.title, size = excluded.size,
    mtime_ns = excluded.mtime_ns, published = excluded.published, duration = excluded.duration
"""


def _known(db: Database, table: str) -> dict[str, tuple[int, int]]:
    with db.read() as conn:
        rows = conn.execute(f"SELECT path, size, mtime_ns FROM {table}").fetchall()
    return {path: (size, mtime_ns) for path, size, mtime_ns in rows}


def _read(stat: scanner.FileStat, root: str, tally: _Tally) -> scanner.Tags | None:
    try:
        return scanner.read_tags(stat.path, root=root)
    except scanner.UnreadableFileError as exc:
        logger.warning("cannot read %s: %s; skipped", stat.path, exc)
        tally.failed.append((stat.path, str(exc)))
        return None


def _delete(db: Database, table: str, paths: list[str]) -> None:
    for i in range(0, len(paths), BATCH_SIZE):
        with db.write() as conn:
            conn.executemany(
                f"DELETE FROM {table} WHERE path = ?", [(p,) for p in paths[i : i + BATCH_SIZE]]
            )


def _scan_tracks(db: Database, music: list[_Root], podcasts: list[_Root], tally: _Tally) -> None:
    known = _known(db, "tracks")
    seen: set[str] = set()
    pending: list[tuple[scanner.FileStat, str]] = []
    gone: list[str] = []
    exclude = [p.path for p in podcasts]
    for root in music:
        if not root.present:
            continue
        for stat in scanner.walk_files([root.path], scanner.AUDIO_EXTENSIONS, exclude):
            if stat.path in seen:
                continue  # nested music folders: counted once
            seen.add(stat.path)
            if known.get(stat.path) == (stat.size, stat.mtime_ns):
                tally.unchanged += 1
                continue
            pending.append((stat, root.path))
            if len(pending) >= BATCH_SIZE:
                gone += _write_tracks(db, pending, known, tally)
                pending = []
    gone += _write_tracks(db, pending, known, tally)
    gone += [p for p in known if p not in seen and _removable(p, music)]
    tally.removed += len(gone)
    _delete(db, "tracks", gone)


def _write_tracks(
    db: Database,
    batch: list[tuple[scanner.FileStat, str]],
    known: dict[str, tuple[int, int]],
    tally: _Tally,
) -> list[str]:
    """Read and store one batch; returns known paths that have become unreadable."""
    rows = []
    unreadable = []
    for stat, root in batch:
        tags = _read(stat, root, tally)
        if tags is None:
            if stat.path in known:
                unreadable.append(stat.path)
            continue
        if stat.path in known:
            tally.updated += 1
        else:
            tally.added += 1
        rows.append(
            (
                stat.path,
                stat.size,
                stat.mtime_ns,
                tags.title,
                tags.artist,
                tags.album_artist,
                tags.album,
                tags.genre,
                tags.track_no,
                tags.disc_no,
                tags.duration,
                tags.year,
            )
        )
    if rows:
        with db.write() as conn:
            conn.executemany(_TRACK_UPSERT, rows)
    return unreadable


def _scan_episodes(db: Database, podcasts: list[_Root], tally: _Tally) -> None:
    known = _known(db, "episodes")
    seen: set[str] = set()
    rows = []
    gone = []
    for root in podcasts:
        if not root.present:
            continue
        for stat in scanner.walk_files([root.path], scanner.AUDIO_EXTENSIONS):
            rel = os.path.relpath(stat.path, root.path).split(os.sep)
            if len(rel) < 2:
                logger.debug("podcast file %s is not in a show folder; ignored", stat.path)
                continue
            seen.add(stat.path)
            if known.get(stat.path) == (stat.size, stat.mtime_ns):
                tally.unchanged += 1
                continue
            tags = _read(stat, root.path, tally)
            if tags is None:
                if stat.path in known:
                    gone.append(stat.path)
                continue
            if stat.path in known:
                tally.updated += 1
            else:
                tally.added += 1
            published = tags.published if tags.published is not None else stat.mtime_ns / 1e9
            rows.append(
                (rel[0], tags.title, stat.path, stat.size, stat.mtime_ns, published, tags.duration)
            )
    for i in range(0, len(rows), BATCH_SIZE):
        with db.write() as conn:
            conn.executemany(_EPISODE_UPSERT, rows[i : i + BATCH_SIZE])
    gone += [p for p in known if p not in seen and _removable(p, podcasts)]
    tally.removed += len(gone)
    _delete(db, "episodes", gone)


class _TrackFinder:
    """Playlist entry -> track id: exact path first, then through symlinks, then ignoring case."""

    def __init__(self, db: Database) -> None:
        with db.read() as conn:
            self._by_path: dict[str, int] = dict(conn.execute("SELECT path, id FROM tracks"))
        self._by_folded: dict[str, int] | None = None

    def find(self, path: str | None) -> int | None:
        if path is None:
            return None
        found = self._by_path.get(path)
        if found is None:
            found = self._by_path.get(os.path.realpath(path))
        if found is None:
            # Playlists made on Windows or macOS often differ from the file only in case.
            if self._by_folded is None:
                self._by_folded = {p.casefold(): i for p, i in self._by_path.items()}
            found = self._by_folded.get(path.casefold())
        return found


def _scan_playlists(db: Database, roots: list[_Root], tally: _Tally) -> None:
    finder = _TrackFinder(db)
    with db.read() as conn:
        stored = {path: pid for pid, path in conn.execute("SELECT id, path FROM playlists")}
    seen: set[str] = set()
    present = [r.path for r in roots if r.present]
    for stat in scanner.walk_files(present, PLAYLIST_EXTENSIONS):
        try:
            playlist = read_playlist(stat.path)
        except OSError as exc:
            logger.warning("cannot read playlist %s: %s; skipped", stat.path, exc)
            tally.failed.append((stat.path, exc.strerror or str(exc)))
            continue
        seen.add(stat.path)
        ids = []
        dangling = []
        for entry in playlist.entries:
            track_id = finder.find(entry.path)
            if track_id is None:
                dangling.append(entry.written)
            else:
                ids.append(track_id)
        if dangling:
            logger.warning(
                "playlist %s: %d entries not in the library, left out: %s",
                playlist.name,
                len(dangling),
                "; ".join(dangling[:5]) + ("; ..." if len(dangling) > 5 else ""),
            )
            tally.dangling += [(playlist.name, d) for d in dangling]
        if _store_playlist(db, stored.get(stat.path), playlist.name, stat.path, ids):
            tally.playlists_changed += 1
    gone = [p for p in stored if p not in seen and _removable(p, roots)]
    if gone:
        tally.playlists_changed += len(gone)
        with db.write() as conn:
            conn.executemany("DELETE FROM playlists WHERE path = ?", [(p,) for p in gone])


def _store_playlist(
    db: Database, playlist_id: int | None, name: str, path: str, ids: list[int]
) -> bool:
    """Write the playlist if it is new or its entries changed; True when something was written."""
    if playlist_id is not None:
        with db.read() as conn:
            old = [
                r[0]
                for r in conn.execute(
                    "SELECT track_id FROM playlist_entries WHERE playlist_id = ? ORDER BY position",
                    (playlist_id,),
                )
            ]
        if old == ids:
            return False
    try:
        with db.write() as conn:
            if playlist_id is None:
                cur = conn.execute("INSERT INTO playlists (name, path) VALUES (?, ?)", (name, path))
                playlist_id = int(cur.lastrowid or 0)
            conn.execute("DELETE FROM playlist_entries WHERE playlist_id = ?", (playlist_id,))
            conn.executemany(
                "INSERT INTO playlist_entries (playlist_id, position, track_id) VALUES (?, ?, ?)",
                [(playlist_id, n, t) for n, t in enumerate(ids)],
            )
    except sqlite3.IntegrityError as exc:
        logger.warning("playlist %s not stored: %s", path, exc)
        return False
    return True
