"""Answers say what really happened: nothing claims a like that was not saved, or music whose
files are gone; the small words come out right ("1 minute", "It's paused.")."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.player.base import PlayState, RepeatMode
from assistant.skills.music import FILES_GONE
from tests.fixtures.config import write_config
from tests.fixtures.generate import FixtureLibrary, make_library
from tests.fixtures.library_spec import TRACKS
from tests.skills.support import Rig, rig_config


def refuse_ratings(rig: Rig) -> None:
    """A real SQLite failure on every write of a rating, as a full or broken disk gives."""
    with sqlite3.connect(rig.config.catalogue_path) as conn:
        for action in ("INSERT", "UPDATE"):
            conn.execute(
                f"CREATE TRIGGER refuse_{action.lower()} BEFORE {action} ON ratings "
                "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
            )


def test_a_like_that_could_not_be_saved_says_so(rig: Rig) -> None:
    rig.say("play the album abbey road")
    rig.player.set_repeat(RepeatMode.ONE)
    rig.started("Come Together")
    refuse_ratings(rig)
    turn = rig.say("i love this song")
    assert turn.response.text == (
        "I couldn't save that you like Come Together: something is wrong with my storage."
    )
    assert turn.response.outcome == "error"
    come_together = rig.catalogue.tracks_by_title("Come Together")[0]
    assert rig.history.liked(come_together.id) is None


def test_a_dislike_that_could_not_be_saved_says_so_and_still_skips(rig: Rig) -> None:
    rig.say("play the album abbey road")
    rig.player.set_repeat(RepeatMode.ONE)
    rig.started("Come Together")
    refuse_ratings(rig)
    turn = rig.say("thumbs down")
    assert turn.response.text == (
        "Skipped Come Together, but I couldn't save that you don't like it: "
        "something is wrong with my storage."
    )
    rig.started("Something")


@pytest.fixture
def own_library(tmp_path: Path) -> FixtureLibrary:
    return make_library(tmp_path / "lib")


@pytest.fixture
def own_rig(tmp_path: Path, own_library: FixtureLibrary) -> Iterator[Rig]:
    rig = Rig(rig_config(write_config(tmp_path, own_library)))
    try:
        yield rig
    finally:
        rig.close()


def album_files(library: FixtureLibrary, album: str) -> list[Path]:
    return [path for track, path in library.tracks.items() if track.album == album]


def test_music_deleted_after_the_scan_is_not_announced_as_playing(
    own_rig: Rig, own_library: FixtureLibrary
) -> None:
    for path in album_files(own_library, "Help!"):
        path.unlink()
    response = own_rig.act("PlayAlbum", album="Help!")
    assert response.text == FILES_GONE
    assert response.outcome == "error"
    assert own_rig.player.status().state is PlayState.STOPPED


def test_the_tracks_still_there_are_played(own_rig: Rig, own_library: FixtureLibrary) -> None:
    abbey_road = [t for t in TRACKS if t.album == "Abbey Road"]
    own_library.tracks[abbey_road[0]].unlink()
    response = own_rig.act("PlayAlbum", album="Abbey Road")
    assert response.text == "Playing the album Abbey Road."
    assert own_rig.queue_titles() == [(t.title, t.artist) for t in abbey_road[1:]]


def test_a_one_minute_timer_is_said_in_the_singular(rig: Rig) -> None:
    rig.say("play songs to sing in the car")
    rig.started("Bohemian Rhapsody")
    assert rig.say("set a sleep timer for 1 minute").response.text == (
        "Okay, I'll stop the music in 1 minute."
    )
    assert rig.say("set a sleep timer for 2 minutes").response.text == (
        "Okay, I'll stop the music in 2 minutes."
    )


def test_whats_playing_while_paused_says_it_is_paused(rig: Rig) -> None:
    rig.say("play the album abbey road")
    rig.started("Come Together")
    playing = rig.say("what's playing").response.text
    assert playing.startswith("This is Come Together by The Beatles")
    rig.say("pause")
    assert rig.say("what's playing").response.text == f"{playing} It's paused."
