"""Confidence as a promise, on commands one word apart, spoken by the neural voice.

A grammar decoder always returns some sentence; "shuffle off" heard as "shuffle on" came back
at confidence 1.0 while the engine's confidence was a steep function of its score margin.
Here commands that differ from another command in one word are spoken by piper's neural
voice, clean and in noise, through the library's whole grammar: whatever is heard, the
owner's command is understood right or not acted on under the shipped thresholds, with at
most two slips in the 39 clips of a condition. These pairs are the hardest case: piper's
"off" is heard as "all" by both recognisers ("repeat off" -> "repeat all" at 0.84 and 0.97),
a result at 0.8-0.9 is wrong about 1 time in 8 (bench/bench_spoken.py's reliability table),
and before the fit such readings came at 1.0.
"""

from __future__ import annotations

import pytest

from assistant.asr.base import Grammar, Recognizer, Transcript
from assistant.asr.engines import with_second_opinion
from assistant.asr.grammars import derives
from assistant.asr.pocketsphinx_engine import PocketsphinxRecognizer
from assistant.audio.base import AudioChunk
from assistant.config import AsrConfig, NluConfig
from assistant.nlu.base import IntentResult
from assistant.nlu.grammar import build_grammar
from assistant.nlu.matcher import Matcher
from assistant.nlu.normalize import normalize
from tests.asr.speech import RATE, clip
from tests.nlu.conftest import library_config, matcher  # noqa: F401  (fixtures)

DECISIVE = (
    "shuffle on",
    "shuffle off",
    "turn it up",
    "turn it down",
    "repeat off",
    "repeat all",
    "switch repeat off",
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
def recognizer(grammar: Grammar) -> Recognizer:
    """The shipped composition: pocketsphinx, with whisper's second opinion when doubtful."""
    engine = PocketsphinxRecognizer(grammar=grammar)
    return with_second_opinion(AsrConfig(second_opinion="whisper"), engine, normalize, grammar)


def recognise(rec: Recognizer, pcm: bytes) -> Transcript:
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


@pytest.mark.parametrize("snr", [None, 10.0])
def test_a_command_one_word_from_another_is_never_acted_on_wrongly(
    recognizer: Recognizer,
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
    assert len(wrong) <= 2, wrong
    # Not by refusing everything: most are acted on, and right.
    # Measured: 23 and 13 of the 39 (the rest are asked about, or not understood).
    assert right >= (0.5 if snr is None else 0.25) * len(DECISIVE) * len(VOICES)
