"""Earcons: short generated tones that say "I'm listening" or "I didn't get that" without words.

The tones are computed (numpy), written once as WAV files and played through the same
ClipPlayer as speech. Whether to play them at all (SpeechConfig.earcons) is the caller's call.
"""

from __future__ import annotations

import logging
import os
import tempfile
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from assistant.errors import EngineError, UnsafeFolderError
from assistant.player.base import ClipPlayer
from assistant.private_dirs import ensure_private

logger = logging.getLogger(__name__)

RATE = 44100
"""Hz, mono 16-bit."""

FADE_S = 0.008
"""Each tone fades in and out this long: a tone that starts or stops abruptly clicks."""

Signal = npt.NDArray[np.float64]


def _tone(freq_start: float, freq_end: float, seconds: float, rate: int) -> Signal:
    """A sine gliding from freq_start to freq_end (Hz), with soft edges, peak 1."""
    n = int(seconds * rate)
    freq = np.linspace(freq_start, freq_end, n)
    # Phase is the running sum of frequency, so a glide has no discontinuity.
    wave_ = np.sin(2 * np.pi * np.cumsum(freq) / rate)
    fade = min(int(FADE_S * rate), n // 2)
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, fade))
    wave_[:fade] *= ramp
    wave_[n - fade :] *= ramp[::-1]
    return wave_


def _silence(seconds: float, rate: int) -> Signal:
    return np.zeros(int(seconds * rate))


def _wake(rate: int) -> Signal:
    # Two rising notes (E5 -> A5): bright enough to hear over music, short enough not to
    # delay the owner's command.
    return np.concatenate(
        [_tone(659.0, 659.0, 0.07, rate), _silence(0.01, rate), _tone(880.0, 880.0, 0.08, rate)]
    )


def _error(rate: int) -> Signal:
    # A low falling pair (G4 -> C4, gliding down): reads as "no" in most cultures.
    return np.concatenate(
        [_tone(392.0, 370.0, 0.12, rate), _silence(0.02, rate), _tone(294.0, 247.0, 0.18, rate)]
    )


def _confirm(rate: int) -> Signal:
    return _tone(1047.0, 1047.0, 0.09, rate)


TONES: dict[str, Callable[[int], Signal]] = {
    "wake": _wake,
    "error": _error,
    "confirm": _confirm,
}
"""Earcon name -> generator of its samples at a given rate."""


def render(name: str, *, rate: int = RATE, volume: float = 0.5) -> npt.NDArray[np.int16]:
    """The earcon's 16-bit samples; `volume` 0..1 is the peak relative to full scale."""
    if name not in TONES:
        raise ValueError(f"unknown earcon {name!r}; known: {', '.join(TONES)}")
    samples = TONES[name](rate) * float(np.clip(volume, 0.0, 1.0)) * 32767
    return np.round(samples).astype(np.int16)


class Earcons:
    """Writes the earcons' WAVs into `work_dir` once and plays them on request."""

    def __init__(self, *, clips: ClipPlayer, work_dir: Path, volume: float = 0.5) -> None:
        self._clips = clips
        self._work_dir = work_dir
        self._volume = volume
        self._paths = {name: work_dir / f"earcon-{name}.wav" for name in TONES}
        for name in TONES:
            self._write(name)

    def _write(self, name: str) -> None:
        try:
            ensure_private(self._work_dir)
            _write_once(self._paths[name], render(name, volume=self._volume))
        except (OSError, UnsafeFolderError) as e:
            raise EngineError(f"cannot write the earcons into {self._work_dir}: {e}") from e

    def path(self, name: str) -> Path:
        if name not in self._paths:
            raise ValueError(f"unknown earcon {name!r}; known: {', '.join(self._paths)}")
        return self._paths[name]

    def play(self, name: str) -> None:
        """Start the earcon and return at once (it replaces any clip playing, speech too)."""
        path = self.path(name)
        if not path.is_file():  # the folder was cleaned out while we ran: write it again
            self._write(name)
        logger.debug("earcon %s", name)
        self._clips.play(path)


def _write_once(path: Path, samples: npt.NDArray[np.int16]) -> Path:
    """Write a mono WAV unless an identical one is already there (keeps flash writes down)."""
    data = samples.astype("<i2").tobytes()
    if path.is_file():
        try:
            with wave.open(str(path), "rb") as w:
                if w.getframerate() == RATE and w.readframes(w.getnframes()) == data:
                    return path
        except (EOFError, wave.Error):
            pass  # a damaged file: write it again
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    with wave.open(tmp, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(data)
    os.replace(tmp, path)
    return path
