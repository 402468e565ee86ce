"""The endpointer on real espeak-ng speech, in silence, noise and music."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from assistant.audio.base import Vad
from assistant.audio.endpoint import Endpointer, Paused, SpeechStarted, Utterance
from assistant.audio.files import FileSource
from assistant.audio.vad import EnergyVad, create_vad
from assistant.audio.vad_micro import MicroVad
from tests.audio import signals as S

TOLERANCE_S = 0.2
VADS: dict[str, Callable[[], Vad]] = {"micro": MicroVad, "energy": EnergyVad}


def _endpointer(vad: str, **kwargs: float) -> Endpointer:
    options: dict[str, float] = {"trailing_silence_ms": 700, "max_utterance_s": 8.0, **kwargs}
    return Endpointer(vad=VADS[vad](), **options)  # type: ignore[arg-type]


def _run(ep: Endpointer, audio: S.Signal, *, rate: int = S.RATE) -> list[Utterance]:
    if rate != S.RATE:
        from assistant.audio.base import AudioChunk
        from assistant.audio.resample import resample

        audio = np.frombuffer(
            resample(AudioChunk(S.to_int16(audio), S.RATE), rate).samples, dtype="<i2"
        ).astype(np.float64)
    return list(ep.utterances(S.chunks_of(audio, rate=rate)))


def _noise(kind: str, rng: np.random.Generator) -> S.Signal | None:
    return {"none": None, "white": S.white(12, rng), "music": S.music(12, rng)}[kind]


@pytest.mark.parametrize("vad", ["micro", "energy"])
@pytest.mark.parametrize("noise", ["none", "white", "music"])
@pytest.mark.parametrize(
    ("voice", "speed"), [("en-us", 170), ("en-gb", 170), ("en+f3", 150), ("en-us", 230)]
)
def test_one_command_found_with_accurate_bounds(
    vad: str, noise: str, voice: str, speed: int
) -> None:
    rng = np.random.default_rng(11)
    speech = S.speak("play something by the beatles", voice=voice, speed=speed)
    scene = S.scene([speech], gaps_s=[2.0, 2.0], noise=_noise(noise, rng), snr_db=10, rng=rng)
    found = _run(_endpointer(vad), scene.audio)
    assert len(found) == 1
    (start, end), u = scene.segments[0], found[0]
    assert u.start == pytest.approx(start, abs=TOLERANCE_S)
    assert u.end == pytest.approx(end, abs=TOLERANCE_S)
    assert not u.capped


@pytest.mark.parametrize("vad", ["micro", "energy"])
def test_two_commands_a_moment_apart_are_two_utterances(vad: str) -> None:
    rng = np.random.default_rng(5)
    first = S.speak("play something by the beatles", voice="en-gb")
    second = S.speak("turn it down", voice="en+f3")
    scene = S.scene([first, second], gaps_s=[1.5, 1.5, 1.5], noise=S.white(12, rng), rng=rng)
    found = _run(_endpointer(vad), scene.audio)
    assert len(found) == 2
    for (start, end), u in zip(scene.segments, found, strict=True):
        assert u.start == pytest.approx(start, abs=TOLERANCE_S)
        assert u.end == pytest.approx(end, abs=TOLERANCE_S)


@pytest.mark.parametrize("vad", ["micro", "energy"])
@pytest.mark.parametrize("kind", ["white", "pink", "music"])
def test_noise_or_music_alone_is_no_utterance(vad: str, kind: str) -> None:
    rng = np.random.default_rng(3)
    make = {"white": S.white, "pink": S.pink, "music": S.music}[kind]
    loud = make(20.0, rng) * 3000  # about -21 dBFS: louder than most speech in a room
    assert _run(_endpointer(vad), loud) == []


def test_fan_switching_on_is_not_speech_and_speech_over_it_is() -> None:
    """The noise floor follows a new steady sound, and speech above it still counts."""
    rng = np.random.default_rng(8)
    speech = S.speak("what's playing", voice="en-us")
    quiet = S.scene([speech], gaps_s=[6.0, 1.5], rng=rng)
    fan = np.zeros_like(quiet.audio)
    on = int(2.0 * S.RATE)  # the fan starts 2 s in, 4 s before the command
    level = S.rms(speech[int(S.speech_bounds(speech)[0] * S.RATE) :]) / 10 ** (10 / 20)
    fan[on:] = S.pink(len(fan[on:]) / S.RATE + 1, rng)[: len(fan) - on] * level
    found = _run(Endpointer(vad=create_vad("auto")), quiet.audio + fan)
    assert len(found) == 1
    assert found[0].start == pytest.approx(quiet.segments[0][0], abs=TOLERANCE_S)
    assert found[0].end == pytest.approx(quiet.segments[0][1], abs=TOLERANCE_S)


@pytest.mark.parametrize("vad", ["micro", "energy"])
def test_long_speech_is_capped_once(vad: str) -> None:
    rng = np.random.default_rng(2)
    speech = S.speak(
        "play the whole collection of songs from the nineteen sixties and seventies that "
        "my grandmother used to sing in the kitchen on sunday mornings",
        voice="en-us",
    )
    assert len(speech) / S.RATE > 5
    scene = S.scene([speech], gaps_s=[1.5, 1.5], rng=rng)
    found = _run(_endpointer(vad, max_utterance_s=2.0), scene.audio)
    # Speech goes on after the cut, but no second utterance starts until there is silence.
    assert len(found) == 1
    u = found[0]
    assert u.capped
    assert u.end - u.start == pytest.approx(2.0)
    assert u.start == pytest.approx(scene.segments[0][0], abs=TOLERANCE_S)


def test_events_pre_roll_and_audio() -> None:
    rng = np.random.default_rng(4)
    speech = S.speak("skip this song", voice="en-gb")
    scene = S.scene([speech], gaps_s=[2.0, 2.0], rng=rng)
    ep = Endpointer(vad=MicroVad(), trailing_silence_ms=500, pre_roll_ms=300)
    events = [e for c in S.chunks_of(scene.audio) for e in ep.process(c)] + ep.flush()
    assert [type(e) for e in events] == [SpeechStarted, Utterance]
    started, u = events
    assert isinstance(started, SpeechStarted) and isinstance(u, Utterance)
    assert started.start == u.start
    assert started.detected_at <= u.ended_at
    assert u.audio.rate == 16000 and u.audio.channels == 1
    # 300 ms of pre-roll before the first speech frame; the utterance runs to the decision.
    assert u.start - u.audio.timestamp == pytest.approx(0.3, abs=0.011)
    assert u.audio.timestamp + u.audio.seconds - u.end == pytest.approx(0.5, abs=0.011)
    # The audio is the speech itself: it lines up with the clean clip, sample for sample.
    got = np.frombuffer(u.audio.samples, dtype="<i2").astype(np.float64)
    offset = round(u.audio.timestamp * S.RATE)
    original = scene.audio[offset : offset + len(got)]
    assert np.max(np.abs(got - original)) <= 1.0


def _events(ep: Endpointer, audio: S.Signal) -> list[object]:
    return [e for c in S.chunks_of(audio) for e in ep.process(c)] + ep.flush()


def test_a_pause_is_reported_and_the_utterance_can_end_there() -> None:
    scene = S.scene([S.speak("skip this song", voice="en-gb")], gaps_s=[2.0, 2.0],
                    rng=np.random.default_rng(4))  # fmt: skip
    ep = Endpointer(vad=MicroVad(), trailing_silence_ms=500, complete_silence_ms=200)
    ended: list[Utterance] = []
    found: list[object] = []
    for chunk in S.chunks_of(scene.audio):
        for event in ep.process(chunk):
            found.append(event)
            if isinstance(event, Paused):
                # Nothing after the pause has been heard yet: the utterance ends right there.
                assert event.audio.timestamp + event.audio.seconds - event.end == pytest.approx(
                    0.2, abs=0.011
                )
                utterance = ep.end_here()
                assert utterance is not None
                ended.append(utterance)
                assert utterance.audio == event.audio and utterance.end == event.end
    found += ep.flush()
    assert [type(e) for e in found] == [SpeechStarted, Paused]  # no second utterance after
    [utterance] = ended
    assert utterance.early and not utterance.capped
    assert utterance.ended_at == found[1].detected_at  # type: ignore[attr-defined]
    assert ep.end_here() is None  # no utterance under way


def test_an_utterance_ended_later_in_the_silence_is_dated_then() -> None:
    # A second opinion that agrees a little after the pause ends the utterance then: its
    # audio runs to that moment, and the end was decided when that audio was heard.
    scene = S.scene([S.speak("skip this song", voice="en-gb")], gaps_s=[2.0, 2.0],
                    rng=np.random.default_rng(4))  # fmt: skip
    ep = Endpointer(vad=MicroVad(), trailing_silence_ms=500, complete_silence_ms=200)
    paused: Paused | None = None
    utterance: Utterance | None = None
    for chunk in S.chunks_of(scene.audio):
        events = ep.process(chunk)
        paused = next((e for e in events if isinstance(e, Paused)), paused)
        if paused is not None and chunk.timestamp >= paused.end + 0.3:
            decided = time.monotonic()
            utterance = ep.end_here()
            break
    assert paused is not None and utterance is not None and utterance.early
    assert utterance.end == paused.end
    assert utterance.audio.seconds > paused.audio.seconds  # the silence heard since
    assert paused.detected_at < utterance.ended_at <= decided + 0.01


def test_a_pause_let_be_ends_as_if_there_had_been_none() -> None:
    scene = S.scene([S.speak("skip this song", voice="en-gb")], gaps_s=[2.0, 2.0],
                    rng=np.random.default_rng(4))  # fmt: skip
    plain = _events(Endpointer(vad=MicroVad(), trailing_silence_ms=500), scene.audio)
    paused = _events(
        Endpointer(vad=MicroVad(), trailing_silence_ms=500, complete_silence_ms=200), scene.audio
    )
    assert [type(e) for e in paused] == [SpeechStarted, Paused, Utterance]
    before, after = plain[-1], paused[-1]
    assert isinstance(before, Utterance) and isinstance(after, Utterance)
    assert (after.start, after.end, after.audio, after.early) == (
        before.start, before.end, before.audio, False,
    )  # fmt: skip


def test_a_pause_inside_the_speech_cannot_be_ended_once_speech_is_back() -> None:
    words = [S.speak("play the album", voice="en-us"), S.speak("help", voice="en-us")]
    scene = S.scene(words, gaps_s=[2.0, 0.3, 2.0], rng=np.random.default_rng(5))
    ep = Endpointer(vad=MicroVad(), trailing_silence_ms=800, complete_silence_ms=200)
    found: list[object] = []
    resumed: list[Utterance | None] = []
    for chunk in S.chunks_of(scene.audio):
        found += ep.process(chunk)
        second_word = scene.segments[1][0] + 0.1 < chunk.timestamp < scene.segments[1][1]
        if Paused in map(type, found) and second_word:
            resumed.append(ep.end_here())  # the second word is under way: no pause to end at
    found += ep.flush()
    assert resumed and all(u is None for u in resumed)
    utterances = [e for e in found if isinstance(e, Utterance)]
    assert len(utterances) == 1 and Paused in map(type, found)
    assert utterances[0].start == pytest.approx(scene.segments[0][0], abs=TOLERANCE_S)
    assert utterances[0].end == pytest.approx(scene.segments[1][1], abs=TOLERANCE_S)


def test_utterance_is_closed_at_end_of_file(tmp_path: Path) -> None:
    # espeak's own 22.05 kHz file, no silence after the speech: the end of input ends it.
    speech = S.speak("turn it down", voice="en-us")
    path = S.write_wav(tmp_path / "cmd.wav", np.concatenate([np.zeros(16000), speech]))
    ep = Endpointer(vad=MicroVad())
    found = list(ep.utterances(FileSource(path).chunks()))
    assert len(found) == 1
    assert found[0].start == pytest.approx(1.0 + S.speech_bounds(speech)[0], abs=TOLERANCE_S)


@pytest.mark.parametrize("rate", [44100, 48000, 8000])
def test_any_input_rate(rate: int) -> None:
    rng = np.random.default_rng(6)
    speech = S.speak("play songs to sing in the car", voice="en+f3")
    scene = S.scene([speech], gaps_s=[1.5, 1.5], noise=S.pink(10, rng), snr_db=10, rng=rng)
    found = _run(Endpointer(vad=MicroVad()), scene.audio, rate=rate)
    assert len(found) == 1
    assert found[0].start == pytest.approx(scene.segments[0][0], abs=TOLERANCE_S)
    assert found[0].end == pytest.approx(scene.segments[0][1], abs=TOLERANCE_S)


def test_create_vad_falls_back_to_energy_only_when_asked_for_auto() -> None:
    assert create_vad("energy").name == "energy"
    assert create_vad("auto").name == "micro"  # installed here
    with pytest.raises(Exception, match="unknown voice activity detector"):
        create_vad("bogus")


@pytest.mark.parametrize("noise", ["white", "pink"])
@pytest.mark.parametrize("voice", ["en-us", "en-gb", "en+f3"])
def test_speech_only_3_db_above_steady_noise_is_found(noise: str, voice: str) -> None:
    """At low SNR most speech frames are under 6 dB above the floor: the default margin must
    sit between steady noise's own spread (about 1 dB) and that."""
    rng = np.random.default_rng(17)
    speech = S.speak("play something by the beatles", voice=voice, speed=170)
    make = {"white": S.white, "pink": S.pink}[noise]
    scene = S.scene([speech], gaps_s=[2.0, 2.0], noise=make(12, rng), snr_db=3, rng=rng)
    found = _run(Endpointer(vad=create_vad("auto")), scene.audio)
    assert len(found) == 1
    (start, end), u = scene.segments[0], found[0]
    assert u.start == pytest.approx(start, abs=TOLERANCE_S)
    assert u.end == pytest.approx(end, abs=TOLERANCE_S)


@pytest.mark.parametrize("vad", list(VADS))
@pytest.mark.parametrize("dbfs", [-75.0, -66.0, -60.0])
def test_faint_hiss_after_digital_silence_is_not_speech(vad: str, dbfs: float) -> None:
    """A clean file or an idle virtual device gives exact zeros: the noise floor must not sink
    to them, or the faintest hiss that follows stands out as speech (it did, for 2.6 s)."""
    rng = np.random.default_rng(3)
    hiss = rng.normal(0.0, 32768 * 10 ** (dbfs / 20), 4 * S.RATE)
    audio = np.concatenate([np.zeros(2 * S.RATE), hiss])
    assert _run(_endpointer(vad), audio) == []


def test_speech_in_digital_silence_is_found_exactly() -> None:
    speech = S.speak("play something by the beatles")
    audio = np.concatenate([np.zeros(S.RATE), speech, np.zeros(S.RATE)])
    lo, hi = S.speech_bounds(speech)
    for vad in VADS:
        [found] = _run(_endpointer(vad), audio)
        assert found.start == pytest.approx(1.0 + lo, abs=TOLERANCE_S)
        assert found.end == pytest.approx(1.0 + hi, abs=TOLERANCE_S)
