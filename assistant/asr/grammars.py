"""Engine-neutral work on a command Grammar: membership tests and phrase lists for vosk."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from assistant.asr.base import Grammar

UNKNOWN = "[unk]"
"""vosk's token for speech that is none of the grammar's words."""


def derives(grammar: Grammar, words: Sequence[str]) -> bool:
    """True if `words` is a whole sentence of `grammar` (not just a prefix of one)."""
    seq = tuple(words)

    @functools.cache
    def rule_spans(rule: str, start: int) -> frozenset[int]:
        """Ends of the spans from `start` that `rule` can derive."""
        ends: set[int] = set()
        for alt in grammar.rules.get(rule, ()):
            ends |= alt_spans(alt, start)
        return frozenset(ends)

    def alt_spans(alt: tuple[str, ...], start: int) -> set[int]:
        positions = {start}
        for token in alt:
            nxt: set[int] = set()
            for pos in positions:
                if Grammar.is_ref(token):
                    nxt |= rule_spans(token[1:-1], pos)
                elif token == "":
                    nxt.add(pos)
                elif pos < len(seq) and seq[pos] == token:
                    nxt.add(pos + 1)
            positions = nxt
            if not positions:
                break
        return positions

    return len(seq) in rule_spans(grammar.start, 0)


@dataclass(frozen=True)
class PhraseList:
    """What to give vosk as its grammar, and how it was made."""

    phrases: tuple[str, ...]
    sentences: bool
    """True: whole sentences of the grammar; False: single words (the expansion was too big)."""


def phrase_list(grammar: Grammar, *, max_sentences: int = 5000) -> PhraseList:
    """vosk phrases for `grammar`, always ending with "[unk]" so other speech is rejected.

    Whole sentences constrain vosk best; past `max_sentences` (a big library's names times the
    templates) the words alone are given, and the matcher does the sentence-level work.
    """
    sentences = list(itertools.islice(_unique(grammar.expand()), max_sentences + 1))
    if 0 < len(sentences) <= max_sentences:
        return PhraseList((*tuple(sentences), UNKNOWN), sentences=True)
    words = sorted(w for w in grammar.words() if w)
    return PhraseList((*tuple(words), UNKNOWN), sentences=False)


def _unique(sentences: Iterator[str]) -> Iterator[str]:
    seen: set[str] = set()
    for sentence in sentences:
        text = " ".join(sentence.split())
        if text and text not in seen:
            seen.add(text)
            yield text
