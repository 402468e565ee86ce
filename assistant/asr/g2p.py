"""Pronunciations for words a recogniser's dictionary lacks (band names, "unmute", "deadmau5").

A recogniser can only hear words it can pronounce. Words are tried, in order, as: a dictionary
entry; digits spelled out; a compound of dictionary words ("coldplay" = cold + play); letters
spelled one by one when the word has no vowel ("bts", "mgmt"); and last English letter-to-sound
rules, which are rough but put the word within reach of the acoustic model. Phones are the
ARPABET set without stress marks used by CMUdict and pocketsphinx's en-us model.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Mapping
from pathlib import Path

LETTER_NAMES: Mapping[str, str] = {
    "a": "EY", "b": "B IY", "c": "S IY", "d": "D IY", "e": "IY", "f": "EH F", "g": "JH IY",
    "h": "EY CH", "i": "AY", "j": "JH EY", "k": "K EY", "l": "EH L", "m": "EH M", "n": "EH N",
    "o": "OW", "p": "P IY", "q": "K Y UW", "r": "AA R", "s": "EH S", "t": "T IY", "u": "Y UW",
    "v": "V IY", "w": "D AH B AH L Y UW", "x": "EH K S", "y": "W AY", "z": "Z IY",
}  # fmt: skip

DIGIT_NAMES: Mapping[str, str] = {
    "0": "Z IH R OW", "1": "W AH N", "2": "T UW", "3": "TH R IY", "4": "F AO R",
    "5": "F AY V", "6": "S IH K S", "7": "S EH V AH N", "8": "EY T", "9": "N AY N",
}  # fmt: skip

# Grapheme -> phones, longest match first. Context rules (soft c/g, magic e) are in _rules().
_GRAPHEMES: Mapping[str, str] = {
    "tch": "CH", "igh": "AY", "ough": "AO", "augh": "AO", "tion": "SH AH N", "sion": "ZH AH N",
    "eau": "OW", "ck": "K", "ch": "CH", "sh": "SH", "th": "TH", "ph": "F", "wh": "W", "ng": "NG",
    "qu": "K W", "gh": "G", "wr": "R", "ee": "IY", "ea": "IY", "oo": "UW", "ou": "AW",
    "ow": "OW", "oi": "OY", "oy": "OY", "ai": "EY", "ay": "EY", "ey": "EY", "ei": "EY", "au": "AO",
    "aw": "AO", "ew": "Y UW", "ie": "IY", "ue": "UW", "ar": "AA R", "er": "ER", "ir": "ER",
    "ur": "ER", "or": "AO R", "ll": "L", "ss": "S", "ff": "F", "tt": "T", "pp": "P", "mm": "M",
    "nn": "N", "rr": "R", "dd": "D", "bb": "B", "gg": "G", "zz": "Z", "cc": "K",
    "a": "AE", "b": "B", "c": "K", "d": "D", "e": "EH", "f": "F", "g": "G", "h": "HH", "i": "IH",
    "j": "JH", "k": "K", "l": "L", "m": "M", "n": "N", "o": "AA", "p": "P", "q": "K", "r": "R",
    "s": "S", "t": "T", "u": "AH", "v": "V", "w": "W", "x": "K S", "y": "IY", "z": "Z",
}  # fmt: skip
_LONG_VOWEL = {"a": "EY", "e": "IY", "i": "AY", "o": "OW", "u": "UW"}
_VOWELS = set("aeiouy")
_MAX_GRAPHEME = max(len(g) for g in _GRAPHEMES)


def load_cmudict(path: Path, only: set[str] | None = None) -> dict[str, str]:
    """Word -> phones from a CMUdict-format file (first pronunciation of each word), for the
    words in `only` when given."""
    lexicon: dict[str, str] = {}
    with path.open(encoding="utf-8", errors="replace") as f:
        for line in f:
            word, _, phones = line.strip().partition(" ")
            if not phones or "(" in word or (only is not None and word not in only):
                continue
            lexicon.setdefault(word, phones.strip())
    return lexicon


def _pieces(word: str) -> set[str]:
    """Every substring of the word as Pronouncer looks it up: lowercased, and folded."""
    lower = word.lower()
    folded = "".join(c for c in unicodedata.normalize("NFKD", lower) if c.isascii() and c.isalnum())
    spans = (
        (w, i, j) for w in (lower, folded) for i in range(len(w)) for j in range(i + 1, len(w) + 1)
    )
    return {w[i:j] for w, i, j in spans}


def pronunciations(
    words: Mapping[str, str], *, cmudict: Path
) -> tuple[dict[str, list[str]], list[str]]:
    """Every pronunciation CMUdict gives each dictionary spelling in `words` (spelling -> the
    word as written), and the spellings it lacks, whose one pronunciation is guessed from the
    written word. Only the entries these words can use are ever held: the whole 130,000-word
    lexicon costs ~20 MB of Python heap, which is not given back to the system."""
    found: dict[str, list[str]] = {spelling: [] for spelling in words}
    with cmudict.open(encoding="utf-8", errors="replace") as f:
        for line in f:
            word, _, phones = line.strip().partition(" ")
            base = word.split("(", 1)[0]
            if phones and base in found:
                found[base].append(phones.strip())
    guessed = [spelling for spelling, phones in found.items() if not phones]
    if guessed:
        # A guess looks up only pieces of the word (compounds, digit-split parts).
        pieces = {p for spelling in guessed for p in _pieces(words[spelling])}
        pronouncer = Pronouncer(lexicon=load_cmudict(cmudict, only=pieces))
        for spelling in guessed:
            found[spelling] = [pronouncer.pronounce(words[spelling])]
    return found, guessed


class Pronouncer:
    """Guesses pronunciations of words against a lexicon (word -> space-separated phones)."""

    def __init__(self, *, lexicon: Mapping[str, str]) -> None:
        self._lexicon = lexicon

    def pronounce(self, word: str) -> str:
        """Phones for `word`; never empty for a word with a letter or digit."""
        return self._pronounce(word.lower())

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one Pronouncer per engine, lives as long
    def _pronounce(self, word: str) -> str:
        known = self._lexicon.get(word)
        if known:
            return known
        # Diacritics off ("rüfüs" -> "rufus"), then only ASCII letters and digits remain.
        folded = unicodedata.normalize("NFKD", word)
        clean = "".join(c for c in folded if c.isascii() and c.isalnum())
        if not clean:
            return "AH"
        if clean != word and clean in self._lexicon:
            return self._lexicon[clean]
        if any(c.isdigit() for c in clean):
            return " ".join(
                DIGIT_NAMES[part] if part.isdigit() else self._pronounce(part)
                for part in _split_digits(clean)
            )
        if not any(c in _VOWELS for c in clean):
            return " ".join(LETTER_NAMES[c] for c in clean)
        compound = self._compound(clean)
        if compound:
            return compound
        return _rules(clean)

    def _compound(self, word: str) -> str | None:
        """The fewest dictionary pieces (each at least 2 letters) that spell `word`."""
        n = len(word)
        best: list[list[str] | None] = [None] * (n + 1)
        best[0] = []
        for end in range(2, n + 1):
            for start in range(0, end - 1):
                prefix = best[start]
                if prefix is None:
                    continue
                piece = word[start:end]
                if piece in self._lexicon:
                    candidate = [*prefix, piece]
                    current = best[end]
                    if current is None or len(candidate) < len(current):
                        best[end] = candidate
        pieces = best[n]
        if not pieces or len(pieces) > max(2, n // 3):
            return None
        return " ".join(self._lexicon[p] for p in pieces)


def _split_digits(word: str) -> list[str]:
    parts: list[str] = []
    for c in word:
        if c.isdigit():
            parts.append(c)
        elif parts and not parts[-1][-1].isdigit():
            parts[-1] += c
        else:
            parts.append(c)
    return parts


def _rules(word: str) -> str:
    """English letter-to-sound rules: rough, but keep consonants right and vowels plausible."""
    phones: list[str] = []
    silent_e = len(word) > 2 and word.endswith("e") and word[-2] not in _VOWELS
    body = word[:-1] if silent_e else word
    i = 0
    while i < len(body):
        c = body[i]
        nxt = body[i + 1] if i + 1 < len(body) else ""
        if c in "cg" and nxt in ("e", "i", "y"):
            phones.append("S" if c == "c" else "JH")
            i += 1
            continue
        # A vowel before one consonant and the final silent e is long: "mute", "lane".
        if silent_e and c in _LONG_VOWEL and i == len(body) - 2 and nxt not in _VOWELS:
            phones.append(_LONG_VOWEL[c])
            i += 1
            continue
        if c == "y" and i == 0:
            phones.append("Y")
            i += 1
            continue
        # A k before n is silent only where a word begins ("knight"; "weeknd" keeps it).
        if c == "k" and nxt == "n" and i == 0:
            i += 1
            continue
        for size in range(min(_MAX_GRAPHEME, len(body) - i), 0, -1):
            piece = body[i : i + size]
            if piece in _GRAPHEMES:
                phones.extend(_GRAPHEMES[piece].split())
                i += size
                break
        else:
            i += 1  # a character with no rule (non-ASCII) is skipped
    return " ".join(phones) or "AH"
