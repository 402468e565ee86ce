"""The always-on loop: wake, listen, understand, act, answer, with an explicit state machine.

One loop thread owns every decision. Other threads only put immutable events on its queue:
the audio thread (microphone chunks), the speaker (speech started/finished), the player
(through the skills' event pump), the control socket (requests that wait for the loop's
reply), and signal handlers (stop, reload).

    IDLE ──wake──▶ LISTENING ──end of speech──▶ THINKING ──▶ SPEAKING ──done──▶ IDLE
      ▲               │ no speech in time            │ silent answer          │ question:
      └───────────────┴──────────────────────────────┘                        ▼ LISTENING
Music is ducked from the wake word until the answer has been spoken, except after a play
command, whose answer is spoken over the music's fade-in; the wake word during an answer stops
it (barge-in). A transport or volume command that did what it was told is confirmed with an
earcon, or nothing (speech.confirm), not a sentence over ducked music.
"""

from __future__ import annotations

import enum
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

from assistant.asr.base import ConfirmsWake, Recognizer, Transcript, WakeDetector
from assistant.audio.base import AudioChunk, AudioSource
from assistant.audio.endpoint import Endpointer, SpeechStarted, Utterance
from assistant.control import PendingRequest
from assistant.dialogue import Dialogue, Turn
from assistant.errors import AssistantError
from assistant.hearing import Hearing
from assistant.logsafe import shown
from assistant.nlu.base import IntentResult
from assistant.player.base import Player
from assistant.skills.base import Response
from assistant.skills.registry import Skills
from assistant.tts.base import SpeechEvent, SpeechFinished
from assistant.tts.base import SpeechStarted as SpokenStarted

logger = logging.getLogger(__name__)

TICK_S = 0.05
NO_SPEECH_TIMEOUT_S = 5.0
"""After the wake word, give up listening when no speech starts within this time."""
IDLE_BATCH_S = 0.09
"""While idle, microphone chunks reach the loop in batches at least this long: the wake word
needs no finer steps, and every hand-over between threads costs CPU (bench_daemon, idle, 30 ms
chunks: 3.9 % of a core one by one, 3.0 % batched). Once awake, every chunk goes at once."""


RECENT_S = 4.0
"""Audio kept while the wake word is listened for. The detector fires a little after the phrase
ended (in process ~0.1 s; seen up to ~1.8 s on a loaded machine), and a command said in the
same breath is decoded from the phrase's end, out of this."""


WAKE_EARCON_WAIT_S = 0.35
"""The wake earcon sounds only once this much audio after the wake phrase held no speech: a
command said in the same breath has been seen to start by then (the endpointer needs ~0.12 s
of it), and nobody is beeped at mid-sentence."""
EARCON_SOUND_S = 0.4
"""How long after the wake earcon is started the microphone hears it: the tone's 0.16 s
through the output's and the input's buffers. An owner answering the tone starts later."""
EARCON_ECHO_S = 0.6
"""...and until when its echo in the room may still be heard. "Speech" that started within
the sound and was over within the echo was the earcon, never a command."""

CONFIRM_BEFORE_S = 1.0
CONFIRM_AFTER_S = 1.0
"""A wake is confirmed (ConfirmsWake) on the audio from CONFIRM_BEFORE_S before where the
phrase was said to end (the phrase itself) to CONFIRM_AFTER_S after it, or to the end of a
shorter command: the phrase and the command's first words. Run-on wakes always are, and the
model's own when the command went straight on from the phrase (STRAIGHT_ON_S). Measured on
piper's six voices and espeak's four: 45 of 50 run-on wakes on "alexa <command>" in one
breath confirmed, none of 54 on commands said without it (the whole command instead: 41 of
50)."""

TAIL_START_S = 0.15
TAIL_LONGEST_S = 0.45
TAIL_CONFIDENCE = 0.3
"""An utterance that began within TAIL_START_S of where the wake phrase was said to end,
lasted at most TAIL_LONGEST_S and was heard at under TAIL_CONFIDENCE (nlu.min_confidence's
default) or not at all was the phrase's own last sound: listening began inside it (a phrase
end is the detector's firing minus a lag measured on one voice), and the pause after it ended
that scrap as an utterance. The command said after the pause is listened for instead of
answering "Sorry"."""
STRAIGHT_ON_S = TAIL_START_S
"""Speech that began within this of where the wake phrase ended went straight on from it: a
wake the model heard as the phrase before a pause is confirmed then (_confirm_straight_on)."""

