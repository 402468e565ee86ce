"""What every skill shares: the Response it returns, the context it acts on, and wording helpers.

A skill is a plain function `(IntentResult, SkillContext) -> Response`: it does what the
command asks through the player and the library, and says what to answer. Answers come from the
intent files' `responses` with slot values filled in, so wording stays data, not code. What a
skill learns only later (a radio station that never answers) goes to `Announcements`.
"""

from __future__ import annotations

import random
import string
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from assistant.config import Config
from assistant.learn.model import TasteModel
from assistant.library.history import History
from assistant.library.models import Episode, Track
from assistant.library.store import Catalogue
from assistant.nlu.base import IntentResult, SlotValue
from assistant.nlu.templates import IntentSet
from assistant.player.base import Player, PlayState, QueueItem

if TYPE_CHECKING:
    from assistant.skills.events import EventPump
    from assistant.skills.radio import StationWatch
    from assistant.skills.recorder import PlaybackRecorder
    from assistant.skills.timer import SleepTimerState

Outcome = Literal["ok", "not_found", "nothing", "error", "ask", "not_understood", "cancelled"]
"""ok: done; not_found: a name is not in the library; nothing: needs something playing;
error: tried and failed; ask: a question was asked; not_understood; cancelled: the owner said no."""

Clock = Callable[[], float]
"""Monotonic seconds (time.monotonic); injected so tests can move time forward."""

NOTHING_PLAYING = "Nothing is playing."
SOMETHING_WENT_WRONG = "Sorry, something went wrong."


@dataclass(frozen=True)
class Response:
    """What a skill did, in a sentence to speak (may be "" for a silent acknowledgement)."""

    text: str
    outcome: Outcome = "ok"
    intent: str = ""
    choices: tuple[Mapping[str, SlotValue], ...] = ()
    """For outcome "ask" about several library items: the slot sets to choose between."""
    plain: bool = False
    """A transport or volume command did just what it was told ("pause", "volume 40"): the
    owner hears it happen, so the answer may be an earcon or nothing (speech.confirm)."""
    starts_music: bool = False
    """The command started playback: its answer is spoken over the music's fade-in."""


class Announcements:
    """Answers no command is waiting for, found out after the skill returned ("Jazz FM isn't
    answering right now."). Loop thread only: listeners add them while handling player events,
    and the loop takes them when it may speak (the daemon when idle, the console as it goes).
    """

    def __init__(self) -> None:
        self._pending: deque[Response] = deque()

    def add(self, response: Response) -> None:
        self._pending.append(response)

    def take(self) -> list[Response]:
        """Every announcement added since the last take, oldest first."""
        taken = list(self._pending)
        self._pending.clear()
        return taken


@dataclass(frozen=True)
class SkillContext:
    """The collaborators a skill may use. Built once by the composition root."""

    player: Player
    catalogue: Catalogue
    history: History
    taste: TasteModel
    intents: IntentSet
    config: Config
    events: EventPump
    recorder: PlaybackRecorder
    sleep: SleepTimerState
    radio: StationWatch
    clock: Clock
    rng: random.Random = field(default_factory=random.Random)
    announcements: Announcements = field(default_factory=Announcements)


Skill = Callable[[IntentResult, SkillContext], Response]


class _Blank(dict[str, object]):
    """Leaves an unknown {placeholder} empty instead of raising."""

    def __missing__(self, key: str) -> str:
        return ""


def say(ctx: SkillContext, intent: str, key: str, **values: object) -> str:
    """The intent's `key` response with {slots} filled in; "" when the file has none."""
    template = ctx.intents.response(intent, key)
    if not template:
        return ""
    return string.Formatter().vformat(template, (), _Blank(values)).strip()


def respond(
    ctx: SkillContext, result: IntentResult, key: str, outcome: Outcome = "ok", **values: object
) -> Response:
    """A Response from the intent's template, with the result's slots plus `values` filled in."""
    slots: dict[str, object] = {**result.slots, **result.unresolved, **values}
    return Response(say(ctx, result.intent, key, **slots), outcome, result.intent)


def confirm(ctx: SkillContext, result: IntentResult, **values: object) -> Response:
    """The intent's "ok" answer, marked as the plain confirmation of a done transport or
    volume command."""
    slots: dict[str, object] = {**result.slots, **result.unresolved, **values}
    return Response(say(ctx, result.intent, "ok", **slots), "ok", result.intent, plain=True)


def nothing_playing(ctx: SkillContext, result: IntentResult) -> Response:
    text = say(ctx, result.intent, "nothing") or NOTHING_PLAYING
    return Response(text, "nothing", result.intent)


def is_active(ctx: SkillContext) -> bool:
    """Something is playing or paused (not stopped)."""
    return ctx.player.status().state is not PlayState.STOPPED


def plural(count: int, word: str) -> str:
    """ "1 minute", "2 minutes" (English: answers come in one language so far)."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def join_or(items: Sequence[str]) -> str:
    """ "A", "A or B", "A, B or C"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def choice_label(choice: Mapping[str, SlotValue]) -> str:
    """How to say one of several readings: "Hello by Adele", "Abbey Road", "Queen"."""
    main = next(
        (str(choice[k]) for k in ("track", "album", "playlist", "podcast", "station", "genre")
         if k in choice),
        "",
    )  # fmt: skip
    artist = str(choice.get("artist", ""))
    if main and artist:
        return f"{main} by {artist}"
    return main or artist or ", ".join(str(v) for v in choice.values())


def track_item(track: Track) -> QueueItem:
    return QueueItem(
        location=track.path,
        title=track.title,
        artist=track.artist,
        album=track.album,
        kind="track",
        track_id=track.id,
        duration=track.duration,
    )


def episode_item(episode: Episode, start: float = 0.0) -> QueueItem:
    return QueueItem(
        location=episode.path,
        title=episode.title,
        artist=episode.show,
        album=episode.show,
        kind="episode",
        start=start,
        duration=episode.duration,
    )
