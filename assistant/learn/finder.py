"""Finding a catalogue track from an artist and a title written somewhere else (an export of
listens, a concept's pool, a `--seed`), the way spoken names are found: the NLU entity index,
so "The Beatles" / "Beatles", "Guns N Roses" and "Beyonce" all find theirs."""

from __future__ import annotations

from collections.abc import Iterable

from assistant.library.models import Track
from assistant.nlu.library_entities import build_entities
from assistant.nlu.matcher import ACCEPT
from assistant.nlu.normalize import normalize


class TrackFinder:
    """Built once from the catalogue's tracks; lookups are dictionary hits or rapidfuzz passes."""

    def __init__(self, tracks: Iterable[Track]) -> None:
        tracks = list(tracks)
        entities = build_entities(tracks=tracks, playlists=(), podcasts=(), stations=())
        self._artists = entities["artist"]
        self._titles = entities["track"]
        self._tracks: dict[tuple[str, str, str], Track] = {}
        for track in tracks:
            self._tracks.setdefault((track.title, track.artist, track.album), track)

    def find(self, artist: str, title: str, album: str | None = None) -> Track | None:
        """The track by `artist` called `title` (on `album` when several are), or None."""
        artists = {
            m.entity.value: m.score for m in self._artists.lookup(artist) if m.score >= ACCEPT
        }
        if not artists:
            return None
        best: tuple[float, bool, Track] | None = None
        for match in self._titles.lookup(title, limit=16):
            attrs = match.entity.attrs
            by = max(artists.get(attrs["artist"], 0.0), artists.get(attrs["album_artist"], 0.0))
            if match.score < ACCEPT or not by:
                continue
            track = self._tracks[(match.entity.value, attrs["artist"], attrs["album"])]
            on_album = album is not None and normalize(album) == normalize(track.album)
            candidate = (match.score * by, on_album, track)
            if best is None or candidate[:2] > best[:2]:
                best = candidate
        return best[2] if best else None

    def find_text(self, text: str) -> Track | None:
        """A track written "ARTIST - TITLE"; either side may hold " - " itself."""
        parts = text.split(" - ")
        for cut in range(1, len(parts)):
            found = self.find(" - ".join(parts[:cut]).strip(), " - ".join(parts[cut:]).strip())
            if found is not None:
                return found
        return None
