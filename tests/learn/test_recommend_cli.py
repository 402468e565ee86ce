"""`assistant recommend`: the queue each mode would play, one JSON object per line."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from tests.fixtures.generate import FixtureLibrary
from tests.learn.support import CAR_POOL, learn_config

FIELDS = {"artist", "title", "album", "path", "reason"}


def _run(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args, "--config", str(config)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _queue(done: subprocess.CompletedProcess[str]) -> list[dict[str, str]]:
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert all(set(row) == FIELDS and row["reason"] for row in rows)
    return rows


def test_every_mode_prints_its_queue(tmp_path: Path, fixture_library: FixtureLibrary) -> None:
    config = learn_config(tmp_path, fixture_library)
    now = int(time.time())
    listens = [
        {"at": now - 3600 * i, "artist": "Queen", "title": "Bohemian Rhapsody", "seconds": 1,
         "ended": "finished"}
        for i in range(1, 6)
    ] + [{"at": now, "artist": "Eminem", "title": "Stan", "rating": "dislike"}]  # fmt: skip
    file = tmp_path / "h.jsonl"
    file.write_text("".join(json.dumps(row) + "\n" for row in listens))
    assert _run(config, "history", "import", str(file)).returncode == 0

    mix = _queue(_run(config, "recommend", "mix", "--json"))
    assert mix[0]["title"] == "Bohemian Rhapsody" and mix[0]["reason"] == "you finish it often"
    discover = _queue(_run(config, "recommend", "discover", "--json", "--limit", "5"))
    assert len(discover) == 5
    assert all(
        r["title"] != "Bohemian Rhapsody" and r["reason"].startswith("new") for r in discover
    )
    similar = _queue(_run(config, "recommend", "similar", "--seed", "queen - bohemian rhapsody",
                          "--json"))  # fmt: skip
    assert similar and all(r["title"] != "Bohemian Rhapsody" for r in similar)
    concept = _queue(_run(config, "recommend", "concept", "--name", "car songs", "--json"))
    assert {(r["title"], r["artist"]) for r in concept} <= CAR_POOL
    assert concept[0]["title"] == "Bohemian Rhapsody"
    for queue in (mix, discover, similar, concept):
        assert all(r["title"] != "Stan" for r in queue)

    plain = _run(config, "recommend", "mix", "--limit", "1")
    assert plain.stdout.splitlines() == [
        "Queen - Bohemian Rhapsody (A Night at the Opera): you finish it often"
    ]


def test_requests_it_cannot_answer_say_why(tmp_path: Path, fixture_library: FixtureLibrary) -> None:
    config = learn_config(tmp_path, fixture_library)
    empty = _run(config, "recommend", "mix", "--json")
    assert empty.returncode == 0 and empty.stdout == ""
    assert "nothing to recommend for mix yet" in empty.stderr
    for args, message in (
        (("similar",), "needs --seed"),
        (("similar", "--seed", "Nobody - Nothing"), "no track in the library"),
        (("concept",), "needs --name"),
        (("concept", "--name", "Road Trip"), "no concept called 'Road Trip'"),
    ):
        done = _run(config, "recommend", *args)
        assert done.returncode == 1 and message in done.stderr, (args, done.stderr)
