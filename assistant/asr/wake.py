"""The wake phrase ("hey speaker"): pocketsphinx keyphrase spotting over the microphone stream.

Chosen over a VAD-gated grammar recogniser because it needs no VAD, runs continuously at a
fraction of real time, and its one threshold trades hits for false wakes (bench/bench_wake.py).
"""

from __future__ import annotations

import logging
import math

from assistant.asr.base import WakeEvent
from assistant.asr.pcm import PcmAdapter
from assistant.asr.pocketsphinx_engine import RATE, KeyphraseSpotter
from assistant.audio.base import AudioChunk

logger = logging.getLogger(__name__)


class KeyphraseWakeDetector:
    """WakeDetector for any phrase the pocketsphinx dictionary (or its guesses) can say."""

    def __init__(self, *, phrase: str = "hey speaker", threshold: float = 1e-30) -> None:
        """`threshold` is pocketsphinx's kws threshold: lower wakes more easily (1e-50..1e-5)."""
        self._spotter = KeyphraseSpotter(phrase=phrase, threshold=threshold)
        self._threshold = threshold
        self._adapter = PcmAdapter(rate=RATE)
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
        score = self._spotter.process(pcm)
        if score is None:
            return None
        when = chunk.timestamp + chunk.seconds
        # The spotter's score is a probability-like number in (0, 1]; squash its log to 0..1.
        squashed = 1.0 / (1.0 + math.exp(-(math.log(max(score, 1e-300)) + 5.0)))
        logger.info("wake: heard %r at %.2f s (score %.3g)", self._spotter.phrase, when, score)
        return WakeEvent(when=when, score=squashed)

    def reset(self) -> None:
        self._spotter.reset()
        self._adapter.flush()
