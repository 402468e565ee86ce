"""Voice activity detectors: our own energy VAD with an adaptive noise floor, and the chooser.

The energy VAD needs nothing but numpy, so the assistant can always listen; the neural
detector (pymicro-vad) is preferred when it is installed because it rejects noise and music
that is as loud as speech (see bench/bench_vad.py).
"""

from __future__ import annotations

import logging
from collections import deque

import numpy as np

from assistant.audio.base import VAD_RATE, Vad
from assistant.audio.dither import DITHER_POWER
from assistant.errors import EngineError

logger = logging.getLogger(__name__)

_FRAME = VAD_RATE // 100  # 10 ms
_FFT = 512  # the window spans this frame and the ones before it, for 31 Hz resolution
_FREQS = np.fft.rfftfreq(_FFT, 1.0 / VAD_RATE)
_BAND = (_FREQS >= 200.0) & (_FREQS <= 4000.0)
"""Where speech energy is; rumble (fans, traffic) and hiss above it are left out."""
_WINDOW = np.hanning(_FFT)
_QUIETEST_FLOOR = float(10.0 * np.log10(DITHER_POWER * (_WINDOW**2).sum() * _BAND.sum() + 1.0))
"""Band energy of white noise at the dither level: the floor is never put below it. Over
digital silence the floor sank to 0 dB and the faintest hiss after it was 'speech' for the
seconds the floor took to rise."""


class EnergyVad:
    """Speech probability from speech-band energy above an adaptive noise floor.

    The floor is a low percentile of the band energy over the last few seconds: it follows a
    fan switching on or music starting within `floor_window_s`, yet pauses between words keep
    it from rising to the level of speech.
    """

    def __init__(
        self,
        *,
        margin_db: float = 9.0,
        slope_db: float = 2.0,
        floor_window_s: float = 3.0,
        floor_percentile: float = 15.0,
    ) -> None:
        self.margin_db = margin_db
        self.slope_db = slope_db
        self.floor_percentile = floor_percentile
        self._energies: deque[float] = deque(maxlen=int(floor_window_s * 100))
        self.reset()

    @property
    def name(self) -> str:
        return "energy"

    @property
    def frame_samples(self) -> int:
        return _FRAME

    def reset(self) -> None:
        self._context = np.zeros(_FFT)
        self._energies.clear()
        self._floor: float | None = None
        self._frames = 0

    @property
    def noise_floor_db(self) -> float | None:
        """The current floor (dB of band energy), once enough audio has been heard."""
        return self._floor

    def probability(self, frame: bytes) -> float:
        x = np.frombuffer(frame, dtype="<i2").astype(np.float64)
        self._context = np.concatenate([self._context[len(x) :], x])
        spectrum = np.abs(np.fft.rfft(self._context * _WINDOW)) ** 2
        energy = float(10.0 * np.log10(spectrum[_BAND].sum() + 1.0))
        self._energies.append(energy)
        self._frames += 1
        if self._frames % 10 == 0 or self._floor is None:
            estimate = float(np.percentile(self._energies, self.floor_percentile))
            self._floor = max(estimate, _QUIETEST_FLOOR)
        if len(self._energies) < 30:  # too little heard to know the room: assume silence
            return 0.0
        z = (energy - self._floor - self.margin_db) / self.slope_db
        return float(1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0))))


def create_vad(name: str = "auto") -> Vad:
    """A detector by name: "micro" (pymicro-vad), "energy", or "auto" (micro if installed)."""
    if name in ("auto", "micro"):
        from assistant.audio.vad_micro import MicroVad

        try:
            return MicroVad()
        except EngineError:
            if name == "micro":
                raise
            logger.warning("pymicro-vad is not installed: using the energy detector")
    if name in ("auto", "energy"):
        return EnergyVad()
    raise EngineError(f"unknown voice activity detector {name!r} (auto, micro or energy)")
