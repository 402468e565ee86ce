"""The spelling index answers exactly as rapidfuzz comparing the words with every name."""

from __future__ import annotations

import random

import pytest
from rapidfuzz import fuzz, process

from assistant.nlu import spelling
from assistant.nlu.normalize import spoken_forms
from assistant.nlu.spelling import SpellingIndex

# Names that are hard to spell into keys: punctuation, accents, one word, one letter,
# numbers, repeated letters, non-ASCII letters that normalising keeps apart.
TRICKY = [
    "AC/DC", "P!nk", "Beyoncé", "blink-182", "R.E.M.", "U2", "Maroon 5", "Guns N' Roses",
    "Sigur Rós", "Mötley Crüe", "The The", "X", "Go", "ABBA", "Aaaaaah", "Mississippi",
    "Song (Remastered 2011)", "10,000 Maniacs", "Florence + the Machine", "deadmau5",
    "Björk", "Sweet Child o' Mine", "99 Luftballons", "Zzz", "1999",
]  # fmt: skip


def _keys(rng: random.Random) -> list[str]:
    keys = [form.replace(" ", "") for name in TRICKY for form in spoken_forms(name)]
    # Raw, unnormalised text too: the index must hold for any string.
    keys += ["ærø", "naïve café", "ß", "", "日本", "a b"]
    letters = "abcdefghijklmnopqrstuvwxyz0123456789"
    while len(keys) < spelling.SCAN_BELOW + 500:
        keys.append("".join(rng.choices(letters, k=rng.randint(1, 30))))
    return keys


@pytest.fixture(scope="module")
def keys() -> list[str]:
    return _keys(random.Random(7))


def _queries(keys: list[str], rng: random.Random) -> list[str]:
    queries = ["", "a", "x", "rem", "acdc", "pink", "beyonce", "ærø", "naïve café", "日本"]
    for key in rng.sample(keys, 300):
        chars = list(key)
        for _ in range(rng.randint(0, 3)):  # misspell: drop, add or change a letter
            at = rng.randrange(len(chars) + 1)
            if chars and at < len(chars) and rng.random() < 0.5:
                del chars[at]
            else:
                chars.insert(at, rng.choice("aeioustnrl"))
        queries.append("".join(chars))
    return queries


@pytest.mark.parametrize("cutoff", [0.0, 50.0, 70.0, 85.0, 100.0])
def test_same_answers_as_comparing_every_key(keys: list[str], cutoff: float) -> None:
    index = SpellingIndex(keys)
    assert len(keys) >= spelling.SCAN_BELOW  # the index's own path, not the plain scan
    for query in _queries(keys, random.Random(int(cutoff))):
        expected = process.extract(query, keys, scorer=fuzz.ratio, score_cutoff=cutoff, limit=24)
        assert index.extract(query, score_cutoff=cutoff, limit=24) == expected, query


def test_equal_ratios_come_in_key_order() -> None:
    keys = [f"name{i:04d}" for i in range(spelling.SCAN_BELOW)] + ["abcd", "abce", "abcf"]
    found = SpellingIndex(keys).extract("abcx", score_cutoff=70.0, limit=2)
    assert found == [("abcd", 75.0, len(keys) - 3), ("abce", 75.0, len(keys) - 2)]


def test_long_words_and_small_indexes_still_answer() -> None:
    keys = [f"name{i:04d}" for i in range(spelling.SCAN_BELOW)] + ["a" * 300]
    index = SpellingIndex(keys)
    assert index.extract("a" * 299, score_cutoff=90.0, limit=3) == [
        ("a" * 300, pytest.approx(100 * 598 / 599), len(keys) - 1)
    ]
    assert index.extract("a" * 200, score_cutoff=70.0, limit=3) == [
        ("a" * 300, 80.0, len(keys) - 1)
    ]
    assert SpellingIndex(["queen", "quee"]).extract("queen", score_cutoff=80.0, limit=5) == [
        ("queen", 100.0, 0),
        ("quee", pytest.approx(100 * 8 / 9), 1),
    ]
    assert SpellingIndex([]).extract("queen", score_cutoff=0.0, limit=5) == []
