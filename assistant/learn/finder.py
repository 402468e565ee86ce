"""Finding a catalogue track from an artist and a title written somewhere else (an export of
listens, a concept's pool, a `--seed`), the way spoken names are found: the NLU entity index,
so "The Beatles" / "Beatles", "Guns N Roses" and "Beyonce" all find theirs."""

from __future__ import annotations

from collections.abc import Iterable

from assistant.library.models import Track
from assistant.nlu.library_entities import build_entities
from assistant.nlu.matcher import ACCEPT
from assistant.nlu.normalize import normalize

FUZZY_LIMIT = 64
"""Near spellings of a title considered before the artist picks one."""


def _on_album(tracks: list[Track], album: str | None) -> Track:
    """The one on `album` when one is, else the first."""
    if album is not None:
        wanted = normalize(album)
        for track in tracks:
            if normalize(track.album) == wanted:
                return track
    return tracks[0]


class TrackFinder:
    """Built once from the catalogue's tracks; lookups are dictionary hits or rapidfuzz passes."""

    def __init__(self, tracks: Iterable[Track]) -> None:
        tracks = list(tracks)
        entities = build_entities(tracks=tracks, playlists=(), podcasts=(), stations=())
        self._artists = entities["artist"]
        self._titles = entities["track"]
        self._tracks: dict[tuple[str, str, str], Track] = {}
        # Most listens name a track exactly (up to case and accents): one dictionary hit, even
        # for a title that dozens of artists share ("Intro").
        self._exact: dict[tuple[str, str], list[Track]] = {}
        for track in tracks:
            self._tracks.setdefault((track.title, track.artist, track.album), track)
            for artist in {track.artist, track.album_artist} - {""}:
                self._exact.setdefault((normalize(artist), normalize(track.title)), []).append(
                    track
                )

    def find(self, artist: str, title: str, album: str | None = None) -> Track | None:
        """The track by `artist` called `title` (on `album` when several are), or None."""
        artists = {
            m.entity.value: m.score for m in self._artists.lookup(artist) if m.score >= ACCEPT
        }
        if not artists:
            return None
        said = normalize(title)
        for name in sorted(artists, key=lambda n: -artists[n]):
            exact = self._exact.get((normalize(name), said))
            if exact:
                return _on_album(exact, album)
        best: tuple[float, bool, Track] | None = None
        for match in self._titles.lookup(title, limit=FUZZY_LIMIT):
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
