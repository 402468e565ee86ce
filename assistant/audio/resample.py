"""Sample-rate conversion for mono int16 audio: a streaming polyphase windowed-sinc resampler."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from assistant.audio.base import AudioChunk

FloatArray = npt.NDArray[np.float64]

_TAPS_PER_PHASE = 32
"""Filter length in input samples: ~0.7 ms at 48 kHz, plenty for speech with a steep enough edge."""
_KAISER_BETA = 8.6
"""About 90 dB stop-band attenuation: aliasing stays far below a 16-bit noise floor."""
_PASSBAND = 0.9
"""Cut-off as a fraction of the lower Nyquist frequency; the rest is the transition band."""


def _delay(up: int) -> int:
    """Centre of the filter, in samples of the up-sampled signal."""
    return (_TAPS_PER_PHASE * up) // 2 - 1


@lru_cache(maxsize=16)
def _filter_bank(up: int, down: int) -> FloatArray:
    """Polyphase bank, shape (up, taps): row p holds the taps for output phase p, newest first."""
    # An odd, symmetric filter centred on a whole sample (index _delay(up)), padded by one zero
    # to fill the bank: a half-sample centre would shift the output by half an input sample.
    length = _TAPS_PER_PHASE * up - 1
    cutoff = 0.5 * _PASSBAND / max(up, down)  # in cycles per sample of the up-sampled signal
    t = np.arange(length) - _delay(up)
    h = 2.0 * cutoff * np.sinc(2.0 * cutoff * t) * np.kaiser(length, _KAISER_BETA)
    h = np.append(h * up / h.sum(), 0.0)  # unity gain at DC after zero-stuffing by `up`
    # h[p + k*up] multiplies x[i - k]; reshape puts k on the second axis.
    return np.ascontiguousarray(h.reshape(_TAPS_PER_PHASE, up).T)


def to_mono_int16(chunk: AudioChunk) -> npt.NDArray[np.int16]:
    """The chunk's samples as mono int16 (channels averaged); only 16-bit chunks are accepted."""
    if chunk.width != 2:
        raise ValueError(f"expected 16-bit samples, got {chunk.width * 8}-bit")
    data: npt.NDArray[np.int16] = np.frombuffer(chunk.samples, dtype=np.int16)
    if chunk.channels == 1:
        return data
    frames = data[: len(data) - len(data) % chunk.channels].reshape(-1, chunk.channels)
    mono: npt.NDArray[np.int16] = frames.mean(axis=1).round().astype(np.int16)
    return mono


class Resampler:
    """Converts a stream of chunks from one rate to another, keeping filter state across chunks.

    Because the filter history carries over, splitting a signal into chunks anywhere gives the
    same output as converting it whole: chunk boundaries add no clicks. The output lags the
    input by nothing on average (the filter is centred); the last half-filter of input comes
    out only with `flush()`.
    """

    def __init__(self, *, rate_in: int, rate_out: int) -> None:
        if rate_in <= 0 or rate_out <= 0:
            raise ValueError(f"sample rates must be positive, got {rate_in} -> {rate_out}")
        self.rate_in = rate_in
        self.rate_out = rate_out
        g = math.gcd(rate_in, rate_out)
        self._up = rate_out // g
        self._down = rate_in // g
        self._bank = _filter_bank(self._up, self._down) if self._up != self._down else None
        self._delay = _delay(self._up)
        self.reset()

    def reset(self) -> None:
        """Forget the stream so far (e.g. after a gap in capture)."""
        taps = _TAPS_PER_PHASE
        self._history: FloatArray = np.zeros(taps - 1)  # x[consumed - taps + 1 .. consumed - 1]
        self._consumed = 0  # input samples seen
        self._produced = 0  # output samples emitted
        self._t0: float | None = None

    def process(self, chunk: AudioChunk) -> AudioChunk:
        """Resample one chunk (any channel count: mixed to mono) to `rate_out`."""
        if chunk.rate != self.rate_in:
            raise ValueError(f"resampler expects {self.rate_in} Hz, got {chunk.rate} Hz")
        if self._t0 is None:
            self._t0 = chunk.timestamp
        samples = to_mono_int16(chunk).astype(np.float64)
        return self._emit(self._convert(samples))

    def flush(self) -> AudioChunk:
        """The output still held back by the filter's look-ahead, as if silence followed.

        This ends the stream: the resampler starts afresh afterwards.
        """
        out: FloatArray = np.zeros(0)
        if self._bank is not None:
            expected = -(-self._consumed * self._up // self._down)  # ceil(consumed * up / down)
            missing = expected - self._produced
            if missing > 0:
                converted = self._convert(np.zeros(_TAPS_PER_PHASE + 1))
                self._produced -= len(converted) - missing
                out = converted[:missing]
        chunk = self._emit(out)
        self.reset()
        return chunk

    def _convert(self, x: FloatArray) -> FloatArray:
        if self._bank is None:
            self._consumed += len(x)
            return x
        up, down, taps = self._up, self._down, _TAPS_PER_PHASE
        buf = np.concatenate([self._history, x])
        first_index = self._consumed - (taps - 1)  # absolute input index of buf[0]
        self._consumed += len(x)
        # Output n is centred on up-sampled position n*down; it needs input up to index
        # (n*down + delay) // up, which must already have arrived.
        last_n = (self._consumed * up - 1 - self._delay) // down
        n = np.arange(self._produced, max(self._produced, last_n + 1))
        self._history = buf[len(buf) - (taps - 1) :]
        if len(n) == 0:
            return np.zeros(0)
        pos = n * down + self._delay
        newest = pos // up - first_index
        phase = pos % up
        # windows[j] = buf[newest[j] - taps + 1 .. newest[j]], reversed to put newest first.
        idx = newest[:, None] - np.arange(taps)[None, :]
        out: FloatArray = np.einsum("ij,ij->i", buf[idx], self._bank[phase])
        self._produced += len(n)
        return out

    def _emit(self, out: FloatArray) -> AudioChunk:
        start = self._produced - len(out)
        clipped = np.clip(np.round(out), -32768, 32767).astype("<i2")
        t0 = self._t0 if self._t0 is not None else 0.0
        return AudioChunk(
            samples=clipped.tobytes(), rate=self.rate_out, timestamp=t0 + start / self.rate_out
        )


def resample(chunk: AudioChunk, rate: int) -> AudioChunk:
    """Convert one self-contained chunk (a whole clip) to mono int16 at `rate`."""
    if chunk.rate == rate and chunk.channels == 1:
        return chunk
    resampler = Resampler(rate_in=chunk.rate, rate_out=rate)
    head = resampler.process(chunk)
    tail = resampler.flush()
    return AudioChunk(samples=head.samples + tail.samples, rate=rate, timestamp=chunk.timestamp)
