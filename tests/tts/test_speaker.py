"""The speaker with the real synthesizer and the real mpv clip player (silent output)."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant.errors import EngineError
from assistant.player.mpv_engine import MpvClipPlayer
from assistant.tts.base import SpeechEvent, SpeechFinished, SpeechStarted
from assistant.tts.pyttsx3_engine import Pyttsx3Synthesizer
from assistant.tts.speaker import Speaker

TIMEOUT = 60.0
LONG = (
    "This is a long answer that goes on for a good while, so that there is plenty of time "
    "to talk over it before it ends, and then it goes on a little more."
)


class Events:
    """Collects speech events; waits for them without sleeping."""

    def __init__(self) -> None:
        self.queue: queue.Queue[SpeechEvent] = queue.Queue()
        self.seen: list[SpeechEvent] = []

    def __call__(self, event: SpeechEvent) -> None:
        self.queue.put(event)

    def next(self) -> SpeechEvent:
        event = self.queue.get(timeout=TIMEOUT)
        self.seen.append(event)
        return event


@pytest.fixture
def clips() -> Iterator[MpvClipPlayer]:
    player = MpvClipPlayer(audio_output="null", audio_device="auto")
    yield player
    player.close()


def until(condition: Callable[[], bool], timeout: float = TIMEOUT) -> bool:
    """Poll a condition that has no event of its own."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def make(tmp_path: Path, clips: object, events: Events, synthesizer: object = None) -> Speaker:
    return Speaker(
        synthesizer=synthesizer or Pyttsx3Synthesizer(voice="en-us", rate=200, volume=1.0),  # type: ignore[arg-type]
        clips=clips,  # type: ignore[arg-type]
        work_dir=tmp_path / "speech",
        on_event=events,
    )


def test_sentences_are_spoken_in_order_with_paired_events(
    tmp_path: Path, clips: MpvClipPlayer
) -> None:
    events = Events()
    speaker = make(tmp_path, clips, events)
    try:
        speaker.say("Playing Songs to Sing in the Car.")
        speaker.say("Volume up.")
        assert speaker.speaking
        assert speaker.wait(TIMEOUT)
        assert not speaker.speaking
        assert [events.next() for _ in range(4)] == [
            SpeechStarted("Playing Songs to Sing in the Car."),
            SpeechFinished("Playing Songs to Sing in the Car.", interrupted=False),
            SpeechStarted("Volume up."),
            SpeechFinished("Volume up.", interrupted=False),
        ]
        assert events.queue.empty()
        assert not list((tmp_path / "speech").iterdir())  # WAVs cleaned up
    finally:
        speaker.close()


def test_interrupt_cuts_speech_short_and_drops_the_queue(
    tmp_path: Path, clips: MpvClipPlayer
) -> None:
    events = Events()
    speaker = make(tmp_path, clips, events)
    try:
        speaker.say(LONG)
        speaker.say("This one is never heard.")
        assert events.next() == SpeechStarted(LONG)
        assert until(lambda: clips.is_playing)  # really playing: now barge in
        speaker.interrupt()
        assert events.next() == SpeechFinished(LONG, interrupted=True)
        assert speaker.wait(TIMEOUT)
        assert events.queue.empty()
        assert not clips.is_playing
        # The speaker still works after a barge-in.
        speaker.say("Okay.")
        assert speaker.wait(TIMEOUT)
        assert [events.next(), events.next()] == [
            SpeechStarted("Okay."),
            SpeechFinished("Okay.", interrupted=False),
        ]
    finally:
        speaker.close()


class BrokenSynthesizer:
    settings_key = "broken"

    def synthesize(self, text: str, path: Path) -> Path:
        if text.startswith("Bad"):
            raise EngineError("espeak-ng produced silence")
        return Pyttsx3Synthesizer(voice="en-us", rate=200, volume=1.0).synthesize(text, path)


def test_a_failed_sentence_is_reported_and_the_next_still_spoken(
    tmp_path: Path, clips: MpvClipPlayer
) -> None:
    events = Events()
    speaker = make(tmp_path, clips, events, synthesizer=BrokenSynthesizer())
    try:
        speaker.say("Bad sentence.")  # must not raise here
        speaker.say("Good sentence.")
        assert speaker.wait(TIMEOUT)
        assert [events.next() for _ in range(4)] == [
            SpeechStarted("Bad sentence."),
            SpeechFinished("Bad sentence.", interrupted=False, failed=True),
            SpeechStarted("Good sentence."),
            SpeechFinished("Good sentence.", interrupted=False, failed=False),
        ]
    finally:
        speaker.close()


def test_blank_text_is_ignored_and_a_bad_handler_does_not_stop_speech(
    tmp_path: Path, clips: MpvClipPlayer
) -> None:
    seen: list[SpeechEvent] = []
    done = threading.Event()

    def handler(event: SpeechEvent) -> None:
        seen.append(event)
        if isinstance(event, SpeechFinished):
            done.set()
        raise RuntimeError("a buggy handler")

    speaker = Speaker(
        synthesizer=Pyttsx3Synthesizer(voice="en-us", rate=200, volume=1.0),
        clips=clips,
        work_dir=tmp_path,
        on_event=handler,
    )
    try:
        speaker.say("   ")
        assert not speaker.speaking
        speaker.say("Still here.")
        assert done.wait(TIMEOUT)
        assert speaker.wait(TIMEOUT)
        assert seen == [SpeechStarted("Still here."), SpeechFinished("Still here.", False)]
    finally:
        speaker.close()


def test_close_stops_speech_and_later_says_are_ignored(
    tmp_path: Path, clips: MpvClipPlayer
) -> None:
    events = Events()
    speaker = make(tmp_path, clips, events)
    speaker.say(LONG)
    assert events.next() == SpeechStarted(LONG)
    speaker.close()
    assert events.next() == SpeechFinished(LONG, interrupted=True)
    speaker.close()  # idempotent
    speaker.say("Too late.")
    assert not speaker.speaking
    assert speaker.wait(0)
