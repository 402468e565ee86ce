"""One incremental scan: walks the folders, reads only new or changed files, writes in batches."""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assistant.library import scanner
from assistant.library.database import Database
from assistant.library.locations import local_path, location
from assistant.library.locations import text as name_text
from assistant.library.models import ScanProgress, ScanReport
from assistant.library.playlists import PLAYLIST_EXTENSIONS, PlaylistEntry, read_playlist
from assistant.logsafe import shown, summary

logger = logging.getLogger(__name__)

# Files read per transaction: big enough that commits do not dominate on an SD card, small
# enough that another connection waiting to write (history) is not held up for long.
BATCH_SIZE = 500


ProgressSink = Callable[[ScanProgress], None]


@dataclass
class _Tally:
    on_progress: ProgressSink | None = None
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    playlists: int = 0
    playlists_changed: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    dangling: list[tuple[str, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.playlists_changed)

    def fail(self, path: str, reason: str) -> None:
        """One file skipped: logged in full only at debug, summarised at the end of the scan."""
        logger.debug("cannot read %s: %s; skipped", shown(path), shown(reason))
        self.failed.append((location(path), reason))

    def progress(self) -> None:
        if self.on_progress is not None:
            self.on_progress(
                ScanProgress(
                    files=self.added + self.updated + self.unchanged + len(self.failed),
                    added=self.added,
                    failed=len(self.failed),
                    playlists=self.playlists,
                )
            )


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


def _removable(stored: str, roots: Sequence[_Root]) -> bool:
    """A file not seen by the walk is gone, unless its whole library folder is missing."""
    path = local_path(stored)
    root = _under(path, roots) if path is not None else None
    return root is None or root.present


# meta keys: 'scan_started' is committed before a scan writes anything and deleted in the
# scan's last transaction, so a scan that was killed, crashed or lost power is still known as
# unfinished at the next start; 'scan_finished' says a scan has ever run to its end (an empty
# or new file has none).
SCAN_STARTED = "scan_started"
SCAN_FINISHED = "scan_finished"
NEVER_SCANNED = "the library has never been scanned completely"


def _mark(conn: sqlite3.Connection, key: str) -> None:
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, int(time.time())))


def unfinished_scan(db: Database) -> str | None:
    """Why the catalogue cannot be trusted as whole (a scan to redo), or None if it can."""
    with db.read() as conn:
        keys = {
            row[0]
            for row in conn.execute(
                "SELECT key FROM meta WHERE key IN (?, ?)", (SCAN_STARTED, SCAN_FINISHED)
            )
        }
    if SCAN_STARTED in keys:
        return "the last library scan did not finish"
    if SCAN_FINISHED not in keys:
        return NEVER_SCANNED
    return None


