"""Turn-taking: understand a command, ask when unsure or when a name fits several things, and
take the answer to that question on the next turn (without the wake word).

Rules, in order, for each utterance:
1. A question is pending (and younger than daemon.follow_up_s): "yes" confirms, "no" cancels
   ("Okay."), an answer naming one of the choices picks it ("the one by adele", "the first
   one", "lionel richie"); anything else drops the question and is a new command.
2. No match, or confidence under nlu.min_confidence: "Sorry, I didn't understand." A result
   whose name is not in the library is passed on whatever its confidence, so the owner hears
   "I couldn't find ..." rather than a shrug.
3. Several readings (`choices`): ask "Which one: A or B?".
4. Confidence under nlu.confirm_below: ask "Did you mean ...?" about the one reading.
5. Otherwise the skills act.

Each Turn carries the `decision` taken (act, ask or ignore), and `decide` is the same choice
for a reading on its own, so front ends that do not act (`parse`, `listen`) report exactly
what the assistant would do.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from assistant.config import Config, NluConfig
from assistant.logsafe import shown
from assistant.nlu.answers import FILLER, NO, ORDINALS, YES
from assistant.nlu.base import IntentResult, SlotValue
from assistant.nlu.matcher import Matcher
from assistant.nlu.normalize import normalize
from assistant.skills.base import Response, choice_label, join_or
from assistant.skills.registry import Skills

logger = logging.getLogger(__name__)

Decision = Literal["act", "ask", "ignore"]
"""act: the skills were asked to do it (they may still answer "I couldn't find ..."); ask: a
question was asked first; ignore: nothing was done (not understood, or the owner said no)."""

NOT_UNDERSTOOD = "Sorry, I didn't understand."
CANCELLED = "Okay."

# What each intent does, as the owner would say it: "Did you mean play Queen?"
_ACTIONS: Mapping[str, str] = {
    "PlayPlaylist": "play the playlist {playlist}",
    "PlayArtist": "play {artist}",
    "PlayAlbum": "play the album {album}",
    "PlayTrack": "play {track}",
    "PlayGenre": "play {genre}",
    "PlayMusic": "play music from your library",
    "PlayMix": "play your mix",
    "PlayDiscover": "play something new",
    "PlayMoreLikeThis": "play more like this",
    "PlayRadio": "play {station}",
    "PlayPodcast": "play the podcast {podcast}",
    "LikeTrack": "like this song",
    "DislikeTrack": "dislike this song",
    "Shuffle": "turn shuffle {state}",
    "Repeat": "set repeat to {mode}",
    "Pause": "pause",
    "Resume": "resume",
    "Stop": "stop",
    "NextTrack": "skip to the next song",
    "PreviousTrack": "go back a song",
    "VolumeUp": "turn it up",
    "VolumeDown": "turn it down",
    "SetVolume": "set the volume to {level}",
    "Mute": "mute",
    "Unmute": "unmute",
    "SleepTimer": "stop the music in {minutes} minutes",
    "WhatIsPlaying": "tell you what's playing",
}


def describe_action(result: IntentResult) -> str:
    """A short imperative for the result: "play Hello by Adele", "set the volume to 40"."""
    template = _ACTIONS.get(result.intent, result.intent)
    text = template.format_map(_Slots(result.slots))
    artist = result.slots.get("artist")
    if artist is not None and result.intent in ("PlayTrack", "PlayAlbum"):
        text += f" by {artist}"
    return text


def decide(result: IntentResult | None, nlu: NluConfig) -> Decision:
    """What the dialogue does with a new command's reading (rules 2 to 5 above)."""
    if result is None or (result.confidence < nlu.min_confidence and not result.unresolved):
        return "ignore"
    if result.unresolved:
        return "act"  # so that the owner hears which name was not found
    if result.choices or result.confidence < nlu.confirm_below:
        return "ask"
    return "act"


class _Slots(dict[str, object]):
    def __init__(self, slots: Mapping[str, SlotValue]) -> None:
        super().__init__(slots)

    def __missing__(self, key: str) -> str:
        return "it"


@dataclass(frozen=True)
class Turn:
    """One exchange: what was heard, how it was understood, and what the assistant answered."""

    text: str
    result: IntentResult | None
    response: Response
    follow_up: bool
    """True when the assistant asked and will take an answer without the wake word."""
    decision: Decision
    """What the dialogue chose to do with it."""


@dataclass(frozen=True)
class _Pending:
    result: IntentResult
    choices: tuple[Mapping[str, SlotValue], ...]
    """Empty for a yes/no confirmation."""
    asked_at: float


