"""Transport: pause, resume, stop, next and previous on whatever is playing.

Each needs something in the player: with nothing playing the answer is "Nothing is playing."
(or the intent's own `nothing` sentence). Pause and stop save a podcast's position first;
stop also cancels the sleep timer (see timer.py).
"""

from __future__ import annotations

from assistant.nlu.base import IntentResult
from assistant.player.base import PlayState, RepeatMode
from assistant.skills.base import (
    Response,
    SkillContext,
    confirm,
    is_active,
    nothing_playing,
    respond,
)


def pause(result: IntentResult, ctx: SkillContext) -> Response:
    if ctx.player.status().state is not PlayState.PLAYING:
        return nothing_playing(ctx, result)
    ctx.recorder.save_position_now()
    ctx.player.pause()
    return confirm(ctx, result)


def resume(result: IntentResult, ctx: SkillContext) -> Response:
    status = ctx.player.status()
    if status.current is None:
        return nothing_playing(ctx, result)
    if status.state is not PlayState.PLAYING:
        ctx.player.resume()
    return confirm(ctx, result)


def stop(result: IntentResult, ctx: SkillContext) -> Response:
    ctx.sleep.cancel()
    if not is_active(ctx):
        return nothing_playing(ctx, result)
    ctx.recorder.save_position_now()
    ctx.player.stop()
    return confirm(ctx, result)


def next_track(result: IntentResult, ctx: SkillContext) -> Response:
    status = ctx.player.status()
    if status.state is PlayState.STOPPED or status.current is None:
        return nothing_playing(ctx, result)
    last = status.index is not None and status.index >= status.queue_length - 1
    ctx.player.next()
    if last and status.repeat is not RepeatMode.ALL:
        return respond(ctx, result, "end")
    return confirm(ctx, result)


def previous_track(result: IntentResult, ctx: SkillContext) -> Response:
    if not is_active(ctx):
        return nothing_playing(ctx, result)
    ctx.player.previous()
    return confirm(ctx, result)
