"""Dither: a faint, fixed noise under everything a recogniser hears, so nothing is digital silence.

Clean synthetic speech (`espeak-ng -w`, any TTS) has exact zeros around it and frequency
bands with no energy at all inside it, and so has audio resampled up from 8 kHz above 4 kHz.
pocketsphinx takes the log of each band's energy and normalises by the utterance's mean and
noise estimate: zeros drag both far from anything speech-like, and such a file gave an empty
transcript. Dithering only the frames that are exactly zero did not help (the empty bands
inside the speech frames remain); white noise under the whole signal did, and -63 dBFS did
better than -72 and -66 (bench/bench_dither.py, tests/audio/test_every_wav.py). It is below
the noise of a microphone in a room, so real audio is changed by a small fraction of a dB.
"""

from __future__ import annotations

import numpy as np

DITHER_DBFS = -63.0
"""RMS level of the dither, dB re full scale (about 23 of int16's 32768)."""
DITHER_POWER = (32768.0 * 10.0 ** (DITHER_DBFS / 20.0)) ** 2
"""Its mean square in int16 units: the least a level detector should ever call the floor."""

_SEED = 20250
"""Fixed, so the same audio is always heard the same way."""


class Dither:
    """Adds white noise at `level_dbfs` to mono int16 PCM; deterministic between resets."""

    def __init__(self, *, level_dbfs: float = DITHER_DBFS) -> None:
        self.sigma = 32768.0 * 10.0 ** (level_dbfs / 20.0)
        self.reset()

    def reset(self) -> None:
        """Start the noise sequence afresh (at the start of each utterance)."""
        self._rng = np.random.default_rng(_SEED)

    def apply(self, pcm: bytes) -> bytes:
        """`pcm` (little-endian int16) with the dither added, rounded and clipped."""
        x = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
        x += self._rng.standard_normal(len(x)) * self.sigma
        return np.clip(np.round(x), -32768, 32767).astype("<i2").tobytes()
