"""MpvClipPlayer against the real libmpv with ao=null."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.player.mpv_engine import MpvClipPlayer
from tests.player.support import TIMEOUT


@pytest.fixture
def clips() -> Iterator[MpvClipPlayer]:
    player = MpvClipPlayer(audio_output="null", audio_device="auto")
    yield player
    player.close()


def test_a_clip_plays_to_the_end(clips: MpvClipPlayer, tones: dict[str, Path]) -> None:
    assert not clips.is_playing
    assert clips.wait(0.1)  # nothing playing: nothing to wait for
    clips.play(tones["clip"])
    assert clips.wait(TIMEOUT)
    assert not clips.is_playing


def test_wait_times_out_while_a_long_clip_plays(
    clips: MpvClipPlayer, tones: dict[str, Path]
) -> None:
    clips.play(tones["long_a"])
    assert clips.is_playing
    assert not clips.wait(0.3)
    clips.stop()
    assert not clips.is_playing
    assert clips.wait(0.1)


def test_a_new_clip_replaces_the_playing_one(clips: MpvClipPlayer, tones: dict[str, Path]) -> None:
    clips.play(tones["long_a"])
    assert clips.is_playing
    clips.play(tones["short_a"])
    # The 30 s clip would still be playing long after this 1 s one ended.
    assert clips.wait(20)
    assert not clips.is_playing


def test_missing_and_corrupt_clips_end_at_once(
    clips: MpvClipPlayer, tones: dict[str, Path]
) -> None:
    clips.play(tones["missing"])
    assert not clips.is_playing
    clips.play(tones["corrupt"])
    assert clips.wait(TIMEOUT)
    assert not clips.is_playing
    clips.play(tones["short_a"])  # still usable afterwards
    assert clips.wait(TIMEOUT)


def test_close_is_idempotent(tones: dict[str, Path]) -> None:
    player = MpvClipPlayer(audio_output="null", audio_device="auto")
    player.play(tones["long_a"])
    player.close()
    player.close()
