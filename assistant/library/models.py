"""Plain values that describe what is in the owner's library."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Track:
    """One audio file of the music library, with the tags the assistant uses."""

    id: int
    path: str
    title: str
    artist: str
    album_artist: str
    album: str
    genre: str
    track_no: int | None
    duration: float | None
    """Seconds, None where the file did not say."""
    year: int | None = None
    """Release year from the date tag, None where the file did not say."""


@dataclass(frozen=True)
class Playlist:
    """An .m3u / .m3u8 playlist; its tracks in order, dangling entries already left out."""

    id: int
    name: str
    path: str


@dataclass(frozen=True)
class Episode:
    """One podcast episode: an audio file inside a show's folder."""

    id: int
    show: str
    title: str
    path: str
    published: float
    """Ordering key: the file's tag date if any, else its modification time (Unix seconds)."""
    duration: float | None


@dataclass(frozen=True)
class ScanReport:
    """What one `Catalogue.scan` found and changed; counts cover tracks and episodes alike."""

    added: int
    updated: int
    """Files whose size or modification time changed since the last scan, read again."""
    removed: int
    unchanged: int
    """Files skipped without being opened because their size and modification time match."""
    failed: tuple[tuple[str, str], ...]
    """(location, reason) for every audio or playlist file that could not be read (a FIFO among
    them); retried on every scan. The location is the path, or for a name that is not UTF-8 its
    file:// URI (see locations)."""
    dangling: tuple[tuple[str, str], ...]
    """(playlist name, entry as written) for playlist entries that are not in the catalogue."""
    seconds: float
    """Wall-clock duration of the scan."""
    playlists: int = 0
    """Playlist files read."""


@dataclass(frozen=True)
class ScanProgress:
    """How far a running scan has got, for a progress line."""

    files: int
    """Audio files looked at so far (read, unchanged or unreadable)."""
    added: int
    failed: int
    playlists: int
