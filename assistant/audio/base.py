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
