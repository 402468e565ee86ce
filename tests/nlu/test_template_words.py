"""Templates passed over by the words they need: only ones that could never have matched."""

from __future__ import annotations

from pathlib import Path

from assistant.config import Config, intents_dir
from assistant.nlu.matcher import _alt_openers, _needed_words, _Walk
from assistant.nlu.normalize import normalize
from assistant.nlu.templates import load_intents, parse_template

PHRASINGS = Path(__file__).resolve().parents[2] / "bench" / "data" / "phrasings.tsv"


def _needs(template: str) -> frozenset[str]:
    return _needed_words(parse_template(template, "test", {}))


def test_the_words_every_match_holds() -> None:
    assert _needs("play [the] {album} by {artist}") == {"play", "by"}
    assert _needs("(turn|switch) (off|it off) [the] [music|radio]") == {"off"}
    assert _needs("(be quiet|quiet) [for a (second|minute)]") == {"quiet"}
    assert _needs("[please] {artist}") == set()
    assert _needs("(play|{artist})") == set()  # a slot may stand where a word is


def test_no_template_passed_over_could_match() -> None:
    intents = load_intents(intents_dir(Config()))
    lines = PHRASINGS.read_text(encoding="utf-8").splitlines()
    texts = [line.split("\t")[-1] for line in lines if line and not line.startswith("#")]
    texts += ["play something by the beatles", "turn it off", "quiet", "play the song hello"]
    openers = _alt_openers(intents)
    passed_over = 0
    for text in texts:
        walk = _Walk(tuple(normalize(text).split()), intents.lists, openers)
        if not walk.tokens:
            continue
        for sentence in intents.sentences:
            if not _needed_words(sentence.pattern) <= walk.words:
                passed_over += 1
                assert not list(walk.whole(sentence.pattern)), (text, sentence.text)
    assert passed_over > len(texts) * len(intents.sentences) // 2
