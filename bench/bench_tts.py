"""Spoken answers: time to first audio for a typical answer, and the memory the engine adds.

Runs on its own private PulseAudio (tests.virtual_audio) and prints one table. Rows:

  synth      synthesize() of "Playing Songs to Sing in the Car." to a WAV
               cold:   a fresh process (pyttsx3 import + espeak-ng init + first sentence)
               warm:   the engine loaded, the sentence not cached
               cached: CachedSynthesizer answering from its cache
  audible    Speaker.say() -> first 10 ms block above silence on `spk.monitor`

beside baselines measured in the same run: an `espeak-ng -w` process (synth), and that plus
the same mpv clip player (audible). RSS: the process's resident memory added by importing
pyttsx3 and speaking one sentence (numpy already loaded), measured in the cold process.

    python3 bench/bench_tts.py [--runs 20]
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.player.mpv_engine import MpvClipPlayer
from assistant.tts.base import Synthesizer
from assistant.tts.cache import CachedSynthesizer
from assistant.tts.pyttsx3_engine import Pyttsx3Synthesizer
from assistant.tts.speaker import Speaker
from tests.virtual_audio import virtual_audio

TEXT = "Playing Songs to Sing in the Car."
VOICE, WPM = "en-us", 170
RATE = 16000
BLOCK = RATE // 100
THRESHOLD = 300.0

COLD = """
import json, sys, time
from pathlib import Path
import numpy  # not the engine's cost
def rss():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
before = rss()
t0 = time.perf_counter()
from assistant.tts.pyttsx3_engine import Pyttsx3Synthesizer
s = Pyttsx3Synthesizer(voice=sys.argv[1], rate=int(sys.argv[2]), volume=1.0)
s.synthesize(sys.argv[3], Path(sys.argv[4]))
print(json.dumps({"seconds": time.perf_counter() - t0, "rss_mb": rss() - before}))
"""


class Monitor:
    """Reads spk.monitor as it plays and timestamps each 10 ms block."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            ["parec", "-d", "spk.monitor", "--format=s16le", f"--rate={RATE}", "--channels=1",
             "--raw", "--latency-msec=10"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0,
        )  # fmt: skip
        self._levels: queue.Queue[tuple[float, float]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        pending = b""
        while chunk := self._proc.stdout.read(BLOCK * 2):
            now = time.perf_counter()
            pending += chunk
            while len(pending) >= BLOCK * 2:
                block, pending = pending[: BLOCK * 2], pending[BLOCK * 2 :]
                level = float(np.sqrt(np.mean(np.frombuffer(block, "<i2").astype(float) ** 2)))
                self._levels.put((now, level))

    def quiet(self, blocks: int = 20) -> None:
        """Wait for 200 ms of silence, then forget what came before."""
        run = 0
        while run < blocks:
            _, level = self._levels.get(timeout=30)
            run = run + 1 if level < THRESHOLD else 0
        while not self._levels.empty():
            self._levels.get_nowait()

    def sound_after(self, since: float) -> float:
        deadline = time.perf_counter() + 30
        while time.perf_counter() < deadline:
            at, level = self._levels.get(timeout=30)
            if at >= since and level > THRESHOLD:
                return at - since
        raise RuntimeError("no sound reached the speaker")

    def close(self) -> None:
        self._proc.terminate()
        self._proc.wait(timeout=5)


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def cold(runs: int, tmp: Path) -> tuple[list[float], list[float]]:
    seconds, rss = [], []
    root = str(Path(__file__).resolve().parent.parent)
    for i in range(runs):
        argv = [sys.executable, "-c", COLD, VOICE, str(WPM), TEXT, str(tmp / f"cold-{i}.wav")]
        out = subprocess.run(argv, capture_output=True, text=True, check=True, cwd=root)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        seconds.append(result["seconds"])
        rss.append(result["rss_mb"])
    return seconds, rss


def espeak_cli(tmp: Path) -> Path:
    out = tmp / "espeak.wav"
    subprocess.run(["espeak-ng", "-v", VOICE, "-s", str(WPM), "-w", str(out), TEXT], check=True)
    return out


def audible_speaker(monitor: Monitor, clips: MpvClipPlayer, synth: Synthesizer, tmp: Path,
                    runs: int) -> list[float]:  # fmt: skip
    speaker = Speaker(synthesizer=synth, clips=clips, work_dir=tmp / "speech")
    out = []
    try:
        for _ in range(runs):
            monitor.quiet()
            t0 = time.perf_counter()
            speaker.say(TEXT)
            out.append(monitor.sound_after(t0))
            speaker.interrupt()
            speaker.wait(30)
    finally:
        speaker.close()
    return out


def audible_baseline(monitor: Monitor, clips: MpvClipPlayer, tmp: Path, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        monitor.quiet()
        t0 = time.perf_counter()
        clips.play(espeak_cli(tmp))
        out.append(monitor.sound_after(t0))
        clips.stop()
    return out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    runs = args.runs

    with tempfile.TemporaryDirectory() as name, virtual_audio() as env:
        os.environ.update(env)  # for mpv and parec, in this process and its children
        tmp = Path(name)
        rows: dict[str, list[float]] = {}
        rows["baseline: espeak-ng -w process (synth)"] = timed(lambda: espeak_cli(tmp), runs)
        rows["synth cold (fresh process)"], rss = cold(runs, tmp)
        warm = Pyttsx3Synthesizer(voice=VOICE, rate=WPM, volume=1.0)
        warm.synthesize(TEXT, tmp / "prime.wav")
        rows["synth warm (engine loaded, not cached)"] = timed(
            lambda: warm.synthesize(TEXT, tmp / "warm.wav"), runs
        )
        cache = CachedSynthesizer(synthesizer=warm, cache_dir=tmp / "cache")
        cache.synthesize(TEXT, tmp / "prime.wav")
        rows["synth cached (CachedSynthesizer hit)"] = timed(
            lambda: cache.synthesize(TEXT, tmp / "cached.wav"), runs
        )

        monitor = Monitor()
        clips = MpvClipPlayer(audio_output="pulse", audio_device="auto")
        try:
            clips.play(tmp / "prime.wav")  # the clip player's own first start is not ours
            clips.wait(30)
            rows["baseline: espeak-ng -w + clip player (audible)"] = audible_baseline(
                monitor, clips, tmp, runs
            )
            rows["say() -> audible, warm"] = audible_speaker(monitor, clips, warm, tmp, runs)
            rows["say() -> audible, cached"] = audible_speaker(monitor, clips, cache, tmp, runs)
        finally:
            clips.close()
            monitor.close()

    print(f'\ntime to first audio for "{TEXT}", {runs} runs each, {VOICE} {WPM} wpm, PulseAudio')
    print(f"memory added by pyttsx3 + espeak-ng: {statistics.median(rss):.1f} MB RSS (median)\n")
    header = f"{'':48} {'p50 ms':>8} {'p95 ms':>8} {'p95 / baseline':>15}"
    print(header)
    print("-" * len(header))
    for label, values in rows.items():
        base = "audible" if "audible" in label else "synth"
        baseline = next(v for k, v in rows.items() if k.startswith("baseline") and base in k)
        ratio = pct(values, 95) / pct(baseline, 95)
        print(f"{label:48} {pct(values, 50) * 1000:8.1f} {pct(values, 95) * 1000:8.1f} "
              f"{ratio:15.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
