"""Player events from the player's thread to the loop thread: enqueue there, handle here.

The player calls `EventPump.on_event` on its own thread; that only puts the event on a queue.
The loop thread (console or daemon) calls `process_pending()` often; each event is then handed
to the listeners (the history recorder, ...) on that thread, so SQLite and skills are only ever
touched by the loop. `wait_for` lets code on the loop thread (tests, mostly) wait for a
particular event while still handing every event to the listeners; skills must not block on
it (the radio watches its stream from a listener instead).
"""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable

from assistant.player.base import PlayerEvent

logger = logging.getLogger(__name__)

Listener = Callable[[PlayerEvent], None]


class EventPump:
    """A queue of player events, drained by the loop thread into its listeners."""

    def __init__(self, *, listeners: tuple[Listener, ...] = ()) -> None:
        self._queue: queue.SimpleQueue[PlayerEvent] = queue.SimpleQueue()
        self._listeners = list(listeners)

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def on_event(self, event: PlayerEvent) -> None:
        """The player's EventSink: called on the player's thread, only enqueues."""
        self._queue.put(event)

    def process_pending(self, timeout: float = 0.0) -> list[PlayerEvent]:
        """Hand every queued event to the listeners; wait up to `timeout` s for the first one."""
        handled: list[PlayerEvent] = []
        block = timeout > 0
        while True:
            try:
                event = self._queue.get(block=block, timeout=timeout if block else None)
            except queue.Empty:
                return handled
            block = False
            self._dispatch(event)
            handled.append(event)

    def wait_for(self, match: Callable[[PlayerEvent], bool], timeout: float) -> PlayerEvent | None:
        """Process events until one matches (returned) or `timeout` seconds pass (None)."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            for event in self.process_pending(timeout=min(left, 0.1)):
                if match(event):
                    return event
        return None

    def _dispatch(self, event: PlayerEvent) -> None:
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:
                # A failing listener (a history write) must not stop the others or the loop.
                logger.exception("event listener failed on %s", type(event).__name__)
