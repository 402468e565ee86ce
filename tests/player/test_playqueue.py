"""PlayQueue: stepping, wrap-around and shuffle, without an engine."""

from __future__ import annotations

import random

from assistant.player.base import QueueItem
from assistant.player.playqueue import PlayQueue


def items(n: int) -> list[QueueItem]:
    return [QueueItem(location=f"/music/{i}.flac", title=f"t{i}") for i in range(n)]


def test_steps_stop_at_both_ends_unless_wrapping() -> None:
    queue = PlayQueue(rng=random.Random(0))
    assert queue.current is None and not queue.advance(wrap=True) and not queue.back()
    queue.replace(items(3), 0)
    assert not queue.back()
    assert queue.advance(wrap=False) and queue.advance(wrap=False)
    assert not queue.advance(wrap=False)
    assert queue.position == 2
    assert queue.advance(wrap=True)
    assert queue.position == 0


def test_extend_an_empty_queue_makes_the_first_item_current() -> None:
    queue = PlayQueue(rng=random.Random(0))
    queue.extend(items(2))
    assert queue.current is not None and queue.current.title == "t0"


def test_shuffled_extend_only_places_items_after_the_current_one() -> None:
    queue = PlayQueue(rng=random.Random(3))
    queue.replace(items(10), 4)
    queue.set_shuffle(True)
    queue.advance(wrap=False)
    queue.advance(wrap=False)
    played = queue.in_play_order()[:3]
    extra = [QueueItem(location=f"/x/{i}.ogg", title=f"x{i}") for i in range(5)]
    queue.extend(extra)
    order = queue.in_play_order()
    assert order[:3] == played and played[0].title == "t4"
    assert {i.title for i in order[3:]} == {i.title for i in [*items(10), *extra]} - {
        i.title for i in played
    }
    current = queue.current
    queue.set_shuffle(False)
    assert queue.in_play_order() == [*items(10), *extra]
    assert queue.current == current


def test_shuffle_is_a_permutation_that_differs_from_the_original() -> None:
    queue = PlayQueue(rng=random.Random(11))
    queue.set_shuffle(True)
    queue.replace(items(30), 7)
    order = queue.in_play_order()
    assert order[0].title == "t7" and queue.position == 0
    assert sorted(i.title for i in order) == sorted(i.title for i in items(30))
    assert order != items(30)
