"""`assistant console --json` end to end: a real config, the library scanned on first use, mpv."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.fixtures.config import write_config
from tests.fixtures.generate import FixtureLibrary
from tests.fixtures.library_spec import PLAYLISTS

CAR = [t.title for t in PLAYLISTS["Songs to Sing in the Car"]]


def _console(config: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", "console", "--config", str(config), *args],
        input=script,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_console_json_script(tmp_path: Path, fixture_library: FixtureLibrary) -> None:
    config = write_config(tmp_path, fixture_library)
    script = (
        "# a comment, then a blank line\n\n"
        "play songs to sing in the car\n:wait 2\nwhat's playing\nnext\nturn it down\nstop\n"
        "play hello\nthe one by adele\nplay the rolling stones\n"
        "play hello\nno\nwhat's the weather\n"
    )
    done = _console(config, script, "--json")
    assert done.returncode == 0, done.stderr
    out: list[dict[str, Any]] = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o["text"] for o in out] == [
        "play songs to sing in the car",
        "what's playing",
        "next",
        "turn it down",
        "stop",
        "play hello",
        "the one by adele",
        "play the rolling stones",
        "play hello",
        "no",
        "what's the weather",
    ]
    play, what, nxt, down, stop, hello, adele, stones, *_ = out
    assert play["intent"] == "PlayPlaylist"
    assert play["slots"] == {"playlist": "Songs to Sing in the Car"}
    assert play["response"] == "Playing Songs to Sing in the Car."
    player = play["player"]
    assert player["state"] == "playing" and player["queue_length"] == len(CAR)
    assert player["track"]["title"] == CAR[0] and player["track"]["artist"] == "Queen"
    assert player["track"]["path"].endswith(".ogg")
    assert {"title", "artist", "album", "path"} <= set(player["track"])
    assert (player["volume"], player["shuffle"], player["repeat"]) == (50, False, "off")

    current = what["player"]["track"]
    assert what["intent"] == "WhatIsPlaying"
    assert what["response"] == f"This is {current['title']} by {current['artist']}."
    assert nxt["player"]["track"]["title"] == CAR[CAR.index(current["title"]) + 1]
    assert down["intent"] == "VolumeDown" and down["player"]["volume"] == 40
    assert stop["player"]["state"] == "stopped"

    assert hello["response"] == "Which one: Hello by Adele or Hello by Lionel Richie?"
    assert hello["player"]["state"] == "stopped"
    assert adele["response"] == "Playing Hello by Adele."
    assert adele["player"]["track"]["artist"] == "Adele"
    assert stones["response"] == "I couldn't find the rolling stones in your library."
    assert stones["player"]["track"]["artist"] == "Adele"
    # What the dialogue chose: a question is told apart from an action; "no" and a sentence
    # it did not understand do nothing.
    assert [o["decision"] for o in out] == [
        "act", "act", "act", "act", "act", "ask", "act", "act", "ask", "ignore", "ignore",
    ]  # fmt: skip
    assert [o["outcome"] for o in out[-3:]] == ["ask", "cancelled", "not_understood"]

    # What was heard is in the history: the first track started during the wait and ended.
    db = sqlite3.connect(tmp_path / "state" / "assistant.sqlite3")
    rows = db.execute("SELECT location, ended FROM plays ORDER BY started_at").fetchall()
    db.close()
    assert rows and rows[0][0] == player["track"]["path"]
    assert {reason for _, reason in rows} <= {"finished", "skipped", "stopped"}


def test_console_readable_and_bad_wait(tmp_path: Path, fixture_library: FixtureLibrary) -> None:
    config = write_config(tmp_path, fixture_library)
    done = _console(config, "what's playing\n:wait soon\nturn it up\nwhat's the weather\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "Nothing is playing.",
        "(ok)",
        "Sorry, I didn't understand.",
    ]
    assert ":wait SECONDS" in done.stderr


def test_a_station_that_fails_later_is_announced(
    tmp_path: Path, fixture_library: FixtureLibrary, closed_port: str
) -> None:
    """The radio answers at once and reports a dead station after: in text mode as a line of
    its own, with --json on stderr so stdout stays one JSON line per command."""
    config = write_config(tmp_path, fixture_library, stations={"Dead FM": closed_port})
    script = "play dead fm\n:wait 6\nwhat's playing\n"
    as_json = _console(config, script, "--json")
    assert as_json.returncode == 0, as_json.stderr
    lines = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert [o["text"] for o in lines] == ["play dead fm", "what's playing"]
    assert lines[0]["response"] == "Tuning in to Dead FM."
    assert lines[1]["player"]["state"] == "stopped"
    assert "announcement: Dead FM isn't answering right now." in as_json.stderr
    text = _console(config, script)
    assert text.returncode == 0, text.stderr
    assert "Dead FM isn't answering right now." in text.stdout.splitlines()
