"""Wake phrase and command in one breath, in process: the real wake detector (pocketsphinx's
keyphrase spotter on "hey speaker", as wake.engine auto picks for that phrase), end-of-speech
detector, recogniser, dialogue, skills and mpv (ao=null) under the daemon's loop; only the
voice is faked (tests/test_daemon_states.FakeVoice), since nothing here is spoken back.

The command must be decoded from where the wake phrase ended, not from when the detector
fired: said without a pause, it is already under way by then.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path
from threading import Thread

import numpy as np
import pytest

from assistant.app import build_endpointer, build_recognizer, build_wake
from assistant.asr.base import WakeDetector, WakeEvent
from assistant.audio.base import AudioChunk
from assistant.control import ControlRequest, PendingRequest
from assistant.daemon import Daemon
from assistant.player.base import PlayState
from tests.asr.speech import RATE, mix, synth
from tests.fixtures.config import write_config
from tests.fixtures.generate import FixtureLibrary
from tests.fixtures.library_spec import PLAYLISTS
from tests.skills.support import TIMEOUT, Rig, rig_config
from tests.test_daemon_states import FOLLOW_UP_S, FakeVoice

CHUNK_S = 0.03  # what the microphone delivers
COMMAND = "play songs to sing in the car"
PLAYLIST = "Songs to Sing in the Car"


class LateWake:
    """WakeDetector: the real one, whose events reach the daemon `late_s` of audio after the
    detector fired, as on a loaded machine (the issue saw the phrase spotted ~1.8 s after it
    ended). What the event says about the phrase is kept."""

    def __init__(self, detector: WakeDetector, late_s: float) -> None:
        self._detector = detector
        self._late_s = late_s
        self._waiting: WakeEvent | None = None
        self.name = f"{detector.name}, {late_s} s late"

    def process(self, chunk: AudioChunk) -> WakeEvent | None:
        event = self._detector.process(chunk)
        self._waiting = self._waiting or event
        now = chunk.timestamp + chunk.seconds
        if self._waiting is not None and now >= self._waiting.when + self._late_s:
            event, self._waiting = self._waiting, None
            return event
        return None

    def reset(self) -> None:
        self._waiting = None
        self._detector.reset()


class Assistant:
    """The daemon's loop on its own thread, fed 30 ms microphone chunks."""

    def __init__(
        self, rig: Rig, *, wake: Callable[[WakeDetector], WakeDetector] | None = None
    ) -> None:
        """`wake` wraps the real wake detector (LateWake, EarlyEnd)."""
        self.rig = rig
        config = rig.config
        detector = build_wake(config)
        assert detector is not None
        self.voice = FakeVoice()
        self.daemon = Daemon(
            dialogue=rig.dialogue,
            skills=rig.skills,
            player=rig.player,
            recognizer=build_recognizer(config, rig.matcher),
            wake=wake(detector) if wake else detector,
            make_endpointer=lambda: build_endpointer(config),
            speech=self.voice,
            follow_up_s=FOLLOW_UP_S,
            clock=rig.clock,
        )
        self.voice.daemon = self.daemon
        self._at = 0.0
        self._thread = Thread(target=self.daemon.run, name="daemon-under-test")
        self._thread.start()

    def hear(self, pcm: bytes) -> None:
        step = int(CHUNK_S * RATE) * 2
        for i in range(0, len(pcm), step):
            piece = pcm[i : i + step]
            self.daemon.feed(AudioChunk(samples=piece, rate=RATE, timestamp=self._at))
            self._at += len(piece) / 2 / RATE

    def heard(self) -> dict[str, object]:
        """The last turn, once the loop has handled all the audio."""
        pending = PendingRequest(request=ControlRequest(cmd="status"), reply=Future())
        self.daemon.submit(pending)
        return dict(pending.reply.result(TIMEOUT)["last"] or {})

    def close(self) -> None:
        self.daemon.request_stop("test over")
        self._thread.join(TIMEOUT)
        assert not self._thread.is_alive()


@pytest.fixture
def rig(tmp_path: Path, fixture_library: FixtureLibrary) -> Iterator[Rig]:
    # "hey speaker" run straight into the command: the keyphrase spotter (the default,
    # "alexa", wants a pause after it: tests/test_daemon_unexplained.py speaks it).
    config = write_config(tmp_path, fixture_library, extra='wake:\n  phrase: "hey speaker"\n')
    running = Rig(rig_config(config))
    try:
        yield running
    finally:
        running.close()


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), np.float32)


def _spoken(*parts: np.ndarray, snr_db: float | None = None) -> bytes:
    """The room (1 s of floor first, as a microphone always hears), the speech, then 1.5 s."""
    return mix(np.concatenate([_silence(1.0), *parts, _silence(1.5)]), snr_db=snr_db)


