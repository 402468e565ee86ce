"""`assistant run` as a real process: control socket, signals, faults it must survive."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mutagen.easyid3 import EasyID3

from assistant.library.history import History
from assistant.library.store import Catalogue
from tests.fixtures.config import write_config
from tests.fixtures.generate import FixtureLibrary, make_library
from tests.fixtures.library_spec import PLAYLISTS

START_TIMEOUT_S = 120.0


class RunningDaemon:
    def __init__(self, config: Path, env: dict[str, str] | None = None) -> None:
        self.config = config
        self.state = config.parent / "state"
        self.log = (config.parent / "daemon.log").open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "assistant.cli", "run", "--config", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=self.log,
            env={**os.environ, **(env or {})},
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._answers():
            if self.proc.poll() is not None:
                raise AssertionError(f"daemon exited: {self.log_text()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"daemon did not start: {self.log_text()}")
            time.sleep(0.2)

    def _answers(self) -> bool:
        try:
            return bool(self.ctl("status", "--json").returncode == 0)
        except subprocess.TimeoutExpired:
            return False

    def ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "assistant.cli", "ctl", *args, "--config", str(self.config)],
            capture_output=True,
            text=True,
            timeout=90,
        )

    def status(self) -> dict[str, Any]:
        done = self.ctl("status", "--json")
        assert done.returncode == 0, done.stderr
        return dict(json.loads(done.stdout))

    def say(self, text: str) -> str:
        done = self.ctl("say", text)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def log_text(self) -> str:
        return self._log()[-4000:]

    def log_tail(self) -> str:
        """The log's end for a failure message, without the player's line per track: a
        looped playlist of short tracks writes one a second and would hide all else."""
        lines = [line for line in self._log().splitlines() if "player: playing " not in line]
        return "\n".join(lines[-60:])

    def _log(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return (self.config.parent / "daemon.log").read_text(errors="replace")

    def wait_exit(self, timeout: float = 30.0) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self.log.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@pytest.fixture
def library(tmp_path: Path) -> FixtureLibrary:
    return make_library(tmp_path / "lib")


@pytest.fixture
def daemon(tmp_path: Path, library: FixtureLibrary) -> Iterator[RunningDaemon]:
    running = RunningDaemon(write_config(tmp_path, library))
    yield running
    running.kill()


def test_typed_commands_act_and_status_reports(daemon: RunningDaemon) -> None:
    assert daemon.say("play songs to sing in the car") == "Playing Songs to Sing in the Car."
    status = daemon.status()
    assert status["state"] in ("idle", "speaking")
    assert status["player"]["state"] == "playing"
    assert status["player"]["track"]["title"] in {
        t.title for t in PLAYLISTS["Songs to Sing in the Car"]
    }
    assert status["player"]["queue_length"] == 6
    assert "pocketsphinx" in status["engine"] or "vosk" in status["engine"]
    assert status["uptime_s"] >= 0
    assert status["last"]["intent"] == "PlayPlaylist"
    assert daemon.say("play the rolling stones") == (
        "I couldn't find the rolling stones in your library."
    )
    assert daemon.status()["player"]["track"] is not None  # the music played on
    assert daemon.say("what's the weather like") == "Sorry, I didn't understand."
    done = daemon.ctl("shutdown")
    assert done.returncode == 0
    assert daemon.wait_exit() == 0
    assert not (daemon.state / "control.sock").exists()


def test_malformed_control_requests_do_not_disturb_the_loop(daemon: RunningDaemon) -> None:
    for garbage in (b"{not json\n", b"[1, 2]\n", b'{"cmd": "explode"}\n', b"\xff\xfe\x00\n"):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(10)
            sock.connect(str(daemon.state / "control.sock"))
            sock.sendall(garbage)
            reply = json.loads(sock.makefile("rb").readline())
        assert reply["ok"] is False and reply["error"]
    assert daemon.say("volume forty") == "Volume 40."
    assert daemon.status()["player"]["volume"] == 40


def test_sigterm_stops_cleanly_and_sighup_rescans(
    daemon: RunningDaemon, library: FixtureLibrary
) -> None:
    assert daemon.say("play zebra crossing") == ("I couldn't find zebra crossing in your library.")
    new = library.music_dir / "Zebra Crossing" / "01 Stripes.mp3"
    new.parent.mkdir()
    mp3 = next(p for p in library.tracks.values() if p.suffix == ".mp3")
    shutil.copy(mp3, new)
    tags = EasyID3(new)
    tags.update({"artist": "Zebra Crossing", "title": "Stripes", "album": "Road"})
    tags.save()
    daemon.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 60
    while daemon.say("play zebra crossing") != "Playing Zebra Crossing.":
        assert time.monotonic() < deadline, daemon.log_tail()
        time.sleep(0.5)
    assert daemon.status()["player"]["track"]["title"] == "Stripes"
    daemon.proc.send_signal(signal.SIGTERM)
    assert daemon.wait_exit() == 0
    assert "daemon: stopping (SIGTERM)" in daemon.log_text()


def test_corrupt_catalogue_is_rebuilt(tmp_path: Path, library: FixtureLibrary) -> None:
    config = write_config(tmp_path, library)
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "assistant.sqlite3").write_bytes(b"this is not a database" * 100)
    running = RunningDaemon(config)
    try:
        assert running.say("play queen") == "Playing Queen."
    finally:
        running.kill()
    assert list((tmp_path / "state").glob("assistant.sqlite3.corrupt-*"))


def test_history_survives_kill_9(daemon: RunningDaemon) -> None:
    assert daemon.say("play the beatles") == "Playing The Beatles."
    deadline = time.monotonic() + 60
    while (daemon.status()["player"]["index"] or 0) < 2:  # two tracks have finished
        assert time.monotonic() < deadline, daemon.log_tail()
        time.sleep(0.2)
    daemon.proc.send_signal(signal.SIGKILL)
    daemon.proc.wait()
    with Catalogue(path=daemon.state / "assistant.sqlite3") as catalogue:
        counts = History(catalogue=catalogue).play_counts()
        beatles = {t.id for t in catalogue.tracks_by_artist("The Beatles")}
    assert sum(n for track, n in counts.items() if track in beatles) >= 2


def test_starts_and_answers_without_a_microphone(daemon: RunningDaemon) -> None:
    # This machine has no sound card: the daemon runs on and retries the microphone.
    assert daemon.status()["state"] == "idle"
    assert "microphone" in daemon.log_text()
    assert daemon.say("stop") == "Nothing is playing."
