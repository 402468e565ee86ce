"""The spoken-command corpus for bench_spoken.py: labelled sentences, espeak-ng audio, noise.

Commands are random expansions of the intent templates with the fixture library's names,
each kept only when the text matcher reads it as the template's intent with no question left
(so the label, the matcher's reading of the text, is right). Each clip is one voice, 16 kHz,
1 s of room before the speech and 1.2 s after, a -40 dBFS white floor, and one noise
condition. Two voice families, reported apart:

- espeak: six espeak-ng formant voices at 140-200 wpm, white/pink/babble/music at
  20/10/5/0 dB SNR or the floor alone;
- piper: the neural joe-us voice in six settings of speed, noise and pitch (tests.asr.speech.
  PIPER_VOICES), with pink noise at 20 and 10 dB or the floor alone (what a living room
  with a fan or a fridge is like).

Out-of-domain sentences come in two sets written apart: OUT_OF_DOMAIN, which earlier work
looked at, and HELD_OUT_OOD, kept for measuring only (nothing is tuned on it). Audio is
cached under bench/out/spoken/ keyed by a hash of everything that shapes it.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.nlu.base import SlotValue
from assistant.nlu.entities import EntityIndex
from assistant.nlu.matcher import Matcher
from assistant.nlu.numbers import to_words
from assistant.nlu.templates import Alt, IntentSet, Node, Seq, SlotList, Word
from tests.asr.speech import PIPER_VOICES, synth
from tests.audio import signals as S

VERSION = "2"
"""Bump when the audio recipe changes: it is part of every cache key."""
OUT = Path(__file__).resolve().parent / "out" / "spoken"
RATE = S.RATE
VOICES = ("en-us", "en-gb", "en+f3", "en+m3", "en-gb-x-rp", "en-us+f2")
PIPER = tuple(f"piper:{name}" for name in PIPER_VOICES)
SPEED_RANGE = (140, 200)
SNRS = (20.0, 10.0, 5.0, 0.0)
NOISES = ("white", "pink", "babble", "music")
FLOOR = "floor"
CONDITIONS: tuple[tuple[str, float | None], ...] = (
    (FLOOR, None),
    *((noise, snr) for noise in NOISES for snr in SNRS),
)
PIPER_CONDITIONS: tuple[tuple[str, float | None], ...] = ((FLOOR, None), ("pink", 20.0),
                                                          ("pink", 10.0))  # fmt: skip
LEAD_S = 1.0
"""Room before the speech: the endpointer learns the noise floor from it."""
TAIL_S = 1.2
"""Room after: more than the endpointer's trailing silence (700 ms) so every utterance ends."""
FLOOR_DBFS = -40.0
WAKE_PHRASE = "hey speaker"

OUT_OF_DOMAIN = (
    "what's the weather like today",
    "tell me a joke",
    "what time is it",
    "how old is the president",
    "call my mother",
    "remind me to buy milk tomorrow",
    "open the garage door",
    "good morning how are you",
    "order a pizza with extra cheese",
    "who won the football game last night",
    "turn on the kitchen lights",
    "what is the capital of france",
    "set an alarm for seven in the morning",
    "how many grams are in a pound",
    "send a message to john",
    "what's on my calendar today",
    "lock the front door",
    "how far is the moon",
    "translate hello into spanish",
    "what does the fox say",
    "where is the nearest pharmacy",
    "add eggs to my shopping list",
    "is it going to rain tomorrow",
    "read me the news",
    "what's the traffic like on the way to work",
    "how do you spell necessary",
    "what is two plus two",
    "turn off the television",
    "book a table for two at eight",
    "how tall is mount everest",
    "who wrote pride and prejudice",
    "start the vacuum cleaner",
    "what's the score of the game",
    "find me a recipe for pancakes",
    "how long does it take to boil an egg",
    "show me pictures of cats",
    "when does the supermarket close",
    "i need a taxi to the airport",
    "what's the exchange rate for euros",
    "the children are in the garden",
    "my brother is coming over later",
    "did you feed the dog this morning",
    "we should paint the fence this weekend",
    "the meeting was moved to thursday",
    "i think i left my keys in the car",
)

