"""Finding audio files on disk and reading their tags (the only importer of mutagen)."""

from __future__ import annotations

import errno
import logging
import os
import re
import stat
import struct
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePath
from typing import IO, Any

from assistant.errors import LibraryError
from assistant.library import locations
from assistant.logsafe import shown

logger = logging.getLogger(__name__)

AUDIO_EXTENSIONS = frozenset({".mp3", ".ogg", ".oga", ".opus", ".flac", ".m4a", ".mp4", ".wav"})


class UnreadableFileError(LibraryError):
    """An audio file that cannot be read; the message is the reason, without the path."""


@dataclass(frozen=True)
class FileStat:
    """A file found by a walk, with what the incremental scan compares."""

    path: str
    size: int
    """Bytes."""
    mtime_ns: int
    """Modification time, nanoseconds since the Unix epoch."""


@dataclass(frozen=True)
class Tags:
    """What an audio file says about itself, already filled in from its path where it is silent."""

    title: str
    artist: str
    album_artist: str
    album: str
    genre: str
    track_no: int | None
    disc_no: int | None
    duration: float | None
    """Seconds."""
    year: int | None
    published: float | None
    """The date tag as Unix seconds where it names a day: a bare year cannot order episodes."""


def walk_files(
    roots: Iterable[str],
    extensions: frozenset[str],
    exclude: Iterable[str] = (),
    on_skipped: Callable[[str, str], None] | None = None,
) -> Iterator[FileStat]:
    """Every regular file under `roots` whose lower-cased suffix is in `extensions`, hidden ones
    left out.

    Symlinked folders are followed once each (a link loop is not followed again); a folder that
    cannot be listed is logged and skipped. Folders in `exclude` (absolute paths) are not entered.
    A name with a wanted suffix that is no regular file (a FIFO, a device, a socket: opening one
    could block the scan for ever) is passed to `on_skipped` with the reason, never opened.
    """
    excluded = {os.path.normpath(p) for p in exclude}
    seen_dirs: set[tuple[int, int]] = set()
    stack = [os.path.normpath(r) for r in reversed(list(roots))]
    while stack:
        folder = stack.pop()
        if folder in excluded:
            continue
        try:
            st = os.stat(folder)
            if (st.st_dev, st.st_ino) in seen_dirs:
                continue
            seen_dirs.add((st.st_dev, st.st_ino))
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except FileNotFoundError:
            logger.warning("library folder %s does not exist; skipped", folder)
            continue
        except OSError as exc:
            logger.warning("cannot list %s: %s; skipped", folder, exc.strerror or exc)
            continue
        subdirs = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir():
                    subdirs.append(entry.path)
                elif os.path.splitext(entry.name)[1].lower() in extensions:
                    est = entry.stat()
                    if stat.S_ISREG(est.st_mode):
                        yield FileStat(entry.path, est.st_size, est.st_mtime_ns)
                    elif on_skipped is not None:
                        on_skipped(entry.path, "not a regular file")
            except OSError as exc:
                # A dangling symlink or a file deleted while we walk: not worth a failure entry.
                logger.debug("skipping %s: %s", shown(entry.path), exc)
        stack.extend(reversed(subdirs))


def read_tags(path: str, *, root: str | None = None) -> Tags:
    """Read `path`'s tags; missing title, album and artist come from the file and folder names.

    `root` is the library folder the file was found under: folder names above it are not used.
    Raises UnreadableFileError with a short reason for an empty, truncated or non-audio file.
    """
    try:
        with open_regular(path) as f:
            if os.fstat(f.fileno()).st_size == 0:
                raise UnreadableFileError("empty file (0 bytes)")
            if path.lower().endswith(".wav"):
                raw, duration = _read_wav(f)
            else:
                raw, duration = _read_mutagen(f)
    except UnreadableFileError:
        raise
    except OSError as exc:
        raise UnreadableFileError(exc.strerror or str(exc)) from exc
    except Exception as exc:
        # mutagen reports corrupt files with many exception types (its own, struct.error,
        # IndexError, ...); every one of them means only "this file cannot be read".
        reason = str(exc) or type(exc).__name__
        raise UnreadableFileError(reason) from exc
    return _fill_from_path(path, root, raw, duration)


