"""Mix, discovery, "more like this" and concept playlists through the skills: what is queued
and the one sentence that says what to expect."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.library.history import EndReason
from assistant.library.models import Track
from assistant.player.base import RepeatMode
from tests.fixtures.generate import FixtureLibrary
from tests.learn.support import CAR_POOL, EIGHTIES_POOL, learn_config
from tests.skills.support import Rig, rig_config


@pytest.fixture
def rig(tmp_path: Path, fixture_library: FixtureLibrary) -> Iterator[Rig]:
    rig = Rig(rig_config(learn_config(tmp_path, fixture_library)))
    try:
        yield rig
    finally:
        rig.close()


def _track(rig: Rig, title: str, artist: str) -> Track:
    return rig.catalogue.tracks_by_title(title, artist)[0]


def _plays(rig: Rig, track: Track, n: int, ended: EndReason = "finished") -> None:
    start = time.time() - 86400
    for i in range(n):
        rig.history.record_play(
            track.id, started_at=start + 60 * i, seconds_played=0.1, duration=1.0, ended=ended
        )


def test_mix_plays_what_is_liked_and_played_not_disliked_or_skipped(rig: Rig) -> None:
    turn = rig.say("play my mix")
    assert turn.response.outcome == "nothing"  # no history yet
    assert turn.response.text.startswith("I don't know what you like yet.")
    favourite = _track(rig, "Dancing Queen", "ABBA")
    played = _track(rig, "Yellow", "Coldplay")
    liked_unplayed = _track(rig, "Hurt", "Johnny Cash")
    disliked = _track(rig, "Stan", "Eminem")
    skipped = _track(rig, "Sober", "P!nk")
    _plays(rig, favourite, 5)
    _plays(rig, played, 2)
    rig.history.like(liked_unplayed.id)
    _plays(rig, disliked, 6)
    rig.history.dislike(disliked.id)
    _plays(rig, skipped, 1)
    _plays(rig, skipped, 3, "skipped")
    turn = rig.say("play my favorites")
    assert turn.response.text == "Here's your mix of the songs you keep coming back to."
    queue = rig.queue_titles()
    assert set(queue[:3]) == {("Dancing Queen", "ABBA"), ("Yellow", "Coldplay"),
                              ("Hurt", "Johnny Cash")}  # fmt: skip
    assert ("Stan", "Eminem") not in queue and ("Sober", "P!nk") not in queue


def test_discover_plays_unheard_tracks_spread_over_artists(rig: Rig) -> None:
    heard = _track(rig, "Dancing Queen", "ABBA")
    disliked = _track(rig, "Stan", "Eminem")
    _plays(rig, heard, 1)
    rig.history.dislike(disliked.id)
    turn = rig.say("play something new")
    assert turn.response.text == "Here's something new, tell me if it's not for you."
    queue = rig.queue_titles()
    assert ("Dancing Queen", "ABBA") not in queue and ("Stan", "Eminem") not in queue
    assert len(queue) > 20
    first = [artist for _, artist in queue[:20]]
    assert all(a != b for a, b in itertools.pairwise(first))


def test_discover_when_everything_was_heard_says_so(rig: Rig) -> None:
    for track in rig.catalogue.tracks():
        _plays(rig, track, 1)
    turn = rig.say("surprise me")
    assert (
        turn.response.text
        == "You've heard everything, so here's what you haven't played in a while."
    )
    assert rig.queue_titles()


def test_more_like_this_starts_with_the_closest_never_itself(rig: Rig) -> None:
    rig.say("play bohemian rapsody by queen")
    rig.player.set_repeat(RepeatMode.ONE)  # the 1 s track stays current however slow we are
    rig.started("Bohemian Rhapsody")
    turn = rig.say("play more like this")
    assert turn.response.text == "Playing more like Bohemian Rhapsody, the closest first."
    queue = rig.queue_titles()
    assert ("Bohemian Rhapsody", "Queen") not in queue
    car = {
        (t.title, t.artist)
        for t in rig.catalogue.playlist_tracks(
            next(p.id for p in rig.catalogue.playlists() if p.name == "Songs to Sing in the Car")
        )
    }
    queen = {(t.title, t.artist) for t in rig.catalogue.tracks_by_artist("Queen")}
    assert set(queue[:6]) <= car | queen


def test_a_concept_is_a_playlist_by_name_or_alias(rig: Rig) -> None:
    for said in ("play songs to sing in the car", "play car songs", "play my sing along songs"):
        result = rig.matcher.match(said)
        assert result is not None
        assert (result.intent, dict(result.slots)) == (
            "PlayPlaylist",
            {"playlist": "Songs to Sing in the Car"},
        ), said
    turn = rig.say("play car songs")
    assert (
        turn.response.text
        == "Playing Songs to Sing in the Car, a spread of it while I learn what you like."
    )
    queue = rig.queue_titles()
    assert set(queue) == CAR_POOL  # the whole pool: 24 tracks, fewer than the size of 25
    assert len({a for _, a in queue[:10]}) == 10


def test_concepts_answer_as_their_mode_and_keep_to_the_pool(rig: Rig) -> None:
    _plays(rig, _track(rig, "Bohemian Rhapsody", "Queen"), 4)
    disliked = _track(rig, "Dancing Queen", "ABBA")
    rig.history.dislike(disliked.id)
    turn = rig.say("play songs to sing in the car")
    assert (
        turn.response.text
        == "Playing Songs to Sing in the Car, picked from the songs you enjoy most."
    )
    queue = rig.queue_titles()
    assert queue[0] == ("Bohemian Rhapsody", "Queen")
    assert set(queue) <= CAR_POOL and ("Dancing Queen", "ABBA") not in queue
    turn = rig.say("play something fresh")
    assert turn.response.text == (
        "Playing Eighties Rock with songs you haven't heard yet, tell me if one's not for you."
    )
    queue = rig.queue_titles()
    assert set(queue) <= EIGHTIES_POOL and len(queue) == 10


def test_no_disliked_track_in_a_queue_picked_by_group(rig: Rig) -> None:
    rig.history.dislike(_track(rig, "Bohemian Rhapsody", "Queen").id)
    for said in (
        "play queen",
        "play some rock",
        "play music",
        "play the playlist songs to sing in the car",
    ):
        rig.say(said)
        assert ("Bohemian Rhapsody", "Queen") not in rig.queue_titles(), said
