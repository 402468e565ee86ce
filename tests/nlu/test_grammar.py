"""The recognition grammar covers what the matcher understands, and nothing far beyond it."""

from __future__ import annotations

import itertools

import pytest

from assistant.asr.base import Grammar
from assistant.asr.grammars import derives
from assistant.nlu.answers import NO, NO_PHRASES, ORDINALS, YES, YES_PHRASES
from assistant.nlu.grammar import build_grammar
from assistant.nlu.matcher import Matcher
from assistant.nlu.normalize import normalize
from assistant.nlu.numbers import parse_duration, parse_number
from assistant.nlu.templates import Alt, Node, Seq, Word


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


def _template_words(node: Node, out: set[str]) -> None:
    if isinstance(node, Word):
        out.add(node.text)
    elif isinstance(node, Seq | Alt):
        for inner in node.items if isinstance(node, Seq) else node.options:
            _template_words(inner, out)


def test_every_grammar_word_is_one_the_matcher_knows(grammar: Grammar, matcher: Matcher) -> None:
    """Recognisers write "what's"; the matcher must read what they write: as a word of its
    templates, of a name in the library or of an answer; numbers and lengths of time as such."""
    intents = matcher.intents
    known: set[str] = set(ORDINALS)
    for pattern in (
        *(s.pattern for s in intents.sentences),
        *intents.rules.values(),
        *(v.pattern for slot in intents.lists.values() for v in slot.values),
    ):
        _template_words(pattern, known)
    for phrase in [*YES_PHRASES, *NO_PHRASES, *(p for i in matcher.entities.values()
                                                for p in i.phrases())]:  # fmt: skip
        known.update(normalize(phrase).split())
    counted = {f"slot_{s.name}": s for s in intents.lists.values() if s.is_number or s.duration}
    unknown = []
    for rule, alternatives in grammar.rules.items():
        for tokens in alternatives:
            words = [t for t in tokens if not Grammar.is_ref(t)]
            slot = counted.get(rule)
            if slot is not None and slot.duration:
                assert parse_duration(words) is not None, (rule, words)
            elif slot is not None:
                number = parse_number(words)
                assert number is not None and slot.low <= number <= slot.high, (rule, words)
            else:
                unknown += [w for w in words if not set(normalize(w).split()) <= known]
    assert not unknown


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
