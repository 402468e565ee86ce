"""The matcher's answer does not depend on the process's string hashes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

_SCRIPT = """
import json, sys
from assistant.config import Config, intents_dir
from assistant.library.models import Track
from assistant.nlu.library_entities import build_entities
from assistant.nlu.matcher import Matcher
from assistant.nlu.templates import load_intents

tracks = [Track(1, "/m/1.mp3", "Hello", "Adele", "", "25", "Pop", 1, 200.0)]
entities = build_entities(tracks=tracks, playlists=[], podcasts=[], stations=[])
matcher = Matcher(intents=load_intents(intents_dir(Config())), entities=entities)
result = matcher.match(sys.argv[1])
print(json.dumps(None if result is None else [result.intent, result.unresolved]))
"""


@pytest.mark.parametrize("text", ["I'd love to hear some sleep with Matt, please."])
def test_same_answer_whatever_the_hash_seed(text: str) -> None:
    answers = set()
    for seed in ("1", "2", "3", "4"):
        done = subprocess.run(
            [sys.executable, "-c", _SCRIPT, text],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        )
        answers.add(done.stdout)
    assert len(answers) == 1, answers
    intent, unresolved = json.loads(answers.pop())
    assert (intent, unresolved) == ("PlayArtist", {"artist": "sleep with matt"})
