"""Where a word sequence stands in a grammar: whole sentence or not, and what may follow."""

from __future__ import annotations

from assistant.asr.base import Grammar
from assistant.asr.completion import GrammarWalk


def _alts(*alternatives: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(a.split()) if a else () for a in alternatives)


# The shape build_grammar gives: an optional "please" around every command, shared names.
GRAMMAR = Grammar(
    rules={
        "start": _alts("<skip> <command> <skip>"),
        "skip": _alts("", "please"),
        "command": _alts(
            "next <song>",
            "set the volume to <number>",
            "play the album <album>",
            "play the album <album> by <artist>",
        ),
        "song": _alts("", "song", "track"),
        "number": _alts("ten", "twenty", "twenty five"),
        "album": _alts("help", "abbey road"),
        "artist": _alts("the beatles", "queen"),
    }
)
WALK = GrammarWalk.of(GRAMMAR)


def test_a_whole_sentence_nothing_extends_but_please() -> None:
    heard = WALK.after("next song".split())
    assert heard.complete and heard.text == "next song"
    assert heard.longer == ("please",)


def test_a_whole_sentence_a_longer_one_begins() -> None:
    heard = WALK.after(["next"])
    assert heard.complete
    assert set(heard.longer or ()) == {"song", "track", "please", "song please", "track please"}
    album = WALK.after("play the album abbey road".split())
    assert album.complete
    assert set(album.longer or ()) >= {"by the beatles", "by queen", "by queen please"}


def test_a_prefix_that_is_no_sentence_yet() -> None:
    heard = WALK.after("set the volume to".split())
    assert not heard.complete
    assert set(heard.longer or ()) >= {"ten", "twenty", "twenty five"}
    twenty = WALK.after("set the volume to twenty".split())
    assert twenty.complete and set(twenty.longer or ()) == {"five", "please", "five please"}


def test_words_outside_the_grammar() -> None:
    assert WALK.after("next album".split()).complete is False
    assert WALK.after("next album".split()).longer == ()
    assert not WALK.after([]).complete  # nothing said is no command
    assert WALK.after("please next please".split()).complete


def test_too_many_ways_to_go_on_are_not_listed() -> None:
    names = tuple((f"name{i}",) for i in range(100))
    grammar = Grammar(rules={"start": _alts("play <name>", "play"), "name": names})
    heard = GrammarWalk.of(grammar).after(["play"])
    assert heard.complete and heard.longer is None
    assert GrammarWalk.of(grammar).after(["play"], limit=200).longer is not None


def test_a_decoders_spelling_is_walked_and_given_back_as_the_grammars() -> None:
    from assistant.asr.fsg import compile_grammar
    from assistant.asr.jsgf import jsgf_word

    grammar = Grammar(rules={"start": _alts("play <name>"), "name": _alts("a|b", "c")})
    spelling = {jsgf_word(w): w for w in grammar.words()}
    walk = GrammarWalk(compile_grammar(grammar, jsgf_word), spoken=lambda w: spelling[w])
    assert set(walk.after(["play"]).longer or ()) == {"a|b", "c"}
    assert walk.after(["play", "a|b"]).complete
