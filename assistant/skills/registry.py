"""Every intent of the contract and the skill that carries it out; the one entry point `Skills`.

`Skills.handle` never raises: a skill that crashes is logged and answered "Sorry, something
went wrong.", so one bad command never takes the loop down.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import time
from collections.abc import Mapping

from assistant.config import Config
from assistant.errors import AssistantError
from assistant.learn.model import TasteModel
from assistant.library.history import History
from assistant.library.store import Catalogue
from assistant.nlu.base import IntentResult
from assistant.nlu.templates import IntentSet
from assistant.player.base import Player, PlayState
from assistant.skills import music, podcasts, radio, status, timer, transport, volume
from assistant.skills.base import SOMETHING_WENT_WRONG, Clock, Response, Skill, SkillContext
from assistant.skills.events import EventPump
from assistant.skills.radio import StationWatch
from assistant.skills.recorder import PlaybackRecorder
from assistant.skills.timer import SleepTimerState

logger = logging.getLogger(__name__)

HANDLERS: Mapping[str, Skill] = {
    "PlayPlaylist": music.play_playlist,
    "PlayArtist": music.play_artist,
    "PlayAlbum": music.play_album,
    "PlayTrack": music.play_track,
    "PlayGenre": music.play_genre,
    "PlayMusic": music.play_music,
    "PlayMix": music.play_mix,
    "PlayDiscover": music.play_discover,
    "PlayMoreLikeThis": music.play_more_like_this,
    "PlayRadio": radio.play_radio,
    "PlayPodcast": podcasts.play_podcast,
    "LikeTrack": music.like_track,
    "DislikeTrack": music.dislike_track,
    "Shuffle": music.shuffle,
    "Repeat": music.repeat,
    "Pause": transport.pause,
    "Resume": transport.resume,
    "Stop": transport.stop,
    "NextTrack": transport.next_track,
    "PreviousTrack": transport.previous_track,
    "VolumeUp": volume.volume_up,
    "VolumeDown": volume.volume_down,
    "SetVolume": volume.set_volume,
    "Mute": volume.mute,
    "Unmute": volume.unmute,
    "SleepTimer": timer.sleep_timer,
    "WhatIsPlaying": status.what_is_playing,
}


PLAYS_MUSIC = frozenset(name for name in HANDLERS if name.startswith("Play"))
"""Intents that start playback when they succeed (their answer overlaps the fade-in)."""


class Skills:
    """Dispatches understood commands to their skills; `tick()` drives timers and history."""

    def __init__(self, *, context: SkillContext, handlers: Mapping[str, Skill] = HANDLERS) -> None:
        self.context = context
        self._handlers = handlers

    def handle(self, result: IntentResult) -> Response:
        if result.choices and not result.unresolved:
            return music.ask_which(self.context, result)
        handler = self._handlers.get(result.intent)
        if handler is None:
            logger.error("no skill for intent %s", result.intent)
            return Response(SOMETHING_WENT_WRONG, "error", result.intent)
        try:
            response = handler(result, self.context)
        except AssistantError as exc:
            # Errors raised on purpose carry a message meant for the owner.
            logger.warning("%s failed: %s", result.intent, exc)
            return Response(str(exc), "error", result.intent)
        except Exception:
            logger.exception("skill %s crashed on %r", result.intent, result.text)
            return Response(SOMETHING_WENT_WRONG, "error", result.intent)
        if result.intent in PLAYS_MUSIC and response.outcome == "ok":
            playing = self.context.player.status().state is PlayState.PLAYING
            response = dataclasses.replace(response, starts_music=playing)
        return response

    def reconfigure(self, *, config: Config, intents: IntentSet) -> None:
        """Use a reloaded config (its stations, its folders) and intent responses from now on;
        the player, history and timers carry on as they are."""
        self.context = dataclasses.replace(self.context, config=config, intents=intents)

    def tick(self) -> None:
        """Call often from the loop thread: player events, sleep timer, podcast positions."""
        ctx = self.context
        ctx.events.process_pending()
        for step in (ctx.sleep.tick, ctx.recorder.tick):
            try:
                step()
            except Exception:
                logger.exception("periodic %s failed", getattr(step, "__qualname__", step))


def build_skills(
    *,
    player: Player,
    events: EventPump,
    catalogue: Catalogue,
    history: History,
    intents: IntentSet,
    config: Config,
    clock: Clock = time.monotonic,
    rng: random.Random | None = None,
) -> Skills:
    """Skills with their history recorder and radio station watch listening on `events` (the
    player's event pump)."""
    recorder = PlaybackRecorder(history=history, player=player, clock=clock)
    events.add_listener(recorder)
    radio = StationWatch()
    events.add_listener(radio)
    context = SkillContext(
        player=player,
        catalogue=catalogue,
        history=history,
        taste=TasteModel(catalogue=catalogue, history=history),
        intents=intents,
        config=config,
        events=events,
        recorder=recorder,
        sleep=SleepTimerState(player=player, clock=clock),
        radio=radio,
        clock=clock,
        rng=rng or random.Random(),
    )
    return Skills(context=context)
