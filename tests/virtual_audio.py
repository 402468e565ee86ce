"""A private PulseAudio with a virtual speaker and microphone, for tests on machines without a
sound card.

Sinks: `spk` (default, 48 kHz stereo; record `spk.monitor` to hear what was played) and
`micsink` (16 kHz mono; play speech into it). Source `vmic` (the default) remaps
`micsink.monitor`, so sounddevice's 'pulse'/'default' input records what was injected.
Both null sinks need norewinds=1, or the monitors deliver chopped audio.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCRIPT = """\
load-module module-native-protocol-unix auth-anonymous=1 auth-cookie-enabled=0 socket={sock}
load-module module-null-sink sink_name=spk rate=48000 channels=2 norewinds=1
load-module module-null-sink sink_name=micsink rate=16000 channels=1 format=s16le norewinds=1
load-module module-remap-source master=micsink.monitor source_name=vmic
set-default-sink spk
set-default-source vmic
"""


def available() -> bool:
    return shutil.which("pulseaudio") is not None and shutil.which("pactl") is not None


@contextmanager
def virtual_audio() -> Iterator[dict[str, str]]:
    """Start PulseAudio; yield the environment variables its clients need; stop it after."""
    root = Path(tempfile.mkdtemp(prefix="vaudio-"))
    pulse = root / "pulse"
    pulse.mkdir(mode=0o700)
    (root / "state").mkdir(mode=0o700)
    env = {
        "XDG_RUNTIME_DIR": str(root),
        "PULSE_RUNTIME_PATH": str(pulse),
        "PULSE_STATE_PATH": str(root / "state"),
        "PULSE_COOKIE": str(root / "cookie"),
        "PULSE_SERVER": f"unix:{pulse}/native",
    }
    script = root / "virtual.pa"
    script.write_text(SCRIPT.format(sock=pulse / "native"))
    full_env = {**os.environ, **env}
    proc = subprocess.Popen(
        [
            "pulseaudio",
            "-n",
            "-F",
            str(script),
            "--daemonize=no",
            "--exit-idle-time=-1",
            "--disallow-exit=yes",
            "--enable-memfd=no",
            "--realtime=no",
            "--high-priority=no",
            f"--log-target=file:{root}/pulseaudio.log",
            "--log-level=notice",
        ],
        env=full_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            ok = (
                subprocess.run(["pactl", "info"], env=full_env, capture_output=True).returncode == 0
            )
            if ok:
                break
            if proc.poll() is not None:
                raise RuntimeError(f"pulseaudio exited: {(root / 'pulseaudio.log').read_text()}")
            time.sleep(0.05)
        else:
            raise RuntimeError("pulseaudio did not start within 10 s")
        yield env
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(root, ignore_errors=True)


class Recorder:
    """Records the virtual speaker (`spk.monitor`) to a raw s16le 16 kHz mono file."""

    def __init__(self, env: dict[str, str], path: Path) -> None:
        self.path = path
        self._file = path.open("wb")
        # parec writes to a file, never a pipe read only at the end: a full pipe stalls it.
        self._proc = subprocess.Popen(
            [
                "parec",
                "-d",
                "spk.monitor",
                "--format=s16le",
                "--rate=16000",
                "--channels=1",
                "--raw",
                "--latency-msec=20",
            ],
            env={**os.environ, **env},
            stdout=self._file,
            stderr=subprocess.DEVNULL,
        )

    def stop(self) -> bytes:
        self._proc.terminate()
        self._proc.wait(timeout=5)
        self._file.close()
        return self.path.read_bytes()
