"""`assistant history import`: both formats, matching like spoken names, duplicates, bad lines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from assistant.library.history import History
from tests.fixtures.generate import FixtureLibrary
from tests.learn.support import learn_config, scanned, track

AT = 1_750_000_000


def _import(config: Path, file: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", "history", "import", "--config", str(config),
         str(file)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _listen(at: int, artist: str, title: str, album: str | None = None) -> dict[str, object]:
    meta: dict[str, object] = {"artist_name": artist, "track_name": title}
    if album is not None:
        meta["release_name"] = album
    return {"listened_at": at, "track_metadata": meta}


def test_listenbrainz_array_matched_like_spoken_names_and_twice_adds_nothing(
    tmp_path: Path, fixture_library: FixtureLibrary
) -> None:
    config = learn_config(tmp_path, fixture_library)
    listens = [
        _listen(AT, "Beatles", "Here Comes The Sun", "Abbey Road"),
        _listen(AT + 300, "Guns N Roses", "Sweet Child O Mine"),
        _listen(AT + 600, "Beyonce", "Formation"),
        _listen(AT + 900, "Adele", "Hello"),  # Lionel Richie has a Hello too: the artist decides
        _listen(AT + 1200, "The Rolling Stones", "Angie"),
        {"listened_at": "yesterday", "track_metadata": {"artist_name": "U2", "track_name": "One"}},
    ]
    # Pretty-printed, as ListenBrainz exports are: each listen keeps its line.
    file = tmp_path / "listens.json"
    file.write_text(json.dumps(listens, indent=2))
    done = _import(config, file)
    assert done.returncode == 0, done.stderr
    # Each listen is reported at the line its object starts on.
    starts = [n for n, line in enumerate(file.read_text().splitlines(), 1) if line == "  {"]
    assert done.stdout.splitlines() == [
        f'line {starts[5]}: malformed: "listened_at" must be a number of seconds, '
        "got 'yesterday'",
        f"line {starts[4]}: unknown: The Rolling Stones - Angie",
        f"{file}: 4 matched (4 added, 0 already in history), 1 unknown, 1 malformed",
    ]
    assert done.stdout.splitlines()[-1] == (
        f"{file}: 4 matched (4 added, 0 already in history), 1 unknown, 1 malformed"
    )
    again = _import(config, file)
    assert again.stdout.splitlines()[-1] == (
        f"{file}: 4 matched (0 added, 4 already in history), 1 unknown, 1 malformed"
    )
    catalogue = scanned(tmp_path, fixture_library)
    try:
        plays = History(catalogue=catalogue).plays_after(0, 100)
        assert len(plays) == 4
        hello = track(catalogue, "Hello", "Adele")
        assert any(p.location == hello.path and p.ended == "finished" for p in plays)
        assert {p.location for p in plays} == {
            track(catalogue, "Here Comes the Sun", "The Beatles").path,
            track(catalogue, "Sweet Child o' Mine", "Guns N' Roses").path,
            track(catalogue, "Formation", "Beyoncé").path,
            hello.path,
        }
    finally:
        catalogue.close()


def test_own_json_lines_plays_and_ratings(tmp_path: Path, fixture_library: FixtureLibrary) -> None:
    config = learn_config(tmp_path, fixture_library)
    rows = [
        json.dumps({"at": AT, "artist": "Coldplay", "title": "Yellow", "album": "Parachutes",
                    "seconds": 266, "ended": "finished"}),
        json.dumps({"at": AT + 300, "artist": "Coldplay", "title": "Trouble", "seconds": 12,
                    "ended": "skipped"}),
        json.dumps({"at": AT + 400, "artist": "Eminem", "title": "Stan", "rating": "dislike"}),
        json.dumps({"at": AT + 500, "artist": "Johnny Cash", "title": "Hurt", "rating": "like"}),
        "{not json",
        json.dumps({"at": AT, "artist": "Coldplay", "title": "Yellow", "seconds": 3,
                    "ended": "paused"}),
        json.dumps({"at": AT, "artist": "Coldplay", "title": "Yellow", "seconds": 3}),
        json.dumps({"at": AT, "artist": "Coldplay", "title": "Yellow", "rating": "meh"}),
        json.dumps(["a", "list"]),
        "",
        json.dumps({"at": AT + 900, "artist": "Nobody", "title": "Nothing", "seconds": 1,
                    "ended": "finished"}),
        # The same play twice in one file is one play.
        json.dumps({"at": AT, "artist": "Coldplay", "title": "Yellow", "seconds": 266,
                    "ended": "finished"}),
    ]  # fmt: skip
    file = tmp_path / "mine.jsonl"
    file.write_text("\n".join(rows) + "\n")
    done = _import(config, file)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "line 5: malformed: not JSON (Expecting property name enclosed in double quotes)",
        "line 6: malformed: \"ended\" must be finished, skipped or stopped, got 'paused'",
        'line 7: malformed: needs "ended" (a play) or "rating" (a like or dislike)',
        "line 8: malformed: \"rating\" must be like or dislike, got 'meh'",
        "line 9: malformed: a listen must be a JSON object",
        "line 11: unknown: Nobody - Nothing",
        f"{file}: 5 matched (4 added, 1 already in history), 1 unknown, 5 malformed",
    ]
    assert _import(config, file).stdout.splitlines()[-1] == (
        f"{file}: 5 matched (0 added, 5 already in history), 1 unknown, 5 malformed"
    )
    catalogue = scanned(tmp_path, fixture_library)
    try:
        history = History(catalogue=catalogue)
        trouble = track(catalogue, "Trouble", "Coldplay")
        skips = [p for p in history.plays_after(0, 100) if p.location == trouble.path]
        assert [(p.ended, p.seconds_played, p.started_at) for p in skips] == [
            ("skipped", 12.0, AT + 300)
        ]
        assert history.ratings() == {
            track(catalogue, "Stan", "Eminem").path: False,
            track(catalogue, "Hurt", "Johnny Cash").path: True,
        }
    finally:
        catalogue.close()


def test_an_older_imported_rating_does_not_undo_a_newer_one(
    tmp_path: Path, fixture_library: FixtureLibrary
) -> None:
    config = learn_config(tmp_path, fixture_library)
    catalogue = scanned(tmp_path, fixture_library)
    try:
        hurt = track(catalogue, "Hurt", "Johnny Cash")
        History(catalogue=catalogue).like(hurt.id)  # now
    finally:
        catalogue.close()
    file = tmp_path / "old.jsonl"
    file.write_text(json.dumps({"at": AT, "artist": "Johnny Cash", "title": "Hurt",
                                "rating": "dislike"}) + "\n")  # fmt: skip
    done = _import(config, file)
    assert done.stdout.splitlines()[-1].endswith("1 matched (0 added, 1 already in history), "
                                                 "0 unknown, 0 malformed")  # fmt: skip
    catalogue = scanned(tmp_path, fixture_library)
    try:
        assert History(catalogue=catalogue).liked(hurt.id) is True
    finally:
        catalogue.close()


def test_a_missing_file_is_a_clear_error(tmp_path: Path, fixture_library: FixtureLibrary) -> None:
    done = _import(learn_config(tmp_path, fixture_library), tmp_path / "nope.json")
    assert done.returncode == 1
    assert "cannot read" in done.stderr and "nope.json" in done.stderr


def test_a_broken_array_is_read_up_to_the_break(
    tmp_path: Path, fixture_library: FixtureLibrary
) -> None:
    config = learn_config(tmp_path, fixture_library)
    file = tmp_path / "cut.json"
    good = json.dumps(_listen(AT, "Coldplay", "Yellow"))
    file.write_text(f"[\n{good},\n{good[:-9]}\n")  # the second listen is cut off
    done = _import(config, file)
    lines = done.stdout.splitlines()
    assert lines[0].startswith("line 3: malformed: not JSON")
    assert lines[-1].endswith("1 matched (1 added, 0 already in history), 0 unknown, 1 malformed")
