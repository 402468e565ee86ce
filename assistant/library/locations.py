"""How a file's path is written in the catalogue, so that any name the disk holds can be stored.

SQLite stores text as UTF-8, and Python hands out a file name that is not valid UTF-8 (a Latin-1
`Beyonc\\xe9.mp3` from an old USB disk) with its bad bytes as lone surrogates, which cannot be
encoded. Such a file is stored as a `file://` URI with every byte percent-encoded: valid text,
exactly reversible, and a location mpv plays as it is. Every other file is stored as its plain
path, so the catalogue of a well-named library reads as before.
"""

from __future__ import annotations

import os
from urllib.parse import quote_from_bytes, unquote_to_bytes

_FILE_URI = "file://"


def location(path: str) -> str:
    """The catalogue's text for the absolute file `path` (as os.fsdecode gives it)."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return _FILE_URI + quote_from_bytes(os.fsencode(path), safe="/")
    return path


def local_path(location_: str) -> str | None:
    """The file a catalogue location names (as os.fsdecode gives it); None for a stream URL."""
    if location_.startswith(_FILE_URI):
        return os.fsdecode(unquote_to_bytes(location_[len(_FILE_URI) :]))
    if location_.startswith("/"):
        return location_
    return None


def is_file(location_: str) -> bool:
    """Whether the catalogue location names a file that is there now (False for a stream URL)."""
    path = local_path(location_)
    return path is not None and os.path.isfile(path)


def text(name: str) -> str:
    """A file or folder name as readable, storable text (for a title or album from a name).

    Undecodable bytes are read as Windows-1252, what such names nearly always are, so
    `Beyonc\\xe9` becomes "Beyoncé" and can be said and matched.
    """
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        pass
    try:
        raw = os.fsencode(name)
    except UnicodeEncodeError:  # a lone surrogate that is no file-name byte (a broken tag)
        return name.encode("utf-8", "replace").decode("utf-8")
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")
