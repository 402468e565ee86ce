"""The one SQLite file holding catalogue and history: opening, schema migrations, transactions."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from assistant.errors import LibraryError

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1

_SCHEMA_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('generation', 0);

-- AUTOINCREMENT: an id is never reused, so an id held by another module never names a
-- different track after a removal.
CREATE TABLE tracks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    path TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    title TEXT NOT NULL,
    artist TEXT NOT NULL,
    album_artist TEXT NOT NULL,
    album TEXT NOT NULL,
    genre TEXT NOT NULL,
    track_no INTEGER,
    disc_no INTEGER,
    duration REAL,
    year INTEGER
);
CREATE INDEX tracks_artist ON tracks (artist COLLATE NOCASE);
CREATE INDEX tracks_album_artist ON tracks (album_artist COLLATE NOCASE);
CREATE INDEX tracks_album ON tracks (album COLLATE NOCASE);
CREATE INDEX tracks_title ON tracks (title COLLATE NOCASE);
CREATE INDEX tracks_genre ON tracks (genre COLLATE NOCASE);

CREATE TABLE playlists (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    path TEXT NOT NULL UNIQUE
);
CREATE TABLE playlist_entries (
    playlist_id INTEGER NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    track_id INTEGER NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    PRIMARY KEY (playlist_id, position)
) WITHOUT ROWID;
CREATE INDEX playlist_entries_track ON playlist_entries (track_id);

CREATE TABLE episodes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    show TEXT NOT NULL,
    title TEXT NOT NULL,
    path TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    published REAL NOT NULL,
    duration REAL
);
CREATE INDEX episodes_show ON episodes (show, published);

-- History is keyed by location (file path or stream URL), not track id, so it survives a
-- file being removed and found again (an unmounted drive, a re-tagging tool that rewrites).
CREATE TABLE plays (
    id INTEGER PRIMARY KEY,
    location TEXT NOT NULL,
    started_at REAL NOT NULL,
    seconds_played REAL NOT NULL,
    duration REAL,
    ended TEXT NOT NULL CHECK (ended IN ('finished', 'skipped', 'stopped', 'error'))
);
CREATE INDEX plays_location ON plays (location);
CREATE TABLE ratings (
    location TEXT PRIMARY KEY,
    liked INTEGER NOT NULL,
    rated_at REAL NOT NULL
) WITHOUT ROWID;
CREATE TABLE positions (
    location TEXT PRIMARY KEY,
    seconds REAL NOT NULL,
    updated_at REAL NOT NULL
) WITHOUT ROWID;
"""


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    # executescript() would COMMIT the open migration transaction first; run one by one instead.
    lines = [line for line in script.splitlines() if not line.lstrip().startswith("--")]
    for statement in "\n".join(lines).split(";"):
        if statement.strip():
            conn.execute(statement)


def _migrate_0_to_1(conn: sqlite3.Connection) -> None:
    _run_script(conn, _SCHEMA_V1)


# MIGRATIONS[n] turns a version-n file into version n+1; each runs in its own transaction.
# A later schema change adds one function here and bumps SCHEMA_VERSION.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {0: _migrate_0_to_1}


