"""Volume: up and down by the configured step, set to a level, mute and unmute.

These work whether or not anything is playing: the owner sets the level for what comes next.
The player clamps to 0..100, so "louder" at 100 simply stays at 100.
"""

from __future__ import annotations

from assistant.nlu.base import IntentResult
from assistant.skills.base import Response, SkillContext, confirm, respond


def volume_up(result: IntentResult, ctx: SkillContext) -> Response:
    ctx.player.unmute()
    ctx.player.change_volume(ctx.config.player.volume_step)
    return confirm(ctx, result, level=ctx.player.status().volume)


def volume_down(result: IntentResult, ctx: SkillContext) -> Response:
    ctx.player.change_volume(-ctx.config.player.volume_step)
    return confirm(ctx, result, level=ctx.player.status().volume)


def set_volume(result: IntentResult, ctx: SkillContext) -> Response:
    if "level" in result.unresolved:  # a level outside 0..100: say the range, change nothing
        return respond(ctx, result, "out_of_range", "error")
    level = max(0, min(100, int(result.slots.get("level", ctx.config.player.volume))))
    ctx.player.unmute()
    ctx.player.set_volume(level)
    return confirm(ctx, result, level=level)


def mute(result: IntentResult, ctx: SkillContext) -> Response:
    ctx.player.mute()
    return confirm(ctx, result)


def unmute(result: IntentResult, ctx: SkillContext) -> Response:
    ctx.player.unmute()
    return confirm(ctx, result)