ConfirmMode = Literal["earcon", "none", "speech"]


class State(enum.Enum):
    IDLE = "idle"
    LISTENING = "listening"
    THINKING = "thinking"
    SPEAKING = "speaking"


# --- what arrives on the loop's queue ------------------------------------------------------


@dataclass(frozen=True)
class AudioIn:
    chunk: AudioChunk


@dataclass(frozen=True)
class Spoken:
    event: SpeechEvent


@dataclass(frozen=True)
class StopRequest:
    reason: str


@dataclass(frozen=True)
class ReloadRequest:
    pass


@dataclass(frozen=True)
class MicrophoneState:
    """From the audio thread: the microphone opened (`missing` is "") or cannot be opened."""

    missing: str


LoopEvent = AudioIn | Spoken | PendingRequest | StopRequest | ReloadRequest | MicrophoneState


@dataclass(frozen=True)
class TurnRecord:
    """The last exchange, for `assistant ctl status` and logs."""

    heard: str
    intent: str | None
    response: str
    at: float
    latency_s: float | None
    """End of speech to the answer being ready (None for typed commands)."""


class Speech(Protocol):
    """What the daemon needs of the voice (assistant.tts.output.VoiceOutput)."""

    def say(self, text: str) -> None: ...
    def interrupt(self) -> None: ...
    def earcon(self, name: str) -> None: ...


