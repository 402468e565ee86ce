"""`assistant listen` on the WAV files people make: clean synthetic speech with exact digital
silence around it, at every common rate, channel count and sample format, through the CLI."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from tests.audio import wav_files as W
from tests.fixtures.config import write_config
from tests.fixtures.generate import FixtureLibrary


@pytest.fixture
def config(tmp_path: Path, fixture_library: FixtureLibrary) -> Path:
    return write_config(tmp_path, fixture_library)


def _leading_zeros(path: Path) -> int:
    with wave.open(str(path)) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return int(np.argmax(x != 0))


def test_the_first_file_a_new_user_makes_is_understood(tmp_path: Path, config: Path) -> None:
    wav = W.espeak(tmp_path / "test.wav", "play something by a c d c")
    assert _leading_zeros(wav) > 100  # it really starts in exact digital silence
    done = W.listen(config, "--json", wav)
    assert done.returncode == 0, done.stderr
    [heard] = W.json_lines(done)
    assert (heard["intent"], heard["slots"]) == ("PlayArtist", {"artist": "AC/DC"}), heard
    assert "no speech" not in done.stderr


@pytest.mark.parametrize(
    ("voice", "text", "intent", "slots"),
    [
        (W.espeak, "set the volume to forty", "SetVolume", {"level": 40}),
        (W.piper, "play something by a c d c", "PlayArtist", {"artist": "AC/DC"}),
    ],
    ids=["espeak", "piper"],
)
def test_every_rate_channel_count_and_sample_format(
    tmp_path: Path, config: Path, voice: W.Voice, text: str, intent: str, slots: dict[str, object]
) -> None:
    original = voice(tmp_path / "original.wav", text)
    files = {
        name: W.convert(original, tmp_path / f"{i}.wav", options)
        for i, (name, options) in enumerate(W.FORMATS.items())
    }
    done = W.listen(config, "--json", *files.values())
    assert done.returncode == 0, done.stderr
    heard = dict(zip(files, W.json_lines(done), strict=True))
    understood = {name: (h["intent"], h["slots"]) for name, h in heard.items()}
    assert understood == dict.fromkeys(files, (intent, slots))
    assert "no speech" not in done.stderr


def test_decision_says_what_the_assistant_would_do(tmp_path: Path, config: Path) -> None:
    act = W.piper(tmp_path / "queen.wav", "play queen")
    ask = W.piper(tmp_path / "hello.wav", "play hello")  # by Adele or by Lionel Richie?
    silence = tmp_path / "silence.wav"
    with wave.open(str(silence), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(bytes(2 * 16000))
    done = W.listen(config, "--json", act, ask, silence)
    assert done.returncode == 0, done.stderr
    queen, hello, nothing = W.json_lines(done)
    assert (queen["intent"], queen["slots"], queen["decision"]) == (
        "PlayArtist", {"artist": "Queen"}, "act"
    ), queen  # fmt: skip
    assert hello["intent"] == "PlayTrack" and hello["decision"] == "ask", hello
    assert (nothing["intent"], nothing["decision"]) == (None, "ignore"), nothing
    assert f"{silence}: no speech recognised in it" in done.stderr
    # The fields from before are all still there.
    before = {"file", "transcript", "alternatives", "intent", "slots", "confidence", "unresolved",
              "audio_seconds", "processing_seconds"}  # fmt: skip
    assert set(queen) == before | {"decision"}


def test_readable_output_names_the_decision(tmp_path: Path, config: Path) -> None:
    done = W.listen(config, W.piper(tmp_path / "queen.wav", "play queen"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("PlayArtist {'artist': 'Queen'} [act]"), done.stdout
