"""MpvPlayer against the real libmpv with ao=null: queue, controls, errors and events."""

from __future__ import annotations

import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import PlayerConfig
from assistant.errors import PlayerError
from assistant.player.base import (
    PlaybackError,
    PlayState,
    QueueItem,
    RepeatMode,
    TrackEnded,
    TrackStarted,
)
from assistant.player.mpv_engine import MpvPlayer
from tests.player.support import EventLog, wait_until


def item(path: Path, title: str, **kw: object) -> QueueItem:
    return QueueItem(location=str(path), title=title, **kw)  # type: ignore[arg-type]


@pytest.fixture
def player(events: EventLog) -> Iterator[MpvPlayer]:
    p = MpvPlayer(config=PlayerConfig(audio_output="null"), on_event=events, rng=random.Random(7))
    yield p
    p.close()


def test_plays_the_queue_in_order_and_stops_at_the_end(
    player: MpvPlayer, events: EventLog, tones: dict[str, Path]
) -> None:
    player.play(
        [item(tones["short_a"], "a"), item(tones["short_b"], "b"), item(tones["short_c"], "c")]
    )
    events.ended("c", "finished")
    assert events.summary() == [
        ("started", "a", ""),
        ("ended", "a", "finished"),
        ("started", "b", ""),
        ("ended", "b", "finished"),
        ("started", "c", ""),
        ("ended", "c", "finished"),
    ]
    wait_until(lambda: player.status().state is PlayState.STOPPED)
    status = player.status()
    assert status.current is not None and status.current.title == "c"
    assert status.index == 2 and status.queue_length == 3


def test_finished_position_is_the_track_length(
    player: MpvPlayer, events: EventLog, tones: dict[str, Path]
) -> None:
    player.play([item(tones["short_b"], "b")])
    (ended,) = events.ended("b", "finished")
    assert isinstance(ended, TrackEnded)
    assert ended.position == pytest.approx(1.5, abs=0.1)


def test_missing_and_corrupt_files_are_skipped_with_events(
    player: MpvPlayer, events: EventLog, tones: dict[str, Path]
) -> None:
    player.play(
        [
            item(tones["short_a"], "a"),
            item(tones["missing"], "missing"),
            item(tones["corrupt"], "corrupt"),
            item(tones["short_c"], "c"),
        ]
    )
    events.ended("c", "finished")
    kinds = [(kind, title) for kind, title, _ in events.summary()]
    assert kinds == [
        ("started", "a"),
        ("ended", "a"),
        ("error", "missing"),
        ("ended", "missing"),
        ("error", "corrupt"),
        ("ended", "corrupt"),
        ("started", "c"),
        ("ended", "c"),
    ]
    errors = [e for e in events.events if isinstance(e, PlaybackError)]
    assert all(e.message for e in errors)
    ended = [e for e in events.events if isinstance(e, TrackEnded)]
    assert [e.reason for e in ended] == ["finished", "error", "error", "finished"]


def test_a_queue_where_nothing_plays_stops_even_with_repeat_all(
    player: MpvPlayer, events: EventLog, tones: dict[str, Path]
) -> None:
    player.set_repeat(RepeatMode.ALL)
    player.play([item(tones["missing"], "m"), item(tones["corrupt"], "x")])
    events.wait_for(lambda e: isinstance(e, TrackEnded), count=2)
    wait_until(lambda: player.status().state is PlayState.STOPPED)
    # mpv handles commands in order: anything a looping queue had loaded after the second
    # error reports before the next play() starts.
    player.play([item(tones["short_a"], "next")])
    events.started("next")
    before = [e for e in events.summary() if e[1] != "next"]
    assert [(kind, title) for kind, title, _ in before] == [
        ("error", "m"), ("ended", "m"), ("error", "x"), ("ended", "x")]  # fmt: skip


def test_next_skips_and_stops_at_the_end(
    player: MpvPlayer, events: EventLog, tones: dict[str, Path]
) -> None:
    player.play([item(tones["long_a"], "a"), item(tones["long_b"], "b")])
    events.started("a")
    player.next()
    events.ended("a", "skipped")
    events.started("b")
    player.next()
    events.ended("b", "skipped")
    status = player.status()
    assert status.state is PlayState.STOPPED
    assert status.index == 1
    player.next()  # already at the end and stopped: nothing happens
    assert player.status().state is PlayState.STOPPED
    assert events.summary() == [
        ("started", "a", ""),
        ("ended", "a", "skipped"),
        ("started", "b", ""),
        ("ended", "b", "skipped"),
    ]


