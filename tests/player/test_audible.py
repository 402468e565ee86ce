"""The player through the PulseAudio virtual speaker: what really comes out of `spk`."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from assistant.config import PlayerConfig
from assistant.player.base import QueueItem
from assistant.player.mpv_engine import MpvClipPlayer, MpvPlayer
from tests.player.support import TIMEOUT, EventLog, band_level, dominant_frequency, rms
from tests.virtual_audio import Recorder

RATE = 16000  # Recorder's format: s16le mono


class Speaker:
    """Records slices of the virtual speaker's monitor."""

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self._env = env
        self._folder = folder
        self._count = 0

    def record(self, seconds: float) -> bytes:
        self._count += 1
        recorder = Recorder(self._env, self._folder / f"rec{self._count}.raw")
        time.sleep(seconds)
        return recorder.stop()

    def steady(self) -> bytes:
        """Half-second recordings until two in a row agree: the level after a change settled."""
        previous = self.record(0.5)
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            current = self.record(0.5)
            a, b = level(previous), level(current)
            if len(current) > RATE * 2 // 5 and abs(a - b) <= 0.1 * max(a, b, 1.0):
                return current
            previous = current
        raise AssertionError("the speaker's level did not settle")


def level(samples: bytes) -> float:
    """Median RMS of 20 ms frames: a steady tone's level, unmoved by the odd recording dropout
    that a loaded machine causes (those dragged the plain RMS 13 % low)."""
    data = np.frombuffer(samples, dtype=np.int16).astype(np.float64)
    frame = RATE // 50
    frames = data[: len(data) // frame * frame].reshape(-1, frame)
    return float(np.median(np.sqrt((frames**2).mean(axis=1)))) if len(frames) else 0.0


@pytest.fixture
def speaker(pulse_env: dict[str, str], tmp_path: Path) -> Speaker:
    return Speaker(pulse_env, tmp_path)


@pytest.fixture
def music(pulse_env: dict[str, str], events: EventLog) -> Iterator[MpvPlayer]:
    config = PlayerConfig(audio_output="pulse", volume=100, duck_volume=50)
    player = MpvPlayer(config=config, on_event=events, rng=random.Random(1))
    yield player
    player.close()


def test_the_tone_comes_out_of_the_speaker_and_next_changes_it(
    music: MpvPlayer, events: EventLog, speaker: Speaker, tones: dict[str, Path]
) -> None:
    silence = speaker.record(0.4)
    assert rms(silence) < 30
    music.play(
        [QueueItem(str(tones["long_a"]), title="a"), QueueItem(str(tones["long_c"]), title="c")]
    )
    events.started("a")
    heard = speaker.steady()
    assert rms(heard) > 1000  # a 0.5 amplitude sine at full volume is ~11000
    assert dominant_frequency(heard) == pytest.approx(440, abs=5)
    music.next()
    events.started("c")
    deadline = time.monotonic() + TIMEOUT
    while abs(dominant_frequency(heard := speaker.steady()) - 880) > 5:
        assert time.monotonic() < deadline, "the second track was never heard"
    assert rms(heard) > 1000
    music.stop()
    assert level(speaker.steady()) < 30


def test_volume_ducking_and_mute_change_the_level_as_documented(
    music: MpvPlayer, events: EventLog, speaker: Speaker, tones: dict[str, Path]
) -> None:
    music.play([QueueItem(str(tones["long_a"]), title="a")])
    events.started("a")
    full = level(speaker.steady())
    assert full > 1000

    music.duck()  # duck_volume=50 of volume 100 -> mpv volume 50 -> amplitude 0.5**3
    ducked = level(speaker.steady())
    assert ducked / full == pytest.approx(0.125, rel=0.25)

    music.set_volume(20)  # deferred while ducked
    assert level(speaker.steady()) / full == pytest.approx(0.125, rel=0.25)

    music.unduck()
    assert level(speaker.steady()) / full == pytest.approx(0.2**3, rel=0.25)

    music.set_volume(100)
    assert level(speaker.steady()) / full == pytest.approx(1.0, rel=0.1)

    music.mute()
    assert level(speaker.steady()) < 0.01 * full
    music.unmute()
    assert level(speaker.steady()) / full == pytest.approx(1.0, rel=0.1)


def test_a_fade_in_is_heard_rising_from_the_ducked_level(
    music: MpvPlayer, events: EventLog, speaker: Speaker, tones: dict[str, Path]
) -> None:
    music.play([QueueItem(str(tones["long_a"]), title="a")])
    events.started("a")
    full = level(speaker.steady())
    music.duck()
    ducked = level(speaker.steady())
    recording = Recorder(speaker._env, speaker._folder / "fade.raw")
    time.sleep(0.3)
    music.unduck(1.0)
    time.sleep(1.8)
    heard = np.frombuffer(recording.stop(), dtype=np.int16).astype(np.float64)
    frame = RATE // 20  # 50 ms
    levels = np.sqrt((heard[: len(heard) // frame * frame].reshape(-1, frame) ** 2).mean(axis=1))
    loud = levels[levels > ducked * 0.5]  # the odd dropout of a loaded machine left out
    assert loud[:4].max() < 2 * ducked  # it starts at the ducked level
    assert np.median(loud[-6:]) == pytest.approx(full, rel=0.15)  # and ends at full
    between = (loud > 2 * ducked) & (loud < 0.7 * full)
    assert between.sum() >= 4, levels.round()  # heard on the way up (1 s: ~10 frames)


def test_a_clip_plays_over_ducked_music(
    music: MpvPlayer,
    events: EventLog,
    speaker: Speaker,
    tones: dict[str, Path],
    pulse_env: dict[str, str],
    tmp_path: Path,
) -> None:
    clips = MpvClipPlayer(audio_output="pulse", audio_device="auto")
    try:
        music.play([QueueItem(str(tones["long_a"]), title="a")])
        events.started("a")
        before = speaker.steady()
        music.duck()
        speaker.steady()
        recorder = Recorder(pulse_env, tmp_path / "clip.raw")
        clips.play(tones["clip"])
        assert clips.wait(TIMEOUT)
        during = recorder.stop()
        music.unduck()
        after = speaker.steady()
    finally:
        clips.close()
    assert band_level(during, 1500) > 10 * band_level(before, 1500)
    assert 0.05 < band_level(during, 440) / band_level(before, 440) < 0.3
    assert rms(after) / rms(before) == pytest.approx(1.0, rel=0.1)
