"""The library as the taste model needs it: tracks by id, path, artist, genre, year, playlist.

Built once per catalogue generation (like the matcher's name indexes), so choosing tracks
never walks the library: a pool or a candidate set is a few dictionary look-ups.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from assistant.library.models import Track
from assistant.library.store import Catalogue
from assistant.nlu.normalize import normalize


@functools.lru_cache(maxsize=8192)
def name_key(name: str) -> str:
    """How two spellings of one artist, genre or playlist name compare: "AC/DC" == "ac dc"."""
    return normalize(name)


K = TypeVar("K", bound=Hashable)


def _grouped(pairs: Iterable[tuple[K, int]]) -> dict[K, tuple[int, ...]]:
    groups: dict[K, dict[int, None]] = {}
    for key, track_id in pairs:
        groups.setdefault(key, {})[track_id] = None
    return {key: tuple(ids) for key, ids in groups.items()}


@dataclass(frozen=True)
class TagIndex:
    tracks: Mapping[int, Track]
    by_path: Mapping[str, int]
    by_artist: Mapping[str, tuple[int, ...]]
    """name_key of artist or album artist -> track ids."""
    by_genre: Mapping[str, tuple[int, ...]]
    by_year: Mapping[int, tuple[int, ...]]
    playlists: Mapping[str, tuple[int, ...]]
    """name_key of an m3u playlist -> its distinct track ids in file order (files of one name
    merged)."""
    playlist_count: Mapping[int, int]
    """Track id -> how many of the owner's playlists hold it."""
    ids: tuple[int, ...]

    @classmethod
    def build(cls, catalogue: Catalogue) -> TagIndex:
        tracks = {t.id: t for t in catalogue.tracks()}
        artists = [
            (name_key(name), t.id)
            for t in tracks.values()
            for name in dict.fromkeys((t.artist, t.album_artist))
            if name
        ]
        playlist_ids: dict[str, dict[int, None]] = {}
        for playlist in catalogue.playlists():
            entries = playlist_ids.setdefault(name_key(playlist.name), {})
            for track in catalogue.playlist_tracks(playlist.id):
                entries[track.id] = None
        count: dict[int, int] = {}
        for ids in playlist_ids.values():
            for track_id in ids:
                count[track_id] = count.get(track_id, 0) + 1
        return cls(
            tracks=tracks,
            by_path={t.path: t.id for t in tracks.values()},
            by_artist=_grouped(artists),
            by_genre=_grouped((name_key(t.genre), t.id) for t in tracks.values() if t.genre),
            by_year=_grouped((t.year, t.id) for t in tracks.values() if t.year),
            playlists={name: tuple(ids) for name, ids in playlist_ids.items()},
            playlist_count=count,
            ids=tuple(tracks),
        )

    def artist_tracks(self, artist: str) -> tuple[int, ...]:
        return self.by_artist.get(name_key(artist), ())

    def genre_tracks(self, genre: str) -> tuple[int, ...]:
        return self.by_genre.get(name_key(genre), ())
