"""How microphone chunks reach the daemon's loop: batched while idle, one by one when awake."""

from __future__ import annotations

import itertools
import queue
from typing import Any, cast

from assistant.audio.base import AudioChunk
from assistant.daemon import IDLE_BATCH_S, AudioIn, Daemon, RecentAudio, State

RATE = 16000
BLOCK_S = 0.03


def _daemon() -> Daemon:
    # feed() touches only the loop's queue and state: the collaborators are never used here.
    unused = cast(Any, None)
    return Daemon(dialogue=unused, skills=unused, player=unused, recognizer=unused, wake=None,
                  make_endpointer=lambda: unused, speech=unused, follow_up_s=5.0)  # fmt: skip


def _chunk(i: int, block_s: float = BLOCK_S) -> AudioChunk:
    n = round(RATE * block_s)
    return AudioChunk(samples=bytes([i % 256]) * 2 * n, rate=RATE, timestamp=i * block_s)


def _delivered(daemon: Daemon) -> list[AudioChunk]:
    out = []
    while True:
        try:
            event = daemon.events.get_nowait()
        except queue.Empty:
            return out
        assert isinstance(event, AudioIn)
        out.append(event.chunk)


def test_idle_chunks_are_handed_over_in_batches_without_losing_audio() -> None:
    daemon = _daemon()
    chunks = [_chunk(i) for i in range(30)]
    for chunk in chunks:
        daemon.feed(chunk)
    delivered = _delivered(daemon)
    per_batch = -(-IDLE_BATCH_S // BLOCK_S)  # blocks needed to reach the batch length
    assert len(delivered) == len(chunks) // per_batch
    joined = b"".join(c.samples for c in delivered)
    assert joined == b"".join(c.samples for c in chunks[: len(joined) // len(chunks[0].samples)])
    assert [c.timestamp for c in delivered] == [chunks[int(i * per_batch)].timestamp
                                                for i in range(len(delivered))]  # fmt: skip


def test_awake_chunks_go_at_once_after_what_was_waiting() -> None:
    daemon = _daemon()
    daemon.feed(_chunk(0))  # waits for a full batch
    assert _delivered(daemon) == []
    daemon.state = State.LISTENING
    daemon.feed(_chunk(1))
    delivered = _delivered(daemon)
    assert [c.timestamp for c in delivered] == [0.0, BLOCK_S]
    daemon.feed(_chunk(2))
    assert [c.timestamp for c in _delivered(daemon)] == [2 * BLOCK_S]


def test_a_gap_in_the_stream_is_not_joined_over() -> None:
    daemon = _daemon()
    daemon.feed(_chunk(0))
    daemon.feed(_chunk(10))  # a re-opened microphone: its audio does not follow on
    delivered = _delivered(daemon)
    assert [c.timestamp for c in delivered] == [0.0]
    assert len(delivered[0].samples) == len(_chunk(0).samples)


def test_recent_audio_keeps_a_few_seconds_and_splits_at_a_moment_inside_a_chunk() -> None:
    recent = RecentAudio(1.0)
    for i in range(100):  # 3 s of 30 ms chunks
        recent.add(_chunk(i))
    before, after = recent.split(2.5)
    held = before + after
    assert 1.0 <= sum(c.seconds for c in held) < 1.0 + BLOCK_S
    for earlier, later in itertools.pairwise(held):
        assert abs(earlier.timestamp + earlier.seconds - later.timestamp) < 1e-9
    assert abs(before[-1].timestamp + before[-1].seconds - 2.5) < 1e-9
    assert abs(after[0].timestamp - 2.5) < 1e-9
    assert after[0].samples == _chunk(83).samples[: len(after[0].samples)]
    assert abs(after[-1].timestamp + after[-1].seconds - 3.0) < 1e-9
    none, everything = recent.split(0.0)  # older than what is held: all of it
    assert none == []
    assert b"".join(c.samples for c in everything) == b"".join(c.samples for c in held)
