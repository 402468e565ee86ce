"""Building the files a hostile room or an old disk holds: bad names, FIFOs, odd encodings."""

from __future__ import annotations

import os
import wave
from pathlib import Path

import numpy as np

LATIN1 = "Beyonc\udce9"
"""The name `Beyonc\\xe9` (Latin-1 bytes) as os.fsdecode gives it."""


def fs(path: Path | str | bytes) -> bytes:
    return os.fsencode(path)


def write_tone(path: Path | str | bytes, seconds: float = 3.0, freq: float = 440.0) -> None:
    """An untagged mono WAV tone at `path` (a str or bytes path, any bytes in the name)."""
    rate = 8000
    t = np.arange(int(seconds * rate)) / rate
    samples = (np.sin(2 * np.pi * freq * t) * 8000).astype("<i2")
    with open(fs(path), "wb") as f, wave.open(f, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())


def latin1_library(music: Path) -> bytes:
    """music/Café Tacvba/Sueños/Beyoncé.wav, every name in Latin-1 bytes; returns the file path."""
    album = fs(music) + b"/Caf\xe9 Tacvba/Sue\xf1os"
    os.makedirs(album)
    track = album + b"/Beyonc\xe9.wav"
    write_tone(track, seconds=30.0)
    return track