def test_next_wraps_with_repeat_all(
    player: MpvPlayer, events: EventLog, tones: dict[str, Path]
) -> None:
    player.set_repeat(RepeatMode.ALL)
    player.play([item(tones["long_a"], "a"), item(tones["long_b"], "b")], start_index=1)
    events.started("b")
    player.next()
    events.started("a")
    assert player.status().index == 0


def test_previous_goes_back_early_in_a_track(
    player: MpvPlayer, events: EventLog, tones: dict[str, Path]
) -> None:
    player.play(
        [item(tones["long_a"], "a"), item(tones["long_b"], "b"), item(tones["long_c"], "c")],
        start_index=1,
    )
    events.started("b")
    player.previous()
    events.ended("b", "skipped")
    events.started("a")
    assert player.status().index == 0


def test_previous_late_in_a_track_restarts_it(
    player: MpvPlayer, events: EventLog, tones: dict[str, Path]
) -> None:
    player.play([item(tones["long_a"], "a"), item(tones["long_b"], "b")], start_index=1)
    events.started("b")
    player.seek(20)
    wait_until(lambda: player.status().position >= 19.5)
    player.previous()
    wait_until(lambda: player.status().position < 10)
    status = player.status()
    assert status.current is not None and status.current.title == "b"
    assert status.state is PlayState.PLAYING
    assert events.summary() == [("started", "b", "")]


def test_previous_at_the_start_restarts_the_first_track(
    player: MpvPlayer, events: EventLog, tones: dict[str, Path]
) -> None:
    player.play([item(tones["long_a"], "a"), item(tones["long_b"], "b")])
    events.started("a")
    player.seek(2.0)
    wait_until(lambda: player.status().position >= 1.9)
    player.previous()
    wait_until(lambda: player.status().position < 1.5)
    status = player.status()
    assert status.current is not None and status.current.title == "a"
    assert status.index == 0
    assert events.summary() == [("started", "a", "")]


def test_shuffle_keeps_the_current_track_and_off_restores_order(
    player: MpvPlayer, events: EventLog, tones: dict[str, Path]
) -> None:
    items = [item(tones["long_a"], f"t{i}") for i in range(20)]
    player.play(items, start_index=4)
    events.started("t4")
    player.set_shuffle(True)
    shuffled = player.queue_items()
    status = player.status()
    assert status.shuffle and status.index == 0
    assert shuffled[0].title == "t4"
    assert sorted(i.title for i in shuffled) == sorted(i.title for i in items)
    assert shuffled != items
    player.next()
    events.started(shuffled[1].title)
    player.set_shuffle(False)
    assert player.queue_items() == items
    status = player.status()
    assert not status.shuffle
    assert status.current == shuffled[1]
    assert status.index == items.index(shuffled[1])


def test_play_while_shuffled_starts_with_the_chosen_item(
    player: MpvPlayer, events: EventLog, tones: dict[str, Path]
) -> None:
    player.set_shuffle(True)
    items = [item(tones["long_a"], f"t{i}") for i in range(10)]
    player.play(items, start_index=6)
    events.started("t6")
    assert player.queue_items()[0].title == "t6"
    player.enqueue([item(tones["long_b"], "extra")])
    assert player.status().queue_length == 11
    assert player.queue_items()[0].title == "t6"


def test_repeat_one_plays_the_track_again(
    player: MpvPlayer, events: EventLog, tones: dict[str, Path]
) -> None:
    player.set_repeat(RepeatMode.ONE)
    player.play([item(tones["short_a"], "a"), item(tones["short_c"], "c")])
    events.started("a", count=2)
    player.set_repeat(RepeatMode.OFF)
    events.ended("c", "finished")
    titles = [t for kind, t, _ in events.summary() if kind == "started"]
    assert titles[0] == titles[1] == "a" and titles[-1] == "c"
    assert player.status().repeat is RepeatMode.OFF


def test_repeat_all_starts_the_queue_again(
    player: MpvPlayer, events: EventLog, tones: dict[str, Path]
) -> None:
    player.set_repeat(RepeatMode.ALL)
    player.play([item(tones["short_a"], "a"), item(tones["short_c"], "c")])
    events.started("a", count=2)
    player.stop()
    titles = [t for kind, t, _ in events.summary() if kind == "started"]
    assert titles == ["a", "c", "a"]


def test_stop_and_resume(player: MpvPlayer, events: EventLog, tones: dict[str, Path]) -> None:
    player.play([item(tones["long_a"], "a"), item(tones["long_b"], "b")])
    events.started("a")
    player.stop()
    (ended,) = events.ended("a", "stopped")
    assert isinstance(ended, TrackEnded) and ended.position >= 0
    status = player.status()
    assert status.state is PlayState.STOPPED and status.position == 0
    player.resume()
    events.started("a", count=2)
    assert player.status().state is PlayState.PLAYING


