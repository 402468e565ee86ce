"""The dither under everything an engine hears: never digital silence, the same every time,
and too faint to change real audio."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.asr.pcm import PcmAdapter
from assistant.audio.base import AudioChunk
from assistant.audio.dither import DITHER_DBFS


def _level_dbfs(pcm: bytes) -> float:
    x = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    return float(20 * np.log10(np.sqrt(np.mean(x * x)) / 32768))


@pytest.mark.parametrize(("rate", "channels"), [(16000, 1), (8000, 1), (48000, 2)])
def test_digital_silence_reaches_the_engine_as_faint_noise(rate: int, channels: int) -> None:
    adapter = PcmAdapter(rate=16000)
    silence = AudioChunk(bytes(2 * rate * channels), rate=rate, channels=channels)
    out = adapter.convert(silence) + adapter.flush()
    assert len(out) == 2 * 16000
    assert _level_dbfs(out) == pytest.approx(DITHER_DBFS, abs=0.5)
    # Over the whole band, also where audio from 8 kHz has nothing (above 4 kHz).
    spectrum = np.abs(np.fft.rfft(np.frombuffer(out, dtype="<i2").astype(np.float64))) ** 2
    bands = np.array_split(spectrum[1:], 8)
    assert min(b.mean() for b in bands) > 0.5 * max(b.mean() for b in bands)


def test_each_utterance_gets_the_same_noise() -> None:
    adapter = PcmAdapter(rate=16000)
    chunk = AudioChunk(bytes(3200), rate=16000)
    first = adapter.convert(chunk) + adapter.flush()
    second = adapter.convert(chunk) + adapter.flush()
    assert first == second
    assert PcmAdapter(rate=16000).convert(chunk) == first


def test_real_audio_is_changed_by_a_small_fraction_of_a_db() -> None:
    """A quiet room through a real microphone is at -60..-45 dBFS: the dither adds little."""
    rng = np.random.default_rng(0)
    room = rng.normal(0.0, 32768 * 10 ** (-50 / 20), 16000)
    pcm = np.round(room).astype("<i2").tobytes()
    out = PcmAdapter(rate=16000).convert(AudioChunk(pcm, rate=16000))
    assert abs(_level_dbfs(out) - _level_dbfs(pcm)) < 0.25
    # The waveform is kept: the difference is the dither alone.
    difference = np.frombuffer(out, dtype="<i2").astype(np.float64) - room.round()
    assert np.sqrt(np.mean(difference**2)) == pytest.approx(
        32768 * 10 ** (DITHER_DBFS / 20), rel=0.1
    )
