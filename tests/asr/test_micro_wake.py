"""microWakeWord (wake.engine micro) on piper and espeak speech: it fires on its phrase, says
where the phrase ended, stays quiet on other talk, digital silence and after a reset."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.asr.base import WakeEvent
from assistant.asr.micro_wake import MicroWakeDetector, micro_model
from assistant.audio.base import AudioChunk
from assistant.errors import EngineError
from tests.asr.commands import IN_GRAMMAR, OUT_OF_GRAMMAR
from tests.asr.speech import RATE, mix, pad, synth

PHRASE = "hey mycroft"


def events(detector: MicroWakeDetector, pcm: bytes, *, step_s: float = 0.03) -> list[WakeEvent]:
    step = int(step_s * RATE) * 2
    found = []
    for i in range(0, len(pcm), step):
        event = detector.process(AudioChunk(pcm[i : i + step], RATE, timestamp=i / (2 * RATE)))
        if event is not None:
            assert 0.0 <= event.score <= 1.0
            found.append(event)
    return found


def spoken_end(samples: np.ndarray) -> float:
    """Seconds to the last sample above -40 dBFS."""
    return (np.flatnonzero(np.abs(samples) > 0.01)[-1] + 1) / RATE


def test_fires_once_on_the_phrase_and_says_where_it_ended() -> None:
    detector = MicroWakeDetector(phrase=PHRASE)
    command, phrase = synth("play some music", voice="piper:joe"), synth(PHRASE, voice="piper:joe")
    stream = np.concatenate([pad(command, 0.5, 1.0), pad(phrase, 0.5, 1.0)])
    found = events(detector, mix(stream, snr_db=20))
    assert len(found) == 1
    ended = (len(command) + 1.5 * RATE + 0.5 * RATE) / RATE + spoken_end(phrase)
    assert found[0].phrase_end is not None and found[0].phrase_end <= found[0].when
    assert abs(found[0].phrase_end - ended) < 0.2  # measured: within 0.05 s


def test_hits_across_voices_and_noise() -> None:
    detector = MicroWakeDetector(phrase=PHRASE)
    clips = [
        mix(pad(synth(PHRASE, voice=v), 1.0, 1.0), snr_db=snr)
        for v in ("piper:joe", "piper:joe-fast", "piper:joe-low", "en-us+f3")
        for snr in (None, 10.0)
    ]
    hits = 0
    for clip in clips:
        hits += bool(events(detector, clip))
        detector.reset()
    assert hits == len(clips)  # measured: all 8


def test_one_breath_phrase_end_is_before_the_command() -> None:
    # The command is decoded from the reported end: it must not start inside "play".
    detector = MicroWakeDetector(phrase=PHRASE)
    phrase = synth(PHRASE, voice="piper:joe")
    phrase = phrase[: int(spoken_end(phrase) * RATE)]
    command = synth("play songs to sing in the car", voice="piper:joe")
    command = command[np.flatnonzero(np.abs(command) > 0.01)[0] :]
    found = events(detector, mix(pad(np.concatenate([phrase, command]), 1.0, 1.0), snr_db=20))
    assert len(found) == 1
    ended = 1.0 + len(phrase) / RATE
    assert found[0].phrase_end is not None
    assert ended - 0.2 < found[0].phrase_end < ended + 0.05  # measured: 0.04 s early


def test_no_wake_on_other_talk_or_the_floor() -> None:
    detector = MicroWakeDetector(phrase=PHRASE)
    texts = IN_GRAMMAR + OUT_OF_GRAMMAR
    talk = np.concatenate(
        [
            pad(synth(t, voice="piper:joe" if i % 2 else "en-us"), 0.2, 0.3)
            for i, t in enumerate(texts)
        ]
    )
    assert events(detector, mix(talk, snr_db=20)) == []
    assert events(detector, mix(np.zeros(RATE * 30, np.float32))) == []


def test_digital_silence_does_not_deafen_it() -> None:
    # A muted or idle virtual device delivers exact zeros, for a long time, then speech.
    detector = MicroWakeDetector(phrase=PHRASE)
    silence = np.zeros(RATE * 20, np.int16).tobytes()
    assert events(detector, silence) == []
    phrase = mix(pad(synth(PHRASE, voice="piper:joe"), 1.0, 1.0), snr_db=20)
    found = events(detector, silence + phrase)
    assert len(found) == 1
    assert found[0].when > 20.0


def test_reset_forgets_a_phrase_half_heard() -> None:
    detector = MicroWakeDetector(phrase=PHRASE)
    phrase = synth(PHRASE, voice="piper:joe")
    half = mix(pad(phrase[: int(spoken_end(phrase) * RATE * 0.6)], 1.0, 0.0), snr_db=20)
    rest = mix(np.concatenate([phrase[int(spoken_end(phrase) * RATE * 0.6) :],
                               np.zeros(RATE)]), snr_db=20)  # fmt: skip
    # Without a reset, the two halves are heard as one phrase ...
    assert len(events(detector, half + rest)) == 1
    detector.reset()
    # ... after one (the daemon resets when it returns to idle), the second half is not.
    assert events(detector, half) == []
    detector.reset()
    assert events(detector, rest) == []


def test_any_rate_and_chunk_size() -> None:
    # A USB microphone at 48 kHz in 60 ms blocks: resampled, and the end still right.
    detector = MicroWakeDetector(phrase=PHRASE)
    phrase = synth(PHRASE, voice="piper:joe")
    clip = np.frombuffer(mix(pad(phrase, 1.0, 1.0), snr_db=20), dtype="<i2")
    at48 = np.repeat(clip, 3).astype("<i2").tobytes()  # crude, but the phrase survives it
    step = int(0.06 * 48000) * 2
    found = [
        e
        for i in range(0, len(at48), step)
        if (e := detector.process(AudioChunk(at48[i : i + step], 48000, timestamp=i / 96000)))
    ]
    assert len(found) == 1
    assert found[0].phrase_end is not None
    assert abs(found[0].phrase_end - (1.0 + spoken_end(phrase))) < 0.2


def test_phrases_without_a_model() -> None:
    assert micro_model("Hey  Mycroft") == "hey_mycroft"
    assert micro_model("hey speaker") is None
    with pytest.raises(EngineError, match="no model for 'hey speaker'"):
        MicroWakeDetector(phrase="hey speaker")


ONE_BREATH = [
    ("piper:joe", "play songs to sing in the car"),
    ("piper:joe-fast", "skip this one"),
    ("piper:joe-high", "turn the volume down"),
    ("piper:joe-rough", "what's playing right now"),
    ("piper:joe-slow", "shuffle my favourites"),
    ("en-us", "play something by queen"),
    ("en-gb-x-rp", "next song please"),
]


def test_alexa_run_straight_into_a_command_is_heard_in_time() -> None:
    # alexa's model learnt the phrase before a pause: run on into a command its probability
    # stays low, and only the probe (what it would say had the speaker paused) finds it.
    def in_time(detector: MicroWakeDetector) -> int:
        found = 0
        for voice, command in ONE_BREATH:
            phrase = synth("alexa", voice=voice)
            phrase = phrase[: int(spoken_end(phrase) * RATE)]
            said = synth(f"alexa {command}", voice=voice)
            start = np.flatnonzero(np.abs(said) > 0.01)[0] / RATE
            ended = 1.0 + start + len(phrase) / RATE  # about: said alone, it is no shorter
            woke = events(detector, mix(pad(said, 1.0, 1.0), snr_db=20))
            detector.reset()
            if woke and woke[0].phrase_end is not None:
                # The command is decoded from there: not from inside it, and not far before.
                found += ended - 0.3 < woke[0].phrase_end < ended + 0.1
        return found

    assert in_time(MicroWakeDetector(phrase="alexa")) >= len(ONE_BREATH) - 1
    assert in_time(MicroWakeDetector(phrase="alexa", probe_from=1.0)) <= len(ONE_BREATH) // 2


def test_alexa_probing_is_only_tentative_on_talk_and_commands() -> None:
    # "play s|ome music" sounds like "-lexa" to the model had the speaker paused there: the
    # probe may fire on commands said without the phrase, but says so, and the recogniser
    # confirms such wakes (tests/asr/test_pocketsphinx.py). Heard as such, never.
    detector = MicroWakeDetector(phrase="alexa")
    texts = IN_GRAMMAR + OUT_OF_GRAMMAR
    talk = np.concatenate(
        [
            pad(synth(t, voice="piper:joe" if i % 2 else "en-us"), 0.2, 0.3)
            for i, t in enumerate(texts)
        ]
    )
    assert all(event.run_on for event in events(detector, mix(talk, snr_db=20)))