def test_play_replaces_the_queue_and_reports_the_old_track_stopped(
    player: MpvPlayer, events: EventLog, tones: dict[str, Path]
) -> None:
    player.play([item(tones["long_a"], "a")])
    events.started("a")
    player.play([item(tones["long_b"], "b")])
    events.started("b")
    assert events.summary() == [
        ("started", "a", ""),
        ("ended", "a", "stopped"),
        ("started", "b", ""),
    ]
    assert player.status().queue_length == 1


def test_pause_holds_the_position(
    player: MpvPlayer, events: EventLog, tones: dict[str, Path]
) -> None:
    player.play([item(tones["long_a"], "a")])
    events.started("a")
    wait_until(lambda: player.status().position > 0.3)
    player.pause()
    held = player.status().position
    time.sleep(0.5)
    status = player.status()
    assert status.state is PlayState.PAUSED
    assert status.position == pytest.approx(held, abs=0.05)
    player.resume()
    wait_until(lambda: player.status().position > held + 0.3)
    assert player.status().state is PlayState.PLAYING


def test_status_fields(player: MpvPlayer, events: EventLog, tones: dict[str, Path]) -> None:
    idle = player.status()
    assert idle.state is PlayState.STOPPED and idle.current is None and idle.index is None
    assert idle.queue_length == 0 and idle.volume == 50 and idle.position == 0
    items = [item(tones["long_a"], "a"), item(tones["long_b"], "b", artist="x", track_id=9)]
    player.play(items, start_index=1)
    events.started("b")
    status = player.status()
    assert status.state is PlayState.PLAYING
    assert status.current == items[1]
    assert status.index == 1 and status.queue_length == 2
    assert status.duration == pytest.approx(30.0, abs=0.1)
    assert 0 <= status.position < 30
    assert not status.muted and not status.ducked and not status.shuffle
    assert status.repeat is RepeatMode.OFF


def test_episode_resumes_at_its_start_offset(
    player: MpvPlayer, events: EventLog, tones: dict[str, Path]
) -> None:
    player.play([item(tones["long_a"], "ep", kind="episode", start=20.0)])
    events.started("ep")
    wait_until(lambda: player.status().position > 0)
    assert player.status().position >= 19.9


def test_volume_is_clamped_and_steps(player: MpvPlayer) -> None:
    player.set_volume(150)
    assert player.status().volume == 100
    player.change_volume(10)
    assert player.status().volume == 100
    player.set_volume(-3)
    assert player.status().volume == 0
    player.change_volume(-10)
    assert player.status().volume == 0
    player.set_volume(50)
    player.change_volume(10)
    player.change_volume(10)
    player.change_volume(-30)
    assert player.status().volume == 40


def test_mute_keeps_the_volume_and_ducking_defers_volume_changes(player: MpvPlayer) -> None:
    player.set_volume(70)
    player.mute()
    assert player.status().muted and player.status().volume == 70
    player.unmute()
    assert not player.status().muted and player.status().volume == 70
    player.duck()
    player.duck()
    assert player.status().ducked
    player.change_volume(-20)
    assert player.status().volume == 50
    player.unduck()
    status = player.status()
    assert not status.ducked and status.volume == 50


def _volumes_until(player: MpvPlayer, level: float) -> list[float]:
    """mpv's own volume, read until it is `level`: every step seen on the way."""
    seen = [float(player._mpv.volume)]
    deadline = time.monotonic() + 30
    while seen[-1] != level:
        assert time.monotonic() < deadline, f"volume stuck at {seen[-1]}, wanted {level}"
        time.sleep(0.002)
        if (now := float(player._mpv.volume)) != seen[-1]:
            seen.append(now)
    return seen


def test_unduck_with_a_fade_rises_in_steps_to_the_volume(
    player: MpvPlayer, events: EventLog, tones: dict[str, Path]
) -> None:
    player.set_volume(80)
    player.play([item(tones["long_a"], "a")])
    events.started("a")
    player.duck()  # duck_volume 30 % of 80
    assert float(player._mpv.volume) == 24
    player.unduck(0.3)
    assert not player.status().ducked  # the owner's volume is on its way back
    steps = _volumes_until(player, 80)
    assert steps == sorted(steps) and len(steps) >= 4, steps  # not a jump
    assert steps[0] < 40


def test_a_fade_waits_for_the_music_and_ducking_cuts_it_short(
    player: MpvPlayer, events: EventLog, tones: dict[str, Path]
) -> None:
    player.set_volume(80)
    player.duck()
    with player._lock:  # the new file is asked for and the fade begins before it opens
        player.play([item(tones["long_a"], "a")])
        player.unduck(0.3)
        assert float(player._mpv.volume) == 24
    events.started("a")
    _volumes_until(player, 80)
    player.unduck(0.3)  # not ducked: nothing to do
    assert float(player._mpv.volume) == 80
    player.duck()
    player.unduck(5.0)
    player.duck()  # the wake word again, mid-fade: down at once, and the fade is over
    assert float(player._mpv.volume) == 24
    time.sleep(0.1)
    assert float(player._mpv.volume) == 24
    player.unduck()
    assert float(player._mpv.volume) == 80


