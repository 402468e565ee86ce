"""The streaming resampler keeps frequency and level and adds nothing at chunk boundaries."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from assistant.audio.base import AudioChunk
from assistant.audio.resample import Resampler, resample


def _sine(rate: int, freq: float, seconds: float, amplitude: float = 10000.0) -> bytes:
    t = np.arange(int(rate * seconds)) / rate
    return np.round(amplitude * np.sin(2 * np.pi * freq * t)).astype("<i2").tobytes()


def _samples(chunk: AudioChunk) -> npt.NDArray[np.float64]:
    return np.frombuffer(chunk.samples, dtype="<i2").astype(np.float64)


def _streamed(data: bytes, *, rate_in: int, rate_out: int, seed: int) -> list[AudioChunk]:
    """Feed `data` in chunks of random sizes (odd ones too), as a live source would."""
    resampler = Resampler(rate_in=rate_in, rate_out=rate_out)
    rng = np.random.default_rng(seed)
    out, pos = [], 0
    while pos < len(data):
        n = 2 * int(rng.integers(1, 1500))
        out.append(
            resampler.process(AudioChunk(data[pos : pos + n], rate_in, timestamp=pos / 2 / rate_in))
        )
        pos += n
    out.append(resampler.flush())
    return out


@pytest.mark.parametrize("rate_in", [48000, 44100, 22050, 8000])
def test_sine_keeps_frequency_and_amplitude(rate_in: int) -> None:
    y = _samples(resample(AudioChunk(_sine(rate_in, 1000, 1.0), rate_in), 16000))
    assert len(y) == 16000
    spectrum = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    assert np.argmax(spectrum) == 1000  # 1 Hz bins over one second
    middle = y[200:-200]  # away from the edges, where the clip starts and stops abruptly
    assert np.max(np.abs(middle)) == pytest.approx(10000, abs=60)
    ideal = 10000 * np.sin(2 * np.pi * 1000 * np.arange(16000) / 16000)
    assert np.max(np.abs(y - ideal)[200:-200]) < 60  # phase kept: no delay, no distortion


def test_content_above_new_nyquist_is_removed() -> None:
    # 12 kHz cannot exist at 16 kHz; a nearest-neighbour resampler would fold it to 4 kHz.
    y = _samples(resample(AudioChunk(_sine(48000, 12000, 1.0), 48000), 16000))
    assert np.sqrt(np.mean(y[200:-200] ** 2)) < 10000 / 1000  # at least 60 dB down


def test_chunked_stream_equals_whole_and_has_no_clicks() -> None:
    data = _sine(48000, 1000, 2.0)
    whole = _samples(resample(AudioChunk(data, 48000), 16000))
    parts = _streamed(data, rate_in=48000, rate_out=16000, seed=7)
    streamed = _samples(AudioChunk(b"".join(p.samples for p in parts), 16000))
    assert len(streamed) == len(whole)
    assert np.max(np.abs(streamed - whole)) <= 1.0
    # A click would show as a jump in the second difference at a boundary; a pure sine's
    # second difference is bounded by A*(2*pi*f/fs)^2 ~= 1542.
    second = np.abs(np.diff(streamed, 2))[100:-100]
    assert second.max() < 1600


def test_timestamps_follow_the_input() -> None:
    parts = _streamed(_sine(44100, 440, 1.0), rate_in=44100, rate_out=16000, seed=3)
    produced = 0
    for part in parts:
        assert part.rate == 16000
        assert part.timestamp == pytest.approx(produced / 16000)
        produced += len(part.samples) // 2


def test_stereo_input_is_mixed_to_mono() -> None:
    mono = np.frombuffer(_sine(48000, 500, 0.5), dtype="<i2")
    stereo = np.stack([mono, np.zeros_like(mono)], axis=1).astype("<i2").tobytes()
    y = _samples(resample(AudioChunk(stereo, 48000, channels=2), 16000))
    assert len(y) == 8000
    assert np.max(np.abs(y[200:-200])) == pytest.approx(5000, abs=40)


def test_wrong_rate_is_refused() -> None:
    with pytest.raises(ValueError, match="48000"):
        Resampler(rate_in=48000, rate_out=16000).process(AudioChunk(b"\0\0", 44100))
