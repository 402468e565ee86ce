"""`assistant ctl` against a real `assistant run`: each subcommand does what it says, and the
control socket stays open to the owner whatever other clients do."""

from __future__ import annotations

import json
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.config import write_config
from tests.fixtures.generate import FixtureLibrary
from tests.fixtures.library_spec import RADIO
from tests.test_daemon import RunningDaemon

WAIT = 60.0


@pytest.fixture
def daemon(tmp_path: Path, fixture_library: FixtureLibrary) -> Iterator[RunningDaemon]:
    running = RunningDaemon(write_config(tmp_path, fixture_library))
    yield running
    running.kill()


def wait_for(check: object, daemon: RunningDaemon) -> None:
    deadline = time.monotonic() + WAIT
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, daemon.log_text()
        time.sleep(0.2)


def test_stop_stops_the_music_and_shutdown_stops_the_daemon(daemon: RunningDaemon) -> None:
    assert daemon.say("play the beatles") == "Playing The Beatles."
    stopped = daemon.ctl("stop")
    assert stopped.returncode == 0, stopped.stderr
    assert stopped.stdout == "(ok)\n"
    assert daemon.status()["player"]["state"] == "stopped"  # and the daemon runs on
    again = daemon.ctl("stop", "--json")
    assert json.loads(again.stdout) == {"ok": True, "response": "Nothing is playing."}
    done = daemon.ctl("shutdown")
    assert done.returncode == 0, done.stderr
    assert daemon.wait_exit() == 0
    assert "daemon: stopping (assistant ctl shutdown)" in daemon.log_text()


def test_listen_without_a_microphone_says_so(
    tmp_path: Path, fixture_library: FixtureLibrary
) -> None:
    # A device that is not there, whatever sound server other tests may have started.
    extra = "audio:\n  device: no-such-microphone\n"
    daemon = RunningDaemon(write_config(tmp_path, fixture_library, extra=extra))
    try:
        _listen_fails(daemon)
    finally:
        daemon.kill()


def _listen_fails(daemon: RunningDaemon) -> None:
    wait_for(lambda: daemon.status()["microphone"].startswith("none: "), daemon)
    listened = daemon.ctl("listen")
    assert listened.returncode == 1
    assert "there is no microphone to listen with" in listened.stderr
    assert listened.stdout == ""
    assert "no speech after" not in daemon.log_text()
    assert daemon.status()["state"] == "idle"


def test_plain_status_is_text_for_people(daemon: RunningDaemon) -> None:
    assert f"config: {daemon.config}" in daemon.log_text()  # said at start
    assert daemon.say("turn it down") == "(ok)"  # as the console shows a silent answer
    shown = daemon.ctl("status")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert "state: idle" in lines or "state: speaking" in lines
    assert "player.muted: no" in lines
    assert not [line for line in lines if line.endswith((" False", " True", " None"))]


def test_announce_speaks_over_the_music_and_is_not_a_command(daemon: RunningDaemon) -> None:
    assert daemon.say("play the beatles") == "Playing The Beatles."
    announced = daemon.ctl("announce", "stop")
    assert announced.returncode == 0, announced.stderr
    assert announced.stdout == "announced: stop\n"
    status = daemon.status()
    assert status["player"]["state"] == "playing"
    assert status["last"]["heard"] == "play the beatles"
    assert "daemon: announcing 'stop'" in daemon.log_text()


def test_hostile_requests_leave_the_daemon_answering(daemon: RunningDaemon) -> None:
    path = daemon.state / "control.sock"
    silent = []
    for _ in range(12):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(str(path))
        silent.append(sock)
    try:
        assert daemon.status()["state"] in ("idle", "speaking")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(WAIT)
            sock.connect(str(path))
            sock.sendall(b'{"cmd": "say", "text": ' + b"[" * 20_000 + b"]" * 20_000 + b"}\n")
            sock.sendall(b'{"cmd": "say", "text": "play \\udc80 queen"}\n')
            replies = sock.makefile("rb")
            nested = json.loads(replies.readline())
            surrogate = json.loads(replies.readline())
    finally:
        for sock in silent:
            sock.close()
    assert nested == {"ok": False, "error": "the request is nested too deeply to read"}
    assert surrogate["ok"] is True
    assert surrogate["heard"] == "play \udc80 queen"
    assert daemon.status()["last"]["heard"] == "play \udc80 queen"
    assert "RecursionError" not in daemon.log_text()


def test_sighup_applies_new_stations_and_says_what_needs_a_restart(
    tmp_path: Path, fixture_library: FixtureLibrary
) -> None:
    config = write_config(tmp_path, fixture_library)
    running = RunningDaemon(config)
    try:
        assert running.say("play dune radio") == "I don't have a radio station called dune."
        assert running.status()["restart_needed"] == []
        write_config(
            tmp_path,
            fixture_library,
            stations={**RADIO, "Dune Radio": "http://127.0.0.1:9/dune"},
            extra="speech:\n  rate: 200\n",
        )
        text = config.read_text().replace(
            f"state_dir: {tmp_path / 'state'}", f"state_dir: {tmp_path / 'elsewhere'}"
        )
        config.write_text(text)
        # Until the restart, the daemon's socket is where the old state_dir put it.
        running.config = tmp_path / "ctl.yaml"
        running.config.write_text(f"state_dir: {tmp_path / 'state'}\n")
        running.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: running.status()["restart_needed"], running)
        assert running.status()["restart_needed"] == ["state_dir", "speech.rate"]
        assert running.say("play dune radio") == "Tuning in to Dune Radio."
        assert "reload: state_dir, speech.rate changed: a restart is needed" in running.log_text()
        shown = running.ctl("status").stdout.splitlines()
        assert "restart_needed: state_dir, speech.rate" in shown
    finally:
        running.kill()


def test_sighup_applies_new_concept_playlists(
    tmp_path: Path, fixture_library: FixtureLibrary
) -> None:
    config = write_config(tmp_path, fixture_library)
    running = RunningDaemon(config)
    try:
        assert running.say("play car songs").startswith("I couldn't find")
        concept = "concepts:\n  - {name: Car Songs, pool: {genres: [Pop]}}\n"
        write_config(tmp_path, fixture_library, extra=concept)
        running.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "reloaded" in running.log_text(), running)
        assert running.say("play car songs") == (
            "Playing Car Songs, a spread of it while I learn what you like."
        )
        assert running.status()["restart_needed"] == []
    finally:
        running.kill()
