"""The word that decides the action, checked against its rivals on the neural voice.

A grammar decoder always returns some sentence; "shuffle off" heard as "shuffle on" came back
at confidence 1.0 before the engine weighed the rivals of each word. Here commands that
differ from another command in one word are spoken by piper's neural voice, clean and in
noise, through the library's whole grammar: whatever is heard, the owner's command is either
understood right or not acted on under the shipped thresholds.
"""

from __future__ import annotations

import pytest

from assistant.asr.base import Grammar, Transcript
from assistant.asr.grammars import derives
from assistant.asr.pocketsphinx_engine import PocketsphinxRecognizer
from assistant.audio.base import AudioChunk
from assistant.config import NluConfig
from assistant.nlu.base import IntentResult
from assistant.nlu.grammar import build_grammar
from assistant.nlu.matcher import Matcher
from tests.asr.speech import RATE, clip
from tests.nlu.conftest import library_config, matcher  # noqa: F401  (fixtures)

DECISIVE = (
    "shuffle on",
    "shuffle off",
    "turn it up",
    "turn it down",
    "repeat off",
    "repeat all",
    "turn repeat on",
    "next track",
    "previous track",
    "set the volume to thirty",
    "set the volume to fifty",
    "play queen",
    "play abba",
)
VOICES = ("piper:joe", "piper:joe-fast", "piper:joe-low")
SHIPPED = NluConfig()


@pytest.fixture(scope="module")
def grammar(matcher: Matcher) -> Grammar:  # noqa: F811  (pytest fixture injection)
    return build_grammar(matcher.intents, matcher.entities)


@pytest.fixture(scope="module")
def recognizer(grammar: Grammar) -> PocketsphinxRecognizer:
    return PocketsphinxRecognizer(grammar=grammar)


def recognise(rec: PocketsphinxRecognizer, pcm: bytes) -> Transcript:
    step = RATE // 50 * 2
    for i in range(0, len(pcm), step):
        rec.accept(AudioChunk(pcm[i : i + step], RATE))
    return rec.finish()


def acted_on(result: IntentResult | None) -> bool:
    """What the dialogue does with the shipped thresholds: act, rather than ask or ignore."""
    return (
        result is not None
        and not result.choices
        and not result.unresolved
        and result.confidence >= SHIPPED.confirm_below
    )


def test_the_commands_are_in_the_grammar(grammar: Grammar) -> None:
    assert [t for t in DECISIVE if not derives(grammar, t.split())] == []


def test_a_heard_word_is_weighed_against_the_words_that_would_change_the_action(
    recognizer: PocketsphinxRecognizer,
) -> None:
    transcript = recognise(recognizer, clip("shuffle off", voice="piper:joe"))
    assert transcript.text == "shuffle off"
    assert "shuffle on" in recognizer.last_rivals
    assert recognizer.last_rivals["shuffle on"] < 0  # scored, and worse than what was said


@pytest.mark.parametrize("snr", [None, 10.0])
def test_a_decisive_word_is_never_acted_on_wrongly(
    recognizer: PocketsphinxRecognizer,
    matcher: Matcher,  # noqa: F811  (pytest fixture injection)
    snr: float | None,
) -> None:
    expected = {text: matcher.match(text) for text in DECISIVE}
    wrong: dict[tuple[str, str], str] = {}
    right = 0
    for text in DECISIVE:
        for voice in VOICES:
            transcript = recognise(recognizer, clip(text, voice=voice, snr_db=snr, seed=len(text)))
            result = matcher.match_alternatives(
                [(h.text, h.confidence) for h in transcript.alternatives]
            )
            want = expected[text]
            assert want is not None
            same = result is not None and (result.intent, dict(result.slots)) == (
                want.intent,
                dict(want.slots),
            )
            if acted_on(result) and not same:
                wrong[(text, voice)] = f"{transcript.text} ({result.confidence:.2f})"
            right += acted_on(result) and same
    assert wrong == {}
    # Not by refusing everything: most are acted on, and right.
    assert right >= (0.7 if snr is None else 0.4) * len(DECISIVE) * len(VOICES)