HELD_OUT_OOD = (
    # Written after the recogniser's rejection was tuned, for measuring only. Many share
    # words with commands (turn, off, up, next, play, stop, volume, music, song), the hard case.
    "turn off the oven in ten minutes",
    "can you turn the heating up a bit",
    "the next bus leaves at half past four",
    "we played cards until midnight",
    "stop by the bakery on your way home",
    "i really liked that concert last week",
    "my favourite song is stuck in my head",
    "the kids want to play outside",
    "what volume of water fits in a bucket",
    "put the kettle on please",
    "shut the window it's cold",
    "who sings in that band anyway",
    "i'll be back in twenty minutes",
    "the radio said it will snow",
    "let's go for a walk after dinner",
    "skip the small talk and tell me",
    "can you hear me from the kitchen",
    "the album cover was blue",
    "repeat after me the quick brown fox",
    "pause for a second i need to think",
    "that was the best movie of the year",
    "give me a minute to find my shoes",
    "my phone battery is almost dead",
    "the neighbours are having a party",
    "grandma is calling on the landline",
    "louder voices carry further outside",
    "a podcast about gardening would be nice someday",
    "i forgot to water the plants again",
    "the dishwasher finished an hour ago",
    "please tell dad dinner is ready",
    "this coffee is far too hot",
    "how much does a new guitar cost",
    "we need more milk and some bread",
    "is the library open on sundays",
    "my sister plays the violin",
    "the train was delayed again this morning",
    "can i borrow your umbrella",
    "next week we are going to the beach",
    "shuffle the cards before you deal",
    "she turned the page and kept reading",
    "there's a spider on the ceiling",
    "the game starts at seven tonight",
    "mute your microphone during the call",
    "i think the cat wants to go out",
    "put on your coat before you leave",
)


@dataclass(frozen=True)
class Item:
    """One clip of the corpus and what the assistant should make of it."""

    id: str
    kind: str
    """command | ood (out of domain) | background (music or noise only) | wake."""
    text: str
    voice: str
    """An espeak-ng voice, or "piper:<name>" for a neural one."""
    speed: int
    noise: str
    snr: float | None
    intent: str | None = None
    slots: Mapping[str, SlotValue] = field(default_factory=dict)
    template: str = ""
    """file:line of the template the sentence came from (commands only)."""

    @property
    def condition(self) -> str:
        return FLOOR if self.snr is None else f"{self.noise} {self.snr:g} dB"

    @property
    def family(self) -> str:
        """The voice family the report groups by: espeak or piper (background: none)."""
        return self.voice.split(":")[0] if ":" in self.voice else ("espeak" if self.voice else "")


# --- sentences ---------------------------------------------------------------------------


class _Sampler:
    """Random sentences of the templates: one random option at every choice."""

    def __init__(
        self, intents: IntentSet, entities: Mapping[str, EntityIndex], rng: random.Random
    ) -> None:
        self.intents = intents
        self.rng = rng
        self.phrases = {kind: index.phrases() for kind, index in entities.items()}

    def say(self, node: Node) -> list[str]:
        if isinstance(node, Word):
            return [node.surface]
        if isinstance(node, Seq):
            return [w for item in node.items for w in self.say(item)]
        if isinstance(node, Alt):
            return self.say(self.rng.choice(node.options))
        return self.slot(self.intents.lists[node.name])

    def slot(self, slot: SlotList) -> list[str]:
        if slot.entities:
            phrases = self.phrases.get(slot.entities) or ["nothing"]
            return self.rng.choice(phrases).split()
        if slot.duration:
            minutes = self.rng.choice((1, 2, 5, 10, 15, 20, 30, 45, 60))
            return [*to_words(minutes).split(), "minutes" if minutes > 1 else "minute"]
        if slot.is_number:
            return to_words(self.rng.randint(slot.low, slot.high)).split()
        return self.say(self.rng.choice(slot.values).pattern)


