"""Music skills against the fixture library and a real mpv: queues, names, ratings, history."""

from __future__ import annotations

from assistant.player.base import PlayState, RepeatMode, TrackEnded
from assistant.skills.registry import HANDLERS
from tests.fixtures.generate import FixtureLibrary
from tests.fixtures.library_spec import PLAYLISTS, TRACKS
from tests.skills.support import Rig


def test_every_intent_of_the_contract_has_a_skill(rig: Rig) -> None:
    assert set(rig.intents.intents) <= set(HANDLERS)
    assert set(HANDLERS) <= set(rig.intents.intents)


def test_playlist_plays_in_file_order(rig: Rig) -> None:
    turn = rig.say("play songs to sing in the car")
    assert turn.response.text == "Playing Songs to Sing in the Car."
    expected = [(t.title, t.artist) for t in PLAYLISTS["Songs to Sing in the Car"]]
    assert rig.queue_titles() == expected
    rig.started("Bohemian Rhapsody")


def test_artist_plays_album_by_album_in_track_order(rig: Rig) -> None:
    assert rig.say("play something by the beatles").response.text == "Playing The Beatles."
    beatles = [t for t in TRACKS if t.artist == "The Beatles"]
    expected = [t.title for t in sorted(beatles, key=lambda t: (t.album, t.track_no))]
    assert [title for title, _ in rig.queue_titles()] == expected


def test_album_with_artist(rig: Rig) -> None:
    turn = rig.say("play the album a night at the opera by queen")
    assert turn.response.text == "Playing A Night at the Opera by Queen."
    assert [t for t, _ in rig.queue_titles()] == [
        "Bohemian Rhapsody",
        "You're My Best Friend",
        "Love of My Life",
    ]


def test_genre_plays_every_track_of_it(rig: Rig) -> None:
    assert rig.say("play some reggae").response.text == "Playing Reggae."
    assert rig.queue_titles() == [
        ("Three Little Birds", "Bob Marley & the Wailers"),
        ("Redemption Song", "Bob Marley & the Wailers"),
        ("Is This Love", "Bob Marley & the Wailers"),
    ]


def test_track_with_artist_plays_that_one(rig: Rig) -> None:
    turn = rig.say("play so what by miles davis")
    assert turn.response.text == "Playing So What by Miles Davis."
    assert rig.queue_titles() == [("So What", "Miles Davis")]
    rig.started("So What")


def test_unresolved_name_plays_nothing_and_says_so(rig: Rig) -> None:
    turn = rig.say("play the rolling stones")
    assert turn.response.text == "I couldn't find the rolling stones in your library."
    assert turn.response.outcome == "not_found"
    status = rig.player.status()
    assert status.state is PlayState.STOPPED and status.current is None


def test_unresolved_name_leaves_current_music_alone(rig: Rig) -> None:
    rig.say("play abba")
    rig.say("play the rolling stones")
    assert rig.player.status().current is not None
    assert rig.player.status().current.artist == "ABBA"  # type: ignore[union-attr]


def test_whats_playing_names_track_and_artist(rig: Rig) -> None:
    assert rig.say("what's playing").response.text == "Nothing is playing."
    rig.say("play bohemian rapsody by queen")
    rig.player.set_repeat(RepeatMode.ONE)  # the 1 s track stays current however slow we are
    rig.started("Bohemian Rhapsody")
    assert rig.say("what's playing").response.text == "This is Bohemian Rhapsody by Queen."


def test_commands_that_need_music_say_nothing_is_playing(rig: Rig) -> None:
    for text in ("pause", "next", "stop", "i like this", "thumbs down", "more like this"):
        turn = rig.say(text)
        assert turn.response.outcome == "nothing", text
        assert "Nothing is playing" in turn.response.text, text


