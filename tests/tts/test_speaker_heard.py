"""The speaker through the virtual speaker of a private PulseAudio: is the speech really heard?"""

from __future__ import annotations

import queue
import shutil
import time
import wave
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from assistant.player.mpv_engine import MpvClipPlayer
from assistant.tts.base import SpeechEvent, SpeechFinished, SpeechStarted
from assistant.tts.pyttsx3_engine import Pyttsx3Synthesizer
from assistant.tts.speaker import Speaker
from tests.virtual_audio import Recorder

TIMEOUT = 60.0
FRAME_S = 0.01
REC_RATE = 16000
LONG = (
    "This is a long answer that goes on for a good while, so that there is plenty of time "
    "to talk over it before it ends, and then it goes on a little more."
)


def envelope(samples: np.ndarray, rate: int) -> np.ndarray:
    """RMS per 10 ms frame."""
    n = int(rate * FRAME_S)
    frames = samples[: len(samples) // n * n].astype(float).reshape(-1, n)
    return np.asarray(np.sqrt((frames**2).mean(axis=1)))


def active_span(env: np.ndarray, threshold: float = 200.0) -> tuple[float, float]:
    """Seconds of the first and the last frame with sound (-1, -1 when silent)."""
    loud = np.flatnonzero(env > threshold)
    if not len(loud):
        return -1.0, -1.0
    return loud[0] * FRAME_S, (loud[-1] + 1) * FRAME_S


def recorded(raw: bytes) -> np.ndarray:
    return envelope(np.frombuffer(raw, "<i2"), REC_RATE)


def wav_envelope(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        return envelope(np.frombuffer(w.readframes(w.getnframes()), "<i2"), w.getframerate())


def until(condition: Callable[[], bool], timeout: float = TIMEOUT) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def finish(recorder: Recorder) -> np.ndarray:
    """Stop recording once what was played has reached the recording (sound, then 0.5 s of
    silence): the sound server's latency means the end of playback is heard a little later."""

    def tail_is_quiet() -> bool:
        env = recorded(recorder.path.read_bytes())
        _, end = active_span(env)
        return end >= 0 and len(env) * FRAME_S - end > 0.5

    until(tail_is_quiet)
    return recorded(recorder.stop())


class KeepCopies:
    """The real synthesizer, keeping a copy of each WAV (the speaker deletes its own)."""

    def __init__(self, directory: Path) -> None:
        self._inner = Pyttsx3Synthesizer(voice="en-us", rate=190, volume=1.0)
        self._dir = directory
        self.copies: list[Path] = []

    @property
    def settings_key(self) -> str:
        return self._inner.settings_key

    def synthesize(self, text: str, path: Path) -> Path:
        self._inner.synthesize(text, path)
        copy = self._dir / f"copy-{len(self.copies)}.wav"
        shutil.copyfile(path, copy)
        self.copies.append(copy)
        return path


@pytest.fixture
def rig(
    pulse_env: dict[str, str], tmp_path: Path
) -> Iterator[tuple[Speaker, KeepCopies, queue.Queue[SpeechEvent], Recorder]]:
    clips = MpvClipPlayer(audio_output="pulse", audio_device="auto")
    synth = KeepCopies(tmp_path)
    events: queue.Queue[SpeechEvent] = queue.Queue()
    speaker = Speaker(
        synthesizer=synth, clips=clips, work_dir=tmp_path / "speech", on_event=events.put
    )
    recorder = Recorder(pulse_env, tmp_path / "rec.raw")
    # parec is running once the monitor's (silent) stream reaches the file.
    assert until(lambda: recorder.path.stat().st_size > 3200)
    try:
        yield speaker, synth, events, recorder
    finally:
        speaker.close()
        clips.close()
        recorder.stop()


def test_a_sentence_is_heard_for_as_long_as_it_lasts(
    rig: tuple[Speaker, KeepCopies, queue.Queue[SpeechEvent], Recorder],
) -> None:
    speaker, synth, events, recorder = rig
    speaker.say("Playing Songs to Sing in the Car.")
    assert speaker.wait(TIMEOUT)
    assert events.get(timeout=TIMEOUT) == SpeechStarted("Playing Songs to Sing in the Car.")
    assert events.get(timeout=TIMEOUT) == SpeechFinished(
        "Playing Songs to Sing in the Car.", interrupted=False
    )
    heard = finish(recorder)
    start, end = active_span(heard)
    wav_start, wav_end = active_span(wav_envelope(synth.copies[0]))
    assert start >= 0, "nothing was heard"
    spoken, expected = end - start, wav_end - wav_start
    assert abs(spoken - expected) < 0.25 + 0.15 * expected


def offset_of(part: np.ndarray, whole: np.ndarray) -> tuple[float, float]:
    """Where `part`'s envelope best matches inside `whole` (seconds) and how well (0..1)."""
    a = (part - part.mean()) / (part.std() * len(part))
    best, score = 0, -1.0
    for i in range(len(whole) - len(part) + 1):
        window = whole[i : i + len(part)]
        s = float(np.dot(a, (window - window.mean()) / (window.std() + 1e-9)))
        if s > score:
            best, score = i, s
    return best * FRAME_S, score


def test_two_sentences_are_both_heard_in_order(
    rig: tuple[Speaker, KeepCopies, queue.Queue[SpeechEvent], Recorder],
) -> None:
    speaker, synth, events, recorder = rig
    first, second = (
        "Playing Songs to Sing in the Car.",
        "Turning the volume down to thirty percent.",
    )
    speaker.say(first)
    speaker.say(second)
    assert speaker.wait(TIMEOUT)
    got = [events.get(timeout=TIMEOUT) for _ in range(4)]
    assert [type(e) for e in got] == [SpeechStarted, SpeechFinished] * 2
    assert [e.text for e in got] == [first, first, second, second]
    heard = finish(recorder)
    env_first, env_second = wav_envelope(synth.copies[0]), wav_envelope(synth.copies[1])
    at_first, match_first = offset_of(env_first, heard)
    at_second, match_second = offset_of(env_second, heard)
    assert match_first > 0.8 and match_second > 0.8, (match_first, match_second)
    gap = at_second - at_first
    assert len(env_first) * FRAME_S - 0.1 < gap < len(env_first) * FRAME_S + 1.5


def test_interrupt_stops_the_sound_soon(
    rig: tuple[Speaker, KeepCopies, queue.Queue[SpeechEvent], Recorder],
) -> None:
    speaker, synth, events, recorder = rig
    speaker.say(LONG)
    assert events.get(timeout=TIMEOUT) == SpeechStarted(LONG)

    def heard_so_far() -> np.ndarray:
        return recorded(recorder.path.read_bytes())

    assert until(lambda: active_span(heard_so_far())[0] >= 0), "speech never heard"
    heard_at = time.monotonic()
    speaker.interrupt()
    assert events.get(timeout=TIMEOUT) == SpeechFinished(LONG, interrupted=True)
    wav_start, wav_end = active_span(wav_envelope(synth.copies[0]))
    full = wav_end - wav_start
    # Keep listening until the whole sentence would have been over, had it gone on.
    until(lambda: time.monotonic() - heard_at > full + 0.5, timeout=full + 5)
    start, end = active_span(recorded(recorder.stop()))
    assert full > 6.0
    # Interrupted as soon as it was heard, the sentence stops far short of its end; how soon
    # after interrupt() is the busy machine's speed, not a behaviour to assert on.
    assert end - start < full / 2