def _plays_the_playlist(assistant: Assistant, pcm: bytes) -> None:
    assistant.hear(pcm)
    last = assistant.heard()
    assert last.get("intent") == "PlayPlaylist", last
    assert last.get("response") == f"Playing {PLAYLIST}.", last
    assert assistant.rig.player.status().state is PlayState.PLAYING
    titles = {title for title, _ in assistant.rig.queue_titles()}
    assert titles == {t.title for t in PLAYLISTS[PLAYLIST]}


@pytest.mark.parametrize("snr_db", [None, 20.0])
def test_one_breath_acts_on_the_whole_command(rig: Rig, snr_db: float | None) -> None:
    assistant = Assistant(rig)
    try:
        breath = synth(f"hey speaker {COMMAND}", voice="piper:joe")
        _plays_the_playlist(assistant, _spoken(breath, snr_db=snr_db))
    finally:
        assistant.close()


def test_one_breath_with_the_wake_reported_late(rig: Rig) -> None:
    # Most of the command has been said before the daemon learns of the wake phrase.
    assistant = Assistant(rig, wake=lambda detector: LateWake(detector, 1.5))
    try:
        breath = synth(f"hey speaker {COMMAND}", voice="piper:joe")
        _plays_the_playlist(assistant, _spoken(breath))
    finally:
        assistant.close()


def test_a_pause_after_the_wake_phrase_still_works(rig: Rig) -> None:
    assistant = Assistant(rig)
    try:
        wake, command = synth("hey speaker", voice="piper:joe"), synth(COMMAND, voice="piper:joe")
        _plays_the_playlist(assistant, _spoken(wake, _silence(0.8), command))
    finally:
        assistant.close()


class EarlyEnd:
    """WakeDetector: the real one, saying the phrase ended `early_s` before it did, as a
    microWakeWord phrase end can for a voice slower than the one its lag was measured on."""

    def __init__(self, detector: WakeDetector, early_s: float) -> None:
        self._detector = detector
        self._early_s = early_s
        self.name = f"{detector.name}, phrase end {early_s} s early"

    def process(self, chunk: AudioChunk) -> WakeEvent | None:
        event = self._detector.process(chunk)
        if event is None or event.phrase_end is None:
            return event
        return replace(event, phrase_end=event.phrase_end - self._early_s)

    def reset(self) -> None:
        self._detector.reset()


def test_the_wake_phrases_tail_is_not_taken_for_the_command(rig: Rig) -> None:
    # Listening started inside the phrase's last sound: that scrap, then the pause, made an
    # utterance of its own, heard as nothing (or "loop" at under 0.3), and the command said
    # after the pause was never heard.
    assistant = Assistant(rig, wake=lambda detector: EarlyEnd(detector, 0.3))
    try:
        wake, command = synth("hey speaker", voice="piper:joe"), synth(COMMAND, voice="piper:joe")
        _plays_the_playlist(assistant, _spoken(wake, _silence(0.8), command))
    finally:
        assistant.close()


@pytest.fixture
def alexa_rig(tmp_path: Path, fixture_library: FixtureLibrary) -> Iterator[Rig]:
    """The default wake phrase, alexa (microWakeWord), whose model wants a pause after it:
    said straight on, only its probe hears it, and the recogniser must confirm it."""
    running = Rig(rig_config(write_config(tmp_path, fixture_library)))
    try:
        yield running
    finally:
        running.close()


@pytest.mark.parametrize(("voice", "snr_db"), [("piper:joe", None), ("piper:joe-fast", 20.0)])
def test_alexa_run_straight_into_the_command(
    alexa_rig: Rig, voice: str, snr_db: float | None
) -> None:
    assistant = Assistant(alexa_rig)
    try:
        breath = synth(f"alexa {COMMAND}", voice=voice)
        _plays_the_playlist(assistant, _spoken(breath, snr_db=snr_db))
    finally:
        assistant.close()


def test_commands_said_without_alexa_are_not_acted_on(alexa_rig: Rig) -> None:
    # "play s|ome music" sounds like "-lexa" to alexa's model: had the speaker paused there
    # (its probe, a run-on wake) or even as it is (0.95-0.995). Either way the speech goes
    # straight on, and the recogniser finds no phrase before it.
    assistant = Assistant(alexa_rig)
    try:
        said = [
            synth(text, voice=voice)
            for text, voice in [
                (COMMAND, "piper:joe"),
                ("play some music", "piper:joe-slow"),
                ("play something by queen", "piper:joe-rough"),
                ("play some jazz please", "en-us"),
            ]
        ]
        assistant.hear(_spoken(*(np.concatenate([s, _silence(1.5)]) for s in said), snr_db=20))
        assert assistant.heard() == {}
        assert assistant.rig.player.status().state is not PlayState.PLAYING
    finally:
        assistant.close()