def sample_commands(
    matcher: Matcher, count: int, rng: random.Random, *, min_confidence: float = 0.8
) -> tuple[list[tuple[str, str, dict[str, SlotValue], str]], int]:
    """`count` distinct (text, intent, slots, template) with labels the text matcher agrees
    with, intents taken in turn so rare intents are not drowned by the name-heavy ones; and
    how many samples were dropped because the matcher read them otherwise or would ask."""
    sampler = _Sampler(matcher.intents, matcher.entities, rng)
    by_intent: dict[str, list[Any]] = {}
    for sentence in matcher.intents.sentences:
        by_intent.setdefault(sentence.intent, []).append(sentence)
    intents = sorted(by_intent)
    out: list[tuple[str, str, dict[str, SlotValue], str]] = []
    seen: set[str] = set()
    dropped = 0
    attempts = 0
    while len(out) < count and attempts < count * 50:
        intent = intents[attempts % len(intents)]
        attempts += 1
        sentence = rng.choice(by_intent[intent])
        text = " ".join(sampler.say(sentence.pattern))
        if not text or text in seen:
            continue
        seen.add(text)
        result = matcher.match(text)
        if (
            result is None
            or result.intent != intent
            or result.unresolved
            or result.choices
            or result.confidence < min_confidence
        ):
            dropped += 1
            continue
        out.append((text, intent, dict(result.slots), sentence.where))
    return out, dropped


def build_items(
    matcher: Matcher, *, commands: int, piper_commands: int, seed: int, quick: bool
) -> list[Item]:
    """The whole corpus: commands, out-of-domain sentences, background-only clips and wake
    phrases, each with a voice, a speed and a condition (taken in turn, so every condition
    gets its share). The piper commands are other sentences than the espeak ones."""
    rng = random.Random(seed)
    sentences, dropped = sample_commands(matcher, commands + piper_commands, rng)
    print(f"# corpus: {len(sentences)} commands ({dropped} samples dropped: the text matcher "
          "read them as another intent, or would ask)", flush=True)  # fmt: skip
    items: list[Item] = []

    def voice() -> tuple[str, int]:
        return rng.choice(VOICES), rng.randint(*SPEED_RANGE)

    def piper() -> tuple[str, int]:
        return rng.choice(PIPER), 0

    families = (("", VOICES, CONDITIONS, voice), ("p", PIPER, PIPER_CONDITIONS, piper))
    split = {"": sentences[:commands], "p": sentences[commands:]}
    for prefix, voices, conditions, pick in families:
        for i, (text, intent, slots, where) in enumerate(split[prefix]):
            noise, snr = conditions[i % len(conditions)]
            v, s = pick()
            items.append(
                Item(f"{prefix}c{i}", "command", text, v, s, noise, snr, intent, slots, where)
            )
        if not split[prefix]:
            continue
        ood = OUT_OF_DOMAIN[:12] if quick else OUT_OF_DOMAIN
        ood += HELD_OUT_OOD[:12] if quick else HELD_OUT_OOD
        for i, text in enumerate(ood * (1 if quick else 2)):
            noise, snr = conditions[i % len(conditions)]
            v, s = pick()
            items.append(Item(f"{prefix}o{i}", "ood", text, v, s, noise, snr))
        wake_voices = voices[:2] if quick else voices[:4]
        for noise, snr in conditions:
            for v in wake_voices:
                for s in ((150, 185) if quick else (140, 170, 200)) if not prefix else (0,):
                    cond = f"{noise}{snr}"
                    items.append(
                        Item(f"{prefix}w{cond}{v}{s}", "wake", WAKE_PHRASE, v, s, noise, snr)
                    )
    for i in range(2 if quick else 4):
        for noise in NOISES:
            items.append(Item(f"b{noise}{i}", "background", "", "", 0, noise, 5.0))
    return items


