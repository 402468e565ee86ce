"""Radio: play a station from config.radio.stations and say so only once it answers.

A stream that does not answer within player.network_timeout is reported ("Jazz FM isn't
answering right now.") instead of leaving the owner waiting in silence. The wait runs on the
loop thread and keeps handing player events to their listeners meanwhile.
"""

from __future__ import annotations

from assistant.nlu.base import IntentResult
from assistant.player.base import PlaybackError, PlayerEvent, QueueItem, TrackEnded, TrackStarted
from assistant.skills.base import Response, SkillContext, respond

MARGIN_S = 3.0
"""Beyond network_timeout, for mpv to report a failure it has already decided on."""


def play_radio(result: IntentResult, ctx: SkillContext) -> Response:
    name = result.slots.get("station")
    station = next((s for s in ctx.config.radio.stations if s.name == name), None)
    if station is None or result.unresolved:
        return respond(ctx, result, "not_found", "not_found")
    item = QueueItem(location=station.url, title=station.name, kind="radio")
    ctx.player.play([item])

    def settled(event: PlayerEvent) -> bool:
        mine = event.item.location == station.url
        return mine and isinstance(event, (TrackStarted, PlaybackError, TrackEnded))

    event = ctx.events.wait_for(settled, ctx.config.player.network_timeout + MARGIN_S)
    if isinstance(event, TrackStarted):
        return respond(ctx, result, "ok")
    ctx.player.stop()
    return respond(ctx, result, "failed", "error")
