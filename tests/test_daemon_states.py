"""The daemon's conversation, in process: every transition of IDLE / LISTENING / THINKING /
SPEAKING with the real loop thread, dialogue, skills, catalogue and mpv (ao=null).

Fakes stand only where this machine has no hardware, each behind its Protocol: the clock
(the no-speech and follow-up deadlines), the wake detector, the end-of-speech detector and
the recogniser (a marked chunk says what was "heard"), and the voice (it records what was said
and reports speech events as the real Speaker does, when the test says the sentence ended).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from threading import Thread
from typing import Any, cast

import pytest

from assistant.asr.base import Grammar, Hypothesis, Transcript, WakeEvent
from assistant.audio.base import AudioChunk
from assistant.audio.endpoint import Endpointer, SpeechStarted, Utterance
from assistant.control import ControlRequest, PendingRequest
from assistant.daemon import (
    CONFIRM_AFTER_S,
    EARCON_ECHO_S,
    EARCON_SOUND_S,
    NO_SPEECH_TIMEOUT_S,
    WAKE_EARCON_WAIT_S,
    AudioIn,
    Daemon,
    State,
)
from assistant.player.base import PlayState
from assistant.tts.base import SpeechFinished
from assistant.tts.base import SpeechStarted as SpokenStarted
from tests.fixtures.config import write_config
from tests.fixtures.generate import FixtureLibrary
from tests.skills.support import TIMEOUT, FakeClock, Rig, rig_config

RATE = 16000
FOLLOW_UP_S = 6.0
OWNER_VOLUME = 50
DUCKED_VOLUME = OWNER_VOLUME * 30 / 100  # player.duck_volume's default, 30 %

# What a chunk "is", for the fake wake and end-of-speech detectors: distinct sample patterns.
WAKE = b"\x01\x00" * 160
SPEECH = b"\x02\x00" * 160
END = b"\x03\x00" * 160
NOISE = b"\x04\x00" * 160


class FakeWake:
    """WakeDetector: hears the wake phrase in a WAKE chunk; `sticky`, also in every chunk after
    it until reset, as a model whose window still holds the phrase would."""

    name = "fake wake"

    def __init__(self) -> None:
        self.resets = 0
        self.sticky = False
        self.run_on = False
        """Its wakes are run_on: heard as if the speaker had paused (micro_wake's probe)."""
        self._holding = False

    def process(self, chunk: AudioChunk) -> WakeEvent | None:
        if chunk.samples != WAKE and not self._holding:
            return None
        self._holding = self.sticky
        return WakeEvent(when=chunk.timestamp, score=1.0, run_on=self.run_on)

    def reset(self) -> None:
        self.resets += 1
        self._holding = False


class FakeEndpointer:
    """Endpointer.process: speech starts at a SPEECH chunk and ends at an END chunk."""

    def __init__(self) -> None:
        self._heard: list[AudioChunk] = []

    def warm_up(self, chunk: AudioChunk) -> None:
        pass  # the real one only learns the room from it

    def process(self, chunk: AudioChunk) -> Iterator[SpeechStarted | Utterance]:
        if chunk.samples == SPEECH:
            self._heard.append(chunk)
            yield SpeechStarted(start=chunk.timestamp, detected_at=time.monotonic())
        elif chunk.samples == END and self._heard:
            audio = AudioChunk(samples=b"".join(c.samples for c in self._heard), rate=RATE,
                               timestamp=self._heard[0].timestamp)  # fmt: skip
            yield Utterance(audio=audio, start=audio.timestamp, end=chunk.timestamp,
                            capped=False, ended_at=time.monotonic())  # fmt: skip


class FakeRecognizer:
    """Recognizer: hears whatever the test queued with `will_hear`, in order."""

    name = "fake recogniser"

    def __init__(self) -> None:
        self.next: deque[Transcript] = deque()
        self.accepted: list[AudioChunk] = []

    def will_hear(self, text: str, confidence: float = 0.95) -> None:
        self.next.append(Transcript((Hypothesis(text, confidence),) if text else ()))

    def accept(self, chunk: AudioChunk) -> str:
        self.accepted.append(chunk)
        return ""

    def finish(self) -> Transcript:
        return self.next.popleft() if self.next else Transcript(())

    def set_grammar(self, grammar: Grammar | None) -> None:
        pass


class ConfirmingRecognizer(FakeRecognizer):
    """FakeRecognizer that confirms run-on wakes (ConfirmsWake) as the test says: the phrase
    ends `phrase_end` seconds into the audio it is given, or was not heard (None)."""

    wake_phrase = "alexa"

    def __init__(self) -> None:
        super().__init__()
        self.phrase_end: float | None = None
        self.asked: list[AudioChunk] = []

    def wake_phrase_end(self, audio: AudioChunk) -> float | None:
        self.asked.append(audio)
        return self.phrase_end


@dataclass
class FakeVoice:
    """daemon.Speech, reporting events as assistant.tts.speaker.Speaker does: SpeechStarted when
    a sentence is taken up, SpeechFinished(interrupted=True) when interrupt() cuts it short."""

    daemon: Daemon | None = None
    said: list[str] = field(default_factory=list)
    earcons: list[str] = field(default_factory=list)
    cut_short: list[str] = field(default_factory=list)
    speaking: deque[str] = field(default_factory=deque)

    def say(self, text: str) -> None:
        self.said.append(text)
        self.speaking.append(text)
        self._emit(SpokenStarted(text))

    def interrupt(self) -> None:
        while self.speaking:
            text = self.speaking.popleft()
            self.cut_short.append(text)
            self._emit(SpeechFinished(text, interrupted=True))

    def earcon(self, name: str) -> None:
        self.earcons.append(name)  # earcons switched off: an earcon interrupts nothing

    def finish(self) -> None:
        """The sentence being spoken has been heard to its end."""
        self._emit(SpeechFinished(self.speaking.popleft(), interrupted=False))

    def _emit(self, event: SpokenStarted | SpeechFinished) -> None:
        assert self.daemon is not None
        self.daemon.on_speech_event(event)


class Loop:
    """The daemon running on its own thread, and the chunks and requests a test gives it."""

    def __init__(
        self, rig: Rig, *, recognizer: FakeRecognizer | None = None, **settings: Any
    ) -> None:
        """`settings`: the daemon's own (confirm, fade_in_s), else the shipped defaults."""
        self.rig = rig
        self.clock = rig.clock
        self.wake = FakeWake()
        self.recognizer = recognizer or FakeRecognizer()
        self.voice = FakeVoice()
        self.endpointers: list[FakeEndpointer] = []
        self.daemon = Daemon(
            dialogue=rig.dialogue,
            skills=rig.skills,
            player=rig.player,
            recognizer=self.recognizer,
            wake=self.wake,
            make_endpointer=self._endpointer,
            speech=self.voice,
            follow_up_s=FOLLOW_UP_S,
            clock=self.clock,
            **settings,
        )
        self.voice.daemon = self.daemon
        self._at = 0.0
        self._thread = Thread(target=self.daemon.run, name="daemon-under-test")
        self._thread.start()

    def _endpointer(self) -> Endpointer:
        self.endpointers.append(FakeEndpointer())
        return cast(Endpointer, self.endpointers[-1])

    def chunk(self, samples: bytes) -> None:
        self._at += len(samples) / 2 / RATE
        self.daemon.events.put(AudioIn(AudioChunk(samples=samples, rate=RATE, timestamp=self._at)))

    def quiet(self, seconds: float) -> None:
        """The room, with nobody speaking, for `seconds` of microphone audio."""
        for _ in range(round(seconds / (len(NOISE) / 2 / RATE))):
            self.chunk(NOISE)

    def say(self, text: str, confidence: float = 0.95) -> None:
        """Speech on the microphone that the recogniser hears as `text`."""
        self.recognizer.will_hear(text, confidence)
        self.chunk(SPEECH)
        self.chunk(END)

    def request(self, cmd: str, text: str = "") -> Future[dict[str, Any]]:
        pending = PendingRequest(request=ControlRequest(cmd=cmd, text=text), reply=Future())
        self.daemon.submit(pending)
        return pending.reply

    def settled(self) -> State:
        """The state once the loop has handled everything given so far, and then its periodic
        work (deadlines) once more: two requests answered in turn."""
        for _ in range(2):
            self.request("status").result(TIMEOUT)
        return self.daemon.state

    def advance(self, seconds: float) -> State:
        self.clock.advance(seconds)
        return self.settled()

    def mpv_volume(self) -> float:
        """What mpv itself plays at: the owner's volume, or the ducked level."""
        return float(self.rig.player._mpv.volume)

    def ducked(self) -> bool:
        ducked = self.rig.player.status().ducked
        assert self.mpv_volume() == (DUCKED_VOLUME if ducked else OWNER_VOLUME)
        return ducked

    def close(self) -> None:
        self.daemon.request_stop("test over")
        self._thread.join(TIMEOUT)
        assert not self._thread.is_alive()


@pytest.fixture
def loop(tmp_path: Path, fixture_library: FixtureLibrary) -> Iterator[Loop]:
    config = rig_config(write_config(tmp_path, fixture_library))
    rig = Rig(config, clock=FakeClock())
    running = Loop(rig)
    try:
        yield running
    finally:
        running.close()
        rig.close()


@pytest.fixture
def make_loop(tmp_path: Path, fixture_library: FixtureLibrary) -> Iterator[Callable[..., Loop]]:
    """A loop with the daemon's settings a test chooses (confirm, fade_in_s)."""
    made: list[tuple[Loop, Rig]] = []

    def make(**settings: Any) -> Loop:
        rig = Rig(rig_config(write_config(tmp_path, fixture_library)), clock=FakeClock())
        made.append((Loop(rig, **settings), rig))
        return made[-1][0]

    yield make
    for running, rig in made:
        running.close()
        rig.close()


def _music(loop: Loop) -> None:
    # Not waiting for the player's TrackStarted: the loop thread is the one handling events.
    assert loop.rig.say("play songs to sing in the car").response.outcome == "ok"
    assert loop.rig.player.status().state is PlayState.PLAYING
    assert loop.mpv_volume() == OWNER_VOLUME


def test_wake_listens_with_the_music_ducked(loop: Loop) -> None:
    _music(loop)
    assert loop.settled() is State.IDLE
    loop.chunk(NOISE)
    assert loop.settled() is State.IDLE and not loop.ducked()
    loop.chunk(WAKE)
    assert loop.settled() is State.LISTENING
    assert loop.ducked()
    assert len(loop.endpointers) == 1
    # The tone waits to hear whether the command follows in the same breath; it does not.
    assert loop.voice.earcons == []
    loop.quiet(WAKE_EARCON_WAIT_S + 0.05)
    assert loop.settled() is State.LISTENING
    assert loop.voice.earcons == ["wake"]


def test_no_wake_earcon_over_a_command_said_in_the_same_breath(loop: Loop) -> None:
    _music(loop)
    loop.chunk(WAKE)
    loop.recognizer.will_hear("what's playing")
    loop.chunk(SPEECH)  # straight on from the wake phrase
    loop.quiet(WAKE_EARCON_WAIT_S + 0.2)
    assert loop.settled() is State.LISTENING
    loop.chunk(END)
    assert loop.settled() is State.SPEAKING
    assert loop.voice.said[-1].startswith("This is ")
    assert loop.voice.earcons == []


def test_the_wake_earcons_own_sound_is_never_taken_for_the_command(loop: Loop) -> None:
    loop.chunk(WAKE)
    loop.quiet(WAKE_EARCON_WAIT_S + 0.05)
    assert loop.settled() is State.LISTENING and loop.voice.earcons == ["wake"]
    # The microphone hears the tone: "speech" that is over within the tone's echo.
    loop.recognizer.will_hear("next")
    loop.chunk(SPEECH)
    loop.quiet(EARCON_ECHO_S / 2)
    loop.chunk(END)
    assert loop.settled() is State.LISTENING
    assert loop.recognizer.accepted == []
    assert loop.daemon.status()["last"] is None
    # The owner's command after it is heard as ever.
    loop.quiet(EARCON_ECHO_S + EARCON_SOUND_S)
    loop.recognizer.next.clear()
    loop.say("what's playing")
    assert loop.settled() is State.SPEAKING
    assert loop.voice.said == ["Nothing is playing."]
    assert len(loop.recognizer.accepted) == 1  # the command, and only it, was recognised


def test_a_quick_command_answering_the_wake_earcon_is_heard(loop: Loop) -> None:
    loop.chunk(WAKE)
    loop.quiet(WAKE_EARCON_WAIT_S + 0.05)
    assert loop.settled() is State.LISTENING and loop.voice.earcons == ["wake"]
    loop.quiet(EARCON_SOUND_S + 0.05)  # the owner heard the tone and answers it
    loop.say("what's playing")  # over before the tone's echo would be
    assert loop.settled() is State.SPEAKING
    assert loop.voice.said == ["Nothing is playing."]


def test_a_command_is_heard_understood_answered_and_the_music_comes_back(loop: Loop) -> None:
    _music(loop)
    loop.chunk(WAKE)
    loop.say("what's playing")
    assert loop.settled() is State.SPEAKING
    assert loop.recognizer.accepted and loop.recognizer.accepted[0].samples == SPEECH
    answer = loop.voice.said[-1]
    assert answer.startswith("This is ")
    assert loop.rig.player.status().ducked  # still under the answer
    last = loop.daemon.status()["last"]
    assert (last["heard"], last["intent"], last["response"]) == (
        "what's playing", "WhatIsPlaying", answer)  # fmt: skip
    resets = loop.wake.resets
    loop.voice.finish()
    assert loop.settled() is State.IDLE
    assert not loop.rig.player.status().ducked
    assert loop.mpv_volume() == OWNER_VOLUME
    assert loop.wake.resets == resets + 1  # the answer's own audio is forgotten


def test_done_transport_commands_are_confirmed_with_an_earcon_not_words(loop: Loop) -> None:
    _music(loop)
    for command, done in [
        ("volume forty", lambda: loop.rig.player.status().volume == 40),
        ("next", lambda: loop.rig.player.status().index == 1),
        ("pause", lambda: loop.rig.player.status().state is PlayState.PAUSED),
        ("resume", lambda: loop.rig.player.status().state is PlayState.PLAYING),
    ]:
        loop.chunk(WAKE)
        loop.say(command)
        assert loop.settled() is State.IDLE, command  # nothing to speak: idle at once
        assert done(), command
        assert loop.voice.earcons[-1] == "confirm", command
        assert not loop.rig.player.status().ducked, command
    assert loop.voice.said == []
    # The typed command tells what it did, though nothing was spoken.
    assert loop.request("say", "volume fifty").result(TIMEOUT)["response"] == "Volume 50."
    assert loop.voice.said == [] and loop.voice.earcons[-1] == "confirm"


def test_a_transport_command_that_could_not_be_done_is_still_spoken(loop: Loop) -> None:
    loop.chunk(WAKE)
    loop.say("pause")  # nothing plays
    assert loop.settled() is State.SPEAKING
    assert loop.voice.said == ["Nothing is playing."]
    assert "confirm" not in loop.voice.earcons


@pytest.mark.parametrize(
    ("confirm", "said", "earcons"), [("none", [], []), ("speech", ["Volume 40."], [])]
)
def test_speech_confirm_none_or_speech(
    make_loop: Callable[..., Loop], confirm: str, said: list[str], earcons: list[str]
) -> None:
    loop = make_loop(confirm=confirm)
    loop.request("say", "volume forty").result(TIMEOUT)
    assert loop.voice.said == said
    assert loop.voice.earcons == earcons
    assert loop.rig.player.status().volume == 40


def _wait_for_volume(loop: Loop, level: float) -> list[float]:
    """mpv's volume, read until it is `level`: the steps it went through on the way."""
    seen = [loop.mpv_volume()]
    deadline = time.monotonic() + TIMEOUT
    while seen[-1] != level:
        assert time.monotonic() < deadline, f"volume stuck at {seen[-1]}, wanted {level}"
        time.sleep(0.005)
        if (now := loop.mpv_volume()) != seen[-1]:
            seen.append(now)
    return seen


def test_a_play_commands_answer_is_spoken_over_the_music_fading_in(loop: Loop) -> None:
    _music(loop)
    loop.chunk(WAKE)
    loop.say("play queen")
    assert loop.settled() is State.SPEAKING
    assert loop.voice.said == ["Playing Queen."]
    # Not ducked for the answer: music rises from the ducked level to the owner's under it.
    steps = _wait_for_volume(loop, OWNER_VOLUME)
    assert loop.daemon.state is State.SPEAKING
    assert steps[0] < OWNER_VOLUME * 0.5
    assert any(DUCKED_VOLUME < v < OWNER_VOLUME for v in steps), steps  # a fade, not a jump
    assert steps == sorted(steps)
    loop.voice.finish()
    assert loop.settled() is State.IDLE
    assert loop.mpv_volume() == OWNER_VOLUME


def test_with_no_fade_the_music_stays_ducked_under_a_play_commands_answer(
    make_loop: Callable[..., Loop],
) -> None:
    loop = make_loop(fade_in_s=0.0)
    loop.chunk(WAKE)
    loop.say("play queen")
    assert loop.settled() is State.SPEAKING
    deadline = time.monotonic() + TIMEOUT
    while loop.rig.player.status().position <= 0:  # the music is being heard
        assert time.monotonic() < deadline, "the music never started"
        time.sleep(0.01)
    assert loop.ducked()
    loop.voice.finish()
    assert loop.settled() is State.IDLE
    assert not loop.ducked()


def test_no_speech_after_the_wake_word_gives_up_and_restores_the_music(loop: Loop) -> None:
    _music(loop)
    loop.chunk(WAKE)
    assert loop.settled() is State.LISTENING and loop.ducked()
    assert loop.advance(NO_SPEECH_TIMEOUT_S - 0.5) is State.LISTENING
    assert loop.ducked()
    assert loop.advance(1.0) is State.IDLE
    assert not loop.ducked()
    assert loop.voice.said == []
    # Awake again at the next wake word.
    loop.chunk(WAKE)
    assert loop.settled() is State.LISTENING


def test_speech_that_started_is_not_cut_off_by_the_no_speech_deadline(loop: Loop) -> None:
    loop.chunk(WAKE)
    loop.recognizer.will_hear("what's playing")
    loop.chunk(SPEECH)
    assert loop.advance(NO_SPEECH_TIMEOUT_S + 1) is State.LISTENING
    loop.chunk(END)
    assert loop.settled() is State.SPEAKING
    assert loop.voice.said == ["Nothing is playing."]


def test_the_wake_word_during_an_answer_stops_it_and_listens(loop: Loop) -> None:
    _music(loop)
    loop.chunk(WAKE)
    loop.say("what's playing")
    assert loop.settled() is State.SPEAKING
    answer = loop.voice.said[-1]
    loop.chunk(WAKE)  # barge-in
    assert loop.settled() is State.LISTENING
    assert loop.voice.cut_short == [answer]
    assert loop.ducked()
    loop.say("what's playing")
    assert loop.settled() is State.SPEAKING
    assert loop.voice.said[-1] == answer


def test_the_phrase_woken_on_is_forgotten_before_the_answer_listens_for_another(
    loop: Loop,
) -> None:
    loop.wake.sticky = True  # microWakeWord's window holds the phrase until it is reset
    loop.chunk(WAKE)
    loop.say("play queen", confidence=0.7)
    assert loop.settled() is State.SPEAKING
    assert loop.voice.said == ["Did you mean play Queen?"]
    loop.quiet(0.3)  # heard for a barge-in while the question is spoken
    assert loop.settled() is State.SPEAKING and loop.voice.cut_short == []
    loop.voice.finish()
    loop.say("yes")
    assert loop.settled() is State.SPEAKING
    assert loop.voice.said[-1].startswith("Playing")


def test_no_wake_word_while_listening_or_speaking_a_question(loop: Loop) -> None:
    loop.chunk(WAKE)
    loop.chunk(WAKE)  # heard again while listening: nothing new
    assert loop.settled() is State.LISTENING
    assert len(loop.endpointers) == 1


def test_a_question_takes_its_answer_without_the_wake_word(loop: Loop) -> None:
    loop.chunk(WAKE)
    loop.say("play hello")
    assert loop.settled() is State.SPEAKING
    assert loop.voice.said == ["Which one: Hello by Adele or Hello by Lionel Richie?"]
    loop.voice.finish()
    assert loop.settled() is State.LISTENING  # no wake word needed
    assert loop.ducked()
    assert len(loop.endpointers) == 2
    loop.say("the one by adele")
    assert loop.settled() is State.SPEAKING
    assert loop.voice.said[-1] == "Playing Hello by Adele."
    assert loop.rig.queue_titles() == [("Hello", "Adele")]
    loop.voice.finish()
    assert loop.settled() is State.IDLE  # an answer that asks nothing: no more listening
    _wait_for_volume(loop, OWNER_VOLUME)  # faded in under the answer
    assert not loop.ducked()


def test_an_unanswered_question_gives_up_after_the_follow_up_time(loop: Loop) -> None:
    loop.chunk(WAKE)
    loop.say("play hello")
    assert loop.settled() is State.SPEAKING
    loop.voice.finish()
    assert loop.settled() is State.LISTENING
    assert loop.advance(FOLLOW_UP_S - 0.5) is State.LISTENING
    assert loop.advance(1.0) is State.IDLE
    assert not loop.ducked()
    assert loop.rig.player.status().current is None


def test_a_question_cut_short_by_the_wake_word_listens_for_a_new_command(loop: Loop) -> None:
    loop.chunk(WAKE)
    loop.say("play hello")
    assert loop.settled() is State.SPEAKING
    loop.chunk(WAKE)
    assert loop.settled() is State.LISTENING
    loop.say("what's playing")
    assert loop.settled() is State.SPEAKING
    assert loop.voice.said[-1] == "Nothing is playing."


def test_doubted_words_are_asked_about_with_the_shipped_settings_and_yes_acts(loop: Loop) -> None:
    loop.chunk(WAKE)
    loop.say("play queen", confidence=0.7)  # right 7 in 10: the recogniser doubts it
    assert loop.settled() is State.SPEAKING
    assert loop.voice.said == ["Did you mean play Queen?"]
    assert loop.rig.player.status().current is None  # asked, did not act
    loop.voice.finish()
    assert loop.settled() is State.LISTENING
    loop.say("yes")
    assert loop.settled() is State.SPEAKING
    assert loop.voice.said[-1] == "Playing Queen."
    assert loop.rig.queue_titles()[0][1] == "Queen"


def test_no_to_a_question_cancels_and_goes_idle(loop: Loop) -> None:
    loop.chunk(WAKE)
    loop.say("play queen", confidence=0.7)
    loop.settled()
    loop.voice.finish()
    assert loop.settled() is State.LISTENING
    loop.say("no")
    assert loop.settled() is State.SPEAKING
    assert loop.voice.said[-1] == "Okay."
    loop.voice.finish()
    assert loop.settled() is State.IDLE
    assert loop.rig.player.status().current is None


def test_nothing_recognised_is_answered_and_goes_idle(loop: Loop) -> None:
    loop.chunk(WAKE)
    loop.quiet(0.3)
    loop.say("")  # rejected as out of grammar
    assert loop.settled() is State.SPEAKING
    assert loop.voice.said == ["Sorry, I didn't understand."]
    loop.voice.finish()
    assert loop.settled() is State.IDLE


def test_a_scrap_right_after_the_wake_phrase_is_its_tail_and_the_command_follows(
    loop: Loop,
) -> None:
    # Short, heard as nothing, begun where the phrase was said to end: the phrase's own last
    # sound (tests/test_daemon_one_breath.py has it with real speech).
    loop.chunk(WAKE)
    loop.say("")
    assert loop.settled() is State.LISTENING and loop.voice.said == []
    loop.quiet(0.3)
    loop.say("what's playing")
    assert loop.settled() is State.SPEAKING
    assert loop.voice.said[0].startswith("Nothing is playing")


def test_a_scrap_with_nothing_after_it_is_answered_when_listening_gives_up(loop: Loop) -> None:
    loop.chunk(WAKE)
    loop.say("")
    assert loop.settled() is State.LISTENING
    assert loop.advance(NO_SPEECH_TIMEOUT_S + 1) is State.SPEAKING
    assert loop.voice.said == ["Sorry, I didn't understand."]
    loop.voice.finish()
    assert loop.settled() is State.IDLE


def test_a_typed_command_answers_the_request_and_speaks(loop: Loop) -> None:
    _music(loop)
    reply = loop.request("say", "what's playing").result(TIMEOUT)
    assert (reply["intent"], reply["response"][:8], reply["follow_up"]) == (
        "WhatIsPlaying", "This is ", False)  # fmt: skip
    assert loop.settled() is State.SPEAKING and loop.rig.player.status().ducked
    loop.voice.finish()
    assert loop.settled() is State.IDLE and not loop.rig.player.status().ducked


def test_push_to_talk_listens_without_the_wake_word_and_answers_the_request(loop: Loop) -> None:
    reply = loop.request("listen")
    assert loop.settled() is State.LISTENING
    assert not reply.done()
    loop.say("what's playing")
    fields = reply.result(TIMEOUT)
    assert (fields["heard"], fields["intent"], fields["response"]) == (
        "what's playing", "WhatIsPlaying", "Nothing is playing.")  # fmt: skip
    assert loop.settled() is State.SPEAKING


def _run_on_wake(loop: Loop) -> None:
    """The phrase heard only as run on into speech, and the second after it."""
    loop.wake.run_on = True
    loop.chunk(WAKE)
    loop.quiet(CONFIRM_AFTER_S + 0.05)


def _confirming(make_loop: Callable[..., Loop]) -> tuple[Loop, ConfirmingRecognizer]:
    """A loop whose recogniser confirms wakes, with music playing."""
    recognizer = ConfirmingRecognizer()
    loop = make_loop(recognizer=recognizer)
    _music(loop)
    return loop, recognizer


def test_a_run_on_wake_is_acted_on_once_the_recogniser_hears_the_phrase(
    make_loop: Callable[..., Loop],
) -> None:
    loop, recognizer = _confirming(make_loop)
    loop.wake.run_on = True
    loop.chunk(WAKE)
    # Listening, but the music as it was until the phrase is heard before the command.
    assert loop.settled() is State.LISTENING and not loop.ducked()
    recognizer.phrase_end = 0.0
    loop.quiet(CONFIRM_AFTER_S + 0.05)
    assert loop.settled() is State.LISTENING and loop.ducked()
    heard = recognizer.asked[-1]
    assert heard.seconds >= CONFIRM_AFTER_S  # the phrase and what followed it
    loop.say("what's playing")
    assert loop.settled() is State.SPEAKING
    assert loop.voice.said[-1].startswith("This is ")


def test_a_run_on_wake_without_the_phrase_is_dropped_without_a_sound(
    make_loop: Callable[..., Loop],
) -> None:
    loop, recognizer = _confirming(make_loop)
    recognizer.phrase_end = None  # a command said without the phrase
    _run_on_wake(loop)
    assert loop.settled() is State.IDLE
    assert not loop.ducked() and loop.voice.earcons == [] and len(recognizer.asked) == 1
    assert recognizer.accepted == []  # nothing of it was heard as a command


def test_run_on_wakes_that_cannot_be_confirmed_are_ignored(loop: Loop) -> None:
    # FakeRecognizer cannot tell (no ConfirmsWake), as vosk's cannot.
    _run_on_wake(loop)
    assert loop.settled() is State.IDLE and loop.endpointers == []


def test_a_run_on_wake_is_no_barge_in(make_loop: Callable[..., Loop]) -> None:
    # The assistant's own "playing s..." may be what woke it.
    loop, recognizer = _confirming(make_loop)
    recognizer.phrase_end = 0.0
    loop.chunk(WAKE)
    loop.say("what's playing")
    assert loop.settled() is State.SPEAKING
    _run_on_wake(loop)
    assert loop.settled() is State.SPEAKING and loop.voice.cut_short == []


def _command(loop: Loop, text: str) -> None:
    """A command longer than the phrase's tail (daemon.TAIL_LONGEST_S), heard as `text`."""
    loop.recognizer.will_hear(text)
    loop.chunk(SPEECH)
    loop.quiet(0.5)
    loop.chunk(END)


def test_the_models_own_wake_run_straight_into_speech_is_confirmed_too(
    make_loop: Callable[..., Loop],
) -> None:
    # "play s|ome music" woke alexa's model itself: the speech went straight on.
    loop, recognizer = _confirming(make_loop)
    loop.chunk(WAKE)
    _command(loop, "what's playing")
    assert loop.settled() is State.IDLE and len(recognizer.asked) == 1
    assert loop.voice.said == [] and not loop.ducked()
    # Confirmed, the command is answered.
    recognizer.phrase_end = 0.0
    loop.chunk(WAKE)
    _command(loop, "what's playing")
    assert loop.settled() is State.SPEAKING and len(recognizer.asked) == 2
    loop.voice.finish()
    # After a pause, as the model learnt the phrase, there is nothing to confirm.
    recognizer.phrase_end = None
    assert loop.settled() is State.IDLE
    loop.chunk(WAKE)
    loop.quiet(0.3)
    _command(loop, "what's playing")
    assert loop.settled() is State.SPEAKING and len(recognizer.asked) == 2