def test_transport(rig: Rig) -> None:
    rig.say("play the album abbey road")
    rig.started("Come Together")
    assert rig.say("pause").response.text == ""
    assert rig.player.status().state is PlayState.PAUSED
    rig.say("resume")
    assert rig.player.status().state is PlayState.PLAYING
    rig.say("skip")
    rig.started("Something")
    rig.say("shuffle on")
    assert rig.player.status().shuffle
    assert rig.say("repeat this song").response.text == "Repeating this track."
    assert rig.player.status().repeat is RepeatMode.ONE
    rig.say("stop")
    assert rig.player.status().state is PlayState.STOPPED


def test_next_on_the_last_track_says_so(rig: Rig) -> None:
    rig.say("play so what by miles davis")
    rig.player.set_repeat(RepeatMode.ONE)
    rig.started("So What")
    assert rig.say("next").response.text == "That was the last one."


def test_skip_is_recorded_with_seconds_heard(rig: Rig) -> None:
    rig.say("play the album abbey road")
    rig.player.set_repeat(RepeatMode.ONE)
    rig.started("Come Together")
    rig.say("next")
    ended = rig.ended("Come Together", "skipped")
    assert isinstance(ended, TrackEnded)
    rig.skills.tick()
    track = rig.catalogue.tracks_by_title("Come Together")[0]
    assert [p.ended for p in rig.history.plays_after(0, 10) if p.location == track.path] == [
        "skipped"
    ]
    with rig.catalogue.database.read() as conn:
        rows = conn.execute(
            "SELECT seconds_played, duration, ended FROM plays WHERE location = ?", (track.path,)
        ).fetchall()
    assert len(rows) >= 1  # a repeat may have finished first
    rows = [r for r in rows if r[2] == "skipped"]
    assert len(rows) == 1
    seconds, duration, reason = rows[0]
    assert reason == "skipped"
    assert abs(seconds - ended.position) < 1e-6
    assert duration == track.duration


def test_finished_tracks_are_recorded(rig: Rig, fixture_library: FixtureLibrary) -> None:
    rig.say("play so what by miles davis")
    rig.ended("So What", "finished")
    rig.skills.tick()
    track = rig.catalogue.tracks_by_title("So What", "Miles Davis")[0]
    assert rig.history.play_counts().get(track.id) == 1


def test_like_and_dislike(rig: Rig) -> None:
    rig.say("play the album abbey road")
    rig.player.set_repeat(RepeatMode.ONE)
    rig.started("Come Together")
    assert rig.say("i love this song").response.text == "Glad you like Come Together."
    come_together = rig.catalogue.tracks_by_title("Come Together")[0]
    assert rig.history.liked(come_together.id) is True
    turn = rig.say("thumbs down")
    assert turn.response.text == "Okay, I won't play Come Together so often."
    assert rig.history.liked(come_together.id) is False
    rig.started("Something")  # a disliked track is skipped


def test_volume_steps_and_bounds(rig: Rig) -> None:
    assert rig.player.status().volume == 50
    rig.say("turn it up")
    assert rig.player.status().volume == 60
    rig.say("turn it down")
    rig.say("turn it down")
    assert rig.player.status().volume == 40
    assert rig.say("set the volume to 95").response.text == "Volume 95."
    rig.say("louder")
    assert rig.player.status().volume == 100
    rig.say("set the volume to 5")
    rig.say("quieter")
    assert rig.player.status().volume == 0
    rig.say("mute")
    assert rig.player.status().muted
    rig.say("unmute")
    assert not rig.player.status().muted


def test_a_volume_outside_the_range_is_refused_with_the_range(rig: Rig) -> None:
    rig.say("set the volume to 40")
    turn = rig.say("turn the volume to 250")
    assert turn.response.text == "The volume goes from 0 to 100."
    assert rig.player.status().volume == 40


def test_a_crashing_skill_is_answered_and_the_next_command_works(rig: Rig) -> None:
    def boom(*_: object) -> None:
        raise RuntimeError("bug")

    handlers = dict(HANDLERS, WhatIsPlaying=boom)
    rig.skills._handlers = handlers  # type: ignore[assignment]
    assert rig.say("what's playing").response.text == "Sorry, something went wrong."
    assert rig.say("turn it up").response.outcome == "ok"
