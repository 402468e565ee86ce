"""Earcons: generated tones, written once, played through the real clip player."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from assistant.player.mpv_engine import MpvClipPlayer
from assistant.tts.earcons import RATE, TONES, Earcons, render


def dominant_hz(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / RATE)[np.argmax(spectrum)])


def test_wake_rises_and_error_falls() -> None:
    wake = render("wake").astype(float)
    error = render("error").astype(float)
    half = len(wake) // 2
    assert dominant_hz(wake[:half]) < dominant_hz(wake[half:])
    half = len(error) // 2
    assert dominant_hz(error[:half]) > dominant_hz(error[half:])
    assert dominant_hz(error) < dominant_hz(wake)  # the "no" tone is the low one


def test_tones_are_short_soft_edged_and_scaled() -> None:
    for name in TONES:
        samples = render(name, volume=0.5).astype(float)
        assert 0.05 < len(samples) / RATE < 0.4
        assert abs(samples[0]) < 200 and abs(samples[-1]) < 200  # no click at either end
        assert 0.45 * 32767 < np.abs(samples).max() <= 0.5 * 32767 + 1
    assert np.abs(render("wake", volume=0.1)).max() < 0.11 * 32767


def test_files_are_written_once(tmp_path: Path) -> None:
    class Silent:
        def play(self, path: Path) -> None: ...

        def stop(self) -> None: ...

        def wait(self, timeout: float) -> bool:
            return True

        @property
        def is_playing(self) -> bool:
            return False

        def close(self) -> None: ...

    first = Earcons(clips=Silent(), work_dir=tmp_path)
    stamps = {name: first.path(name).stat().st_mtime_ns for name in TONES}
    second = Earcons(clips=Silent(), work_dir=tmp_path)
    assert {name: second.path(name).stat().st_mtime_ns for name in TONES} == stamps
    with wave.open(str(first.path("wake")), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, RATE)
    with pytest.raises(ValueError, match="wake"):
        first.play("nonsense")


def test_an_earcon_plays_through_mpv(tmp_path: Path) -> None:
    clips = MpvClipPlayer(audio_output="null", audio_device="auto")
    try:
        earcons = Earcons(clips=clips, work_dir=tmp_path)
        earcons.play("wake")
        assert clips.wait(timeout=30)
        assert not clips.is_playing
    finally:
        clips.close()
