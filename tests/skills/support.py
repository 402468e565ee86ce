"""A whole assistant minus the microphone: real catalogue, history, matcher, mpv (ao=null)."""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Callable
from pathlib import Path

from assistant.app import build_matcher
from assistant.config import Config, intents_dir, load_config
from assistant.dialogue import Dialogue, Turn
from assistant.library.history import History
from assistant.library.store import Catalogue
from assistant.nlu.base import IntentResult
from assistant.nlu.templates import load_intents
from assistant.player.base import PlayerEvent, TrackEnded, TrackStarted
from assistant.player.mpv_engine import MpvPlayer
from assistant.skills.base import Response
from assistant.skills.events import EventPump
from assistant.skills.registry import Skills, build_skills

TIMEOUT = 30.0
"""Generous: two slow cores shared with other test runs."""


class FakeClock:
    """Monotonic time that only moves when a test says so."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Rig:
    """Everything `assistant console` builds, with a fake clock; close() in reverse order."""

    def __init__(self, config: Config, *, clock: FakeClock | None = None) -> None:
        self.config = config
        self.clock = clock or FakeClock()
        self.catalogue = Catalogue(path=config.catalogue_path)
        lib = config.library
        self.catalogue.scan(
            music_dirs=lib.music_dirs,
            playlist_dirs=lib.playlist_dirs,
            podcast_dirs=lib.podcast_dirs,
        )
        self.history = History(catalogue=self.catalogue)
        self.intents = load_intents(intents_dir(config))
        self.matcher = build_matcher(config, self.catalogue, self.intents)
        self.events = EventPump()
        self.seen: list[PlayerEvent] = []
        self.events.add_listener(self.seen.append)
        self.player = MpvPlayer(config=config.player, on_event=self.events.on_event)
        self.skills: Skills = build_skills(
            player=self.player,
            events=self.events,
            catalogue=self.catalogue,
            history=self.history,
            intents=self.intents,
            config=config,
            clock=self.clock,
            rng=random.Random(7),
        )
        self.dialogue = Dialogue(
            matcher=self.matcher, skills=self.skills, config=config, clock=self.clock
        )

    def say(self, text: str) -> Turn:
        return self.dialogue.handle_text(text)

    def act(self, intent: str, text: str = "", **slots: str | int) -> Response:
        """A skill run straight from an IntentResult (bypassing the matcher)."""
        return self.skills.handle(IntentResult(intent, slots, 1.0, text))

    def queue_titles(self) -> list[tuple[str, str]]:
        return [(i.title, i.artist) for i in self.player.queue_items()]

    def wait_for(self, match: Callable[[PlayerEvent], bool]) -> PlayerEvent:
        for event in self.seen:
            if match(event):
                return event
        event = self.events.wait_for(match, TIMEOUT)
        assert event is not None, f"waited {TIMEOUT} s; events so far: {self.seen}"
        return event

    def until(self, condition: Callable[[], bool]) -> None:
        """Handle player events until `condition()` holds (polled every 50 ms)."""
        deadline = time.monotonic() + TIMEOUT
        while not condition():
            assert time.monotonic() < deadline, f"condition not met in {TIMEOUT} s"
            self.events.process_pending(timeout=0.05)

    def started(self, title: str) -> PlayerEvent:
        return self.wait_for(lambda e: isinstance(e, TrackStarted) and e.item.title == title)

    def ended(self, title: str, reason: str) -> PlayerEvent:
        return self.wait_for(
            lambda e: isinstance(e, TrackEnded) and e.item.title == title and e.reason == reason
        )

    def close(self) -> None:
        self.player.close()
        self.events.process_pending()
        self.catalogue.close()


def rig_config(config_path: Path, **nlu: float) -> Config:
    config = load_config(config_path)
    if nlu:
        config = dataclasses.replace(config, nlu=dataclasses.replace(config.nlu, **nlu))
    return config
