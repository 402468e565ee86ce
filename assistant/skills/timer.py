"""The sleep timer: after N minutes fade the music out, stop it, and put the volume back.

Behaviour (decided here, documented for the owner):
- "stop the music in 30 minutes" sets the timer; a new timer replaces the old one (a fade in
  progress is abandoned and the volume restored first).
- At the deadline the volume falls linearly to 0 over `FADE_S` seconds, then playback stops and
  the volume setting goes back to what it was, so the next song is not silent.
- "stop" cancels the timer (there is nothing left to stop); "pause" keeps it running, and a
  paused player is simply stopped when it fires. Setting the volume during a fade is
  overridden by the fade; the restore uses the volume from when the fade began.
- The loop calls `tick()` often (the console and daemon do every ~0.1 s); time comes from the
  injected clock so tests can move it.
"""

from __future__ import annotations

import logging

from assistant.nlu.base import IntentResult
from assistant.player.base import Player
from assistant.skills.base import (
    Clock,
    Response,
    SkillContext,
    is_active,
    nothing_playing,
    plural,
    say,
)

logger = logging.getLogger(__name__)

FADE_S = 20.0


class SleepTimerState:
    """The one sleep timer: when it fires and, while fading, the volume to restore."""

    def __init__(self, *, player: Player, clock: Clock, fade_s: float = FADE_S) -> None:
        self._player = player
        self._clock = clock
        self._fade_s = fade_s
        self.deadline: float | None = None
        self._restore: int | None = None

    @property
    def fading(self) -> bool:
        return self._restore is not None

    def set(self, minutes: int) -> None:
        self.cancel()
        self.deadline = self._clock() + minutes * 60.0
        logger.info("sleep timer: music stops in %d min", minutes)

    def cancel(self) -> None:
        if self._restore is not None:
            self._player.set_volume(self._restore)
        self.deadline = None
        self._restore = None

    def tick(self) -> None:
        if self.deadline is None:
            return
        elapsed = self._clock() - self.deadline
        if elapsed < 0:
            return
        if self._restore is None:
            self._restore = self._player.status().volume
            logger.info("sleep timer: fading out from volume %d", self._restore)
        if elapsed < self._fade_s:
            self._player.set_volume(round(self._restore * (1 - elapsed / self._fade_s)))
            return
        restore = self._restore
        self.deadline = None
        self._restore = None
        self._player.stop()
        self._player.set_volume(restore)
        logger.info("sleep timer: stopped; volume back to %d", restore)


def sleep_timer(result: IntentResult, ctx: SkillContext) -> Response:
    if not is_active(ctx):
        return nothing_playing(ctx, result)
    minutes = int(result.slots.get("minutes", 0))
    if minutes <= 0:
        return Response("How many minutes?", "error", result.intent)
    ctx.sleep.set(minutes)
    if minutes >= 60 and minutes % 60 == 0:
        hours = "an hour" if minutes == 60 else f"{minutes // 60} hours"
        return Response(say(ctx, result.intent, "ok_hour", hours=hours), "ok", result.intent)
    spoken = plural(minutes, "minute")
    return Response(say(ctx, result.intent, "ok", minutes=spoken), "ok", result.intent)
