"""A crashed mpv core is replaced and the queue goes on."""

from __future__ import annotations

import random
from pathlib import Path

from assistant.config import PlayerConfig
from assistant.player.base import PlayState, QueueItem
from assistant.player.mpv_engine import MpvPlayer
from tests.player.support import EventLog, wait_until


def test_player_restarts_when_mpv_quits_under_it(events: EventLog, tones: dict[str, Path]) -> None:
    player = MpvPlayer(
        config=PlayerConfig(audio_output="null", volume=35),
        on_event=events,
        rng=random.Random(1),
    )
    try:
        player.play(
            [
                QueueItem(location=str(tones["long_a"]), title="a"),
                QueueItem(location=str(tones["long_b"]), title="b"),
            ]
        )
        events.started("a")
        player._mpv.command("quit")  # what a crash of mpv's core looks like from here
        events.ended("a", "error")
        events.started("a", count=2)
        wait_until(lambda: player.status().state is PlayState.PLAYING)
        assert player.restarts == 1
        status = player.status()
        assert status.current is not None and status.current.title == "a"
        assert status.volume == 35
        player.next()
        events.started("b")
    finally:
        player.close()