def open_regular(path: str) -> IO[bytes]:
    """`path` opened for reading; OSError unless it is a regular file.

    Opened without waiting (O_NONBLOCK) and checked on the open file, so a file swapped for a
    FIFO after the walk looked at it still cannot block the scan.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        # O_NONBLOCK means nothing for a regular file's reads; clear it all the same.
        os.set_blocking(fd, True)
        return open(fd, "rb", closefd=True)
    except BaseException:
        os.close(fd)
        raise


def _read_mutagen(f: IO[bytes]) -> tuple[dict[str, str], float | None]:
    import mutagen

    audio = mutagen.File(f, easy=True)
    if audio is None:
        raise UnreadableFileError("not a recognised audio format")
    raw: dict[str, str] = {}
    tags = audio.tags
    if tags is not None:
        for key, aliases in _EASY_KEYS.items():
            for alias in aliases:
                value = _first_text(tags.get(alias))
                if value:
                    raw[key] = value
                    break
    return raw, _length(audio.info)


# Vorbis comments have no fixed spelling for album artist; ID3 and MP4 easy keys use the first.
_EASY_KEYS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "artist": ("artist",),
    "albumartist": ("albumartist", "album artist", "album_artist"),
    "album": ("album",),
    "genre": ("genre",),
    "tracknumber": ("tracknumber",),
    "discnumber": ("discnumber",),
    "date": ("date", "originaldate", "year"),
}


def _read_wav(f: IO[bytes]) -> tuple[dict[str, str], float | None]:
    from mutagen.wave import WAVE

    audio = WAVE(f)  # type: ignore[no-untyped-call]
    raw: dict[str, str] = {}
    if audio.tags is not None:
        for key, frame_id in _ID3_FRAMES.items():
            frame = audio.tags.get(frame_id)
            if frame is None:
                continue
            texts = frame.genres if frame_id == "TCON" else frame.text
            value = _first_text([str(t) for t in texts])
            if value:
                raw[key] = value
    if not raw:
        f.seek(0)
        raw = _riff_info(f)
    return raw, _length(audio.info)


_ID3_FRAMES = {
    "title": "TIT2",
    "artist": "TPE1",
    "albumartist": "TPE2",
    "album": "TALB",
    "genre": "TCON",
    "tracknumber": "TRCK",
    "discnumber": "TPOS",
    "date": "TDRC",
}

_RIFF_INFO_KEYS = {
    b"INAM": "title",
    b"IART": "artist",
    b"IPRD": "album",
    b"IGNR": "genre",
    b"ITRK": "tracknumber",
    b"IPRT": "tracknumber",
    b"ICRD": "date",
}


def _riff_info(f: IO[bytes]) -> dict[str, str]:
    """Title/artist/album from a WAV file's LIST/INFO chunk, which mutagen does not read."""
    raw: dict[str, str] = {}
    header = f.read(12)
    if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
        return raw
    while True:
        chunk = f.read(8)
        if len(chunk) < 8:
            return raw
        chunk_id, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
        if chunk_id == b"LIST" and size >= 4:
            body = f.read(size + (size & 1))
            if body[:4] == b"INFO":
                _parse_info(body[4:size], raw)
        else:
            f.seek(size + (size & 1), os.SEEK_CUR)


def _parse_info(body: bytes, raw: dict[str, str]) -> None:
    pos = 0
    while pos + 8 <= len(body):
        sub_id, size = body[pos : pos + 4], struct.unpack("<I", body[pos + 4 : pos + 8])[0]
        data = body[pos + 8 : pos + 8 + size]
        pos += 8 + size + (size & 1)
        key = _RIFF_INFO_KEYS.get(sub_id)
        if key is None or key in raw:
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        text = text.replace("\x00", "").strip()
        if text:
            raw[key] = text


def _first_text(values: Any) -> str:
    if not values:
        return ""
    if isinstance(values, str):
        values = [values]
    for value in values:
        text = str(value).replace("\x00", "").strip()
        if text:
            return locations.text(text)
    return ""


def _length(info: Any) -> float | None:
    length = getattr(info, "length", None)
    if isinstance(length, int | float) and length > 0:
        return float(length)
    return None


_LEADING_NUMBER = re.compile(r"^\s*(\d{1,3})(?:\s*[-._)]\s*|\s+)(?=\S)")


def _fill_from_path(
    path: str, root: str | None, raw: dict[str, str], duration: float | None
) -> Tags:
    p = PurePath(path)
    stem = locations.text(p.stem)
    file_no: int | None = None
    match = _LEADING_NUMBER.match(stem)
    if match:
        file_no = int(match.group(1))
        stem = stem[match.end() :]
    folders = _folders_below_root(p, root)
    album = raw.get("album") or (folders[-1] if folders else "")
    artist = (
        raw.get("artist") or raw.get("albumartist") or (folders[-2] if len(folders) > 1 else "")
    )
    date = raw.get("date", "")
    return Tags(
        title=raw.get("title") or stem.strip() or locations.text(p.stem),
        artist=artist,
        album_artist=raw.get("albumartist", ""),
        album=album,
        genre=raw.get("genre", ""),
        track_no=parse_number(raw.get("tracknumber", "")) or file_no,
        disc_no=parse_number(raw.get("discnumber", "")),
        duration=duration,
        year=parse_year(date),
        published=parse_day(date),
    )


def _folders_below_root(p: PurePath, root: str | None) -> list[str]:
    parent = p.parent
    if root is None:
        return [locations.text(parent.name)] if parent.name else []
    try:
        rel = parent.relative_to(root)
    except ValueError:
        return []
    return [locations.text(part) for part in rel.parts]


def parse_number(text: str) -> int | None:
    """'3', '03' and '3/12' are 3; anything else is None."""
    match = re.match(r"\s*(\d+)", text)
    return int(match.group(1)) if match else None


def parse_year(text: str) -> int | None:
    """The year of an ID3/Vorbis/MP4 date ('1969', '1969-09-26', '1969-09-26T10:00:00Z')."""
    match = re.match(r"\s*(\d{4})", text)
    return int(match.group(1)) if match else None


def parse_day(text: str) -> float | None:
    """A date tag naming at least a day, as Unix seconds (UTC where no zone is given)."""
    match = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?", text)
    if not match:
        return None
    y, mo, d, h, mi, s = (int(g) if g else 0 for g in match.groups())
    try:
        when = datetime(y, mo, d, h, mi, s, tzinfo=UTC)
    except ValueError:
        return None
    return when.timestamp()
