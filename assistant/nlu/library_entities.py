"""The entity indexes of a library: what {artist}, {album}, {track}, ... slots can name."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from assistant.library.models import Track
from assistant.nlu.entities import Entity, EntityIndex


def build_entities(
    *,
    tracks: Iterable[Track],
    playlists: Iterable[str],
    podcasts: Iterable[str],
    stations: Iterable[str],
    playlist_aliases: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, EntityIndex]:
    """One EntityIndex per entity type, from the catalogue's tracks and the other names.

    `playlist_aliases` gives a playlist (a concept playlist) other names that answer its own.
    """
    aliases = playlist_aliases or {}
    artists: dict[str, None] = {}
    albums: dict[tuple[str, str], None] = {}
    genres: dict[str, None] = {}
    track_entities = []
    for track in tracks:
        album_artist = track.album_artist or track.artist
        for name in (track.artist, track.album_artist):
            if name:
                artists[name] = None
        if track.album:
            albums[(track.album, album_artist)] = None
        if track.genre:
            genres[track.genre] = None
        if track.title:
            attrs = {"artist": track.artist, "album": track.album, "album_artist": album_artist}
            track_entities.append(Entity(track.title, attrs))
    return {
        "artist": EntityIndex((Entity(a) for a in artists), partial=True),
        "album": EntityIndex(Entity(al, {"artist": ar}) for al, ar in albums),
        "track": EntityIndex(track_entities),
        "genre": EntityIndex(Entity(g) for g in genres),
        "playlist": EntityIndex(
            (Entity(p, aliases=tuple(aliases.get(p, ()))) for p in dict.fromkeys(playlists)),
            partial=True,
        ),
        "podcast": EntityIndex((Entity(p) for p in dict.fromkeys(podcasts)), partial=True),
        "station": EntityIndex((Entity(s) for s in dict.fromkeys(stations)), partial=True),
    }
