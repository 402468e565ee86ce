"""The wake phrase detector on espeak-ng speech: it fires on the phrase and not on commands."""

from __future__ import annotations

import numpy as np

from assistant.asr.wake import KeyphraseWakeDetector
from assistant.audio.base import AudioChunk
from tests.asr.commands import IN_GRAMMAR, OUT_OF_GRAMMAR
from tests.asr.speech import RATE, mix, pad, synth

THRESHOLD = 1e-40  # bench/bench_wake.py: best hit rate with no false wakes on commands


def events(detector: KeyphraseWakeDetector, pcm: bytes) -> list[float]:
    step = RATE // 50 * 2
    found = []
    for i in range(0, len(pcm), step):
        event = detector.process(AudioChunk(pcm[i : i + step], RATE, timestamp=i / (2 * RATE)))
        if event is not None:
            assert 0.0 <= event.score <= 1.0
            found.append(event.when)
    detector.reset()
    return found


def test_detects_the_wake_phrase_in_a_stream() -> None:
    detector = KeyphraseWakeDetector(phrase="hey speaker", threshold=THRESHOLD)
    phrase = synth("hey speaker", voice="en-us")
    stream = np.concatenate([pad(synth("play some music"), 0.5, 1.0), pad(phrase, 0.5, 1.0)])
    found = events(detector, mix(stream, snr_db=20))
    assert len(found) == 1
    phrase_end = (len(stream) - 1.0 * RATE) / RATE
    assert abs(found[0] - phrase_end) < 1.0


def test_hits_across_voices() -> None:
    detector = KeyphraseWakeDetector(threshold=THRESHOLD)
    clips = [
        mix(pad(synth("hey speaker", voice=v, speed=s), 1.0, 1.0), snr_db=20)
        for v in ("en-us", "en-us+f3", "en-gb-x-rp")
        for s in (150, 190)
    ]
    hits = sum(1 for c in clips if events(detector, c))
    assert hits == len(clips)  # measured: all 6, in every run


def test_no_wake_on_commands_or_noise() -> None:
    detector = KeyphraseWakeDetector(threshold=THRESHOLD)
    speech = np.concatenate([pad(synth(t), 0.2, 0.3) for t in IN_GRAMMAR + OUT_OF_GRAMMAR])
    assert events(detector, mix(speech, snr_db=20)) == []
    assert events(detector, mix(np.zeros(RATE * 30, np.float32), snr_db=None)) == []


def test_says_where_the_phrase_ended_in_one_breath() -> None:
    # Fired a little after the phrase; its end is where a command in the same breath starts.
    detector = KeyphraseWakeDetector(threshold=THRESHOLD)
    phrase = synth("hey speaker", voice="piper:joe")
    spoken = np.flatnonzero(np.abs(phrase) > 0.01)
    phrase_end = 1.0 + (spoken[-1] + 1) / RATE
    breath = synth("hey speaker play songs to sing in the car", voice="piper:joe")
    pcm = mix(pad(breath, 1.0, 1.0), snr_db=20)
    step = RATE // 50 * 2
    found = [
        e
        for i in range(0, len(pcm), step)
        if (e := detector.process(AudioChunk(pcm[i : i + step], RATE, timestamp=i / (2 * RATE))))
    ]
    assert len(found) == 1
    assert found[0].phrase_end is not None and found[0].phrase_end <= found[0].when
    assert abs(found[0].phrase_end - phrase_end) < 0.25  # measured: 0.09-0.15 s before it
