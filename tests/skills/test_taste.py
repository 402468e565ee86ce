"""Mix, discovery and "more like this" given a seeded listening history."""

from __future__ import annotations

import itertools

from assistant.library.history import EndReason
from assistant.library.models import Track
from assistant.player.base import RepeatMode
from tests.skills.support import Rig


def _track(rig: Rig, title: str, artist: str) -> Track:
    return rig.catalogue.tracks_by_title(title, artist)[0]


def _plays(rig: Rig, track: Track, n: int, ended: EndReason = "finished") -> None:
    for i in range(n):
        rig.history.record_play(
            track.id, started_at=1000.0 + i, seconds_played=1.0, duration=1.0, ended=ended
        )


def test_mix_plays_what_is_liked_and_played_not_disliked_or_skipped(rig: Rig) -> None:
    assert rig.say("play my mix").response.outcome == "nothing"  # no history yet
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
    assert rig.say("play my favorites").response.text == "Playing your mix."
    queued = {t for t, _ in rig.queue_titles()}
    assert queued == {"Dancing Queen", "Yellow", "Hurt"}


def test_discover_plays_unheard_tracks_spread_over_artists(rig: Rig) -> None:
    heard = _track(rig, "Dancing Queen", "ABBA")
    disliked = _track(rig, "Stan", "Eminem")
    _plays(rig, heard, 1)
    rig.history.dislike(disliked.id)
    turn = rig.say("play something new")
    assert turn.response.text == "Here's something you haven't heard much."
    queue = rig.queue_titles()
    assert ("Dancing Queen", "ABBA") not in queue and ("Stan", "Eminem") not in queue
    assert len(queue) > 20
    # Spread: no artist twice in a row while other artists are left.
    first = [artist for _, artist in queue[:20]]
    assert all(a != b for a, b in itertools.pairwise(first))


def test_discover_when_everything_was_heard_says_so(rig: Rig) -> None:
    for track in rig.catalogue.tracks():
        _plays(rig, track, 1)
    turn = rig.say("surprise me")
    assert turn.response.text.startswith("You've heard everything")
    assert rig.queue_titles()


def test_more_like_this_same_artist_and_genre_first_never_itself(rig: Rig) -> None:
    rig.say("play bohemian rapsody by queen")
    rig.player.set_repeat(RepeatMode.ONE)  # the 1 s track stays current however slow we are
    rig.started("Bohemian Rhapsody")
    turn = rig.say("play more like this")
    assert turn.response.text == "Playing more like Bohemian Rhapsody."
    queue = rig.queue_titles()
    assert ("Bohemian Rhapsody", "Queen") not in queue
    assert {a for _, a in queue[:4]} == {"Queen"}  # Queen's other four Rock tracks first
    rock = {(t.title, t.artist) for t in rig.catalogue.genre_tracks("Rock")}
    assert set(queue) <= rock
