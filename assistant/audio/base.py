"""Audio sources: where sound comes from (a microphone, a file), as self-describing chunks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class AudioChunk:
    """A piece of signed little-endian PCM audio that knows its own format."""

    samples: bytes
    rate: int
    """Samples per second per channel (Hz)."""
    width: int = 2
    """Bytes per sample (2 = 16-bit)."""
    channels: int = 1
    timestamp: float = 0.0
    """Seconds since the source started, at the first sample of this chunk."""

    @property
    def seconds(self) -> float:
        return len(self.samples) / (self.rate * self.width * self.channels)


class AudioSource(Protocol):
    """A stream of chunks; iteration ends when the source is exhausted or closed."""

    def chunks(self) -> Iterator[AudioChunk]: ...

    def close(self) -> None: ...


VAD_RATE = 16000
"""Every voice activity detector works on 16 kHz mono int16 frames; sources are resampled to it."""


class Vad(Protocol):
    """Frame-by-frame speech probability for 16 kHz mono int16 audio."""

    @property
    def name(self) -> str:
        """Engine name, for logs and benchmarks."""
        ...

    @property
    def frame_samples(self) -> int:
        """Samples per frame (at VAD_RATE) that `probability` expects."""
        ...

    def probability(self, frame: bytes) -> float:
        """Speech probability 0..1 of one frame of exactly `frame_samples` int16 samples."""
        ...

    def reset(self) -> None:
        """Forget all state before an unrelated stream."""
        ...
