"""The real daemon in a hostile music folder: FIFOs, bad names, forged log lines, SIGHUP."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.hostile import fs, latin1_library, write_tone
from tests.test_daemon import RunningDaemon


@pytest.fixture
def hostile(tmp_path: Path) -> Iterator[RunningDaemon]:
    music, lists = tmp_path / "music", tmp_path / "playlists"
    music.mkdir()
    lists.mkdir()
    track = latin1_library(music)
    write_tone(music / "Plain Song.wav")
    os.mkfifo(music / "x.mp3")
    os.mkfifo(lists / "x.m3u")
    # Written on Windows: UTF-16, and "Beyoncé" in proper text, not the disk's Latin-1 bytes.
    entry = os.fsencode(track).decode("cp1252")
    (lists / "Road Trip.m3u").write_bytes(f"{entry}\r\n{music}/Plain Song.wav\r\n".encode("utf-16"))
    config = tmp_path / "config.yaml"
    config.write_text(
        f"library:\n  music_dirs: [{music}]\n  playlist_dirs: [{lists}]\n  podcast_dirs: []\n"
        f'state_dir: {tmp_path / "state"}\nplayer:\n  audio_output: "null"\n'
    )
    running = RunningDaemon(config)
    yield running
    running.kill()


def _until(condition, daemon: RunningDaemon, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, daemon.log_tail()
        time.sleep(0.2)


def test_a_hostile_music_folder_neither_hangs_nor_kills_the_daemon(
    hostile: RunningDaemon, tmp_path: Path
) -> None:
    daemon = hostile
    # The non-UTF-8 file is in the library under a name one can say, and it really plays.
    assert daemon.say("play beyonce") == "Playing Beyoncé by Café Tacvba."
    _until(lambda: (daemon.status()["player"].get("position") or 0) > 1.0, daemon)
    assert daemon.status()["player"]["track"]["title"] == "Beyoncé"
    assert daemon.say("play road trip") == "Playing Road Trip."
    assert daemon.status()["player"]["queue_length"] == 2

    os.mkfifo(tmp_path / "music" / "late.ogg")
    write_tone(fs(tmp_path / "music") + b"/Nouveaut\xe9.wav")
    daemon.proc.send_signal(signal.SIGHUP)
    _until(lambda: "reloaded: 3 tracks" in daemon.log_text(), daemon)
    assert daemon.status()["state"] in ("idle", "speaking")
    assert daemon.say("play nouveaute").startswith("Playing Nouveauté")

    daemon.proc.send_signal(signal.SIGTERM)
    assert daemon.wait_exit() == 0


FORGED = "2026-12-01 00:00:00,000 ERROR assistant.daemon: forged"


def test_titles_and_what_is_said_cannot_forge_log_lines(tmp_path: Path) -> None:
    music, lists = tmp_path / "music", tmp_path / "playlists"
    music.mkdir()
    lists.mkdir()
    # An untagged file's title is its name, newline, escape code and all.
    (music / "Evil Artist" / "Album").mkdir(parents=True)
    write_tone(music / "Evil Artist" / "Album" / f"Evil\n{FORGED}\x1b[2J.wav")
    config = tmp_path / "config.yaml"
    config.write_text(
        f"library:\n  music_dirs: [{music}]\n  playlist_dirs: [{lists}]\n  podcast_dirs: []\n"
        f'state_dir: {tmp_path / "state"}\nplayer:\n  audio_output: "null"\n'
    )
    daemon = RunningDaemon(config)
    try:
        assert daemon.say("play evil artist") == "Playing Evil Artist."
        daemon.ctl("say", f"play nothing\n{FORGED}\x1b[2J")
        daemon.proc.send_signal(signal.SIGTERM)
        assert daemon.wait_exit() == 0
    finally:
        daemon.kill()
    log = daemon.log_text()
    assert "player: playing Evil\\n2026-12-01" in log
    assert not any(line.startswith(FORGED) for line in log.splitlines())
    assert "\x1b" not in log
