"""Reading .m3u / .m3u8 playlists into ordered lists of absolute file paths."""

from __future__ import annotations

import logging
import ntpath
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

logger = logging.getLogger(__name__)

PLAYLIST_EXTENSIONS = frozenset({".m3u", ".m3u8"})


@dataclass(frozen=True)
class PlaylistEntry:
    """One entry of a playlist file: as written, and where it points on this machine."""

    written: str
    path: str | None
    """Absolute, normalised path; None for entries that cannot name a local file (a URL)."""


@dataclass(frozen=True)
class PlaylistFile:
    name: str
    """The file name without its extension."""
    path: str
    entries: tuple[PlaylistEntry, ...]


def read_playlist(path: str) -> PlaylistFile:
    """Parse one playlist file; raises OSError only when the file cannot be read at all.

    .m3u8 is UTF-8 by definition; .m3u is tried as UTF-8 first and read as Windows-1252/Latin-1
    when that fails, the encoding older players write. #EXTM3U, #EXTINF and other comment lines
    are ignored. Entries may be relative to the playlist's folder, absolute, file:// URIs, or
    written with Windows backslashes.
    """
    data = Path(path).read_bytes()
    text = _decode(data, strict_utf8=path.lower().endswith(".m3u8"))
    folder = os.path.dirname(os.path.abspath(path))
    entries = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        entries.append(PlaylistEntry(written=line, path=resolve_entry(line, folder)))
    return PlaylistFile(
        name=os.path.splitext(os.path.basename(path))[0], path=path, entries=tuple(entries)
    )


def _decode(data: bytes, *, strict_utf8: bool) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        if strict_utf8:
            return data.decode("utf-8", errors="replace")
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; latin-1 maps every byte.
        return data.decode("latin-1")


def resolve_entry(entry: str, folder: str) -> str | None:
    """The absolute path an entry names, or None for a non-file URL."""
    if "://" in entry[:12]:
        parts = urlsplit(entry)
        if parts.scheme.lower() != "file":
            return None
        # file://host/path is rare for local files; the host part is ignored.
        entry = unquote(parts.path)
    if "\\" in entry:
        drive, rest = ntpath.splitdrive(entry)
        # A Windows drive path cannot name a file here; keep it (it will dangle) but make it
        # absolute so it is never joined under the playlist folder.
        entry = "/" + drive + rest.replace("\\", "/") if drive else entry.replace("\\", "/")
    if not os.path.isabs(entry):
        entry = os.path.join(folder, entry)
    return os.path.normpath(entry)