def run_scan(
    db: Database,
    *,
    music_dirs: Sequence[Path],
    playlist_dirs: Sequence[Path],
    podcast_dirs: Sequence[Path],
    on_progress: ProgressSink | None = None,
) -> ScanReport:
    """Bring the database in line with the folders; see Catalogue.scan."""
    started = time.monotonic()
    with db.write() as conn:
        _mark(conn, SCAN_STARTED)
    tally = _Tally(on_progress)
    music = _roots(music_dirs)
    podcasts = _roots(podcast_dirs)
    _scan_tracks(db, music, podcasts, tally)
    _scan_episodes(db, podcasts, tally)
    _scan_playlists(db, _roots(playlist_dirs), tally)
    tally.progress()
    with db.write() as conn:
        if tally.changed:
            conn.execute("UPDATE meta SET value = value + 1 WHERE key = 'generation'")
        conn.execute("DELETE FROM meta WHERE key = ?", (SCAN_STARTED,))
        _mark(conn, SCAN_FINISHED)
    if tally.failed:
        logger.warning(
            "library scan: %d %s could not be read, skipped: %s",
            len(tally.failed),
            "file" if len(tally.failed) == 1 else "files",
            summary([f"{local_path(path) or path} ({reason})" for path, reason in tally.failed]),
        )
    report = ScanReport(
        added=tally.added,
        updated=tally.updated,
        removed=tally.removed,
        unchanged=tally.unchanged,
        failed=tuple(tally.failed),
        dangling=tuple(tally.dangling),
        seconds=time.monotonic() - started,
        playlists=tally.playlists,
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
        tally.fail(stat.path, str(exc))
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
        for stat in scanner.walk_files(
            [root.path], scanner.AUDIO_EXTENSIONS, exclude, on_skipped=tally.fail
        ):
            stored = location(stat.path)
            if stored in seen:
                continue  # nested music folders: counted once
            seen.add(stored)
            if known.get(stored) == (stat.size, stat.mtime_ns):
                tally.unchanged += 1
            else:
                pending.append((stat, root.path))
                if len(pending) >= BATCH_SIZE:
                    gone += _write_tracks(db, pending, known, tally)
                    pending = []
            if len(seen) % BATCH_SIZE == 0:
                tally.progress()
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
        stored = location(stat.path)
        tags = _read(stat, root, tally)
        if tags is None:
            if stored in known:
                unreadable.append(stored)
            continue
        if stored in known:
            tally.updated += 1
        else:
            tally.added += 1
        rows.append(
            (
                stored,
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
        for stat in scanner.walk_files(
            [root.path], scanner.AUDIO_EXTENSIONS, on_skipped=tally.fail
        ):
            rel = os.path.relpath(stat.path, root.path).split(os.sep)
            if len(rel) < 2:
                logger.debug("podcast file %s is not in a show folder; ignored", shown(stat.path))
                continue
            stored = location(stat.path)
            seen.add(stored)
            if known.get(stored) == (stat.size, stat.mtime_ns):
                tally.unchanged += 1
                continue
            tags = _read(stat, root.path, tally)
            if tags is None:
                if stored in known:
                    gone.append(stored)
                continue
            if stored in known:
                tally.updated += 1
            else:
                tally.added += 1
            published = tags.published if tags.published is not None else stat.mtime_ns / 1e9
            show = name_text(rel[0])
            rows.append(
                (show, tags.title, stored, stat.size, stat.mtime_ns, published, tags.duration)
            )
    for i in range(0, len(rows), BATCH_SIZE):
        with db.write() as conn:
            conn.executemany(_EPISODE_UPSERT, rows[i : i + BATCH_SIZE])
    gone += [p for p in known if p not in seen and _removable(p, podcasts)]
    tally.removed += len(gone)
    _delete(db, "episodes", gone)


def _legacy_name(path: str | None) -> str | None:
    """The file `path` names if the disk wrote its name in Windows-1252 rather than UTF-8 (an
    old USB disk or Samba share), as os.fsdecode gives it; None if that is the same file."""
    if path is None or path.isascii():
        return None
    try:
        return os.fsdecode(path.encode("cp1252"))
    except UnicodeEncodeError:
        return None


class _TrackFinder:
    """Playlist entry -> track id: exact path first, then through symlinks, then ignoring case."""

    def __init__(self, db: Database) -> None:
        with db.read() as conn:
            self._by_path: dict[str, int] = dict(conn.execute("SELECT path, id FROM tracks"))
        self._by_folded: dict[str, int] | None = None

    def find(self, entry: PlaylistEntry) -> int | None:
        for path in (entry.raw_path, entry.path, _legacy_name(entry.path)):
            found = self._find(path)
            if found is not None:
                return found
        return None

    def _find(self, path: str | None) -> int | None:
        if path is None or "\x00" in path:  # no file name holds a zero byte
            return None
        found = self._by_path.get(location(path))
        if found is None:
            found = self._by_path.get(location(os.path.realpath(path)))
        if found is None:
            # Playlists made on Windows or macOS often differ from the file only in case.
            if self._by_folded is None:
                self._by_folded = {p.casefold(): i for p, i in self._by_path.items()}
            found = self._by_folded.get(location(path).casefold())
        return found


def _scan_playlists(db: Database, roots: list[_Root], tally: _Tally) -> None:
    finder = _TrackFinder(db)
    with db.read() as conn:
        stored = {path: pid for pid, path in conn.execute("SELECT id, path FROM playlists")}
    seen: set[str] = set()
    present = [r.path for r in roots if r.present]
    for stat in scanner.walk_files(present, PLAYLIST_EXTENSIONS, on_skipped=tally.fail):
        try:
            playlist = read_playlist(stat.path)
        except OSError as exc:
            tally.fail(stat.path, exc.strerror or str(exc))
            continue
        path = location(stat.path)
        name = name_text(playlist.name)
        seen.add(path)
        tally.playlists += 1
        ids = []
        dangling = []
        for entry in playlist.entries:
            track_id = finder.find(entry)
            if track_id is None:
                dangling.append(entry.written)
            else:
                ids.append(track_id)
        if dangling and not ids:
            # Not one line names a track: a playlist from another machine, or no playlist at
            # all (a symlink to /etc/passwd). Its lines are not worth a place in the log.
            logger.warning(
                "playlist %s: none of its %d entries is in the library",
                shown(name),
                len(dangling),
            )
        elif dangling:
            logger.warning(
                "playlist %s: %d %s not in the library, left out: %s",
                shown(name),
                len(dangling),
                "entry" if len(dangling) == 1 else "entries",
                summary(dangling),
            )
        tally.dangling += [(name, d) for d in dangling]
        if _store_playlist(db, stored.get(path), name, path, ids):
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
        logger.warning("playlist %s not stored: %s", shown(path), exc)
        return False
    return True
