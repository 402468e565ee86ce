"""The pyttsx3 + espeak-ng synthesizer, driven for real."""

from __future__ import annotations

import subprocess
import sys
import threading
import types
import wave
from pathlib import Path

import numpy as np
import pytest

from assistant.errors import EngineError
from assistant.tts import pyttsx3_engine
from assistant.tts.pyttsx3_engine import Pyttsx3Synthesizer, VoiceInfo, list_voices, resolve_voice

ANSWER = "Playing Songs to Sing in the Car."


def read(path: Path) -> tuple[wave._wave_params, np.ndarray]:
    with wave.open(str(path), "rb") as w:
        return w.getparams(), np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(float)


def synth(tmp_path: Path, text: str = ANSWER, **settings: object) -> np.ndarray:
    kwargs: dict[str, object] = {"voice": "en-us", "rate": 170, "volume": 1.0, **settings}
    s = Pyttsx3Synthesizer(**kwargs)  # type: ignore[arg-type]
    return read(s.synthesize(text, tmp_path / "out.wav"))[1]


def test_speech_is_a_mono_16_bit_wav_with_energy(tmp_path: Path) -> None:
    s = Pyttsx3Synthesizer(voice="en-us", rate=170, volume=1.0)
    out = s.synthesize(ANSWER, tmp_path / "a.wav")
    assert out == tmp_path / "a.wav"
    params, samples = read(out)
    assert (params.nchannels, params.sampwidth, params.framerate) == (1, 2, 22050)
    seconds = len(samples) / params.framerate
    assert 1.0 < seconds < 6.0
    rms = np.sqrt(np.mean(samples**2))
    assert rms > 500  # speech, not a near-silent file


def test_longer_text_gives_longer_audio(tmp_path: Path) -> None:
    short = synth(tmp_path, "Stop.")
    long = synth(tmp_path, ANSWER + " It is the third song on the album.")
    assert len(long) > 2 * len(short)


def test_faster_rate_gives_shorter_audio(tmp_path: Path) -> None:
    slow = synth(tmp_path, rate=100)
    normal = synth(tmp_path, rate=170)
    fast = synth(tmp_path, rate=300)
    assert len(fast) < 0.8 * len(normal) < 0.8 * 0.8 * len(slow)


def test_settings_do_not_leak_between_synthesizers(tmp_path: Path) -> None:
    # One espeak-ng serves the whole process: alternating settings must each be honoured.
    slow = Pyttsx3Synthesizer(voice="en-us", rate=90, volume=1.0)
    fast = Pyttsx3Synthesizer(voice="en-gb", rate=300, volume=1.0)
    lengths: dict[str, list[int]] = {"slow": [], "fast": []}
    for i in range(6):
        name, s = ("slow", slow) if i % 2 == 0 else ("fast", fast)
        lengths[name].append(len(read(s.synthesize(ANSWER, tmp_path / f"{i}.wav"))[1]))
    assert max(lengths["fast"]) < 0.5 * min(lengths["slow"])


def test_voice_changes_the_speech(tmp_path: Path) -> None:
    us = [len(synth(tmp_path, voice="en-us")) for _ in range(2)]
    de = [len(synth(tmp_path, voice="de")) for _ in range(2)]
    # Same voice twice: nearly the same length; another voice: clearly different.
    assert abs(us[0] - us[1]) < 0.01 * us[0]
    assert abs(de[0] - us[0]) > 0.03 * us[0]


def test_volume_scales_the_audio(tmp_path: Path) -> None:
    loud = np.abs(synth(tmp_path, volume=1.0)).max()
    quiet = np.abs(synth(tmp_path, volume=0.4)).max()
    assert 0.25 * loud < quiet < 0.6 * loud


def test_voice_names_resolve_to_espeak_voices() -> None:
    s = Pyttsx3Synthesizer(voice="en-us", rate=170, volume=1.0)
    assert s.voice_id == "gmw/en-us"
    assert (
        Pyttsx3Synthesizer(voice="English (America)", rate=170, volume=1.0).voice_id == s.voice_id
    )
    assert Pyttsx3Synthesizer(voice="en-gb", rate=170, volume=1.0).voice_id == "gmw/en"
    assert Pyttsx3Synthesizer(voice="english", rate=170, volume=1.0).voice_id == "gmw/en"
    assert Pyttsx3Synthesizer(voice="", rate=170, volume=1.0).voice_id  # espeak's default


