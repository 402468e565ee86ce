"""`assistant parse` end to end: a real config, a library on disk, scanned on first use."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.fixtures.config import write_config
from tests.fixtures.generate import FixtureLibrary


def _parse(config: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", "parse", "--config", str(config), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_parse_json_scans_first_and_uses_library_spelling(
    tmp_path: Path, fixture_library: FixtureLibrary
) -> None:
    config = write_config(tmp_path, fixture_library)
    done = _parse(config, "--json", "play guns and roses")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "text": "play guns and roses",
        "intent": "PlayArtist",
        "slots": {"artist": "Guns N' Roses"},
        "confidence": 1.0,
        "unresolved": {},
        "decision": "act",
    }
    assert (tmp_path / "state" / "assistant.sqlite3").exists()


def test_parse_stdin_one_object_per_line(tmp_path: Path, fixture_library: FixtureLibrary) -> None:
    config = write_config(tmp_path, fixture_library)
    lines = "volume forty\n\nplay the rolling stones\nwhat's the weather\nplay hello\n"
    done = _parse(config, "--json", stdin=lines)
    assert done.returncode == 0, done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o["intent"] for o in out] == ["SetVolume", "PlayArtist", None, "PlayTrack"]
    assert out[0]["slots"] == {"level": 40}
    assert out[1]["slots"] == {} and out[1]["unresolved"] == {"artist": "the rolling stones"}
    assert out[2] == {
        "text": "what's the weather",
        "intent": None,
        "slots": {},
        "confidence": 0.0,
        "unresolved": {},
        "decision": "ignore",
    }
    assert {c["artist"] for c in out[3]["choices"]} == {"Adele", "Lionel Richie"}
    # A name not in the library is passed on ("I couldn't find ..."); several readings: ask.
    assert [o["decision"] for o in out] == ["act", "act", "ignore", "ask"]


def test_parse_readable_line(tmp_path: Path, fixture_library: FixtureLibrary) -> None:
    config = write_config(tmp_path, fixture_library)
    done = _parse(config, "play the beetles")
    assert done.returncode == 0, done.stderr
    assert "PlayArtist" in done.stdout and "The Beatles" in done.stdout


def test_broken_config_names_key_and_line(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("player:\n  volume: loud\n  volum_step: 5\n")
    done = _parse(config, "--json", "pause")
    assert done.returncode == 1
    assert "line 2: player.volume: must be a whole number" in done.stderr
    assert "line 3: player.volum_step: unknown key (did you mean 'volume_step'?)" in done.stderr
