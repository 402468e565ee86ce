"""What is playing: the track and artist, the station, or the podcast episode."""

from __future__ import annotations

from assistant.nlu.base import IntentResult
from assistant.player.base import PlayState, QueueItem
from assistant.skills.base import Response, SkillContext, nothing_playing, respond, say


def what_is_playing(result: IntentResult, ctx: SkillContext) -> Response:
    status = ctx.player.status()
    item = status.current
    if item is None or status.state is PlayState.STOPPED:
        return nothing_playing(ctx, result)
    answer = _what(result, ctx, item)
    if status.state is PlayState.PAUSED:
        paused = say(ctx, result.intent, "paused") or "It's paused."
        return Response(f"{answer.text} {paused}", answer.outcome, answer.intent)
    return answer


def _what(result: IntentResult, ctx: SkillContext, item: QueueItem) -> Response:
    if item.kind == "radio":
        return respond(ctx, result, "radio", station=item.title)
    if item.kind == "episode":
        return respond(ctx, result, "podcast", podcast=item.artist, episode=item.title)
    if not item.artist:
        return Response(f"This is {item.title or 'an unnamed track'}.", "ok", result.intent)
    return respond(ctx, result, "track", track=item.title, artist=item.artist, album=item.album)
