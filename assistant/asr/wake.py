"""The wake phrase ("hey speaker"): pocketsphinx keyphrase spotting over the microphone stream.

Chosen over a VAD-gated grammar recogniser because it needs no VAD, runs continuously at a
fraction of real time, and its one threshold trades hits for false wakes (bench/bench_wake.py).
"""

from __future__ import annotations

import logging
import math
from collections import deque

import numpy as np

from assistant.asr.base import WakeEvent
from assistant.asr.pcm import PcmAdapter
from assistant.asr.pocketsphinx_engine import RATE, KeyphraseSpotter
from assistant.audio.base import AudioChunk

logger = logging.getLogger(__name__)

FLOOR_MARGIN = 2.0
"""Sound this many times the room's noise floor (RMS; 6 dB) wakes the spotter up."""
PRE_ROLL_S = 0.6
"""Audio from before the sound rose that the spotter still hears (the phrase's onset)."""
HANGOVER_S = 1.5
"""The spotter keeps listening this long after the sound fell back to the floor."""
FLOOR_WINDOW_S = 5.0


class KeyphraseWakeDetector:
    """WakeDetector for any phrase the pocketsphinx dictionary (or its guesses) can say."""

    def __init__(self, *, phrase: str = "hey speaker", threshold: float = 1e-30) -> None:
        """`threshold` is pocketsphinx's kws threshold: lower wakes more easily (1e-50..1e-5)."""
        self._spotter = KeyphraseSpotter(phrase=phrase, threshold=threshold)
        self._threshold = threshold
        self._adapter = PcmAdapter(rate=RATE)
        # Spotting costs ~3 % of a core; a quiet room needs none of it. Quiet audio is only
        # kept as pre-roll, and spotting runs while something louder than the floor is heard.
        self._pre_roll: deque[bytes] = deque()
        self._pre_roll_bytes = 0
        self._levels: deque[float] = deque(maxlen=int(FLOOR_WINDOW_S * 1000 / 30))
        self._active_until = 0.0
        self._heard_s = 0.0
        logger.info("wake: %s", self.name)

    @property
    def name(self) -> str:
        return f"pocketsphinx keyphrase {self._spotter.phrase!r} (threshold {self._threshold:g})"

    def process(self, chunk: AudioChunk) -> WakeEvent | None:
        if not any(chunk.samples):
            # Exact digital silence (a muted or idle virtual device) would drag the spotter's
            # running cepstral mean far from speech and deafen it for seconds after.
            return None
        pcm = self._adapter.convert(chunk)
        if not pcm:
            return None
        self._heard_s += len(pcm) / (2 * RATE)
        if not self._worth_spotting(pcm, self._heard_s):
            return None
        found = self._spotter.process(pcm)
        if found is None:
            return None
        when = chunk.timestamp + chunk.seconds
        # The spotter's score is a probability-like number in (0, 1]; squash its log to 0..1.
        squashed = 1.0 / (1.0 + math.exp(-(math.log(max(found.score, 1e-300)) + 5.0)))
        # What the spotter heard runs without a gap up to `when`: it hears everything from the
        # moment the sound rose (pre-roll included) until the hangover after it.
        phrase_end = when - found.ended_ago_s
        logger.info(
            "wake: heard %r ending at %.2f s, at %.2f s (score %.3g)",
            self._spotter.phrase,
            phrase_end,
            when,
            found.score,
        )
        return WakeEvent(when=when, score=squashed, phrase_end=phrase_end)

    def _worth_spotting(self, pcm: bytes, now: float) -> bool:
        """True when the spotter should hear `pcm`; feeds it the pre-roll first on waking."""
        samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32)
        level = float(np.sqrt(np.mean(samples**2))) if len(samples) else 0.0
        floor = float(np.percentile(self._levels, 20)) if len(self._levels) >= 10 else 0.0
        self._levels.append(level)
        if level > FLOOR_MARGIN * max(floor, 1.0) or len(self._levels) < 10:
            if now >= self._active_until:
                for earlier in self._pre_roll:
                    self._spotter.process(earlier)
            self._pre_roll.clear()
            self._pre_roll_bytes = 0
            self._active_until = now + HANGOVER_S
            return True
        if now < self._active_until:
            return True
        self._pre_roll.append(pcm)
        self._pre_roll_bytes += len(pcm)
        while self._pre_roll_bytes > PRE_ROLL_S * RATE * 2:
            self._pre_roll_bytes -= len(self._pre_roll.popleft())
        return False

    def reset(self) -> None:
        self._spotter.reset()
        self._adapter.flush()
        self._pre_roll.clear()
        self._pre_roll_bytes = 0
        self._active_until = 0.0