def test_resolve_voice_order() -> None:
    voices = [
        VoiceInfo("gmw/en-029", "English (Caribbean)", ("en-029",)),
        VoiceInfo("gmw/en", "English (Great Britain)", ("en-gb",)),
        VoiceInfo("gmw/en-us", "English (America)", ("en-us",)),
        VoiceInfo("roa/fr", "French (France)", ("fr-fr",)),
    ]
    assert resolve_voice("EN_US", voices) == voices[2]
    assert resolve_voice("gmw/en", voices) == voices[1]
    assert resolve_voice("en-gb", voices) == voices[1]
    assert resolve_voice("English", voices) == voices[1]
    assert resolve_voice("fr", voices) == voices[3]
    assert resolve_voice("xx-nowhere", voices) is None
    assert resolve_voice("", voices) is None


def test_real_voice_list_has_english() -> None:
    voices = list_voices()
    assert any(v.id == "gmw/en-us" for v in voices)


def test_unknown_voice_is_a_clear_error() -> None:
    with pytest.raises(EngineError) as err:
        Pyttsx3Synthesizer(voice="en-xx-nowhere", rate=170, volume=1.0)
    message = str(err.value)
    assert "en-xx-nowhere" in message
    assert "en-us" in message  # suggestions


def test_nothing_to_say_is_an_error(tmp_path: Path) -> None:
    s = Pyttsx3Synthesizer(voice="en-us", rate=170, volume=1.0)
    with pytest.raises(EngineError):
        s.synthesize("   ", tmp_path / "x.wav")
    with pytest.raises(EngineError, match="silence"):
        s.synthesize("...", tmp_path / "x.wav")  # espeak-ng says nothing for this
    with pytest.raises(EngineError, match="no such directory"):
        s.synthesize(ANSWER, tmp_path / "missing" / "x.wav")
    # The engine still works afterwards.
    assert s.synthesize(ANSWER, tmp_path / "ok.wav").stat().st_size > 10_000


def test_silent_volume_is_allowed(tmp_path: Path) -> None:
    assert np.abs(synth(tmp_path, volume=0.0)).max() == 0


def test_stale_file_never_passes_for_a_failed_synthesis(tmp_path: Path) -> None:
    s = Pyttsx3Synthesizer(voice="en-us", rate=170, volume=1.0)
    out = s.synthesize(ANSWER, tmp_path / "x.wav")
    with pytest.raises(EngineError):
        s.synthesize("...", out)
    assert not out.exists()


def test_many_threads_share_the_engine_safely(tmp_path: Path) -> None:
    errors: list[BaseException] = []
    lengths: dict[int, list[int]] = {90: [], 300: []}

    def work(n: int, rate: int) -> None:
        s = Pyttsx3Synthesizer(voice="en-us", rate=rate, volume=1.0)
        try:
            for i in range(4):
                lengths[rate].append(len(read(s.synthesize(ANSWER, tmp_path / f"{n}-{i}.wav"))[1]))
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n, (90, 300)[n % 2])) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    assert len(lengths[90]) == len(lengths[300]) == 8
    assert max(lengths[300]) < 0.5 * min(lengths[90])


def test_no_pyttsx3_chatter_on_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Pyttsx3Synthesizer(voice="en-us", rate=170, volume=1.0).synthesize(ANSWER, tmp_path / "a.wav")
    assert "Audio saved" not in capsys.readouterr().out


def test_missing_espeak_names_the_debian_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    # libespeak-ng cannot be uninstalled here: stand in for pyttsx3 failing to load it.
    def init() -> None:
        raise RuntimeError("This means you probably do not have eSpeak or eSpeak-ng installed!")

    monkeypatch.setitem(__import__("sys").modules, "pyttsx3", types.SimpleNamespace(init=init))
    with pytest.raises(EngineError, match="libespeak-ng1"):
        pyttsx3_engine._Engine()


FIRST_SENTENCE = """
import sys
from pathlib import Path
from assistant.tts.pyttsx3_engine import Pyttsx3Synthesizer
Pyttsx3Synthesizer(voice="en-us", rate=170, volume=1.0).synthesize(sys.argv[1], Path(sys.argv[2]))
"""


def test_the_first_sentence_of_a_fresh_process(tmp_path: Path) -> None:
    # A new engine starts with pending work inside pyttsx3 that used to cancel or misplace
    # the first sentence now and then: try several fresh processes.
    root = Path(__file__).resolve().parents[2]
    for i in range(8):
        out = tmp_path / f"{i}.wav"
        subprocess.run(
            [sys.executable, "-c", FIRST_SENTENCE, ANSWER, str(out)], cwd=root, check=True,
            timeout=120,
        )  # fmt: skip
        params, samples = read(out)
        assert 1.0 < len(samples) / params.framerate < 6.0
