"""Numbers in speech: words to integers ("forty two" -> 42) and integers to how people say them."""

from __future__ import annotations

from collections.abc import Sequence

UNITS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_UNIT_VALUE = {w: i for i, w in enumerate(UNITS)} | {"oh": 0, "o": 0, "a": 1}
_TENS_VALUE = {w: i * 10 for i, w in enumerate(TENS) if w != "_"}
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10,
}  # fmt: skip


def _decade_word(tens_word: str) -> str:
    return tens_word[:-1] + "ies"  # forty -> forties


DECADE_WORDS = {_decade_word(w): v for w, v in _TENS_VALUE.items()}


def to_words(n: int) -> str:
    """The cardinal reading: 182 -> "one hundred eighty two"."""
    if n < 0:
        return "minus " + to_words(-n)
    if n < 20:
        return UNITS[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        return TENS[tens] + ("" if unit == 0 else " " + UNITS[unit])
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return UNITS[hundreds] + " hundred" + ("" if rest == 0 else " " + to_words(rest))
    if n < 1_000_000:
        thousands, rest = divmod(n, 1000)
        return to_words(thousands) + " thousand" + ("" if rest == 0 else " " + to_words(rest))
    return " ".join(UNITS[int(d)] for d in str(n))


def spoken_variants(digits: str) -> list[str]:
    """Every common way to say a digit string in a name: cardinal, in pairs, digit by digit.

    "182" -> ["one hundred eighty two", "one hundred and eighty two", "one eighty two",
    "one eight two"]; "1989" -> also "nineteen eighty nine"; "007" -> "double oh seven"-less
    digit reading "zero zero seven" and "oh oh seven".
    """
    n = int(digits)
    variants = [to_words(n)]
    if digits.startswith("0") and len(digits) > 1:
        variants = [" ".join(UNITS[int(d)] for d in digits)]
        variants.append(" ".join("oh" if d == "0" else UNITS[int(d)] for d in digits))
        return variants
    if 100 < n < 1000 and n % 100:
        hundreds, rest = divmod(n, 100)
        variants.append(f"{UNITS[hundreds]} hundred and {to_words(rest)}")
        variants.append(f"{UNITS[hundreds]} {_pair(rest)}")
    if 1000 <= n <= 9999 and n % 1000:
        high, low = divmod(n, 100)
        if low == 0:
            variants.append(f"{to_words(high)} hundred")
        else:
            variants.append(f"{to_words(high)} {_pair(low)}")
    if len(digits) > 2:
        variants.append(" ".join(UNITS[int(d)] for d in digits))
    return list(dict.fromkeys(variants))


def _pair(n: int) -> str:
    """Two digits as said in years and model numbers: 5 -> "oh five", 82 -> "eighty two"."""
    return f"oh {UNITS[n]}" if n < 10 else to_words(n)


def parse_number(tokens: Sequence[str]) -> int | None:
    """Read a whole token sequence as one number, or None if it is not exactly one number.

    Accepts digits ("40", "40%"), cardinals ("forty", "one hundred", "a hundred and five"),
    ordinals up to tenth, and an optional trailing "percent"/"per cent".
    """
    words = list(tokens)
    if words[-2:] == ["per", "cent"]:
        words = words[:-2]
    elif words and words[-1] in ("percent", "%"):
        words = words[:-1]
    if len(words) == 1:
        word = words[0].rstrip("%")
        if word.isdigit():
            return int(word)
        if word in _ORDINALS:
            return _ORDINALS[word]
    if not words:
        return None
    total = 0
    current: int | None = None
    last = ""
    for word in words:
        if word == "and" and last in ("hundred", "thousand"):
            last = word
            continue
        if word in _UNIT_VALUE and (word not in ("a", "o", "oh") or len(words) > 1):
            value = _UNIT_VALUE[word]
            after_tens = last in _TENS_VALUE and 0 < value < 10
            if (
                current is not None
                and not after_tens
                and last not in ("hundred", "thousand", "and")
            ):
                return None
            current = (current or 0) + value
        elif word in _TENS_VALUE:
            if current is not None and last not in ("hundred", "thousand", "and"):
                return None
            current = (current or 0) + _TENS_VALUE[word]
        elif word == "hundred":
            if last == "hundred" or (current or 1) >= 100:
                return None
            current = (current or 1) * 100
        elif word == "thousand":
            total += (current or 1) * 1000
            current = None
        else:
            return None
        last = word
    if last == "and":
        return None
    return total + (current or 0)


_HOUR_WORDS = {"hour", "hours", "hr", "hrs"}
_MINUTE_WORDS = {"minute", "minutes", "min", "mins"}


def parse_duration(tokens: Sequence[str]) -> int | None:
    """Read a spoken length of time as whole minutes, or None.

    "thirty minutes", "30 min", "an hour", "half an hour", "an hour and a half",
    "one and a half hours", "two hours", "1 hour 30 minutes", "ten more minutes", and a bare
    number (minutes).
    """
    # "twenty more minutes": the time still to play, said as much as the time itself.
    words = [w for w in tokens if w not in ("for", "of", "more")]
    if not words:
        return None
    if words in (["half", "an", "hour"], ["half", "hour"], ["a", "half", "hour"]):
        return 30
    if words in (["quarter", "of", "an", "hour"], ["a", "quarter", "hour"]):
        return 15
    total = 0.0
    number: list[str] = []
    half = False
    seen_unit = False
    for i, word in enumerate(words):
        if word in _HOUR_WORDS or word in _MINUTE_WORDS:
            value = _amount(number, half)
            if value is None:
                return None
            total += value * (60 if word in _HOUR_WORDS else 1)
            number, half, seen_unit = [], False, True
        elif word == "and" and words[i + 1 : i + 3] == ["a", "half"]:
            half = True
        elif (
            (word == "half" and half)
            or (word == "a" and half)
            or (word == "and" and seen_unit and not number)
        ):
            continue
        else:
            number.append(word)
    if number:
        # "an hour and a half" put "a half" after the unit; a bare trailing number is minutes.
        if number in (["a", "half"], ["half"]) and seen_unit:
            total += 30
        else:
            value = _amount(number, half)
            if value is None or (seen_unit and total == 0):
                return None
            total += value
    elif half and seen_unit:
        total += 30
    minutes = round(total)
    return minutes if minutes > 0 else None


def _amount(words: list[str], half: bool) -> float | None:
    if words in ([], ["a"], ["an"]):
        value: float | None = 1
    else:
        value = parse_number(words)
    if value is None:
        return None
    return value + 0.5 if half else value
