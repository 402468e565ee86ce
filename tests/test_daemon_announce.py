"""`ctl announce`, `ctl stop` and requests left waiting at shutdown, in process (the loop of
tests/test_daemon_states.py: real dialogue, skills and mpv; fake clock, ears and voice)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.daemon import TICK_S, State
from assistant.errors import ControlError
from assistant.player.base import PlayState
from tests.fixtures.config import write_config
from tests.fixtures.generate import FixtureLibrary
from tests.skills.support import TIMEOUT, FakeClock, Rig, rig_config
from tests.test_daemon_states import Loop


@pytest.fixture
def loop(tmp_path: Path, fixture_library: FixtureLibrary) -> Iterator[Loop]:
    rig = Rig(rig_config(write_config(tmp_path, fixture_library)), clock=FakeClock())
    running = Loop(rig)
    try:
        yield running
    finally:
        running.close()
        rig.close()


def _music(loop: Loop) -> None:
    assert loop.rig.say("play songs to sing in the car").response.outcome == "ok"
    loop.rig.started(loop.rig.queue_titles()[0][0])


def test_an_announcement_is_spoken_over_ducked_music_and_answered_once_spoken(
    loop: Loop,
) -> None:
    _music(loop)
    reply = loop.request("announce", "stop the music")
    assert loop.advance(2 * TICK_S) is State.SPEAKING  # said at the loop's next periodic turn
    assert loop.voice.said == ["stop the music"]  # said as it is, not run as a command
    assert loop.ducked()
    assert not reply.done()
    loop.voice.finish()
    assert reply.result(TIMEOUT) == {"announced": "stop the music", "interrupted": False}
    assert loop.settled() is State.IDLE
    assert not loop.ducked()
    assert loop.rig.player.status().state is PlayState.PLAYING


def test_an_announcement_waits_for_the_answer_being_spoken(loop: Loop) -> None:
    loop.request("say", "what's playing").result(TIMEOUT)
    reply = loop.request("announce", "Dinner is ready")
    assert loop.settled() is State.SPEAKING
    assert loop.voice.said == ["Nothing is playing."]
    loop.voice.finish()
    assert loop.advance(2 * TICK_S) is State.SPEAKING
    assert loop.voice.said == ["Nothing is playing.", "Dinner is ready"]
    loop.voice.finish()
    assert reply.result(TIMEOUT)["announced"] == "Dinner is ready"


def test_ctl_stop_stops_the_music_and_the_loop_runs_on(loop: Loop) -> None:
    _music(loop)
    assert loop.request("stop").result(TIMEOUT) == {"response": ""}
    assert loop.rig.player.status().state is PlayState.STOPPED
    assert loop.voice.said == []  # nothing spoken over the silence asked for
    assert loop.request("stop").result(TIMEOUT) == {"response": "Nothing is playing."}
    assert loop.settled() is State.IDLE


def test_requests_still_waiting_at_shutdown_are_answered(loop: Loop) -> None:
    loop.request("say", "what's playing").result(TIMEOUT)
    waiting = loop.request("announce", "Dinner is ready")  # behind the answer being spoken
    loop.settled()
    loop.daemon.request_stop("test")
    with pytest.raises(ControlError, match="the assistant is stopping"):
        waiting.result(TIMEOUT)
