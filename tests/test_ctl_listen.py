"""`assistant ctl listen` against the real daemon: push-to-talk through the virtual microphone."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from assistant import control
from tests.asr.speech import clip
from tests.audio.signals import write_wav
from tests.test_daemon import RunningDaemon
from tests.test_end_to_end import assistant, inject, library, wait_for  # noqa: F401 (fixtures)


def test_ctl_listen_hears_a_command_without_the_wake_word_and_acts_on_it(
    assistant: RunningDaemon,  # noqa: F811 (pytest fixture injection)
    pulse_env: dict[str, str],
    tmp_path: Path,
) -> None:
    # The neural voice: espeak's "volume forty" scores 0.77-0.89 by how much silence the
    # microphone adds after it, either side of acting (0.8), and whisper cannot follow it.
    spoken = np.frombuffer(clip("set the volume to forty", voice="piper:joe"), dtype="<i2")
    command = write_wav(tmp_path / "volume.wav", spoken.astype(np.float64))
    listen = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "ctl", "listen", "--config", str(assistant.config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # Straight to the socket, not `ctl status` processes: the daemon gives up on silence
        # after five seconds, and each python start takes one or two on a busy machine.
        sock = control.socket_path(assistant.state)
        deadline = time.monotonic() + 60
        while control.request(sock, {"cmd": "status"})["state"] != "listening":
            assert time.monotonic() < deadline and listen.poll() is None, assistant.log_tail()
            time.sleep(0.02)
        inject(command, pulse_env)
        out, err = listen.communicate(timeout=90)
    finally:
        listen.kill()
    assert listen.returncode == 0, err
    assert "heard: set the volume to forty" in out.splitlines(), out
    assert "response: Volume 40." in out.splitlines(), out
    status = wait_for(assistant, lambda s: s["state"] == "idle")
    assert status["player"]["volume"] == 40
    assert status["last"]["intent"] == "SetVolume"
