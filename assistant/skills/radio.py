"""Radio: play a station from config.radio.stations, and say so if it never answers.

The skill starts the stream and answers at once ("Tuning in to Jazz FM."), so the loop stays
free for the next command ("stop"). Whether the station answers is only known later: a
`StationWatch` on the player's events announces "Jazz FM isn't answering right now." (through
`SkillContext.announcements`) and stops the player when the stream fails, or when it has not
started within player.network_timeout plus a margin. A station that starts is simply heard.
The owner moving on (stop, another song, another station) ends the watch without a word.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from assistant.logsafe import shown
from assistant.nlu.base import IntentResult
from assistant.player.base import (
    PlaybackError,
    Player,
    PlayerEvent,
    PlayState,
    QueueItem,
    TrackEnded,
    TrackStarted,
)
from assistant.skills.base import Announcements, Response, SkillContext, respond
from assistant.skills.events import EventPump

logger = logging.getLogger(__name__)

MARGIN_S = 2.0
"""Beyond network_timeout: mpv gives up a silent server itself by then (with its own reason);
the watch's deadline is for streams mpv keeps probing, such as one that trickles bytes."""


class NoAnswer(PlaybackError):
    """The watch's deadline passed: sent by its timer through the event pump, not by the player,
    so that the decision is taken on the loop thread like every other event."""


@dataclass(frozen=True)
class _Tuning:
    item: QueueItem
    player: Player
    announcements: Announcements
    failed: Response
    deadline: NoAnswer
    timer: threading.Timer


class StationWatch:
    """Follows the one station being tuned in until it starts, fails, or the owner moves on.

    An EventPump listener (loop thread), one per skill context (`SkillContext.radio`). Tuning
    in to a station replaces any earlier watch.
    """

    def __init__(self) -> None:
        self._tuning: _Tuning | None = None

    @property
    def watching(self) -> QueueItem | None:
        """The station still being tuned in; None once it answered, failed or was left."""
        return self._tuning.item if self._tuning is not None else None

    def tune(
        self,
        item: QueueItem,
        *,
        player: Player,
        events: EventPump,
        announcements: Announcements,
        failed: Response,
        timeout: float,
    ) -> None:
        """Watch `item`, just handed to `player`; announce `failed` unless it starts in time."""
        self._settle()
        deadline = NoAnswer(item=item, message=f"no sound within {timeout:g} s")
        timer = threading.Timer(timeout, events.on_event, args=(deadline,))
        timer.daemon = True
        self._tuning = _Tuning(item, player, announcements, failed, deadline, timer)
        timer.start()

    def __call__(self, event: PlayerEvent) -> None:
        tuning = self._tuning
        if tuning is None or isinstance(event, TrackEnded):
            # An "error" end follows its PlaybackError; any other end while tuning in is of
            # what played before (play() reports it), even the same station asked for again.
            return
        if isinstance(event, NoAnswer):
            if event is tuning.deadline:
                self._no_answer(tuning)
            return  # an earlier watch's timer, fired before it could be cancelled
        if event.item != tuning.item:
            if tuning.player.status().current != tuning.item:
                self._settle()  # the owner moved on to something else
        elif isinstance(event, TrackStarted):
            logger.info("radio: %s answered", shown(tuning.item.title))
            self._settle()
        else:
            self._fail(tuning, event.message)

    def _no_answer(self, tuning: _Tuning) -> None:
        status = tuning.player.status()
        if status.current != tuning.item or status.state is not PlayState.PLAYING:
            self._settle()  # stopped or replaced before it answered: nothing to report
            return
        self._fail(tuning, tuning.deadline.message)

    def _fail(self, tuning: _Tuning, reason: str) -> None:
        self._settle()
        if tuning.player.status().current != tuning.item:
            return  # the failure came in after the owner had already asked for something else
        logger.warning("radio: %s is not answering (%s)", shown(tuning.item.title), reason)
        tuning.player.stop()  # nothing may start playing after the owner was told it failed
        tuning.announcements.add(tuning.failed)

    def _settle(self) -> None:
        if self._tuning is not None:
            self._tuning.timer.cancel()
            self._tuning = None


def play_radio(result: IntentResult, ctx: SkillContext) -> Response:
    name = result.slots.get("station")
    station = next((s for s in ctx.config.radio.stations if s.name == name), None)
    if station is None or result.unresolved:
        return respond(ctx, result, "not_found", "not_found")
    item = QueueItem(location=station.url, title=station.name, kind="radio")
    # What the player said before this command goes to the watch as it was (an earlier
    # station's failure); what play() and the stream say next is the watch's to judge, and is
    # only handed out on this thread after this skill has returned, so none of it is missed.
    ctx.events.process_pending()
    ctx.player.play([item])
    ctx.radio.tune(
        item,
        player=ctx.player,
        events=ctx.events,
        announcements=ctx.announcements,
        failed=respond(ctx, result, "failed", "error"),
        timeout=ctx.config.player.network_timeout + MARGIN_S,
    )
    return respond(ctx, result, "tuning")
