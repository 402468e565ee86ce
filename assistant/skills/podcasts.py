"""Podcasts: resume where the owner left off, else the newest episode not yet heard.

- An episode's saved position (History, kept by the PlaybackRecorder on pause, stop, end and
  every few seconds) tells how far it was heard: 0 (never saved) is unheard; within
  FINISHED_MARGIN of its length is finished; anything between is unfinished.
- "play/resume the X podcast": the show's last played episode if unfinished, from its saved
  position; otherwise the newest unheard episode; otherwise (all heard) the newest one.
- "play the latest X" (latest/newest/new in the words) always plays the newest episode, from
  its saved position if it was left unfinished.
"""

from __future__ import annotations

from assistant.library.history import History
from assistant.library.models import Episode
from assistant.nlu.base import IntentResult
from assistant.nlu.normalize import normalize
from assistant.skills.base import Response, SkillContext, episode_item, respond

FINISHED_MARGIN = 0.03
"""Fraction of an episode's length: stopping in its last 3 % counts as having heard it."""
_LATEST = frozenset({"latest", "newest", "new"})


def _unfinished(history: History, episode: Episode) -> float | None:
    """The position to resume from, or None when unheard or finished."""
    position = history.position(episode.path)
    if position <= 0:
        return None
    if episode.duration and position >= episode.duration * (1 - FINISHED_MARGIN):
        return None
    return position


def choose(history: History, episodes: list[Episode], latest: bool) -> tuple[Episode, float]:
    """(episode, start seconds) for a show's episodes (oldest first, not empty)."""
    newest = episodes[-1]
    if latest:
        return newest, _unfinished(history, newest) or 0.0
    last = history.last_played_episode(newest.show)
    if last is not None and (start := _unfinished(history, last)) is not None:
        return last, start
    unheard = [e for e in episodes if history.position(e.path) <= 0]
    return (unheard[-1] if unheard else newest), 0.0


def play_podcast(result: IntentResult, ctx: SkillContext) -> Response:
    show = result.slots.get("podcast")
    episodes = ctx.catalogue.episodes(str(show)) if show and not result.unresolved else []
    if not episodes:
        return respond(ctx, result, "not_found", "not_found")
    latest = bool(_LATEST & set(normalize(result.text).split()))
    episode, start = choose(ctx.history, episodes, latest)
    ctx.player.play([episode_item(episode, start)])
    key = "resume" if start > 0 else "ok"
    return respond(ctx, result, key, podcast=episode.show, episode=episode.title)
