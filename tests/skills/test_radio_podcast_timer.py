"""Podcast resume across a restart, and the sleep timer (radio: test_radio.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from assistant.player.base import PlayState
from tests.fixtures.config import write_config
from tests.fixtures.generate import FixtureLibrary, episode_relpath, make_library
from tests.skills.support import FakeClock, Rig, rig_config


def _long_episode(library: FixtureLibrary, show: str, title: str, seconds: int) -> None:
    """Replace an episode's audio with a longer tone, keeping its tags."""
    from mutagen.easyid3 import EasyID3

    path = library.root / episode_relpath(show, title)
    tags = dict(EasyID3(path))
    sox = ["sox", "-n", "-r", "22050", "-c", "1", "-C", "32", str(path), "synth"]
    sox += [str(seconds), "sine", "500", "vol", "0.3"]
    subprocess.run(
        sox,
        check=True,
        capture_output=True,
    )
    fresh = EasyID3()
    fresh.update(tags)
    fresh.save(path)


def test_podcast_resumes_at_saved_position_after_restart(tmp_path: Path) -> None:
    library = make_library(tmp_path / "lib")
    _long_episode(library, "The Daily", "Tuesday Briefing", 60)
    config = rig_config(write_config(tmp_path, library))

    first = Rig(config)
    try:
        turn = first.say("play the daily podcast")
        assert turn.response.text == "Playing The Daily: Tuesday Briefing."
        first.started("Tuesday Briefing")
        first.player.seek(20.0)
        first.until(lambda: first.player.status().position >= 20.5)
        assert first.say("pause").response.outcome == "ok"
        paused = first.player.status()
        assert paused.current is not None
        saved = first.history.position(paused.current.location)
        # What is saved is where the pause held it: no later, and no earlier than seen playing.
        assert saved == pytest.approx(paused.position, abs=0.05)
        assert saved >= 20.5
    finally:
        first.close()

    second = Rig(config)
    try:
        turn = second.say("resume the daily")
        assert turn.response.text == "Resuming The Daily: Tuesday Briefing."
        second.started("Tuesday Briefing")
        item = second.player.status().current
        # Within the pause's own slack: closing the first player ends the track, and its
        # TrackEnded saves the position once more, a few ms on if mpv had not quite paused
        # (20.515 against 20.500, once in a full run).
        assert item is not None and item.start == pytest.approx(saved, abs=0.05)
        assert second.player.status().position >= saved - 0.5
        # Play the newest *unheard* episode once this one is finished.
        second.say("stop")
        second.history.save_position(item.location, 60.0)
        assert second.say("resume the daily").response.text == "Playing The Daily: Monday Briefing."
    finally:
        second.close()


def test_sleep_timer_fades_out_stops_and_restores_volume(rig: Rig) -> None:
    clock = rig.clock
    assert isinstance(clock, FakeClock)
    assert rig.say("stop the music in 10 minutes").response.text == "Nothing is playing."
    rig.say("play songs to sing in the car")
    rig.player.set_repeat(rig.player.status().repeat.ALL)  # keep playing however long we take
    rig.started("Bohemian Rhapsody")
    turn = rig.say("set a sleep timer for 10 minutes")
    assert turn.response.text == "Okay, I'll stop the music in 10 minutes."
    clock.advance(9 * 60)
    rig.skills.tick()
    assert rig.player.status().volume == 50
    clock.advance(60)
    rig.skills.tick()
    assert rig.player.status().volume == 50  # the fade starts at full volume
    clock.advance(10)
    rig.skills.tick()
    assert 20 <= rig.player.status().volume <= 30  # half way through a 20 s fade
    assert rig.player.status().state is PlayState.PLAYING
    clock.advance(11)
    rig.skills.tick()
    status = rig.player.status()
    assert status.state is PlayState.STOPPED
    assert status.volume == 50


def test_new_sleep_timer_replaces_the_old_and_stop_cancels(rig: Rig) -> None:
    clock = rig.clock
    assert isinstance(clock, FakeClock)
    rig.say("play songs to sing in the car")
    rig.player.set_repeat(rig.player.status().repeat.ALL)
    rig.started("Bohemian Rhapsody")
    rig.say("sleep in 5 minutes")
    rig.say("sleep in 30 minutes")
    clock.advance(6 * 60 + 30)
    rig.skills.tick()
    assert rig.player.status().volume == 50 and rig.player.status().state is PlayState.PLAYING
    rig.say("stop")
    rig.say("resume")
    clock.advance(60 * 60)
    rig.skills.tick()
    assert rig.player.status().state is PlayState.PLAYING
