"""The speech cache, in front of the real synthesizer."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import EngineError
from assistant.tts.cache import CachedSynthesizer
from assistant.tts.pyttsx3_engine import Pyttsx3Synthesizer


def cached(tmp_path: Path, rate: int = 170, max_entries: int = 8) -> CachedSynthesizer:
    return CachedSynthesizer(
        synthesizer=Pyttsx3Synthesizer(voice="en-us", rate=rate, volume=1.0),
        cache_dir=tmp_path / "cache",
        max_entries=max_entries,
    )


def test_a_repeated_sentence_comes_from_the_cache(tmp_path: Path) -> None:
    c = cached(tmp_path)
    first = c.synthesize("Nothing is playing.", tmp_path / "1.wav").read_bytes()
    second_path = c.synthesize("Nothing is playing.", tmp_path / "2.wav")
    assert (c.hits, c.misses) == (1, 1)
    assert second_path == tmp_path / "2.wav"
    assert second_path.read_bytes() == first


def test_the_callers_copy_is_its_own(tmp_path: Path) -> None:
    c = cached(tmp_path)
    c.synthesize("Nothing is playing.", tmp_path / "1.wav").unlink()
    c.synthesize("Nothing is playing.", tmp_path / "2.wav").write_bytes(b"spoilt")
    again = c.synthesize("Nothing is playing.", tmp_path / "3.wav")
    assert c.hits == 2
    assert again.read_bytes()[:4] == b"RIFF"


def test_other_text_or_settings_miss(tmp_path: Path) -> None:
    normal = cached(tmp_path)
    fast = cached(tmp_path, rate=300)
    normal.synthesize("Nothing is playing.", tmp_path / "a.wav")
    normal.synthesize("Something is playing.", tmp_path / "b.wav")
    fast.synthesize("Nothing is playing.", tmp_path / "c.wav")
    assert normal.misses == 2 and fast.misses == 1
    assert normal.hits == fast.hits == 0
    assert (tmp_path / "c.wav").stat().st_size < (tmp_path / "a.wav").stat().st_size


def test_the_cache_is_bounded_least_recently_used_first(tmp_path: Path) -> None:
    c = cached(tmp_path, max_entries=3)
    for word in ("one", "two", "three"):
        c.synthesize(f"Track {word}.", tmp_path / "x.wav")
    c.synthesize("Track one.", tmp_path / "x.wav")  # now the most recently used
    c.synthesize("Track four.", tmp_path / "x.wav")  # evicts "two"
    assert len(list((tmp_path / "cache").glob("*.wav"))) == 3
    assert c.entry("Track one.").exists()
    assert not c.entry("Track two.").exists()


class FailingSynthesizer:
    settings_key = "failing"

    def synthesize(self, text: str, path: Path) -> Path:
        raise EngineError("espeak-ng produced silence")


def test_a_failure_is_not_cached(tmp_path: Path) -> None:
    c = CachedSynthesizer(synthesizer=FailingSynthesizer(), cache_dir=tmp_path / "cache")
    for _ in range(2):
        with pytest.raises(EngineError):
            c.synthesize("Hello.", tmp_path / "x.wav")
    assert c.misses == 2
    assert not list((tmp_path / "cache").iterdir())