class Database:
    """One connection to the state file, with a lock so exactly one thread uses it at a time.

    The connection is opened with check_same_thread=False and every use goes through `read()`
    or `write()`, which hold the lock, so handing the object to another thread is safe; two
    threads simply take turns. A file that SQLite reports as corrupt (or that is not a database
    at all) is renamed to `<name>.corrupt-<time>` and a fresh, empty file is created in its place
    (`recovered_from` then names the renamed file): the catalogue is rebuilt by the next
    `assistant library scan`; history in the bad file is lost but the file is kept for rescue.
    """

    def __init__(self, *, path: Path) -> None:
        self.path = path
        self.recovered_from: Path | None = None
        self._lock = threading.RLock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LibraryError(f"cannot create the folder for {path}: {exc}") from exc
        try:
            self._conn = self._open()
        except sqlite3.DatabaseError as exc:
            if not _is_corruption(exc):
                raise LibraryError(f"cannot open the library database {path}: {exc}") from exc
            self.recovered_from = self._move_aside(str(exc))
            try:
                self._conn = self._open()
            except sqlite3.Error as exc2:
                raise LibraryError(f"cannot create the library database {path}: {exc2}") from exc2

    def _open(self) -> sqlite3.Connection:
        _make_private(self.path)
        conn = sqlite3.connect(
            self.path, timeout=10.0, isolation_level=None, check_same_thread=False
        )
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            # NORMAL with WAL: a power cut can lose the last commits but never corrupts.
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            result = conn.execute("PRAGMA quick_check(1)").fetchone()
            if result is None or result[0] != "ok":
                detail = result[0] if result else "no answer"
                raise sqlite3.DatabaseError(f"database disk image is malformed: {detail}")
            self._migrate(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise LibraryError(
                f"{self.path} was written by a newer version of the assistant "
                f"(schema {version}, this one knows {SCHEMA_VERSION}); update the assistant"
            )
        while version < SCHEMA_VERSION:
            conn.execute("BEGIN IMMEDIATE")
            try:
                MIGRATIONS[version](conn)
                conn.execute(f"PRAGMA user_version={version + 1}")
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            logger.info("library database %s migrated to schema %d", self.path, version + 1)
            version += 1

    def _move_aside(self, reason: str) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        # The WAL and shared-memory files belong to the bad file: replayed onto a fresh one
        # they would corrupt it again.
        for suffix in ("", "-wal", "-shm"):
            src = Path(str(self.path) + suffix)
            if src.exists():
                try:
                    os.replace(src, Path(str(aside) + suffix))
                except OSError as exc:
                    raise LibraryError(
                        f"the library database {self.path} is corrupt ({reason}) and cannot be "
                        f"moved aside ({exc}); delete it and run `assistant library scan`"
                    ) from exc
        logger.error(
            "library database %s is corrupt (%s); moved to %s and started empty: "
            "run `assistant library scan` to rebuild the catalogue",
            self.path,
            reason,
            aside,
        )
        return aside

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """The connection, under the lock; SQLite errors become LibraryError."""
        with self._lock:
            try:
                yield self._conn
            except sqlite3.Error as exc:
                raise LibraryError(f"library database {self.path}: {exc}") from exc

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One transaction, under the lock: committed on success, rolled back on any error.

        sqlite3.Error is raised as it is, so callers can choose to log it instead.
        """
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                # SQLite rolls back by itself after some errors (SQLITE_FULL among them).
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            else:
                try:
                    conn.execute("COMMIT")
                except BaseException:
                    # A failed COMMIT (disk full) leaves the transaction open.
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _make_private(path: Path) -> None:
    """Create the database file 0600, or make an existing one (and its -wal and -shm) 0600.

    History says what the owner listens to and when. SQLite gives the -wal and -shm files it
    creates the database file's mode, so a new file needs nothing more; an older, 0644 one is
    tightened. A symlink in the database's place is not followed (sqlite3 would follow it).
    """
    for suffix in ("", "-wal", "-shm"):
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | (os.O_CREAT if not suffix else 0)
        try:
            fd = os.open(f"{path}{suffix}", flags, 0o600)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise LibraryError(f"cannot open the library database {path}{suffix}: {exc}") from exc
        try:
            if os.fstat(fd).st_mode & 0o077:
                os.fchmod(fd, 0o600)
        except OSError as exc:
            logger.warning("cannot make %s%s private (0600): %s", path, suffix, exc.strerror)
        finally:
            os.close(fd)


def _is_corruption(exc: sqlite3.DatabaseError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return True
    # quick_check failures are raised above without an error code.
    return code is None and "malformed" in str(exc)
