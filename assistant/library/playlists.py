"""Reading .m3u / .m3u8 playlists into ordered lists of absolute file paths."""

from __future__ import annotations

import codecs
import errno
import logging
import ntpath
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from assistant.library.scanner import open_regular

logger = logging.getLogger(__name__)

PLAYLIST_EXTENSIONS = frozenset({".m3u", ".m3u8"})

MAX_BYTES = 16 * 2**20
"""A playlist file larger than this is refused: no list of songs is, and it would all be read."""

# Only these end a line: str.splitlines() would also split a title on \x1c, \x85 or \u2028.
_LINE_END = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class PlaylistEntry:
    """One entry of a playlist file: as written, and where it points on this machine."""

    written: str
    path: str | None
    """Absolute, normalised path; None for entries that cannot name a local file (a URL)."""
    raw_path: str | None = None
    """For a line that is not UTF-8: the path its bytes name on this disk (`path` is the line read
    as Windows-1252), since the player that wrote it may have written the file name's bytes."""


@dataclass(frozen=True)
class PlaylistFile:
    name: str
    """The file name without its extension."""
    path: str
    entries: tuple[PlaylistEntry, ...]


def read_playlist(path: str) -> PlaylistFile:
    """Parse one playlist file; raises OSError only when the file cannot be read at all (or is
    no regular file, or is larger than MAX_BYTES).

    .m3u8 is UTF-8 by definition; .m3u is read as UTF-16 when it starts with a byte-order mark
    or looks like UTF-16 (as some Windows players write it), else tried as UTF-8 and read as
    Windows-1252/Latin-1 when that fails, the encoding older players write. #EXTM3U, #EXTINF and
    other comment lines are ignored. Entries may be relative to the playlist's folder, absolute,
    file:// URIs, or written with Windows backslashes.
    """
    with open_regular(path) as f:
        data = f.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise OSError(errno.EFBIG, f"larger than {MAX_BYTES // 2**20} MB")
    folder = os.path.dirname(os.path.abspath(path))
    entries = []
    for text, raw in _lines(data, strict_utf8=path.lower().endswith(".m3u8")):
        line = text.strip()
        if not line or line.startswith("#"):
            continue
        raw_path = None
        if raw is not None and "\x00" not in line:
            raw_path = resolve_entry(os.fsdecode(raw.strip()), folder)
        entries.append(PlaylistEntry(line, resolve_entry(line, folder), raw_path))
    return PlaylistFile(
        name=os.path.splitext(os.path.basename(path))[0], path=path, entries=tuple(entries)
    )


def _utf16(data: bytes, *, guess: bool) -> str | None:
    """Which UTF-16 `data` is in, if it is: by its byte-order mark, else (if `guess`) by its
    zero bytes."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # the codec reads the mark and drops it
    sample = data[:4096]
    if guess and len(sample) >= 2 and sample.count(0) * 4 >= len(sample):
        # ASCII text in UTF-16 has a zero in every other byte: the odd ones for little-endian.
        return "utf-16-le" if sample[1::2].count(0) > sample[0::2].count(0) else "utf-16-be"
    return None


def _lines(data: bytes, *, strict_utf8: bool) -> Iterator[tuple[str, bytes | None]]:
    """Each line as text, with its bytes where they were not UTF-8 (see PlaylistEntry.raw_path)."""
    # A byte-order mark is unambiguous even on an .m3u8, which should have been UTF-8.
    wide = _utf16(data, guess=not strict_utf8)
    if wide is not None:
        yield from ((line, None) for line in _LINE_END.split(data.decode(wide, errors="replace")))
        return
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        yield from ((line, None) for line in _LINE_END.split(data.decode("utf-8")))
        return
    except UnicodeDecodeError:
        if strict_utf8:
            text = data.decode("utf-8", errors="replace")
            yield from ((line, None) for line in _LINE_END.split(text))
            return
    for raw in data.splitlines():
        try:
            yield raw.decode("utf-8"), None
        except UnicodeDecodeError:
            try:
                yield raw.decode("cp1252"), raw
            except UnicodeDecodeError:
                # cp1252 leaves five bytes undefined; latin-1 maps every byte.
                yield raw.decode("latin-1"), raw


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
