"""How names and heard words sound: phoneme keys for sounds-like matching of names.

Recognisers write what they hear ("fleet wood mack", "you too", "beyond say"), so a name is
also matched on its sound. The sound comes from the pronunciations the recognition grammars
use (CMUdict, then assistant.asr.g2p's guesses for words it lacks); each phone becomes one
letter of a key with spaces gone, so words split or joined differently still compare, and
the few vowels speech blurs share a letter.

CMUdict is held once per process as one sorted string (about 3 MB, not the ~20 MB of a dict
of 130,000 words) and searched by bisection.
"""

from __future__ import annotations

import bisect
import functools
import logging
import re
from array import array
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from assistant.asr.g2p import DIGIT_NAMES, LETTER_NAMES, Pronouncer
from assistant.nlu.normalize import fold

logger = logging.getLogger(__name__)

# One letter per ARPABET phone. Unstressed-sounding vowels that recognisers and guesses swap
# (AH/IH/UH, AA/AO) share one.
_PHONE_LETTERS: Mapping[str, str] = {
    "AA": "a", "AO": "a", "AE": "A", "AH": "@", "IH": "@", "UH": "@", "AW": "W", "AY": "I",
    "EH": "e", "ER": "r", "EY": "E", "IY": "i", "OW": "o", "OY": "O", "UW": "u",
    "B": "b", "CH": "C", "D": "d", "DH": "D", "F": "f", "G": "g", "HH": "h", "JH": "j",
    "K": "k", "L": "l", "M": "m", "N": "n", "NG": "N", "P": "p", "R": "r", "S": "s",
    "SH": "S", "T": "t", "TH": "T", "V": "v", "W": "w", "Y": "y", "Z": "z", "ZH": "Z",
}  # fmt: skip
_STRESS = re.compile(r"\d")
# A final é is said "ay" (Beyoncé, Café del Mar), a soft c before it "s".
_FINAL_E_ACUTE = ((re.compile(r"cé\b"), "say"), (re.compile(r"é\b"), "ay"))


def encode(phones: str) -> str:
    """ARPABET phones ("F L IY1 T") as a key ("flit"); unknown symbols are dropped."""
    return "".join(_PHONE_LETTERS.get(_STRESS.sub("", p), "") for p in phones.split())


_BITMAP_BYTES = 1 << 20
_BITMAP_MASK = (_BITMAP_BYTES << 3) - 1


class Lexicon(Mapping[str, str]):
    """CMUdict's first pronunciation of each word, as a read-only mapping word -> phones.

    Held as one string of sorted "word phones" lines and an array of where each line starts,
    searched by bisection: a dict (or a list) of 130,000 small strings costs ~20 MB.
    """

    def __init__(self, path: Path | None) -> None:
        lines: list[str] = []
        if path is not None:
            with path.open(encoding="utf-8", errors="replace") as f:
                lines = [line.strip() for line in f if "(" not in line.partition(" ")[0]]
        lines = sorted(line for line in lines if " " in line)
        self._blob = "\n".join(lines) + "\n"
        starts = array("I", [0])
        for line in lines:
            starts.append(starts[-1] + len(line) + 1)
        starts.pop()
        self._starts = starts
        # A 1 MB bitmap of the words' hashes answers most "not a word" questions (g2p's
        # compound search asks about every piece of a word) without a search.
        self._seen = bytearray(_BITMAP_BYTES)
        for line in lines:
            h = hash(line[: line.index(" ")]) & _BITMAP_MASK
            self._seen[h >> 3] |= 1 << (h & 7)
        del lines

    def _word_at(self, i: int) -> str:
        start = self._starts[i]
        return self._blob[start : self._blob.index(" ", start)]

    def _find(self, word: str) -> int:
        h = hash(word) & _BITMAP_MASK
        if not self._seen[h >> 3] & (1 << (h & 7)):
            return -1
        i = bisect.bisect_left(range(len(self._starts)), word, key=self._word_at)
        return i if i < len(self._starts) and self._word_at(i) == word else -1

    def __getitem__(self, word: str) -> str:
        i = self._find(word) if " " not in word and "\n" not in word else -1
        if i < 0:
            raise KeyError(word)
        start = self._starts[i] + len(word) + 1
        return self._blob[start : self._blob.index("\n", start)].strip()

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and " " not in word and self._find(word) >= 0

    def subset(self, words: set[str]) -> dict[str, str]:
        """The entries of `words` (those it has), in one walk over the lexicon: faster than
        searching for each of many."""
        found = {}
        for line in self._blob.split("\n"):
            word, _, phones = line.partition(" ")
            if word in words:
                found[word] = phones.strip()
        return found

    def __iter__(self) -> Iterator[str]:
        return (self._word_at(i) for i in range(len(self._starts)))

    def __len__(self) -> int:
        return len(self._starts)


