"""A small hand-built command grammar and sentences in and out of it, for tests and bench."""

from __future__ import annotations

from assistant.asr.base import Grammar


def _alts(*alternatives: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(a.split()) if a else () for a in alternatives)


GRAMMAR = Grammar(
    rules={
        "start": _alts("<command>"),
        "command": _alts(
            "play some music",
            "pause",
            "resume",
            "stop",
            "next song",
            "skip this song",
            "turn it down",
            "turn it up",
            "set the volume to <number>",
            "play something by <artist>",
            "play <artist>",
            "what's playing",
            "mute",
            "unmute",
            "shuffle my music",
            "play the album <album>",
        ),
        "number": _alts(
            "ten",
            "twenty",
            "thirty",
            "forty",
            "fifty",
            "sixty",
            "seventy",
            "eighty",
            "ninety",
            "one hundred",
        ),
        "artist": _alts(
            "queen",
            "coldplay",
            "the beatles",
            "deadmau five",
            "abba",
            "radiohead",
            "nirvana",
            "<the> rolling stones",
        ),
        "the": _alts("the", ""),
        "album": _alts("abbey road", "nevermind", "parachutes"),
    }
)

IN_GRAMMAR = (
    "play some music",
    "pause",
    "turn it down",
    "set the volume to forty",
    "play something by queen",
    "next song",
    "play coldplay",
    "unmute",
    "what's playing",
    "play the album abbey road",
    "turn it up",
    "skip this song",
    "play something by deadmau five",
    "shuffle my music",
    "set the volume to seventy",
    "play the rolling stones",
)

OUT_OF_GRAMMAR = (
    "what is the weather in paris",
    "tell me a joke",
    "how old is the president",
    "call my mother please",
    "remind me to buy milk tomorrow",
    "what time is it",
    "open the garage door",
    "good morning how are you",
    "order a pizza with cheese",
    "who won the football game last night",
)

KOREAN_GRAMMAR = Grammar(
    rules={
        "start": _alts("<command>"),
        "command": _alts("음악 재생", "일시 정지", "다음 곡", "볼륨 올려", "볼륨 내려", "정지"),
    }
)
