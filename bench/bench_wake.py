"""Wake engines side by side: hits on their own phrase and false wakes per hour of talk.

Engines: the pocketsphinx keyphrase spotter on "hey speaker" at several thresholds (the row at
1e-40 is today's default, the baseline), and microWakeWord's four bundled phrases at several
probability cutoffs (one pass of the model gives every cutoff: a wake is each rise of its
smoothed probability above the cutoff, as MicroWakeDetector fires).

- Hits: each engine's own phrase said by piper's neural voice (tests.asr.speech.PIPER_VOICES,
  its generator noise on, five wordings each: so every clip differs) and by espeak-ng voices
  at three speeds, 1 s of room either side, over the -40 dBFS floor alone, pink noise at 20
  and 10 dB SNR, and music at 10 dB; and run straight into a command, in one breath, over the
  floor (a hit only when it fires in time for the command, see ONE_BREATH).
- False wakes: an hour of talk without any wake phrase (commands from tests.asr.commands and
  bench/data/phrasings.tsv, out-of-domain sentences from bench/corpus.py, and ordinary
  conversation written here, some of it near the phrases: "speaker", "hey", "okay", "alex"),
  each sentence in three of the voices above with 0.3-1.2 s between, heard three times: over
  the floor, over music at 10 dB below the speech, and over babble at 10 dB below; then ten
  minutes of music alone at that level and five of the floor alone.
- RTF: CPU seconds per second of audio, fed in the 90 ms batches the idle daemon hands on.

- The daemon's (engine "micro, daemon"): each microWakeWord phrase as the daemon hears it,
  MicroWakeDetector at its shipped cutoff (probing, for the phrases in micro_wake.PROBE_FROM):
  a wake heard only by the probe (run on into speech) counts once pocketsphinx confirms the
  phrase on the library grammar (tests.fixtures' library), on the audio the daemon gives it
  (daemon.CONFIRM_BEFORE_S to CONFIRM_AFTER_S), and so does the model's own when the command
  went straight on from it; the detector hears nothing meanwhile, as the daemon's does not.

The audio is cached under bench/out/wake/ (the talk as one int16 file), so a rerun only
listens. Run: python3 bench/bench_wake.py [--small] [--jobs N] [--engines alexa ...]
(--small: about four minutes of talk and a few clips, for trying changes; --engines: only
these, "pocketsphinx" and microWakeWord phrases.)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.asr.micro_wake import CUTOFFS as MICRO_CUTOFFS
from assistant.asr.micro_wake import (
    FIRE_LAG_S,
    MICRO_PHRASES,
    MicroProbabilities,
    MicroWakeDetector,
)
from assistant.asr.wake import KeyphraseWakeDetector
from assistant.audio.base import AudioChunk
from assistant.audio.endpoint import Endpointer, SpeechStarted, Utterance
from assistant.daemon import CONFIRM_AFTER_S, CONFIRM_BEFORE_S, STRAIGHT_ON_S, TAIL_LONGEST_S
from bench.corpus import HELD_OUT_OOD, OUT_OF_DOMAIN
from tests.asr.commands import IN_GRAMMAR, OUT_OF_GRAMMAR
from tests.asr.speech import PIPER_VOICES, SPEEDS, VOICES, synth
from tests.audio import signals as S

VERSION = "2"
"""Bump when the audio recipe changes: it is part of the cache key."""
OUT = Path(__file__).resolve().parent / "out" / "wake"
RATE = 16000
BATCH = int(0.09 * RATE) * 2  # bytes: the idle daemon's batches (assistant.daemon.IDLE_BATCH_S)
FLOOR = 32768 * 10 ** (-40 / 20)
PIPER_GAIN = 0.5  # piper speaks at full scale; brought to espeak's level, as bench/corpus does
KEYPHRASE = "hey speaker"
PS_THRESHOLDS = (1e-20, 1e-30, 1e-40)
BASELINE = 1e-40  # today's wake.threshold
CUTOFFS = (0.5, 0.8, 0.9, 0.95, 0.97, 0.99)
WORDINGS = ("{p}", "{P}.", "{p},", "{P}!", "{p}?")
"""Piper says each phrase in these forms (its prosody follows the punctuation)."""
HIT_CONDITIONS: tuple[tuple[str, float | None], ...] = (
    ("floor", None), ("pink", 20.0), ("pink", 10.0), ("music", 10.0)
)  # fmt: skip
BACKGROUND_SNR = 10.0
ONE_BREATH = "one breath"
"""A hit condition: the phrase and a command in one breath, no pause (ONE_BREATH_COMMANDS in
turn), over the floor. A hit fires in time: its reported phrase end (the firing less the
model's FIRE_LAG_S) at most IN_TIME_S after where the phrase said alone by that voice ends,
so the command is still decoded from there (assistant.daemon)."""
ONE_BREATH_COMMANDS = ("play songs to sing in the car", "next song", "turn it up a bit",
                       "play something by queen", "what is playing")  # fmt: skip
IN_TIME_S = 0.3

CONVERSATION = (
    # Ordinary talk in a living room, written for this bench; a few near the wake phrases.
    "did you see where i put the remote",
    "i'm going to make some tea do you want some",
    "the speaker in the kitchen is too quiet",
    "hey can you pass me the salt",
    "okay so what time are we leaving tomorrow",
    "alex said he would be late tonight",
    "my jacket is hanging by the door",
    "hey are you listening to me",
    "we could watch a film after dinner",
    "the speakers at the conference were really good",
    "okay fine let's do it your way",
    "have you called the plumber yet",
    "i can't find my glasses anywhere",
    "hey look at the rain outside",
    "the microphone on my laptop stopped working",
    "what should we cook for the kids",
    "alexander bought a new bike last week",
    "i'll speak to her about it in the morning",
    "okay now where did i leave my phone",
    "the baby is finally asleep",
    "hey do you remember that song from the wedding",
    "the guest speaker talked for an hour",
    "let's not forget to lock the back door",
    "i need to charge the car tonight",
    "hey mike can you help me with this box",
    "she was speaking so fast i couldn't follow",
    "do we have any batteries left",
    "the dog keeps barking at the postman",
    "okay that's enough television for today",
    "can you believe how expensive petrol is now",
    "he plays the drums in a jazz band",
    "the nurse said the results look fine",
    "hey it's your turn to do the dishes",
    "i'm not sure the shop is open on a sunday",
    "our neighbour's garden looks lovely this year",
    "put the music a bit lower when the baby sleeps",
    "we should visit your parents next month",
    "the loudspeaker at the station was impossible to understand",
    "okay nobody touch the cake before the party",
    "the kettle's boiled if you want a cup",
    "i heard a strange noise from the attic",
    "hey there how was your day",
    "they're playing our song on the radio",
    "the bus was packed this morning",
    "my computer has been really slow lately",
    "we need a new lightbulb in the hallway",
    "alexandra is a name my cousin almost gave her daughter",
    "jarvis was the butler in that old film",
    "the my croft family lived next door for years",
    "okay now what did the doctor say",
)


def phrasings() -> list[str]:
    rows = (Path(__file__).resolve().parent / "data" / "phrasings.tsv").read_text("utf-8")
    out = []
    for line in rows.splitlines():
        cells = line.split("\t")
        if len(cells) == 4 and not line.startswith("#") and cells[0] != "split":
            out.append(cells[3])
    return out


def voices() -> list[tuple[str, int]]:
    """(voice, speed) pairs: piper's six settings, then espeak's voices at each speed."""
    return [(f"piper:{n}", 0) for n in PIPER_VOICES] + [(v, s) for v in VOICES for s in SPEEDS]


def speech(text: str, voice: str, speed: int) -> np.ndarray:
    """One sentence at int16 scale (float64), repeatable=False: piper varies every sentence."""
    if voice.startswith("piper:"):
        return synth(text, voice=voice, repeatable=False).astype(np.float64) * 32767 * PIPER_GAIN
    return synth(text, voice=voice, speed=speed).astype(np.float64) * 32767


# --- the talk --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Talk:
    path: Path
    seconds: float
    sentences: int
    level: float
    """RMS of the speech while it sounds (int16 scale): backgrounds are set against it."""
    said: tuple[tuple[float, str, str], ...]
    """(start in seconds, sentence, voice) of each sentence, for what woke an engine."""

    def sentence_at(self, seconds: float) -> str:
        """The sentence said at (or last before) `seconds`, with its voice."""
        before = [s for s in self.said if s[0] <= seconds]
        return f"{before[-1][1]!r} ({before[-1][2]})" if before else "(before any)"

    def samples(self) -> np.ndarray:
        return np.load(self.path, mmap_mode="r")


def talk(small: bool) -> Talk:
    """The talk stream, from the cache or synthesised (and cached)."""
    texts = list(dict.fromkeys([*IN_GRAMMAR, *OUT_OF_GRAMMAR, *OUT_OF_DOMAIN, *HELD_OUT_OOD,
                                *phrasings(), *CONVERSATION]))  # fmt: skip
    target_s = 240.0 if small else 3600.0
    rng = np.random.default_rng(1)
    order = rng.permutation(len(texts))
    pool = voices()
    # Each sentence in up to `passes` different voices (never the same pair twice: the cache
    # would give the same clip), in turn, until the stream is long enough.
    passes = 4
    picks = [rng.choice(len(pool), passes, replace=False) for _ in texts]
    plan = [(texts[i], *pool[picks[i][p]]) for p in range(passes) for i in order]
    if small:
        plan = plan[::6]
    key = hashlib.sha1(json.dumps([VERSION, target_s, plan]).encode()).hexdigest()[:12]
    path = OUT / f"talk-{key}.npy"
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        return _talk_from(path, json.loads(meta.read_text()))
    OUT.mkdir(parents=True, exist_ok=True)
    pieces: list[np.ndarray] = []
    levels: list[float] = []
    said: list[tuple[float, str, str]] = []
    total = 0
    started = time.monotonic()
    for n, (text, voice, speed) in enumerate(plan):
        if total >= target_s * RATE:
            break
        spoken = speech(text, voice, speed)
        lo, hi = S.speech_bounds(spoken)
        levels.append(S.rms(spoken[int(lo * RATE) : int(hi * RATE)]))
        gap = np.zeros(int(rng.uniform(0.3, 1.2) * RATE))
        said.append((total / RATE, text, f"{voice} {speed}" if speed else voice))
        pieces += [spoken, gap]
        total += len(spoken) + len(gap)
        if n % 100 == 99:
            print(f"  talk: {n + 1} sentences, {total / RATE / 60:.1f} min of audio "
                  f"({time.monotonic() - started:.0f} s)", file=sys.stderr, flush=True)  # fmt: skip
    stream = np.clip(np.round(np.concatenate(pieces)), -32768, 32767).astype(np.int16)
    np.save(path, stream)
    info = {"seconds": len(stream) / RATE, "sentences": len(pieces) // 2,
            "level": float(np.mean(levels)), "said": said}  # fmt: skip
    meta.write_text(json.dumps(info))
    return _talk_from(path, info)


def _talk_from(path: Path, info: dict[str, Any]) -> Talk:
    said = tuple((float(at), str(text), str(voice)) for at, text, voice in info["said"])
    return Talk(path, info["seconds"], info["sentences"], info["level"], said)


# --- the engines ------------------------------------------------------------------------------


class Engines:
    """Every engine under test on one stream: counts of wakes per (engine, threshold), CPU."""

    def __init__(self, families: Sequence[str], thresholds: Sequence[float]) -> None:
        self.keyphrase = (
            {t: KeyphraseWakeDetector(phrase=KEYPHRASE, threshold=t) for t in thresholds}
            if "pocketsphinx" in families
            else {}
        )
        self.micro = {p: MicroProbabilities(m) for p, m in MICRO_PHRASES.items() if p in families}
        self.cutoffs = {p: cutoffs_of(MICRO_PHRASES[p]) for p in self.micro}
        self.probed = {p: Probed(p) for p in self.micro}
        self.wakes: dict[tuple[str, float], int] = {}
        self.times: dict[tuple[str, float], list[float]] = {}
        """When each wake came (seconds into the stream)."""
        self.cpu: dict[str, float] = {}
        self._above: dict[tuple[str, float], bool] = {}
        self.at = 0.0
        """Seconds of audio heard so far: the clock of `times`."""

    def hear(self, pcm: bytes) -> None:
        chunk = AudioChunk(pcm, RATE, timestamp=self.at)
        self.at += chunk.seconds
        for threshold, detector in self.keyphrase.items():
            started = time.process_time()
            found = detector.process(chunk)
            self._spent("pocketsphinx", started)
            if found is not None:
                self._count((KEYPHRASE, threshold), found.when)
        for phrase, probed in self.probed.items():
            started = time.process_time()
            for phrase_end in probed.hear(chunk):
                self._count(probed_key(phrase), phrase_end)
            self._spent(probed_key(phrase)[0], started)
        for phrase, model in self.micro.items():
            started = time.process_time()
            probabilities = list(model.process(pcm))
            self._spent(phrase, started)
            for cutoff in self.cutoffs[phrase]:
                for left, probability in probabilities:
                    key = (phrase, cutoff)
                    if probability > cutoff and not self._above.get(key, False):
                        self._count(key, self.at - left / (2 * RATE))
                    self._above[key] = probability > cutoff

    def reset(self) -> None:
        """Between clips, as the daemon resets the detector when it returns to idle."""
        for detector in self.keyphrase.values():
            detector.reset()
        for model in self.micro.values():
            model.reset()
        for probed in self.probed.values():
            probed.reset()
        self._above.clear()

    def _count(self, key: tuple[str, float], at: float) -> None:
        self.wakes[key] = self.wakes.get(key, 0) + 1
        self.times.setdefault(key, []).append(at)

    def _spent(self, engine: str, started: float) -> None:
        self.cpu[engine] = self.cpu.get(engine, 0.0) + time.process_time() - started


class Probed:
    """`phrase` as the daemon hears it (see the module's docstring): phrase ends of the wakes
    it would act on. Run-on wakes are confirmed on the second after them; the model's own
    when the command, as the daemon's endpointer finds it, went straight on from the phrase
    (daemon.STRAIGHT_ON_S), once it ended."""

    def __init__(self, phrase: str) -> None:
        from assistant.asr.pocketsphinx_engine import PocketsphinxRecognizer
        from bench.bench_asr import fixture_grammar

        self.detector = MicroWakeDetector(phrase=phrase)
        self.recognizer = PocketsphinxRecognizer(grammar=fixture_grammar(), wake_phrase=phrase)
        self._pcm = b""
        self._start = 0.0
        """Source time of the first sample of _pcm, the last few seconds heard."""
        self._pending: float | None = None
        """The phrase end of a run-on wake awaiting its confirmation."""
        self._listening: tuple[float, Endpointer] | None = None
        """After the model's own wake: its phrase end, and the command's endpointer."""

    def hear(self, chunk: AudioChunk) -> list[float]:
        keep = int(KEEP_S * RATE) * 2
        joined = self._pcm + chunk.samples
        self._start = chunk.timestamp + chunk.seconds - len(joined[-keep:]) / (2 * RATE)
        self._pcm = joined[-keep:]
        now = chunk.timestamp + chunk.seconds
        if self._listening is not None:
            return self._command(now, list(self._listening[1].process(chunk)))
        if self._pending is not None:
            if now < self._pending + CONFIRM_AFTER_S:
                return []  # the daemon is listening: the detector hears none of it
            pending, self._pending = self._pending, None
            self.detector.reset()
            return self._confirmed(pending, now)
        woke = self.detector.process(chunk)
        if woke is None or woke.phrase_end is None:
            return []
        if woke.run_on:
            self._pending = woke.phrase_end
            return []
        from assistant.app import build_endpointer
        from assistant.config import Config

        endpointer = build_endpointer(Config())
        end = woke.phrase_end
        endpointer.warm_up(self._audio(end - CONFIRM_BEFORE_S, end))
        self._listening = (end, endpointer)
        return self._command(now, list(endpointer.process(self._audio(end, now))))

    def _command(self, now: float, events: list[Any]) -> list[float]:
        """After the model's own wake: once the command ended (or none came), the wake if the
        daemon would act on it."""
        assert self._listening is not None
        end, _ = self._listening
        started = [e.start for e in events if isinstance(e, SpeechStarted)]
        paused = started[0] - end > STRAIGHT_ON_S if started else now > end + PAUSED_S
        if paused:
            self._listening = None  # a pause after the phrase, as the model learnt it
            self.detector.reset()
            return [end]
        said = next((e for e in events if isinstance(e, Utterance)), None)
        if said is None:
            return []
        self._listening = None
        self.detector.reset()
        if said.end - said.start <= TAIL_LONGEST_S:
            return [end]  # the phrase's own tail, then (the daemon listens on)
        return self._confirmed(end, min(said.end, end + CONFIRM_AFTER_S))

    def _confirmed(self, end: float, until: float) -> list[float]:
        heard = self.recognizer.wake_phrase_end(self._audio(end - CONFIRM_BEFORE_S, until))
        return [] if heard is None else [max(0.0, end - CONFIRM_BEFORE_S) + heard]

    def _audio(self, first: float, until: float) -> AudioChunk:
        """What was heard from source time `first` to `until`, of the last KEEP_S."""
        first = max(first, self._start)
        lo = 2 * round((first - self._start) * RATE)
        hi = 2 * round((until - self._start) * RATE)
        return AudioChunk(self._pcm[lo:hi], RATE, timestamp=first)

    def reset(self) -> None:
        self.detector.reset()
        self._pcm, self._pending, self._listening = b"", None, None


KEEP_S = 12.0
"""Audio Probed keeps: a whole command after the model's own wake (vad.max_utterance_s, 8)."""
PAUSED_S = 0.6
"""After the model's own wake, no speech found by then: a pause followed the phrase (the
endpointer finds speech ~0.12 s after it starts)."""


def probed_key(phrase: str) -> tuple[str, float]:
    """The daemon's path's row for `phrase`: at its shipped cutoff."""
    return (f"{phrase} (daemon)", MICRO_CUTOFFS[MICRO_PHRASES[phrase]])


def cutoffs_of(model: str) -> tuple[float, ...]:
    own = MicroProbabilities(model).default_cutoff
    return tuple(sorted({*CUTOFFS, own}))


def own_cutoff(phrase: str) -> float:
    return MicroProbabilities(MICRO_PHRASES[phrase]).default_cutoff


# --- streams ---------------------------------------------------------------------------------


def background(name: str, seconds: float, seed: int) -> np.ndarray:
    """A minute of the named noise at unit RMS, to be looped."""
    rng = np.random.default_rng(seed)
    makers = {"music": S.music, "babble": S.babble, "pink": S.pink}
    return makers[name](min(seconds, 60.0), rng)


def blocks(samples: np.ndarray, noise: str | None, level: float, seed: int) -> Iterator[bytes]:
    """`samples` with the floor and a looped background at `level` RMS, in daemon batches."""
    rng = np.random.default_rng(seed)
    loop = background(noise, 60.0, seed) if noise else None
    step = BATCH // 2
    for start in range(0, len(samples), step):
        piece = np.asarray(samples[start : start + step], dtype=np.float64)
        piece = piece + rng.normal(0.0, FLOOR, len(piece))
        if loop is not None:
            piece += loop[(start + np.arange(len(piece))) % len(loop)] * level
        yield np.clip(np.round(piece), -32768, 32767).astype("<i2").tobytes()


def negatives_job(args: tuple[str, bool, tuple[str, ...], tuple[float, ...]]) -> dict[str, Any]:
    """False wakes of every engine on one negative stream."""
    condition, small, families, thresholds = args
    spoken = talk(small)
    engines = Engines(families, thresholds)
    level = spoken.level / 10 ** (BACKGROUND_SNR / 20)
    if condition.startswith("talk"):
        samples = spoken.samples()
        noise = condition.removeprefix("talk+").removeprefix("talk") or None
        if noise == "floor":
            noise = None
    else:
        minutes = {"music alone": 10.0, "floor alone": 5.0}[condition] / (8 if small else 1)
        samples = np.zeros(int(minutes * 60 * RATE), np.int16)
        noise = "music" if condition == "music alone" else None
    for pcm in blocks(samples, noise, level, seed=hash_seed(condition)):
        engines.hear(pcm)
    woke_by = {
        key: [spoken.sentence_at(t) if condition.startswith("talk") else f"{t:.1f} s" for t in ts]
        for key, ts in engines.times.items()
    }
    return {"condition": condition, "seconds": len(samples) / RATE, "wakes": engines.wakes,
            "cpu": engines.cpu, "woke_by": woke_by}  # fmt: skip


def hits_job(args: tuple[str, bool, tuple[float, ...]]) -> dict[str, Any]:
    """Hits of one engine family on clips of its own phrase, per condition."""
    family, small, thresholds = args
    phrase = KEYPHRASE if family == "pocketsphinx" else family
    engines = Engines([family], thresholds)
    pool = voices()
    piper = [(v, s) for v, s in pool if v.startswith("piper:")]
    espeak = [(v, s) for v, s in pool if not v.startswith("piper:")]
    clips: list[tuple[str, str, int]] = [
        (w.format(p=phrase, P=phrase.capitalize()), v, s)
        for v, s in (piper[:2] if small else piper)
        for w in (WORDINGS[:2] if small else WORDINGS)
    ] + [(phrase, v, s) for v, s in (espeak[::5] if small else espeak)]
    results: dict[str, dict[str, int]] = {}
    total = 0
    lag = FIRE_LAG_S.get(MICRO_PHRASES.get(family, ""), 0.0)
    for noise, snr in (*HIT_CONDITIONS, (ONE_BREATH, None)):
        if noise == ONE_BREATH:
            cond = ONE_BREATH
        else:
            cond = "clean" if snr is None else f"{snr:g} dB {noise}"
        for n, (text, voice, speed) in enumerate(clips):
            phrase_s = 0.0  # how long the phrase alone lasts, for one breath's "in time"
            if cond == ONE_BREATH:
                a_lo, a_hi = S.speech_bounds(speech(phrase, voice, speed))
                phrase_s = a_hi - a_lo
                text = f"{phrase} {ONE_BREATH_COMMANDS[n % len(ONE_BREATH_COMMANDS)]}"
            said = speech(text, voice, speed)
            lo, hi = S.speech_bounds(said)
            level = S.rms(said[int(lo * RATE) : int(hi * RATE)])
            clip = np.concatenate([np.zeros(RATE), said, np.zeros(RATE)])
            noise_level = 0.0 if snr is None else level / 10 ** (snr / 20)
            before = {key: len(times) for key, times in engines.times.items()}
            clip_at = engines.at
            for pcm in blocks(clip, None if snr is None else noise, noise_level, seed=n):
                engines.hear(pcm)
            engines.reset()
            for key, times in engines.times.items():
                if len(times) <= before.get(key, 0):
                    continue
                if cond == ONE_BREATH:  # the first firing, in time for the command
                    first = times[before.get(key, 0)] - clip_at
                    # Probed wakes are timed by the phrase end the daemon goes by.
                    ended = first if key[0].endswith("(daemon)") else first - lag
                    if ended > 1.0 + lo + phrase_s + IN_TIME_S:
                        continue
                results.setdefault(str(key), {}).setdefault(cond, 0)
                results[str(key)][cond] += 1
        total = len(clips)
    return {"family": family, "results": results, "clips": total}


def hash_seed(text: str) -> int:
    return int(hashlib.sha1(text.encode()).hexdigest()[:8], 16)


# --- the table -------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a few minutes, for trying")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--ps-thresholds", type=float, nargs="+", default=list(PS_THRESHOLDS),
                        help="pocketsphinx thresholds (default: %(default)s)")  # fmt: skip
    parser.add_argument("--engines", nargs="+", default=["pocketsphinx", *MICRO_PHRASES],
                        help="pocketsphinx and/or microWakeWord phrases")  # fmt: skip
    args = parser.parse_args()
    thresholds = tuple(args.ps_thresholds)
    families = tuple(args.engines)
    started = time.monotonic()
    spoken = talk(args.small)  # synthesised once, here, before the workers read it
    print(f"talk: {spoken.sentences} sentences, {spoken.seconds / 60:.1f} min; "
          f"synthesised or loaded in {time.monotonic() - started:.0f} s", flush=True)  # fmt: skip
    conditions = ("talk+floor", "talk+music", "talk+babble", "music alone", "floor alone")
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        hit_runs = pool.map(hits_job, [(f, args.small, thresholds) for f in families])
        negative_runs = pool.map(
            negatives_job, [(c, args.small, families, thresholds) for c in conditions]
        )
        hits = {run["family"]: run for run in hit_runs}
        negatives = list(negative_runs)
    print_table(hits, negatives, args.small, thresholds)
    print_woken(negatives, thresholds, families)
    print(f"\n(wall {time.monotonic() - started:.0f} s)")


def print_table(
    hits: dict[str, Any], negatives: list[dict[str, Any]], small: bool, thresholds: Sequence[float]
) -> None:
    hit_conds = ["clean" if s is None else f"{s:g} dB {n}" for n, s in HIT_CONDITIONS]
    hit_conds.append(ONE_BREATH)
    neg_conds = [run["condition"] for run in negatives]
    hours = {run["condition"]: run["seconds"] / 3600 for run in negatives}
    talk_h = sum(h for c, h in hours.items() if c.startswith("talk"))
    print(f"\nFalse wakes per hour (count) on {talk_h:.2f} h of talk in all, "
          f"each talk stream {hours['talk+floor'] * 60:.0f} min; backgrounds at "
          f"{BACKGROUND_SNR:g} dB below the speech. Hits of the engine's own phrase, "
          f"{next(iter(hits.values()))['clips']} clips per condition"
          f"{' (small run)' if small else ''}.\n")  # fmt: skip
    print("| engine | phrase | threshold | " + " | ".join(f"hits {c}" for c in hit_conds) + " | "
          + " | ".join(f"false/h {c}" for c in neg_conds) + " | RTF |")  # fmt: skip
    print("|---|---|---|" + "---|" * (len(hit_conds) + len(neg_conds) + 1))
    audio_s = sum(run["seconds"] for run in negatives)
    rows: list[tuple[str, str, float, str]] = [
        ("pocketsphinx", KEYPHRASE, t, "pocketsphinx") for t in thresholds if "pocketsphinx" in hits
    ]
    for p, m in MICRO_PHRASES.items():
        if p in hits:
            rows += [("micro", p, c, p) for c in cutoffs_of(m)]
            rows.append(("micro, daemon", *probed_key(p), p))
    for engine, phrase, threshold, family in rows:
        key = str((phrase, threshold))
        clips = hits[family]["clips"]
        found = hits[family]["results"].get(key, {})
        cells = [f"{found.get(c, 0)}/{clips}" for c in hit_conds]
        for run in negatives:
            n = run["wakes"].get((phrase, threshold), 0)
            cells.append(f"{n / hours[run['condition']]:.1f} ({n})")
        cpu = sum(run["cpu"].get(phrase if engine == "micro, daemon" else family, 0.0)
                  for run in negatives)  # fmt: skip
        if engine == "pocketsphinx":
            cpu /= len(thresholds)  # each threshold is its own detector
        label = f"{threshold:g}"
        if engine == "pocketsphinx" and threshold == BASELINE:
            label += " (today)"
        elif engine == "micro, daemon":
            label += " (the daemon's)"
        elif engine == "micro" and threshold == own_cutoff(phrase):
            label += " (model's)"
        print(
            f"| {engine} | {phrase} | {label} | " + " | ".join(cells) + f" | {cpu / audio_s:.3f} |"
        )


def print_woken(
    negatives: list[dict[str, Any]], thresholds: Sequence[float], families: Sequence[str]
) -> None:
    """What woke each engine at its baseline or model's own threshold, and the ones above."""
    print("\nWhat woke them (the sentence being said, or the time into music or floor alone):")
    keys = [("hey speaker", t) for t in thresholds] if "pocketsphinx" in families else []
    for phrase, model in MICRO_PHRASES.items():
        if phrase in families:
            keys += [(phrase, c) for c in cutoffs_of(model) if c >= own_cutoff(phrase)]
            keys.append(probed_key(phrase))
    for key in keys:
        woke = [f"{run['condition']}: {w}" for run in negatives
                for w in run["woke_by"].get(key, [])]  # fmt: skip
        shown = "; ".join(woke[:12]) + (f"; ... ({len(woke) - 12} more)" if len(woke) > 12 else "")
        print(f"- {key[0]} at {key[1]:g}: {len(woke)} wakes{': ' if woke else ''}{shown}")


if __name__ == "__main__":
    main()