def _cmudict_path() -> Path | None:
    """The CMUdict the pocketsphinx grammars use; None (guesses only) without pocketsphinx."""
    try:
        from assistant.asr.pocketsphinx_engine import model_dir

        path = model_dir() / "cmudict-en-us.dict"
    except Exception as exc:
        logger.warning("nlu: no pronunciation dictionary (%s); sounds-like guesses only", exc)
        return None
    return path if path.is_file() else None


@functools.cache
def sounds() -> Sounds:
    """The process's one Sounds, on the recognisers' CMUdict (loaded on first use)."""
    return Sounds(Lexicon(_cmudict_path()))


# Learning many words at once (one walk over the lexicon, guesses against a dict of just the
# pieces they need) beats looking each up in the sorted lexicon from this many on.
_LEARN_FROM = 500


class Sounds:
    """Phoneme keys of words and names, from a lexicon plus guesses for words it lacks."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._pronouncer = Pronouncer(lexicon=lexicon)
        self._learnt: dict[str, str] = {}

    def learn(self, words: Iterable[str]) -> None:
        """Work out many words' keys at once (a library's names, once per generation)."""
        new = {w for w in words if w not in self._learnt and len(w) > 1 and w.isalpha()}
        if len(new) < _LEARN_FROM:
            return
        known = self.lexicon.subset(new)
        guessed = new - known.keys()
        # A guess only looks up pieces of its word (the pieces of a compound).
        pieces = {w[i:j] for w in guessed for i in range(len(w)) for j in range(i + 2, len(w) + 1)}
        pronouncer = Pronouncer(lexicon=self.lexicon.subset(pieces))
        for word in new:
            phones = known.get(word) or pronouncer.pronounce(word)
            self._learnt[word] = encode(phones)

    def word(self, word: str) -> str:
        """The key of one canonical word (lowercase letters or digits)."""
        learnt = self._learnt.get(word)
        return learnt if learnt is not None else self._word(word)

    @functools.lru_cache(maxsize=65536)  # noqa: B019 - one Sounds per process, lives as long
    def _word(self, word: str) -> str:
        if len(word) == 1 and word in LETTER_NAMES:
            return encode(LETTER_NAMES[word])
        if word.isdigit():
            return "".join(encode(DIGIT_NAMES[d]) for d in word)
        return encode(self._pronouncer.pronounce(word))

    def words(self, words: str) -> str:
        """The key of canonical words, spaces gone: "fleet wood mack" and "fleetwood mac"
        both give "flitw@dmAk"."""
        return "".join(self.word(w) for w in words.split())

    def letters(self, word: str) -> str:
        """The key of a word said letter by letter ("rem" as R.E.M., "acdc" as AC/DC)."""
        return "".join(encode(LETTER_NAMES[c]) if c in LETTER_NAMES else self.word(c) for c in word)

    def name(self, name: str, forms: list[str]) -> set[str]:
        """Keys of a library name, from its spoken forms (without a leading "the") and, for
        initials and short capitals (R.E.M., AC/DC, KEXP, OK), said letter by letter."""
        keys = {self.words(form) for form in forms}
        accented = fold(_final_e_acute(name.lower()))
        if accented != fold(name.lower()):
            keys.add(self.words(" ".join(re.findall(r"[a-z0-9]+", accented))))
        spelled = [run.lower() for run in _CAPITALS.findall(re.sub(r"[./]", "", name))]
        if spelled:
            for form in forms:
                said = (
                    self.letters(w) if any(w in run for run in spelled) else self.word(w)
                    for w in form.split()
                )
                keys.add("".join(said))
        keys.discard("")
        return keys


def _final_e_acute(text: str) -> str:
    for pattern, sound in _FINAL_E_ACUTE:
        text = pattern.sub(sound, text)
    return text


_CAPITALS = re.compile(r"\b[A-Z]{2,5}\b")