class Daemon:
    """The loop. Build it with its collaborators (assistant.app does), then `run()`."""

    def __init__(
        self,
        *,
        dialogue: Dialogue,
        skills: Skills,
        player: Player,
        recognizer: Recognizer,
        wake: WakeDetector | None,
        make_endpointer: Callable[[], Endpointer],
        speech: Speech,
        follow_up_s: float,
        on_reload: Callable[[], Sequence[str] | None] | None = None,
        speech_on: bool = True,
        confirm: ConfirmMode = "earcon",
        fade_in_s: float = 0.6,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`on_reload` re-reads the config and returns the settings that changed but wait for a
        restart; `speech_on` is false when spoken answers are switched off in the config;
        `confirm` is speech.confirm; `fade_in_s` (player.fade_in_ms) how long music takes to
        come back under a play command's answer (0: it stays ducked until the answer ends)."""
        self.dialogue = dialogue
        self.skills = skills
        self.player = player
        self.recognizer = recognizer
        self.wake = wake
        self._make_endpointer = make_endpointer
        self._speech = speech
        self._follow_up_s = follow_up_s
        self._on_reload = on_reload
        self._speech_on = speech_on
        self._confirm = confirm
        self._fade_in_s = fade_in_s
        self._clock = clock
        self.events: queue.SimpleQueue[LoopEvent] = queue.SimpleQueue()
        self.state = State.IDLE
        self.started_at = clock()
        self.last_turn: TurnRecord | None = None
        self._hearing: Hearing | None = None
        self._listen_deadline = 0.0
        self._heard_speech = False
        self._earcon_due: float | None = None
        """Source time at which the wake earcon sounds unless speech has started by then."""
        self._earcon_at = float("-inf")
        """Source time at which the wake earcon was played."""
        self._heard_until = 0.0
        """Source time of the end of the latest chunk from the microphone."""
        self._idle_batch: list[AudioChunk] = []
        self._recent = RecentAudio(RECENT_S)
        self._phrase_end: float | None = None
        """Where the wake phrase that started this listening ended (None: not a wake)."""
        self._after_tail = False
        """Listening on after the phrase's tail: if nothing follows, that scrap is answered."""
        self._confirming: list[AudioChunk] | None = None
        """After a wake, while it may need confirming: the audio to confirm it on."""
        self._confirm_at = 0.0
        """Source time by which that audio is complete (CONFIRM_AFTER_S)."""
        self._run_on = False
        """The wake was run on (WakeEvent.run_on): nothing is heard until it is confirmed."""
        self._speaking: set[str] = set()
        self._follow_up_after_speech = False
        self._ducked = False
        self._running = False
        self._state_lock = threading.Lock()
        self._last_tick = 0.0
        self._listeners: list[PendingRequest] = []
        """`assistant ctl listen` requests waiting for the command they asked to hear."""
        self._announcing: dict[str, list[PendingRequest]] = {}
        """`assistant ctl announce` requests waiting for their text to have been spoken."""
        self._listening_for = "the wake word"
        self._microphone = "not opened yet"
        """For status: "open", "not opened yet", or "none: <why>"."""
        self._no_microphone = ""
        """Why the microphone cannot be opened; "" while it is open (or not tried yet)."""
        self._restart_needed: tuple[str, ...] = ()
        """Settings changed on reload that only a restart applies."""

    # --- called from other threads: enqueue only ----------------------------------------

    def feed(self, chunk: AudioChunk) -> None:
        """From the audio thread. Reading the state there is a benign race: at worst one batch
        is handed over a chunk later."""
        idle = self.state is State.IDLE
        batch = self._idle_batch
        if batch and not (idle and _continues(batch[-1], chunk)):
            self.events.put(AudioIn(_joined(batch)))  # awake now, or the stream broke
            batch.clear()
        if idle:
            batch.append(chunk)
            if sum(c.seconds for c in batch) < IDLE_BATCH_S:
                return
            chunk = _joined(batch)
            batch.clear()
        self.events.put(AudioIn(chunk))

    def on_speech_event(self, event: SpeechEvent) -> None:
        self.events.put(Spoken(event))

    def submit(self, pending: PendingRequest) -> None:
        """A control request for the loop (from the control socket's thread)."""
        self.events.put(pending)

    def request_stop(self, reason: str = "stop requested") -> None:
        self.events.put(StopRequest(reason))

    def request_reload(self) -> None:
        self.events.put(ReloadRequest())

    def microphone_changed(self, missing: str) -> None:
        """From the audio thread: "" when the microphone is open, else why it is not."""
        self.events.put(MicrophoneState(missing))

    # --- the loop -------------------------------------------------------------------------

    def run(self) -> None:
        """Handle events until a stop request; the caller closes the collaborators after."""
        self._running = True
        logger.info("daemon: running (state %s)", self.state.value)
        while self._running:
            try:
                event = self.events.get(timeout=TICK_S)
            except queue.Empty:
                event = None
            try:
                if event is not None:
                    self._handle(event)
                self._periodic()
            except Exception:
                # Whatever one event did wrong, the daemon keeps listening.
                logger.exception("daemon: failed handling %s", type(event).__name__)
                self._return_to_idle()
        self._fail_waiting("the assistant is stopping")
        logger.info("daemon: stopped")

    def _handle(self, event: LoopEvent) -> None:
        if isinstance(event, AudioIn):
            self._audio(event.chunk)
        elif isinstance(event, Spoken):
            self._spoken(event.event)
        elif isinstance(event, PendingRequest):
            self._control(event)
        elif isinstance(event, StopRequest):
            logger.info("daemon: stopping (%s)", event.reason)
            self._running = False
        elif isinstance(event, ReloadRequest):
            self._reload()
        elif isinstance(event, MicrophoneState):
            self._no_microphone = event.missing
            self._microphone = f"none: {event.missing}" if event.missing else "open"

    def _periodic(self) -> None:
        now = self._clock()
        if now - self._last_tick >= TICK_S:  # not after each of the ~33 audio chunks a second
            self._last_tick = now
            self.skills.tick()
            if self.state is State.IDLE:
                # Said only when idle, never over the owner's command or its answer.
                for response in self.skills.context.announcements.take():
                    self._announce(response.text)
        listening = self.state is State.LISTENING and not self._heard_speech
        if listening and self._clock() > self._listen_deadline:
            logger.info("daemon: no speech after %s", self._listening_for)
            if self._after_tail:
                # Nothing came after all: the scrap was all there was, answered as such.
                self._set_state(State.THINKING)
                self._answer(self.dialogue.handle_alternatives([]), None)
            else:
                self._return_to_idle()

    # --- audio: wake word, listening ------------------------------------------------------

    def _audio(self, chunk: AudioChunk) -> None:
        self._heard_until = chunk.timestamp + chunk.seconds
        awake = self.state in (State.IDLE, State.SPEAKING) and self.wake is not None
        if awake and self.wake is not None:
            self._recent.add(chunk)
            woke = self.wake.process(chunk)
            if woke is None:
                return
            confirms = self._confirms()
            if woke.run_on and (self.state is State.SPEAKING or confirms is None):
                # While speaking, the assistant's own "playing s..." may be what woke it: a
                # barge-in needs the phrase said as such ("Alexa, stop").
                why = "while speaking" if confirms else "that cannot be confirmed"
                logger.info("daemon: a run-on wake %s: ignored", why)
                return
            if self.state is State.SPEAKING:
                logger.info("daemon: barge-in")
                self._speech.interrupt()
            # A run-on wake may be a command said without the phrase: the music stays as it
            # is until the phrase is confirmed.
            self.start_listening(NO_SPEECH_TIMEOUT_S, after="the wake word", duck=not woke.run_on)
            # The command starts where the phrase ended: in one breath, it is already under way.
            phrase_end = woke.phrase_end if woke.phrase_end is not None else woke.when
            before, after = self._recent.split(phrase_end)
            self._recent.clear()
            if confirms is not None:
                self._confirming = _last(before, CONFIRM_BEFORE_S)
                self._confirm_at = phrase_end + CONFIRM_AFTER_S
            self._run_on = woke.run_on
            if woke.run_on:
                before = []  # heard once confirmed, from where the recogniser says it ended
            else:
                self._hear_from(phrase_end)
            self._hear(before, after)
            return
        if self.state is State.LISTENING:
            self._listen(chunk)

    def _hear_from(self, phrase_end: float, *, earcon: bool = True) -> None:
        """The command is listened to from `phrase_end` on; `earcon`: the wake earcon sounds
        if it does not follow at once (a run-on wake's is under way: it never does)."""
        self._phrase_end = phrase_end
        self._earcon_due = phrase_end + WAKE_EARCON_WAIT_S if earcon else None

    def _hear(self, before: list[AudioChunk], after: list[AudioChunk]) -> None:
        """Audio from before the command (the room, for the endpointer), then the command's."""
        if self._hearing is not None:
            for piece in before:
                self._hearing.warm_up(piece)
        for piece in after:
            if self.state is not State.LISTENING:
                break
            self._listen(piece)

    def _listen(self, chunk: AudioChunk) -> None:
        if self._hearing is None:
            return
        if self._confirming is not None:
            if self._run_on or chunk.timestamp < self._confirm_at:
                self._confirming.append(chunk)
            if self._run_on:
                if chunk.timestamp + chunk.seconds >= self._confirm_at:
                    self._confirm_run_on()
                return
        for found in self._hearing.process(chunk):
            if isinstance(found, SpeechStarted):
                self._heard_speech = True
            elif isinstance(found, Utterance):
                if self._is_earcon(found):
                    logger.info("daemon: ignored the earcon's own sound on the microphone")
                    self._heard_speech = False
                    self._hearing.abandon()  # the recogniser forgets it; listening goes on
                    continue
                if self._confirming is not None and not self._confirm_straight_on(found):
                    return
                self._understand(found)
                return
        self._wake_earcon(chunk.timestamp + chunk.seconds)

    def _confirms(self) -> ConfirmsWake | None:
        """The recogniser, when it can confirm the wake phrase this detector listens for."""
        recognizer = self.recognizer
        if isinstance(recognizer, ConfirmsWake) and recognizer.wake_phrase:
            return recognizer
        return None

    def _wake_phrase_end(self) -> float | None:
        """Where the recogniser heard the wake phrase end in the audio kept to confirm it
        (source time), or None when it heard none there."""
        assert self._confirming is not None
        audio, self._confirming = _joined(self._confirming), None
        recognizer = self._confirms()
        assert recognizer is not None  # or nothing would have been kept
        try:
            end = recognizer.wake_phrase_end(audio)
        except AssistantError as exc:
            logger.warning("daemon: the wake phrase could not be confirmed: %s", exc)
            return None
        return None if end is None else audio.timestamp + end

    def _confirm_run_on(self) -> None:
        """After a run-on wake: the command is heard from where the recogniser says the
        phrase ended, or, when it heard no phrase there, the assistant is idle again without
        a sound (the music never ducked)."""
        assert self._confirming is not None
        audio = _joined(self._confirming)
        phrase_end = self._wake_phrase_end()
        if phrase_end is None:
            logger.info("daemon: no wake phrase before that speech (a command without it?)")
            self._return_to_idle()
            return
        logger.info("daemon: the wake phrase was said straight on, ending at %.2f s", phrase_end)
        self._duck()
        self._hear_from(phrase_end, earcon=False)
        self._hear(*_split_at([audio], phrase_end))

    def _confirm_straight_on(self, utterance: Utterance) -> bool:
        """A wake the model heard itself, as the phrase before a pause: when the command that
        just ended went on at once instead, the wake is confirmed as a run-on one is ("play
        s|ome music" woke alexa's model at 0.95-0.995 too). False: it was not, and the
        assistant is idle again."""
        assert self._phrase_end is not None
        straight_on = utterance.start - self._phrase_end <= STRAIGHT_ON_S
        if not straight_on or utterance.end - utterance.start <= TAIL_LONGEST_S:
            self._confirming = None  # a pause after the phrase, or its own tail (TAIL_START_S)
            return True
        if self._wake_phrase_end() is not None:
            logger.info("daemon: the wake phrase was said straight into the command")
            return True
        logger.info("daemon: no wake phrase before that speech (a command without it?)")
        self._return_to_idle()
        return False

    def _wake_earcon(self, now: float) -> None:
        """The "I'm listening" tone, once the owner has not simply gone on talking; `now` is
        the source time listened up to."""
        if self._earcon_due is None:
            return
        if self._heard_speech:
            logger.debug("daemon: the command is under way; no wake earcon")
            self._earcon_due = None
        elif now >= self._earcon_due:
            self._earcon_due = None
            self._speech.earcon("wake")
            # Played now, so heard from the newest audio on, however far the replay has got.
            self._earcon_at = self._heard_until

    def _is_phrase_tail(self, utterance: Utterance, transcript: Transcript) -> bool:
        """The utterance was the end of the wake phrase itself (see TAIL_START_S)."""
        if self._phrase_end is None:
            return False
        began = utterance.start - self._phrase_end
        short = utterance.end - utterance.start <= TAIL_LONGEST_S
        unheard = not transcript.text or transcript.confidence < TAIL_CONFIDENCE
        return began <= TAIL_START_S and short and unheard

    def _is_earcon(self, utterance: Utterance) -> bool:
        """The microphone heard the wake earcon itself."""
        began = utterance.start - self._earcon_at
        return began <= EARCON_SOUND_S and utterance.end - self._earcon_at <= EARCON_ECHO_S

    def start_listening(
        self, timeout_s: float, after: str = "the wake word", *, duck: bool = True
    ) -> None:
        """Listen for one command (after the wake word, for a follow-up, or push-to-talk);
        `after` says what started it, for the log when nothing is said; `duck`: the music is
        lowered now (else once the wake is confirmed)."""
        self._listening_for = after
        self._confirming = None
        if duck:
            self._duck()
        self._stop_hearing()
        if self.wake is not None:
            # Not fed while listening and thinking: fed again for a barge-in, microWakeWord
            # still held the phrase it fired on and fired again at once, cutting the answer
            # short ("Did you mean ...?", then "barge-in", in bench_daemon's one breath).
            self.wake.reset()
        self._hearing = Hearing(
            endpointer=self._make_endpointer(),
            recognizer=self.recognizer,
            understand=self.dialogue.reading,
        )
        self._heard_speech = False
        self._earcon_due = None
        self._phrase_end = None
        self._after_tail = False
        self._listen_deadline = self._clock() + timeout_s
        self._set_state(State.LISTENING)

    def _understand(self, utterance: Utterance) -> None:
        self._set_state(State.THINKING)
        hearing, self._hearing = self._hearing, None
        try:
            transcript = hearing.transcript(utterance) if hearing else Transcript(())
        except AssistantError as exc:
            logger.error("daemon: recognition failed: %s", exc)
            transcript = Transcript(())
        hypotheses = [(h.text, h.confidence) for h in transcript.alternatives if h.text]
        logger.info(
            "daemon: heard %r%s",
            transcript.text,
            f" (rejected: {transcript.rejected!r})" if transcript.rejected else "",
        )
        if hearing is not None and self._is_phrase_tail(utterance, transcript):
            # As for the earcon's sound: the same hearing listens on (its endpointer keeps
            # the room and the pre-roll), with the whole wait for a command again.
            logger.info("daemon: that was the wake phrase's own tail; listening on")
            self._hearing, self._heard_speech = hearing, False
            self._phrase_end, self._after_tail = None, True
            self._listen_deadline = self._clock() + NO_SPEECH_TIMEOUT_S
            self._set_state(State.LISTENING)
            return
        turn = self.dialogue.handle_alternatives(hypotheses)
        latency = time.monotonic() - utterance.speech_end_monotonic
        self._answer(turn, latency)

    # --- answering ------------------------------------------------------------------------

    def _answer(self, turn: Turn, latency_s: float | None) -> None:
        self._tell_listeners(turn)
        result = turn.result
        self.last_turn = TurnRecord(
            heard=turn.text,
            intent=result.intent if result else None,
            response=turn.response.text,
            at=time.time(),
            latency_s=latency_s,
        )
        logger.info(
            "daemon: %s -> %s: %r%s",
            turn.text or "(nothing)",
            result.intent if result else "no match",
            turn.response.text,
            f" ({latency_s * 1000:.0f} ms after speech)" if latency_s is not None else "",
        )
        response = turn.response
        if response.outcome == "not_understood" and not response.text:
            self._speech.earcon("error")
        if response.plain and self._confirm != "speech":
            # The owner hears the music pause, skip or get louder: no sentence over it.
            self._return_to_idle()
            if self._confirm == "earcon":
                self._speech.earcon("confirm")
            return
        if response.starts_music and self._fade_in_s > 0:
            self._unduck(self._fade_in_s)  # the answer is spoken over the music coming back
        self._follow_up_after_speech = turn.follow_up
        if response.text:
            self._speaking.add(turn.response.text)
            self._set_state(State.SPEAKING)
            self._speech.say(turn.response.text)
        elif turn.follow_up:
            self.start_listening(self._follow_up_s, after="the question")
        else:
            self._return_to_idle()

    def _announce(self, text: str) -> None:
        """Something learnt after its command was answered ("Jazz FM isn't answering"), or an
        `assistant ctl announce`: spoken over ducked music."""
        logger.info("daemon: announcing %s", shown(repr(text)))
        self._duck()
        self._follow_up_after_speech = False
        self._speaking.add(text)
        self._set_state(State.SPEAKING)
        self._speech.say(text)

    def _spoken(self, event: SpeechEvent) -> None:
        if isinstance(event, SpokenStarted):
            return
        if isinstance(event, SpeechFinished):
            for pending in self._announcing.pop(event.text, []):
                pending.answer(announced=event.text, interrupted=event.interrupted)
            self._speaking.discard(event.text)
            if self._speaking or self.state is not State.SPEAKING:
                return
            if self._follow_up_after_speech and not event.interrupted:
                self.start_listening(self._follow_up_s, after="the question")
            else:
                self._return_to_idle()

    def _tell_listeners(self, turn: Turn | None) -> None:
        fields = _turn_fields(turn) if turn is not None else {"heard": "", "response": ""}
        for pending in self._listeners:
            pending.answer(**fields)
        self._listeners.clear()

    def _return_to_idle(self) -> None:
        self._confirming = None
        self._tell_listeners(None)
        self._stop_hearing()
        self._speaking.clear()
        self._unduck()
        if self.wake is not None:
            self.wake.reset()
        self._set_state(State.IDLE)

    def _stop_hearing(self) -> None:
        if self._hearing is not None:
            self._hearing.abandon()
            self._hearing = None

    def _duck(self) -> None:
        if not self._ducked:
            self.player.duck()
            self._ducked = True

    def _unduck(self, fade_s: float = 0.0) -> None:
        if self._ducked:
            self.player.unduck(fade_s)
            self._ducked = False

    def _set_state(self, state: State) -> None:
        if state is not self.state:
            logger.debug("daemon: %s -> %s", self.state.value, state.value)
            with self._state_lock:
                self.state = state

    # --- control socket and signals -------------------------------------------------------

    def _control(self, pending: PendingRequest) -> None:
        request = pending.request
        try:
            if request.cmd == "status":
                pending.answer(**self.status())
            elif request.cmd == "say":
                self._speech.interrupt()
                self._duck()
                turn = self.dialogue.handle_text(request.text)
                self._answer(turn, None)
                pending.answer(**_turn_fields(turn))
            elif request.cmd == "announce":
                self._control_announce(pending)
            elif request.cmd == "listen":
                self._control_listen(pending)
            elif request.cmd == "stop":
                self._speech.interrupt()
                self._return_to_idle()
                # Like saying "stop", without an answer spoken over the silence asked for.
                stopped = self.skills.handle(IntentResult("Stop", {}, 1.0, text="stop"))
                pending.answer(response=stopped.text)
            elif request.cmd == "shutdown":
                pending.answer()
                self.request_stop("assistant ctl shutdown")
            else:
                pending.fail(f"unknown command {request.cmd!r}")
        except Exception as exc:
            logger.exception("daemon: control request %r failed", request)
            pending.fail(f"failed: {exc}")

    def _fail_waiting(self, message: str) -> None:
        """Answer every control request still waiting, so no client waits for its timeout."""
        waiting = [*self._listeners, *(p for ps in self._announcing.values() for p in ps)]
        while True:
            try:
                event = self.events.get_nowait()
            except queue.Empty:
                break
            if isinstance(event, PendingRequest):
                waiting.append(event)
        for pending in waiting:
            pending.fail(message)
        self._listeners.clear()
        self._announcing.clear()

    def _control_announce(self, pending: PendingRequest) -> None:
        """Answered once spoken; said when idle, like the skills' own announcements."""
        if not self._speech_on:
            pending.fail("speech is switched off (speech.enabled: false): nothing was said")
            return
        text = pending.request.text
        for text_waiting, waiting in list(self._announcing.items()):  # clients that gave up
            if not [p for p in waiting if not p.reply.done()]:
                del self._announcing[text_waiting]
        self._announcing.setdefault(text, []).append(pending)
        self.skills.context.announcements.add(Response(text, "ok", "announce"))

    def _control_listen(self, pending: PendingRequest) -> None:
        """Answered when the command has been heard and acted on (or nothing was said)."""
        if self._no_microphone:
            pending.fail(f"there is no microphone to listen with: {self._no_microphone}")
            return
        self._speech.interrupt()
        self._listeners.append(pending)
        self.start_listening(NO_SPEECH_TIMEOUT_S, after="assistant ctl listen")

    def status(self) -> dict[str, Any]:
        from assistant.console import status_json  # one JSON shape for the player everywhere

        last = self.last_turn
        return {
            "state": self.state.value,
            "player": status_json(self.player.status()),
            "engine": self.recognizer.name,
            "wake": self.wake.name if self.wake is not None else "none (push-to-talk)",
            "microphone": self._microphone,
            "uptime_s": round(self._clock() - self.started_at, 1),
            "restart_needed": list(self._restart_needed),
            "last": None
            if last is None
            else {
                "heard": last.heard,
                "intent": last.intent,
                "response": last.response,
                "at": last.at,
                "latency_ms": None if last.latency_s is None else round(last.latency_s * 1000),
            },
        }

    def _reload(self) -> None:
        if self._on_reload is None:
            return
        logger.info("daemon: reloading the config and rescanning the library")
        try:
            waiting = self._on_reload()
        except AssistantError as exc:
            logger.error("daemon: reload failed, keeping the old settings: %s", exc)
            return
        self._restart_needed = tuple(waiting or ())


def _turn_fields(turn: Turn) -> dict[str, Any]:
    result = turn.result
    return {
        "heard": turn.text,
        "intent": result.intent if result else None,
        "slots": dict(result.slots) if result else {},
        "response": turn.response.text,
        "follow_up": turn.follow_up,
    }


def _continues(before: AudioChunk, chunk: AudioChunk) -> bool:
    """`chunk` follows `before` directly, in the same format (a re-opened microphone does not)."""
    same = (before.rate, before.width, before.channels) == (chunk.rate, chunk.width, chunk.channels)
    return same and abs(before.timestamp + before.seconds - chunk.timestamp) < 0.001


def _last(chunks: list[AudioChunk], seconds: float) -> list[AudioChunk]:
    """The end of `chunks`: whole chunks covering at least the last `seconds`."""
    held, kept = 0.0, len(chunks)
    while kept > 0 and held < seconds:
        kept -= 1
        held += chunks[kept].seconds
    return chunks[kept:]


def _split_at(chunks: Iterable[AudioChunk], t: float) -> tuple[list[AudioChunk], list[AudioChunk]]:
    """`chunks` (in order) from before source time `t`, and from `t` on."""
    before: list[AudioChunk] = []
    after: list[AudioChunk] = []
    for chunk in chunks:
        if chunk.timestamp + chunk.seconds <= t:
            before.append(chunk)
        elif chunk.timestamp >= t:
            after.append(chunk)
        else:
            frame = chunk.width * chunk.channels
            cut = round((t - chunk.timestamp) * chunk.rate)
            before.append(replace(chunk, samples=chunk.samples[: cut * frame]))
            after.append(
                replace(
                    chunk,
                    samples=chunk.samples[cut * frame :],
                    timestamp=chunk.timestamp + cut / chunk.rate,
                )
            )
    return before, after


def _joined(chunks: list[AudioChunk]) -> AudioChunk:
    first = chunks[0]
    return replace(first, samples=b"".join(c.samples for c in chunks))


class RecentAudio:
    """The last few seconds of chunks, to go back to a moment just past."""

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._chunks: deque[AudioChunk] = deque()
        self._held = 0.0

    def add(self, chunk: AudioChunk) -> None:
        self._chunks.append(chunk)
        self._held += chunk.seconds
        while self._held - self._chunks[0].seconds >= self._seconds:
            self._held -= self._chunks.popleft().seconds

    def split(self, t: float) -> tuple[list[AudioChunk], list[AudioChunk]]:
        """What is held from before source time `t`, and from `t` on."""
        return _split_at(self._chunks, t)

    def clear(self) -> None:
        self._chunks.clear()
        self._held = 0.0


class AudioFeed:
    """The audio thread: opens the microphone (retrying while there is none) and puts every
    chunk on the daemon's queue. A microphone lost while open is re-opened by the source."""

    RETRY_S = 5.0

    def __init__(self, *, open_source: Callable[[], AudioSource], daemon: Daemon) -> None:
        self._open_source = open_source
        self._daemon = daemon
        self._stopping = threading.Event()
        self._source: AudioSource | None = None
        self._thread = threading.Thread(target=self._run, name="audio-feed", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        warned = False
        while not self._stopping.is_set():
            try:
                self._source = self._open_source()
            except AssistantError as exc:
                if not warned:
                    logger.error("microphone: %s (retrying every %g s)", exc, self.RETRY_S)
                    self._daemon.microphone_changed(str(exc))
                    warned = True
                self._stopping.wait(self.RETRY_S)
                continue
            self._daemon.microphone_changed("")
            if warned:
                logger.info("microphone: open")
                warned = False
            try:
                for chunk in self._source.chunks():
                    self._daemon.feed(chunk)
            except AssistantError as exc:
                logger.error("microphone: %s", exc)
                self._daemon.microphone_changed(str(exc))
            finally:
                self._source.close()
            self._stopping.wait(self.RETRY_S)

    def close(self) -> None:
        self._stopping.set()
        if self._source is not None:
            self._source.close()
        self._thread.join(timeout=5)