# --- audio -------------------------------------------------------------------------------

Signal = npt.NDArray[np.float64]
NOISE_SECONDS = 60.0


def noises(seed: int) -> dict[str, Signal]:
    """A minute of each noise, unit RMS; clips take random stretches of it."""
    rng = np.random.default_rng(seed)
    makers: dict[str, Callable[[float, np.random.Generator], Signal]] = {
        "white": S.white,
        "pink": S.pink,
        "babble": S.babble,
        "music": S.music,
    }
    return {name: make(NOISE_SECONDS, rng) for name, make in makers.items()}


def _speech(item: Item) -> Signal:
    """Speech at int16 scale (tests.asr.speech caches it under /tmp). piper normalises to full
    scale; it is brought down to espeak's level so that the noise mixed in does not clip."""
    gain = 0.5 if item.family == "piper" else 1.0
    spoken = synth(item.text, voice=item.voice, speed=item.speed, repeatable=False)
    return spoken.astype(np.float64) * 32767 * gain


def render(item: Item, noise_bank: Mapping[str, Signal], speech_rms: float) -> bytes:
    """The clip as 16 kHz int16 PCM. Background-only clips get the noise at the level it has
    at `item.snr` against a typical command (`speech_rms`)."""
    rng = np.random.default_rng(int(hashlib.sha1(item.id.encode()).hexdigest()[:8], 16))
    if item.kind == "background":
        speech = np.zeros(int(5.0 * RATE))
        level = speech_rms
    else:
        speech = _speech(item)
        lo, hi = S.speech_bounds(speech)
        level = S.rms(speech[int(lo * RATE) : int(hi * RATE)])
    clip = np.concatenate([np.zeros(int(LEAD_S * RATE)), speech, np.zeros(int(TAIL_S * RATE))])
    clip += rng.normal(0.0, 32768 * 10 ** (FLOOR_DBFS / 20), len(clip))
    if item.snr is not None:
        bank = noise_bank[item.noise]
        start = int(rng.integers(0, len(bank) - len(clip)))
        clip += bank[start : start + len(clip)] * level / 10 ** (item.snr / 20)
    return S.to_int16(clip)


def corpus_key(items: Sequence[Item], seed: int) -> str:
    blob = json.dumps([asdict(i) for i in items], sort_keys=True, default=str)
    return hashlib.sha1(f"{VERSION}|{seed}|{blob}".encode()).hexdigest()[:16]


def materialise(items: Sequence[Item], *, seed: int) -> Path:
    """Write every clip (once per corpus key) and a manifest; returns the folder."""
    folder = OUT / corpus_key(items, seed)
    manifest = folder / "manifest.json"
    if manifest.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    spoken = [i for i in items if i.kind != "background"]
    # espeak-ng and sox are separate processes: two at a time fill both cores.
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(_speech, [i for i in spoken if i.family == "espeak"]))
    for item in spoken:  # piper runs in this process, one voice model loaded once
        if item.family == "piper":
            _speech(item)
    commands = [i for i in items if i.kind == "command"]
    commands = ([i for i in commands if i.family == "espeak"] or commands)[:50]
    levels = []
    for x in map(_speech, commands):
        lo, hi = S.speech_bounds(x)
        levels.append(S.rms(x[int(lo * RATE) : int(hi * RATE)]))
    typical = float(np.median(levels))
    bank = noises(seed)
    for item in items:
        (folder / f"{item.id}.pcm").write_bytes(render(item, bank, typical))
    manifest.write_text(json.dumps([asdict(i) for i in items], default=str), encoding="utf-8")
    return folder


def load_items(folder: Path) -> list[Item]:
    raw = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return [Item(**entry) for entry in raw]


def load_pcm(folder: Path, item: Item) -> bytes:
    return (folder / f"{item.id}.pcm").read_bytes()
