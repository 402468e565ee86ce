"""Hearing one command: the endpointer finds where it ends, the recogniser says what it was.

A finished command ends sooner. At a short pause (`vad.complete_silence_ms`) the recogniser
is asked what the words so far are; when they are a whole command and nothing the grammar
allows after them would mean something else ("pause" may go on "the music", which is the
same command; "play the album rumours" may go on "by fleetwood mac", which is not), the
utterance ends there instead of after the whole trailing silence (`vad.trailing_silence_ms`).
A recogniser that cannot say (no HearsSoFar) always gets the whole trailing silence.

Words at the pause that are a whole command but doubtful are sent to the second opinion
(asr/second_opinion.py) there; when it agrees before the trailing silence is over, and they
are a finished command, the utterance ends then.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from assistant.asr.base import ChecksSoFar, Forgets, HearsSoFar, Recognizer, SoFar, Transcript
from assistant.asr.second_opinion import DOUBT
from assistant.audio.base import AudioChunk
from assistant.audio.endpoint import Endpointer, Paused, SpeechStarted, Utterance
from assistant.errors import AssistantError
from assistant.nlu.base import IntentResult

logger = logging.getLogger(__name__)

SURE = 0.8
"""The recogniser's confidence below which words never end a command early. A command cut
short at a pause is often heard as some other short command ("play ..." as "wait", at 0.63);
the dialogue would ask about such a hearing anyway (nlu.confirm_below's default)."""

KEEP = DOUBT[1]
"""The confidence at a pause from which that decode is the transcript when nothing more is
said: a command so clear that no second opinion or question follows. Below it the whole
utterance is decoded again, as the confidence fit heard commands: with 200 ms of silence after
the words instead of 500, doubtful commands moved to rejections (bench/bench_end_sooner.py:
3 of 40 piper commands), and ones from 0.8 up to it were sent to whisper, which garbles
espeak's "volume forty" and asked about it."""

Understand = Callable[[str], IntentResult | None]
"""What a sentence would be understood as (Dialogue.reading): no action taken."""


def finished(so_far: SoFar, understand: Understand) -> bool:
    """The words are a whole command the recogniser is sure of, and every longer sentence of
    the grammar they begin means the same (intent, slots and names not found alike).

    Words understood as no command may end only where nothing can follow them: "no" may go
    on "no shuffle", and words that mean nothing yet may go on into ones that do."""
    if not so_far.complete or so_far.longer is None:
        return False
    if so_far.confidence is not None and so_far.confidence < SURE:
        return False
    said = understand(so_far.text)
    if said is None:
        return not so_far.longer
    reading = _reading(said)
    return all(_reading(understand(f"{so_far.text} {more}")) == reading for more in so_far.longer)


def _reading(result: IntentResult | None) -> object:
    if result is None:
        return None
    return (result.intent, sorted(result.slots.items()), sorted(result.unresolved.items()))


class Hearing:
    """One listening turn: audio in, utterances out, each then turned into its transcript.

    The recogniser gets the utterance's audio at each pause and at the end, each sample
    once, so at the end only what came after the last pause is left to give it. When nothing
    was said after the last pause (the utterance ended there, early or after the whole
    trailing silence) and the words there were clear (KEEP) or the second opinion agreed with
    them, the rest is given as silence (HearsSoFar.accept_silence): the decode made at the
    pause is the transcript (pocketsphinx keeps it), so the answer does not wait for a second
    decode of the same words.
    """

    def __init__(
        self, *, endpointer: Endpointer, recognizer: Recognizer, understand: Understand | None
    ) -> None:
        """`understand` None: never end early."""
        self._endpointer = endpointer
        self._recognizer = recognizer
        self._understand = understand
        self._fed = 0
        """Bytes of the current utterance's audio given to the recogniser."""
        self._paused_end: float | None = None
        """Where the speech ended at the last pause whose words were clear (KEEP), or checked
        by the second opinion."""
        self._checking: float | None = None
        """Where the speech ended at a pause whose doubtful words await a second opinion."""

    def warm_up(self, chunk: AudioChunk) -> None:
        self._endpointer.warm_up(chunk)

    def process(self, chunk: AudioChunk) -> list[SpeechStarted | Utterance]:
        """What happened in `chunk`: speech started, an utterance ended."""
        found: list[SpeechStarted | Utterance] = []
        for event in self._endpointer.process(chunk):
            if isinstance(event, Paused):
                ended = self._at_pause(event)
                if ended is not None:
                    found.append(ended)
            else:
                found.append(event)
        if self._checking is not None and not any(isinstance(e, Utterance) for e in found):
            ended = self._checked()
            if ended is not None:
                found.append(ended)
        return found

    def transcript(self, utterance: Utterance) -> Transcript:
        """What was said in `utterance` (the last one `process` returned)."""
        silent_since_pause = not utterance.capped and utterance.end == self._paused_end
        recognizer = self._recognizer
        checking = not utterance.capped and utterance.end == self._checking
        if checking and not silent_since_pause and isinstance(recognizer, ChecksSoFar):
            # Nothing said since a pause whose doubtful words whisper is checking: its opinion
            # is waited for (finish() would wait for it too), and if it agrees the pause's
            # decode stands instead of the primary decoding the same words again.
            silent_since_pause = recognizer.checked_so_far(wait=True) is not None
        self._feed(utterance.audio, silence=silent_since_pause)
        self._fed = 0
        self._paused_end = self._checking = None
        return self._recognizer.finish()

    def abandon(self) -> None:
        """Listening stops mid-utterance: the recogniser forgets what it was given."""
        self._paused_end = self._checking = None
        if self._fed:
            self._fed = 0
            try:
                if isinstance(self._recognizer, Forgets):
                    self._recognizer.forget()
                else:
                    self._recognizer.finish()
            except AssistantError as exc:
                logger.warning("hearing: %s", exc)

    def _at_pause(self, pause: Paused) -> Utterance | None:
        recognizer = self._recognizer
        if self._understand is None or not isinstance(recognizer, HearsSoFar):
            return None
        self._feed(pause.audio)
        self._paused_end = self._checking = None
        try:
            so_far = recognizer.so_far()
        except AssistantError as exc:
            logger.warning("hearing: no early end (%s)", exc)
            return None
        clear = so_far is not None and so_far.complete and (so_far.confidence or 0.0) >= KEEP
        self._paused_end = pause.end if clear else None
        if so_far is None or not finished(so_far, self._understand):
            if so_far is not None:
                logger.debug("hearing: %r at a pause: listening on", so_far.text)
                if so_far.complete and isinstance(recognizer, ChecksSoFar):
                    self._checking = pause.end
            return None
        logger.debug("hearing: %r is a finished command: ending at the pause", so_far.text)
        return self._endpointer.end_here()

    def _checked(self) -> Utterance | None:
        """The utterance, ended now (still silent since the pause) when the second opinion on
        the pause's words has come in agreeing and they are a finished command. Agreeing on
        words that may go on, it lets the pause's decode stand should nothing more be said."""
        assert isinstance(self._recognizer, ChecksSoFar) and self._understand is not None
        if not self._endpointer.paused:
            self._checking = None  # speech came back: the next pause is asked about anew
            return None
        so_far = self._recognizer.checked_so_far()
        if so_far is None:
            return None
        pause_end, self._checking = self._checking, None
        # Agreed words are as good as clear ones (KEEP): if nothing more is said, the pause's
        # decode is the transcript, and the primary does not decode the same words again.
        self._paused_end = pause_end
        if not finished(so_far, self._understand):
            return None
        ended = self._endpointer.end_here()
        if ended is not None:
            logger.debug("hearing: %r checked: ending in the pause", so_far.text)
        return ended

    def _feed(self, audio: AudioChunk, *, silence: bool = False) -> None:
        """Give the recogniser what it has not had of `audio` (the utterance so far);
        `silence`: nothing in it was speech, and the recogniser has heard the words before."""
        rest = audio.samples[self._fed :]
        if not rest:
            return
        frame = audio.width * audio.channels
        offset = self._fed // frame / audio.rate
        chunk = AudioChunk(rest, audio.rate, audio.width, audio.channels, audio.timestamp + offset)
        if silence and isinstance(self._recognizer, HearsSoFar):
            self._recognizer.accept_silence(chunk)
        else:
            self._recognizer.accept(chunk)
        self._fed += len(rest)
