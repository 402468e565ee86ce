"""Listening history from player events: plays, skips, and where podcast episodes were left.

Runs on the loop thread (an `EventPump` listener). Each TrackEnded becomes one History play
with its start time, seconds heard, duration and end reason. Episode positions are saved when
an episode ends (its position; the full length when it finished), on pause and stop (the
skills call `save_position_now`), and every `save_every` seconds while one plays (`tick`), so
a power cut loses little and "resume the X podcast" finds its place after a restart.
"""

from __future__ import annotations

import logging

from assistant.library.history import History
from assistant.player.base import Player, PlayerEvent, PlayState, TrackEnded, TrackStarted
from assistant.skills.base import Clock

logger = logging.getLogger(__name__)

SAVE_EVERY_S = 15.0


class PlaybackRecorder:
    """Writes History from player events; call `tick()` from the loop for periodic saves."""

    def __init__(
        self, *, history: History, player: Player, clock: Clock, save_every: float = SAVE_EVERY_S
    ) -> None:
        self._history = history
        self._player = player
        self._clock = clock
        self._save_every = save_every
        self._started: dict[str, float] = {}
        self._last_save = clock()

    def __call__(self, event: PlayerEvent) -> None:
        if isinstance(event, TrackStarted):
            self._started[event.item.location] = event.at
        elif isinstance(event, TrackEnded):
            self._ended(event)

    def _ended(self, event: TrackEnded) -> None:
        item = event.item
        heard = max(0.0, event.position - item.start) if event.reason != "error" else 0.0
        started_at = self._started.pop(item.location, event.at - heard)
        self._history.record_play(
            item.track_id if item.track_id is not None else item.location,
            started_at=started_at,
            seconds_played=heard,
            duration=item.duration,
            ended=event.reason,
        )
        if item.kind == "episode" and event.reason != "error":
            # A finished episode keeps its full length as position, which marks it heard.
            position = event.position
            if event.reason == "finished":
                position = max(position, item.duration or 0.0)
            self._history.save_position(item.location, position)

    def save_position_now(self) -> None:
        """Save the playing episode's position (before pause or stop)."""
        status = self._player.status()
        item = status.current
        if item is None or item.kind != "episode" or status.state is PlayState.STOPPED:
            return
        if status.position > 0:
            self._history.save_position(item.location, status.position)
        self._last_save = self._clock()

    def tick(self) -> None:
        """Periodic save of a playing episode's position."""
        if self._clock() - self._last_save < self._save_every:
            return
        self._last_save = self._clock()
        status = self._player.status()
        if (
            status.state is PlayState.PLAYING
            and status.current
            and status.current.kind == "episode"
        ):
            self._history.save_position(status.current.location, status.position)
