"""The recognition grammar covers what the matcher understands, and nothing far beyond it."""

from __future__ import annotations

import itertools

import pytest

from assistant.asr.base import Grammar
from assistant.asr.grammars import derives
from assistant.nlu.answers import NO, NO_PHRASES, YES, YES_PHRASES
from assistant.nlu.grammar import build_grammar
from assistant.nlu.matcher import Matcher
from assistant.nlu.normalize import normalize


@pytest.fixture(scope="module")
def grammar(matcher: Matcher) -> Grammar:
    return build_grammar(matcher.intents, matcher.entities)


@pytest.mark.parametrize(
    "sentence",
    [
        "play something by the beatles",
        "play songs to sing in the car",
        "what's playing",
        "turn it down",
        "set the volume to forty",
        "play guns and roses",
        "play blink one eighty two",
        "play the album abbey road by the beatles",
        "play hello by lionel richie",
        "please pause",
        "stop playing in half an hour",
        "resume the lex fridman podcast",
        "play jazz fm",
        "shuffle on",
        "repeat this song",
    ],
)
def test_commands_are_in_the_grammar_and_understood(
    grammar: Grammar, matcher: Matcher, sentence: str
) -> None:
    assert derives(grammar, sentence.split())
    result = matcher.match(sentence)
    assert result is not None and not result.unresolved


@pytest.mark.parametrize(
    "sentence",
    ["play the rolling stones", "what's the weather", "play", "set the volume to two hundred"],
)
def test_other_speech_is_not(grammar: Grammar, sentence: str) -> None:
    assert not derives(grammar, sentence.split())


def test_every_grammar_word_is_one_the_matcher_knows(grammar: Grammar, matcher: Matcher) -> None:
    # Recognisers write "what's"; the matcher must read what they write.
    for word in grammar.words():
        assert normalize(word), word


def test_a_sentence_of_every_template_is_understood(grammar: Grammar, matcher: Matcher) -> None:
    not_understood = []
    for alternative in grammar.rules["command"]:
        one = Grammar(rules={**grammar.rules, "one": (alternative,)}, start="one")
        for sentence in itertools.islice(one.expand(), 3):
            if matcher.match(sentence) is None:
                not_understood.append(sentence)
    assert not not_understood


@pytest.mark.parametrize(
    "answer",
    ["yes", "yeah", "no thanks", "never mind", "that's right", "the one by adele",
     "by lionel richie", "the second one", "the last one"],
)  # fmt: skip
def test_answers_to_questions_are_in_the_grammar(grammar: Grammar, answer: str) -> None:
    """A follow-up ("Which one: Hello by Adele or Hello by Lionel Richie?") is heard with the
    same grammar: without these the spoken answer could only be misheard or rejected."""
    assert derives(grammar, answer.split())


def test_every_yes_or_no_in_the_grammar_is_one_the_dialogue_takes(grammar: Grammar) -> None:
    for phrase in YES_PHRASES | NO_PHRASES:
        assert normalize(phrase) in YES | NO
        assert derives(grammar, phrase.split()), phrase


def test_every_name_is_in_the_word_graph_once(grammar: Grammar) -> None:
    """Recognisers copy a rule at each reference: a second reference to the names (as a
    separate answer rule did) grows the graph by half and decoding by a tenth."""
    references = [alt for alts in grammar.rules.values() for alt in alts if "<name>" in alt]
    assert len(references) == 1, references