class Dialogue:
    """Text in, Turn out; remembers one pending question between turns."""

    def __init__(
        self,
        *,
        matcher: Matcher,
        skills: Skills,
        config: Config,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._matcher = matcher
        self._skills = skills
        self._config = config
        self._clock = clock
        self._pending: _Pending | None = None

    def use_matcher(self, matcher: Matcher) -> None:
        """Understand with `matcher` from now on (the library or templates were reloaded)."""
        self._matcher = matcher
        self._pending = None

    @property
    def awaiting_answer(self) -> bool:
        return self._live_pending() is not None

    def reading(self, text: str) -> IntentResult | None:
        """What `text` would be understood as, without acting on it or answering a question.

        While a question waits, an answer reads as what it would do: "yes" (or "yes please")
        as the command asked about, "the one from bbc radio one" as that choice; one that
        does nothing yet ("no", "yes" to "Which one?") as None."""
        pending = self._live_pending()
        answer = _answer_to(pending, text) if pending is not None else None
        if answer is None:
            return self._matcher.match(text)
        does, result = answer
        return result if does == "act" else None

    def handle_text(self, text: str) -> Turn:
        answered = self._answer(text)
        if answered is not None:
            return answered
        return self._act(text, self._matcher.match(text))

    def handle_alternatives(self, hypotheses: Sequence[tuple[str, float]]) -> Turn:
        """Recognition alternatives (text, confidence), best first."""
        if not hypotheses:
            return self._reply("", None, Response(NOT_UNDERSTOOD, "not_understood"), "ignore")
        for text, _ in hypotheses:
            answered = self._answer(text, keep_if_unanswered=True)
            if answered is not None:
                return answered
        self._pending = None
        result = self._matcher.match_alternatives(hypotheses)
        return self._act(result.text if result else hypotheses[0][0], result)

    # -- a new command -----------------------------------------------------------------------

    def _act(self, text: str, result: IntentResult | None) -> Turn:
        self._pending = None
        decision = decide(result, self._config.nlu)
        if decision == "ignore" or result is None:
            return self._reply(text, result, Response(NOT_UNDERSTOOD, "not_understood"), "ignore")
        if decision == "ask":
            return self._ask(text, result, result.choices)
        return self._reply(text, result, self._skills.handle(result), "act")

    def _ask(
        self, text: str, result: IntentResult, choices: tuple[Mapping[str, SlotValue], ...]
    ) -> Turn:
        if choices:
            question = "Which one: " + join_or([choice_label(c) for c in choices]) + "?"
        else:
            question = f"Did you mean {describe_action(result)}?"
        self._pending = _Pending(result, choices, self._clock())
        return self._reply(text, result, Response(question, "ask", result.intent, choices), "ask")

    def _reply(
        self, text: str, result: IntentResult | None, response: Response, decision: Decision
    ) -> Turn:
        logger.info(
            "%s -> %s: %s",
            shown(repr(text)),
            result.intent if result else None,
            shown(repr(response.text)),
        )
        follow_up = response.outcome == "ask"
        return Turn(text, result, response, follow_up=follow_up, decision=decision)

    # -- an answer to a question -------------------------------------------------------------

    def _live_pending(self) -> _Pending | None:
        pending = self._pending
        if pending and self._clock() - pending.asked_at > self._config.daemon.follow_up_s:
            logger.info("question about %s expired", pending.result.intent)
            self._pending = pending = None
        return pending

    def _answer(self, text: str, keep_if_unanswered: bool = False) -> Turn | None:
        pending = self._live_pending()
        if pending is None:
            return None
        answer = _answer_to(pending, text)
        if answer is None:
            if not keep_if_unanswered:
                self._pending = None
            return None
        does, result = answer
        if does == "cancel":
            self._pending = None
            cancelled = Response(CANCELLED, "cancelled", pending.result.intent)
            return self._reply(text, None, cancelled, "ignore")
        if does == "ask again":
            # "Yes" does not say which: ask again, and keep waiting.
            self._pending = dataclasses.replace(pending, asked_at=self._clock())
            question = "Which one: " + join_or([choice_label(c) for c in pending.choices])
            return self._reply(
                text,
                pending.result,
                Response(question + "?", "ask", pending.result.intent, pending.choices),
                "ask",
            )
        self._pending = None
        return self._reply(text, result, self._skills.handle(result), "act")


def _answer_to(
    pending: _Pending, text: str
) -> tuple[Literal["act", "cancel", "ask again"], IntentResult] | None:
    """What `text` does as an answer to `pending`: carry out a command (the one asked
    about, or the choice it picked), cancel the question, or leave it to be asked again;
    None when it is no answer (another command, say)."""
    words = normalize(text)
    if words in NO:
        return "cancel", pending.result
    if pending.choices:
        picked = pick_choice(words, pending.choices)
        if picked is not None:
            chosen = dataclasses.replace(
                pending.result, slots={**pending.result.slots, **picked}, choices=()
            )
            return "act", chosen
        if words in YES:
            return "ask again", pending.result
    elif words in YES:
        return "act", pending.result
    return None


BY_PLACE = FILLER | set(ORDINALS) | {"last", "latter", "number", "yes", "yeah", "ok", "okay",
                                     "thanks", "thank", "you"}  # fmt: skip
"""The words of an answer that picks by place alone ("the second one", "yes the last one
please", "number two"): a command with a number in it ("set the volume to two") picks none."""


def pick_choice(
    words: str, choices: Sequence[Mapping[str, SlotValue]]
) -> Mapping[str, SlotValue] | None:
    """The choice an answer names ("the one by adele", "the second one"), or None."""
    tokens = words.split()
    # Only what tells the choices apart counts: "hello by adele" names Adele, not "hello".
    keys = {k for c in choices for k in c}
    differing = [k for k in keys if len({str(c.get(k, "")) for c in choices}) > 1]
    scores = []
    for choice in choices:
        value_words: set[str] = set()
        for key in differing:
            value_words |= set(normalize(str(choice.get(key, ""))).split()) - FILLER
        hits = len(value_words & set(tokens))
        scores.append(hits / len(value_words) if value_words else 0.0)
    best = max(scores, default=0.0)
    if best > 0 and scores.count(best) == 1:
        return choices[scores.index(best)]
    if best == 0 and not set(tokens) <= BY_PLACE:
        return None  # named none of them, and said more than a place
    for token in tokens:
        if token in ("last", "latter"):
            return choices[-1]
        if token in ORDINALS and ORDINALS[token] < len(choices) and token != "one":
            return choices[ORDINALS[token]]
    if tokens and tokens[-1] == "one" and len(tokens) >= 2 and tokens[-2] in ORDINALS:
        index = ORDINALS[tokens[-2]]
        return choices[index] if index < len(choices) else None
    return None
