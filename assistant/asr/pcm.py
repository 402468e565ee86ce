"""Turns incoming chunks of any format into the 16-bit mono PCM bytes an engine wants."""

from __future__ import annotations

from assistant.audio.base import AudioChunk
from assistant.audio.dither import Dither
from assistant.audio.resample import Resampler, to_mono_int16


class PcmAdapter:
    """Converts a stream of chunks to `rate` Hz mono int16 bytes, resampling when needed, with
    a faint dither under it (assistant.audio.dither: engines go deaf on digital silence).

    Engines given audio at the wrong rate return nothing and say nothing, so every chunk
    goes through here.
    """

    def __init__(self, *, rate: int) -> None:
        self.rate = rate
        self._resampler: Resampler | None = None
        self._source_rate = 0
        # After resampling: audio from 8 kHz has nothing above 4 kHz, which the engine hears.
        self._dither = Dither()

    def convert(self, chunk: AudioChunk) -> bytes:
        """The chunk as engine-ready bytes (may be empty while the resampler fills)."""
        return self._dither.apply(self._resample(chunk))

    def _resample(self, chunk: AudioChunk) -> bytes:
        if chunk.rate == self.rate and chunk.channels == 1 and chunk.width == 2:
            return chunk.samples
        if chunk.rate == self.rate:
            return to_mono_int16(chunk).tobytes()
        if self._resampler is None or chunk.rate != self._source_rate:
            self._resampler = Resampler(rate_in=chunk.rate, rate_out=self.rate)
            self._source_rate = chunk.rate
        return self._resampler.process(chunk).samples

    def flush(self) -> bytes:
        """What the resampler still holds at the end of an utterance; then start afresh."""
        tail = b"" if self._resampler is None else self._resampler.flush().samples
        if self._resampler is not None:
            self._resampler.reset()
        tail = self._dither.apply(tail)
        self._dither.reset()
        return tail
