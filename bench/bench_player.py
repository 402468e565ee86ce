"""Player latency and footprint: time from play() to mpv starting and to sound on the speaker.

Runs on its own private PulseAudio (tests.virtual_audio) and prints one table:

  started   play() call -> TrackStarted (mpv opened the file: its `file-loaded`)
  audible   play() call -> the first 10 ms block above silence on `spk.monitor`

next to baselines measured in the same run: a fresh `mpv` command-line process and `paplay`
playing the same file (start of the process -> audible). Peak RSS is this process's
high-water mark (python + libmpv + the players), or the baseline process's own.

    python3 bench/bench_player.py [--runs 30]
"""

from __future__ import annotations

import argparse
import array
import math
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import PlayerConfig
from assistant.player.base import PlayerEvent, QueueItem, TrackStarted
from assistant.player.mpv_engine import MpvClipPlayer, MpvPlayer
from tests.player.conftest import make_tone
from tests.virtual_audio import virtual_audio

RATE = 16000
BLOCK = RATE // 100  # 10 ms of s16le mono
THRESHOLD = 300.0  # RMS; the tone is ~5000, an idle null sink is 0


class Monitor:
    """Reads spk.monitor continuously and timestamps each 10 ms block as it arrives."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            [
                "parec",
                "-d",
                "spk.monitor",
                "--format=s16le",
                f"--rate={RATE}",
                "--channels=1",
                "--raw",
                "--latency-msec=10",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            bufsize=0,
        )
        self._blocks: queue.Queue[tuple[float, float]] = queue.Queue()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        pending = b""
        while chunk := self._proc.stdout.read(BLOCK * 2):
            now = time.perf_counter()
            pending += chunk
            while len(pending) >= BLOCK * 2:
                block, pending = pending[: BLOCK * 2], pending[BLOCK * 2 :]
                samples = array.array("h", block)
                level = math.sqrt(sum(s * s for s in samples) / len(samples))
                self._blocks.put((now, level))

    def drain(self) -> None:
        while not self._blocks.empty():
            self._blocks.get_nowait()

    def wait_sound(self, since: float, timeout: float = 10.0) -> float:
        """Seconds from `since` to the first loud block that arrived after it."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            try:
                at, level = self._blocks.get(timeout=0.5)
            except queue.Empty:
                continue
            if at >= since and level > THRESHOLD:
                return at - since
        raise RuntimeError("no sound reached the speaker")

    def wait_silence(self, quiet_blocks: int = 20, timeout: float = 10.0) -> None:
        deadline = time.perf_counter() + timeout
        quiet = 0
        while quiet < quiet_blocks:
            if time.perf_counter() > deadline:
                raise RuntimeError("the speaker did not fall silent")
            _, level = self._blocks.get(timeout=timeout)
            quiet = quiet + 1 if level < THRESHOLD else 0

    def close(self) -> None:
        self._proc.terminate()
        self._proc.wait(timeout=5)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def bench_player(monitor: Monitor, path: Path, runs: int) -> tuple[list[float], list[float]]:
    started: queue.Queue[float] = queue.Queue()

    def on_event(event: PlayerEvent) -> None:
        if isinstance(event, TrackStarted):
            started.put(time.perf_counter())

    player = MpvPlayer(config=PlayerConfig(audio_output="pulse", volume=100), on_event=on_event)
    to_start, to_sound = [], []
    try:
        for _ in range(runs):
            monitor.wait_silence()
            monitor.drain()
            t0 = time.perf_counter()
            player.play([QueueItem(str(path), title="tone")])
            to_sound.append(monitor.wait_sound(t0))
            to_start.append(started.get(timeout=10) - t0)
            player.stop()
    finally:
        player.close()
    return to_start, to_sound


def bench_clip(monitor: Monitor, path: Path, runs: int) -> list[float]:
    clips = MpvClipPlayer(audio_output="pulse", audio_device="auto")
    to_sound = []
    try:
        for _ in range(runs):
            monitor.wait_silence()
            monitor.drain()
            t0 = time.perf_counter()
            clips.play(path)
            to_sound.append(monitor.wait_sound(t0))
            clips.stop()
    finally:
        clips.close()
    return to_sound


def bench_command(
    monitor: Monitor, argv: Callable[[], list[str]], runs: int
) -> tuple[list[float], float]:
    """Latencies of a fresh process each run, and the largest peak RSS (MB) one of them had."""
    to_sound, peak = [], 0.0
    for _ in range(runs):
        monitor.wait_silence()
        monitor.drain()
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            to_sound.append(monitor.wait_sound(t0))
            time.sleep(0.3)  # let it play a moment so its memory is that of a playing process
            # getrusage(RUSAGE_CHILDREN) would count the forked copy of this process instead.
            peak = max(peak, peak_rss_mb(Path(f"/proc/{proc.pid}/status")))
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    return to_sound, peak


def peak_rss_mb(status: Path = Path("/proc/self/status")) -> float:
    for line in status.read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, virtual_audio() as env:
        os.environ.update(env)
        flac = Path(tmp) / "tone.flac"
        wav = Path(tmp) / "tone.wav"
        for path in (flac, wav):
            make_tone(path, 440, 5.0)
        monitor = Monitor()
        try:
            rss_before = peak_rss_mb()
            started, audible = bench_player(monitor, flac, args.runs)
            rss_player = peak_rss_mb()
            clip = bench_clip(monitor, wav, args.runs)
            rss_both = peak_rss_mb()
            mpv_cli, mpv_rss = bench_command(
                monitor,
                lambda: [
                    "mpv",
                    "--no-config",
                    "--no-video",
                    "--ao=pulse",
                    "--really-quiet",
                    str(flac),
                ],
                args.runs,
            )
            paplay, paplay_rss = bench_command(monitor, lambda: ["paplay", str(wav)], args.runs)
        finally:
            monitor.close()

    base95 = percentile(mpv_cli, 95)
    rows = [
        ("MpvPlayer play() -> started", started, f"{rss_player:.0f}"),
        ("MpvPlayer play() -> audible", audible, f"{rss_player:.0f}"),
        ("MpvClipPlayer play() -> audible (wav)", clip, f"{rss_both:.0f} (both players)"),
        ("baseline: mpv CLI process -> audible", mpv_cli, f"{mpv_rss:.0f} (that process)"),
        ("baseline: paplay process -> audible (wav)", paplay, f"{paplay_rss:.0f} (that process)"),
    ]
    print(f"\nplayer latency, {args.runs} runs each, 5 s 44.1 kHz tone, PulseAudio null sink")
    print(f"python before the players: peak RSS {rss_before:.0f} MB\n")
    print_latency_table(rows, base95)


def print_latency_table(rows: list[tuple[str, list[float], str]], base95: float) -> None:
    """Rows of (measure, seconds per run, peak RSS text); p95 ratios against `base95`."""
    header = f"{'measure':44} {'p50 ms':>7} {'p95 ms':>7} {'mean ms':>8} {'p95/mpv CLI':>12}"
    print(header + "  peak RSS MB")
    print("-" * (len(header) + 24))
    for name, values, rss in rows:
        p50, p95 = percentile(values, 50) * 1000, percentile(values, 95) * 1000
        mean = statistics.fmean(values) * 1000
        print(f"{name:44} {p50:7.1f} {p95:7.1f} {mean:8.1f} {p95 / 1000 / base95:12.2f}  {rss}")


if __name__ == "__main__":
    main()
