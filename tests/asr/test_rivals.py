"""Rival readings: the words a grammar allows in place of each heard word."""

from __future__ import annotations

from assistant.asr.base import Grammar
from assistant.asr.fsg import compile_grammar
from assistant.asr.rivals import RivalFinder

GRAMMAR = Grammar(
    rules={
        "start": (
            ("shuffle", "<state>"),
            ("turn", "it", "<dir>"),
            ("play", "<name>"),
            ("play", "<name>", "by", "<name>"),
        ),
        "state": (("on",), ("off",)),
        "dir": (("up",), ("down",)),
        "name": (("queen",), ("green",), ("adele",), ("abba",), ("the", "police")),
    }
)
PHONES = {
    "shuffle": "SH AH F AH L", "on": "AA N", "off": "AO F", "turn": "T ER N", "it": "IH T",
    "up": "AH P", "down": "D AW N", "play": "P L EY", "queen": "K W IY N",
    "green": "G R IY N", "adele": "AH D EH L", "abba": "AE B AH", "the": "DH AH",
    "police": "P AH L IY S", "by": "B AY",
}  # fmt: skip


def finder() -> RivalFinder:
    return RivalFinder(compile_grammar(GRAMMAR), PHONES.get)


def test_each_word_gets_the_words_allowed_in_its_place() -> None:
    allowed = finder().allowed("shuffle on".split())
    assert allowed == [{"shuffle"}, {"on", "off"}]
    assert finder().allowed("turn it up".split())[2] == {"up", "down"}


def test_the_rest_of_the_sentence_constrains_the_place() -> None:
    # Only one-word names fit between "play" and the end; "the" would need "police" after it.
    assert finder().allowed("play queen".split())[1] == {"queen", "green", "adele", "abba"}
    # After "by", the same slot again.
    assert finder().allowed("play queen by abba".split())[3] == {"queen", "green", "adele", "abba"}
    # "police" is allowed only after "the".
    assert finder().allowed("play the police".split())[2] == {"police"}


def test_a_crowded_place_keeps_the_closest_sounding_words() -> None:
    allowed = finder().allowed("play queen".split(), limit=1)[1]
    assert allowed == {"queen", "green"}  # K W IY N: one phone from G R IY N, far from the rest


def test_outside_the_grammar_only_the_places_that_fit_have_rivals() -> None:
    # No word makes "_ up" a sentence; "shuffle _" has its own two.
    assert finder().allowed("shuffle up".split()) == [{"shuffle"}, {"on", "off", "up"}]
