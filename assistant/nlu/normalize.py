"""Text normalisation shared by utterances, templates and library names.

Speech recognisers produce lowercase words without punctuation, digits or diacritics, while
library names are full of them (AC/DC, P!nk, Beyoncé, blink-182, R.E.M.). Both sides are
brought to the same canonical word form here, and each name also gets the other ways people
say it (`spoken_forms`) and a sound-alike key (`phonetic`).
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata

from assistant.nlu.numbers import DECADE_WORDS, spoken_variants, to_words

_SPECIAL_LETTERS = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ł": "l", "đ": "d", "ð": "d", "þ": "th",
     "ı": "i", "’": "'", "‘": "'", "`": "'", "´": "'", "–": "-", "—": "-"}
)  # fmt: skip
_SYMBOL_WORDS = {
    "&": " and ",
    "+": " and ",
    "%": " percent ",
    "÷": " divide ",
    "×": " x ",
    "=": " equals ",
}
# Abbreviations in names, said in full: "Dr. Feelgood" -> "doctor feelgood" (an alias).
_ABBREVIATIONS = {"dr": "doctor", "mr": "mister", "mrs": "missus", "st": "saint", "vs": "versus",
                  "vol": "volume", "pt": "part", "jr": "junior", "sr": "senior", "ft": "featuring",
                  "no": "number", "mt": "mount"}  # fmt: skip
# A symbol standing for a letter inside a word: P!nk, Ke$ha, Ma$e.
_LETTER_SYMBOLS = re.compile(r"(?<=[a-z])([!$@])(?=[a-z])")
_LETTER_FOR_SYMBOL = {"!": "i", "$": "s", "@": "a"}
_DECADE = re.compile(r"\b(?:19|20)?([1-9])0'?s\b")
_DIGITS = re.compile(r"\d+")
_NON_WORD = re.compile(r"[^a-z0-9' ]+")
# Digits that stand for letters when glued to a word (deadmau5, b4): only used as an alias.
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t"})
_LEET_WORD = re.compile(r"\b(?=\w*[a-z]{2})(?=\w*\d)[a-z0-9]+\b")
_PLAIN = re.compile(r"[a-z]+(?: [a-z]+)*")
_LEADER = re.compile(r"^(.+?) and the \w+$")
_BRACKETED = re.compile(r"\s*[\(\[][^\)\]]*[\)\]]\s*")
_FEATURING = re.compile(r"\s+(?:feat\.?|ft\.?|featuring)\s.*$", re.IGNORECASE)
_VERSION_SUFFIX = re.compile(
    r"\s+-\s+.*\b(?:remaster(?:ed)?|live|version|edit|mix|mono|stereo|demo)\b.*$", re.IGNORECASE
)


def fold(text: str) -> str:
    """Lowercase, without diacritics (Beyoncé -> beyonce, Mötley Crüe -> motley crue)."""
    text = text.lower()
    if text.isascii():
        return text
    text = text.translate(_SPECIAL_LETTERS)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.lru_cache(maxsize=4096)  # the same words are looked up in every kind of name
def normalize(text: str) -> str:
    """The canonical word form: lowercase ascii words, numbers as words, single spelled
    letters joined ("r e m" and "R.E.M." -> "rem"), "&", "+" and "n'" as "and"."""
    return " ".join(_words(text, spell_digits=True))


def _words(text: str, *, spell_digits: bool) -> list[str]:
    text = fold(text)
    text = _LETTER_SYMBOLS.sub(lambda m: _LETTER_FOR_SYMBOL[m.group(1)], text)
    for symbol, word in _SYMBOL_WORDS.items():
        text = text.replace(symbol, word)
    text = _DECADE.sub(lambda m: " " + _decade(int(m.group(1))) + " ", text)
    text = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", text)  # u2 -> u 2, 4x4 -> 4 x 4
    text = _NON_WORD.sub(" ", text.replace(".", " "))
    tokens = []
    for raw in text.split():
        token = raw.strip("'").replace("'", "")
        if not token:
            continue
        if token == "n":  # Guns N' Roses, rock 'n' roll
            token = "and"
        if spell_digits and token.isdigit():
            tokens.extend(to_words(int(token)).split())
        else:
            tokens.append(token)
    return _join_letters(tokens)


def _decade(digit: int) -> str:
    return {v: k for k, v in DECADE_WORDS.items()}[digit * 10] if digit > 1 else "tens"


def _join_letters(tokens: list[str]) -> list[str]:
    """Join runs of two or more single letters: ["r", "e", "m"] -> ["rem"]."""
    out: list[str] = []
    run: list[str] = []
    for token in [*tokens, ""]:
        if len(token) == 1 and token.isalpha():
            run.append(token)
            continue
        if len(run) >= 2:
            out.append("".join(run))
        else:
            out.extend(run)
        run = []
        if token:
            out.append(token)
    return out


def strip_the(words: str) -> str:
    return words[4:] if words.startswith("the ") else words


def spoken_forms(name: str, *, limit: int = 12) -> list[str]:
    """The ways a library name can be said, canonical form first.

    Covers numbers ("blink-182" -> "blink one eighty two", ...), an optional leading "the",
    version suffixes and bracketed parts ("Song (Remastered 2011)" -> "song"), featured
    artists, and digits standing for letters (deadmau5 -> "deadmaus").
    """
    plain = name.lower()
    if _PLAIN.fullmatch(plain):  # most names: nothing to spell out (and this is 10x faster)
        forms = [" ".join(_join_letters(plain.split()))]
    else:
        forms = _spelled_forms(name, limit)
    forms += [strip_the(f) for f in forms if f.startswith("the ")]
    # "Bob Marley & the Wailers" is often just "Bob Marley".
    forms += [m.group(1) for f in forms if (m := _LEADER.match(f)) and " " in m.group(1)]
    return [f for f in dict.fromkeys(forms) if f][:limit]


def _spelled_forms(name: str, limit: int) -> list[str]:
    bases = [name]
    for pattern in (_FEATURING, _VERSION_SUFFIX, _BRACKETED):
        shorter = pattern.sub("", bases[-1]).strip()
        if shorter and shorter != bases[-1]:
            bases.append(shorter)
    forms: list[str] = []
    for base in bases:
        tokens = _words(base, spell_digits=False)
        options = [
            [v.split() for v in spoken_variants(t)] if t.isdigit() else [[t]] for t in tokens
        ]
        for combo in itertools.islice(itertools.product(*options), limit):
            forms.append(" ".join(w for part in combo for w in part))
        if any(t in _ABBREVIATIONS for t in tokens) and "." in base:
            forms.append(" ".join(_ABBREVIATIONS.get(t, t) for t in forms[-1].split()))
        folded = fold(base)
        leet = _LEET_WORD.sub(lambda m: m.group(0).translate(_LEET), folded)
        if leet != folded:
            forms.append(" ".join(_words(leet, spell_digits=True)))
    return forms


# Sound-alike key: letters that sound alike map to one symbol, vowels after the first letter
# are dropped, so "the beetles"/"beatles", "the weekend"/"weeknd" and "dead mouse"/"deadmau5"
# share a key. Our own simplification in the spirit of metaphone, tuned for names.
_PHONETIC_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^[kgp](?=n)|^w(?=r)"), ""),
    (re.compile(r"ph"), "f"),
    (re.compile(r"[ck]s|x"), "ks"),
    (re.compile(r"ck|q"), "k"),
    (re.compile(r"c(?=[eiy])"), "s"),
    (re.compile(r"c"), "k"),
    (re.compile(r"dg(?=[eiy])"), "j"),
    (re.compile(r"tch|sch|ch|sh|ti(?=[ao])"), "X"),
    (re.compile(r"th"), "0"),
    (re.compile(r"gh(?![aeiou])"), ""),
    (re.compile(r"(?<=[aeiou])[wy](?![aeiou])"), ""),
    (re.compile(r"(?<!^)h(?![aeiou])|(?<=[^aeiou])h"), ""),
]
_VOWELS = re.compile(r"[aeiouy]")
_REPEATS = re.compile(r"(.)\1+")
_PHONETIC_MERGE = str.maketrans({"b": "p", "d": "t", "g": "k", "v": "f", "z": "s", "0": "t"})


@functools.lru_cache(maxsize=4096)  # asked again of the same names by each lookup
def phonetic(words: str) -> str:
    """A sound-alike key of a canonical word string, spaces ignored."""
    joined = "".join(word_sound(word) for word in words.split())
    return _REPEATS.sub(r"\1", joined).upper()


@functools.lru_cache(maxsize=65536)
def word_sound(word: str) -> str:
    key = word
    for pattern, repl in _PHONETIC_RULES:
        key = pattern.sub(repl, key)
    key = key.translate(_PHONETIC_MERGE)
    head, tail = key[:1], _VOWELS.sub("", key[1:])
    return ("a" if head in "aeiouy" and head else head) + tail


_VOWEL_CLASS = str.maketrans("aeiouy", "AEEOOE")


@functools.lru_cache(maxsize=4096)
def vowel_class(word: str) -> str:
    """The class of a word's first vowel sound after its onset (a / e,i,y / o,u): tells
    "moon" from "man", which share a consonant skeleton."""
    match = _FIRST_VOWEL.search(word)
    return match.group(1).translate(_VOWEL_CLASS) if match else ""


_FIRST_VOWEL = re.compile(r"^(?:[wy](?=[aeiou]))?[^aeiou]*([aeiou])")


# Spoken forms that are written several ways, each brought to one: "rockin'"/"rocking",
# "wanna"/"want to", "gonna"/"going to", "o'"/"of" (Sweet Child o' Mine). "'n'" is already
# "and" and numbers are spelled by `normalize`.
_VARIANT_WORDS = {"wanna": "want to", "gonna": "goin to", "gotta": "got to", "o": "of",
                  "til": "until", "cause": "because", "cuz": "because", "lil": "little",
                  "ya": "you"}  # fmt: skip
_DROPPED_G = re.compile(r"(?<=\w\w)ing$")


@functools.lru_cache(maxsize=4096)  # asked of every name a lookup comes near
def fold_variants(words: str) -> str:
    """Canonical words with spoken variants folded: "wanna be startin somethin" and
    "want to be starting something" both give "want to be startin somethin"."""
    out = []
    for word in words.split():
        word = _VARIANT_WORDS.get(word, word)
        out.append(_DROPPED_G.sub("in", word) if len(word) > 4 else word)
    return " ".join(out)


# Words whose "'s" is "is", "has" or "us", not a possessive.
_CONTRACTED = frozenset(
    "what that it let he she there here who where how when why this everything nothing".split()
)
_POSSESSIVE = re.compile(r"\b([^\W_]+)['’]s\b")


def without_possessives(text: str) -> str | None:
    """The text with possessives' "'s" dropped ("adele's music" -> "adele music"), or None
    when it has none: "adele's" is a name followed by what of it is wanted, while the
    canonical form ("adeles") would be a name no library has."""

    def drop(match: re.Match[str]) -> str:
        word = match.group(1)
        return match.group(0) if word.lower() in _CONTRACTED else word

    dropped = _POSSESSIVE.sub(drop, text)
    return dropped if dropped != text else None
