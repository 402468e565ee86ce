"""Fixtures for the player tests: tones of distinct pitch as audio files, and an event log."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.player.support import EventLog


def make_tone(path: Path, freq: int, seconds: float, volume: float = 0.5) -> Path:
    """A sine tone file; the format follows the suffix (wav, flac, ogg, mp3)."""
    subprocess.run(
        [
            "sox",
            "-n",
            "-r",
            "44100",
            "-c",
            "2",
            str(path),
            "synth",
            str(seconds),
            "sine",
            str(freq),
            "vol",
            str(volume),
        ],
        check=True,
        capture_output=True,
    )
    return path


@pytest.fixture(scope="session")
def tones(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Short (1-2 s) and long (30 s) tones in several formats; names say pitch and length."""
    root = tmp_path_factory.mktemp("tones")
    return {
        "short_a": make_tone(root / "a440.ogg", 440, 1.0),
        "short_b": make_tone(root / "b550.flac", 550, 1.5),
        "short_c": make_tone(root / "c660.mp3", 660, 1.0),
        "short_d": make_tone(root / "d770.wav", 770, 2.0),
        "long_a": make_tone(root / "la440.flac", 440, 30.0),
        "long_b": make_tone(root / "lb660.ogg", 660, 30.0),
        "long_c": make_tone(root / "lc880.wav", 880, 30.0),
        "clip": make_tone(root / "clip1500.wav", 1500, 1.5),
        "corrupt": _corrupt(root / "corrupt.mp3"),
        "missing": root / "missing.flac",
    }


def _corrupt(path: Path) -> Path:
    path.write_bytes(b"ID3 this is not audio at all " * 64)
    return path


@pytest.fixture
def events() -> Iterator[EventLog]:
    yield EventLog()
