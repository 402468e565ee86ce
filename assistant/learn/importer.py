"""`assistant history import FILE`: listens from elsewhere into this history.

Two shapes are read, one object per listen, as a JSON array or as JSON lines:

- a ListenBrainz listens export: `{"listened_at": UNIX, "track_metadata": {"artist_name",
  "track_name", "release_name"?}}`. A listen is a track heard to the end (ListenBrainz counts
  one only after half the track or four minutes), so it becomes a finished play.
- the project's own: `{"at": UNIX, "artist", "title", "album"?, "seconds", "ended":
  "finished|skipped|stopped"}` for a play, `{"at": UNIX, "artist", "title", "rating":
  "like|dislike"}` for a rating.

Tracks are found by artist and title the way spoken names are (`TrackFinder`). A play already
in history (same track, same start) or a rating already there is not added again, so
importing one file twice adds nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from assistant.errors import LearnError
from assistant.learn.finder import TrackFinder
from assistant.library.history import EndReason, History, Play, Rating
from assistant.library.models import Track

ENDINGS = frozenset({"finished", "skipped", "stopped"})
RATINGS = {"like": True, "dislike": False}


@dataclass
class ImportReport:
    matched: int = 0
    added: int = 0
    """Matched plays and ratings that were not in history yet."""
    unknown: list[tuple[int, str]] = field(default_factory=list)
    """(line, "ARTIST - TITLE") of listens naming no track in the library."""
    malformed: list[tuple[int, str]] = field(default_factory=list)
    """(line, what is wrong)."""

    def lines(self, source: str) -> list[str]:
        """What `assistant history import` prints: problems by line, then the totals."""
        out = [f"line {n}: malformed: {why}" for n, why in self.malformed]
        out += [f"line {n}: unknown: {name}" for n, name in self.unknown]
        out.append(
            f"{source}: {self.matched} matched ({self.added} added, "
            f"{self.matched - self.added} already in history), {len(self.unknown)} unknown, "
            f"{len(self.malformed)} malformed"
        )
        return out


class Malformed(ValueError):
    """One listen that cannot be read; its message says why."""


def _records(text: str) -> Iterator[tuple[int, Any]]:
    """(line number, decoded value or Malformed) for each listen in a JSON array or lines."""
    body = text.lstrip()
    if not body.startswith("["):
        for number, row in enumerate(text.splitlines(), start=1):
            if row.strip():
                try:
                    yield number, json.loads(row)
                except json.JSONDecodeError as exc:
                    yield number, Malformed(f"not JSON ({exc.msg})")
        return
    # An array: decoded element by element so each keeps its line, and one bad element
    # ends the reading there (JSON cannot be resynchronised inside an array).
    decoder = json.JSONDecoder()
    pos = text.index("[") + 1
    while True:
        pos = _skip_space(text, pos)
        if pos < len(text) and text[pos] == "]":
            return
        line = text.count("\n", 0, pos) + 1
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            yield exc.lineno, Malformed(f"not JSON ({exc.msg}); the rest of the array is unread")
            return
        yield line, value
        pos = _skip_space(text, pos)
        if pos < len(text) and text[pos] == ",":
            pos += 1
        elif pos >= len(text) or text[pos] != "]":
            where = text.count("\n", 0, pos) + 1
            yield where, Malformed("expected ',' or ']' between listens; the rest is unread")
            return


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _text(record: Mapping[str, Any], key: str, *, required: bool = True) -> str | None:
    value = record.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise Malformed(f'"{key}" must be a non-empty string')
    return value.strip()


def _number(record: Mapping[str, Any], key: str) -> float:
    value = record.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise Malformed(f'"{key}" must be a number of seconds, got {value!r}')
    return float(value)


@dataclass(frozen=True)
class _Listen:
    artist: str
    title: str
    album: str | None
    at: float
    seconds: float | None
    """None for a ListenBrainz listen: the whole track."""
    ended: EndReason | None
    liked: bool | None


def _listen(record: Any) -> _Listen:
    if not isinstance(record, dict):
        raise Malformed("a listen must be a JSON object")
    if "track_metadata" in record:
        meta = record["track_metadata"]
        if not isinstance(meta, dict):
            raise Malformed('"track_metadata" must be an object')
        album = _text(meta, "release_name", required=False)
        return _Listen(
            _text(meta, "artist_name") or "",
            _text(meta, "track_name") or "",
            album,
            _number(record, "listened_at"),
            None,
            "finished",
            None,
        )
    artist, title, at = (
        _text(record, "artist") or "",
        _text(record, "title") or "",
        _number(record, "at"),
    )
    if "rating" in record:
        if record["rating"] not in RATINGS:
            raise Malformed(f'"rating" must be like or dislike, got {record["rating"]!r}')
        return _Listen(artist, title, None, at, None, None, RATINGS[record["rating"]])
    if record.get("ended") not in ENDINGS:
        raise Malformed(
            f'"ended" must be finished, skipped or stopped, got {record.get("ended")!r}'
            if "ended" in record
            else 'needs "ended" (a play) or "rating" (a like or dislike)'
        )
    album = _text(record, "album", required=False)
    ended = cast(EndReason, record["ended"])
    return _Listen(artist, title, album, at, _number(record, "seconds"), ended, None)


def import_history(path: Path, *, finder: TrackFinder, history: History) -> ImportReport:
    """Read `path`, match each listen to a track, and add what is new to `history`."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LearnError(f"cannot read {path}: {exc}") from exc
    report = ImportReport()
    plays: list[Play] = []
    ratings: list[Rating] = []
    found: dict[tuple[str, str, str | None], Track | None] = {}
    for line, record in _records(text):
        try:
            if isinstance(record, Malformed):
                raise record
            listen = _listen(record)
        except Malformed as exc:
            report.malformed.append((line, str(exc)))
            continue
        key = (listen.artist, listen.title, listen.album)
        if key not in found:
            found[key] = finder.find(listen.artist, listen.title, listen.album)
        track = found[key]
        if track is None:
            report.unknown.append((line, f"{listen.artist} - {listen.title}"))
            continue
        report.matched += 1
        if listen.liked is not None:
            ratings.append(Rating(track.path, listen.liked, listen.at))
        else:
            seconds = listen.seconds if listen.seconds is not None else track.duration or 0.0
            ended = listen.ended or "finished"
            plays.append(Play(track.path, listen.at, seconds, track.duration, ended))
    report.added = history.add_plays(plays) + history.add_ratings(ratings)
    return report