def test_a_fade_with_nothing_to_fade_restores_the_volume_at_once(
    player: MpvPlayer, tones: dict[str, Path]
) -> None:
    player.set_volume(80)
    player.duck()
    player.unduck(0.3)  # nothing plays
    assert float(player._mpv.volume) == 80
    player.duck()
    with player._lock:
        player.play([item(tones["missing"], "gone")])
        player.unduck(5.0)  # waits for music that never comes
    wait_until(lambda: player.status().state is PlayState.STOPPED)
    wait_until(lambda: float(player._mpv.volume) == 80)


def test_bad_requests_raise_player_error(player: MpvPlayer, tones: dict[str, Path]) -> None:
    with pytest.raises(PlayerError):
        player.play([])
    with pytest.raises(PlayerError):
        player.play([item(tones["long_a"], "a")], start_index=1)
    player.next()  # an empty queue ignores controls
    player.previous()
    player.seek(10)
    player.resume()
    assert player.status().state is PlayState.STOPPED


def test_a_playlist_file_plays_as_one_item(
    player: MpvPlayer, events: EventLog, tones: dict[str, Path], tmp_path: Path
) -> None:
    playlist = tmp_path / "station.m3u"
    playlist.write_text(f"#EXTM3U\n{tones['short_a']}\n")
    player.play([item(playlist, "station", kind="radio"), item(tones["short_c"], "c")])
    events.ended("c", "finished")
    assert events.summary() == [
        ("started", "station", ""),
        ("ended", "station", "finished"),
        ("started", "c", ""),
        ("ended", "c", "finished"),
    ]


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A TCP server on 127.0.0.1 that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            held.append(conn)

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/stream.mp3"
    server.close()
    for conn in held:
        conn.close()


def test_a_radio_station_that_never_answers_fails_within_the_network_timeout(
    events: EventLog, tones: dict[str, Path], silent_server: str
) -> None:
    config = PlayerConfig(audio_output="null", network_timeout=1.0)
    player = MpvPlayer(config=config, on_event=events)
    # The same silent station, asked for first by a player told to wait 30 s: it is still
    # waiting when ours gives up, so ours gave up by its own timeout (mpv's default is 60 s).
    patient_events = EventLog()
    patient = MpvPlayer(
        config=PlayerConfig(audio_output="null", network_timeout=30.0), on_event=patient_events
    )
    try:
        patient.play([QueueItem(silent_server, title="patient", kind="radio")])
        player.play(
            [QueueItem(silent_server, title="dead", kind="radio"), item(tones["short_a"], "a")]
        )
        events.wait_for(lambda e: isinstance(e, PlaybackError) and e.item.title == "dead")
        assert patient_events.events == []
        events.ended("dead", "error")
        events.started("a")
    finally:
        player.close()
        patient.close()
    assert not any(isinstance(e, TrackStarted) and e.item.title == "dead" for e in events.events)


def test_missing_libmpv_becomes_an_engine_error() -> None:
    code = (
        "import ctypes.util, sys\n"
        "ctypes.util.find_library = lambda name: None\n"
        "from assistant.config import PlayerConfig\n"
        "from assistant.errors import EngineError\n"
        "from assistant.player.mpv_engine import MpvPlayer\n"
        "try:\n"
        "    MpvPlayer(config=PlayerConfig(audio_output='null'), on_event=print)\n"
        "except EngineError as exc:\n"
        "    print(exc)\n"
        "    sys.exit(0)\n"
        "sys.exit(1)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "libmpv2" in result.stdout


def test_a_broken_audio_output_stops_the_queue_after_one_error(
    events: EventLog, tones: dict[str, Path]
) -> None:
    config = PlayerConfig(audio_output="no-such-output")
    player = MpvPlayer(config=config, on_event=events)
    try:
        player.play([item(tones["long_a"], "a"), item(tones["long_b"], "b")])
        events.ended("a", "error")
        wait_until(lambda: player.status().state is PlayState.STOPPED)
        # mpv handles commands in order: had the queue skipped on to b, b's error would come
        # before the error of the next play().
        player.play([item(tones["short_a"], "next")])
        events.ended("next", "error")
    finally:
        player.close()
    errors = [e for e in events.events if isinstance(e, PlaybackError)]
    assert [e.item.title for e in errors] == ["a", "next"]
    assert "audio output" in errors[0].message
