"""A fixture-library config with two concept playlists, and history written at recent times."""

from __future__ import annotations

import time
from pathlib import Path

from assistant.library.history import EndReason, History
from assistant.library.models import Track
from assistant.library.store import Catalogue
from tests.fixtures.config import write_config
from tests.fixtures.generate import FixtureLibrary
from tests.fixtures.library_spec import PLAYLISTS, TRACKS, FixtureTrack

CONCEPTS = """\
concepts:
  - name: Songs to Sing in the Car
    aliases: [car songs, sing along songs]
    pool:
      genres: [Pop]
      artists: [Queen]
      tracks: ["Bruce Springsteen - Born to Run"]
    size: 25
  - name: Eighties Rock
    aliases: [something fresh]
    pool:
      genres: [Hard Rock]
      years: [1980, 1989]
    size: 10
    mode: exploratory
"""


def _key(t: FixtureTrack) -> tuple[str, str]:
    return (t.title, t.artist)


# Worked out from the spec, not by the code under test: genre Pop, artist Queen, one named
# track, and the m3u of the concept's own name.
CAR_POOL = {
    _key(t)
    for t in TRACKS
    if t.genre == "Pop" or t.artist == "Queen" or _key(t) == ("Born to Run", "Bruce Springsteen")
} | {_key(t) for t in PLAYLISTS["Songs to Sing in the Car"]}
EIGHTIES_POOL = {_key(t) for t in TRACKS if t.genre == "Hard Rock" or 1980 <= t.year <= 1989}


def learn_config(root: Path, library: FixtureLibrary) -> Path:
    return write_config(root, library, extra=CONCEPTS)


def scanned(config_dir: Path, library: FixtureLibrary) -> Catalogue:
    catalogue = Catalogue(path=config_dir / "state" / "assistant.sqlite3")
    catalogue.scan(
        music_dirs=[library.music_dir],
        playlist_dirs=[library.playlist_dir],
        podcast_dirs=[library.podcast_dir],
    )
    return catalogue


def track(catalogue: Catalogue, title: str, artist: str) -> Track:
    return catalogue.tracks_by_title(title, artist)[0]


def plays(
    history: History,
    t: Track,
    n: int,
    ended: EndReason = "finished",
    *,
    seconds: float = 1.0,
    days_ago: float = 1.0,
) -> None:
    """`n` plays of `t`, a minute apart, `days_ago` days ago (so they have not faded)."""
    start = time.time() - days_ago * 86400
    for i in range(n):
        history.record_play(
            t.id, started_at=start + 60 * i, seconds_played=seconds, duration=1.0, ended=ended
        )
