"""A day's use compressed: does the always-on daemon stay the same size?

Starts a private PulseAudio (tests.virtual_audio), a fixture library, a local radio station
(an HTTP server on 127.0.0.1 streaming a fixture MP3 at its own bit rate) and `assistant run`
(player.audio_output null, as on the reported machine; microphone: the virtual one with a
-40 dBFS noise floor). Then, one step every --step-s seconds, it cycles through typed commands
(`assistant ctl say`: playlists, the radio, volume, skips, questions, misses) and, every
--speech-every steps, a spoken command on the microphone ("hey speaker", a pause, a command).

Every --sample-s seconds it samples the daemon: RSS, CPU % of a core since the last sample,
threads, open file descriptors, temporary files (its TMPDIR and its speech folder), the
speech cache's entries and glibc's heaps. The baseline is the first sample after the
warm-up (every command given once; --warmup-steps), in the same run. After it RSS must stay
within 10 %; threads, descriptors and temp files must not grow (the least of the last third
of the samples at most the most of the first third: a request's thread or a sentence's WAV
alive at one sample is no leak); the speech cache stays within speech.cache_entries.

    python3 bench/bench_soak.py                 # an hour
    python3 bench/bench_soak.py --minutes 3     # a short run
"""

from __future__ import annotations

import argparse
import http.server
import itertools
import os
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from bench_daemon import TICKS_PER_S, WAKE_PHRASE, Background, Daemon, cpu_ticks, vm_kb
from mutagen.mp3 import MP3

from assistant.config import SpeechConfig
from tests.asr.speech import RATE, synth
from tests.fixtures.config import write_config
from tests.fixtures.generate import make_library
from tests.native_heaps import heap_bytes
from tests.virtual_audio import virtual_audio

STATION = "Soak FM"
TYPED = (
    "play songs to sing in the car",
    "turn it down",
    "what's playing",
    "next track",
    f"play {STATION.lower()}",
    "turn it up",
    "play queen",
    "volume forty",
    "play the rolling stones",  # not in the library
    "pause",
    "resume",
    "what's the weather like",  # not understood
    "play my mix",
    "play something new",
)
SPOKEN = ("turn it down", "what's playing", "next track", "play chill evening")
RSS_GROWTH_LIMIT = 0.10
CACHE_ENTRIES = SpeechConfig().cache_entries


class RadioStation:
    """An endless MP3 stream on 127.0.0.1, paced at about the file's own bit rate."""

    def __init__(self, mp3: Path) -> None:
        data = mp3.read_bytes()
        bytes_per_s = MP3(mp3).info.bitrate / 8

        class Stream(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "audio/mpeg")
                self.end_headers()
                step = max(1024, int(bytes_per_s / 10))
                try:
                    for start in itertools.cycle(range(0, len(data), step)):
                        self.wfile.write(data[start : start + step])
                        time.sleep(step / bytes_per_s)
                except OSError:
                    pass  # the player hung up (another command replaced the radio)

            def log_message(self, *args: object) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Stream)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/stream"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass(frozen=True)
class Sample:
    minute: float
    rss_mb: float
    cpu_pct: float
    threads: int
    fds: int
    temp_files: int
    cached: int
    heaps_mb: float
    """In glibc's heaps (what grew before assistant.native_heap)."""
    commands: int


def count_files(*folders: Path) -> int:
    return sum(1 for folder in folders if folder.is_dir() for p in folder.rglob("*") if p.is_file())


def sample(pid: int, t0: float, ticks_then: int, seconds: float, commands: int,
           temp_dirs: tuple[Path, ...], cache: Path) -> tuple[Sample, int]:  # fmt: skip
    ticks = cpu_ticks(pid)
    return (
        Sample(
            minute=(time.monotonic() - t0) / 60,
            rss_mb=vm_kb(pid, "VmRSS") / 1024,
            cpu_pct=100.0 * (ticks - ticks_then) / TICKS_PER_S / max(seconds, 1e-3),
            threads=len(os.listdir(f"/proc/{pid}/task")),
            fds=len(os.listdir(f"/proc/{pid}/fd")),
            temp_files=count_files(*temp_dirs),
            cached=count_files(cache),
            heaps_mb=heap_bytes(pid) / (1 << 20),
            commands=commands,
        ),
        ticks,
    )


def report(samples: list[Sample], warmup_steps: int) -> bool:
    """Print the table and the verdict; True when nothing grew."""
    header = (
        f"{'minute':>6} {'commands':>8} {'RSS MB':>7} {'vs base':>8} {'CPU %':>6} "
        f"{'threads':>7} {'fds':>5} {'temp files':>10} {'cached':>6} {'heaps MB':>8}"
    )
    base = next((s for s in samples if s.commands >= warmup_steps), None)
    print(header)
    print("-" * len(header))
    for s in samples:
        change = f"{100 * (s.rss_mb / base.rss_mb - 1):+7.1f}%" if base else f"{'-':>8}"
        mark = "  <- baseline (end of warm-up)" if s is base else ""
        print(
            f"{s.minute:6.1f} {s.commands:8d} {s.rss_mb:7.1f} {change} {s.cpu_pct:6.1f} "
            f"{s.threads:7d} {s.fds:5d} {s.temp_files:10d} {s.cached:6d} {s.heaps_mb:8.1f}{mark}"
        )
    if base is None:
        print("no sample after the warm-up: run longer, or fewer --warmup-steps")
        return False
    after = [s for s in samples if s.minute >= base.minute]
    third = max(1, len(after) // 3)
    first, last = after[:third], after[-third:]

    def grows(count: Callable[[Sample], int]) -> bool:
        return min(map(count, last)) > max(map(count, first))

    checks = [
        (
            f"RSS within {RSS_GROWTH_LIMIT:.0%} of the baseline",
            max(s.rss_mb for s in after) <= base.rss_mb * (1 + RSS_GROWTH_LIMIT),
        ),
        ("threads do not grow", not grows(lambda s: s.threads)),
        ("file descriptors do not grow", not grows(lambda s: s.fds)),
        ("temp files do not grow", not grows(lambda s: s.temp_files)),
        (
            f"speech cache within speech.cache_entries ({CACHE_ENTRIES})",
            max(s.cached for s in samples) <= CACHE_ENTRIES,
        ),
    ]
    for name, ok in checks:
        print(f"{'ok  ' if ok else 'FAIL'} {name}")
    return all(ok for _, ok in checks)


def command_wav(path: Path, command: str) -> Path:
    """The wake phrase, a 0.5 s pause, the command, written to `path`; no floor of its own
    (Background plays one)."""
    parts = [synth(WAKE_PHRASE), np.zeros(RATE // 2, np.float32), synth(command)]
    pcm = (np.clip(np.concatenate(parts), -1, 1) * 32767).astype("<i2").tobytes()
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--warmup-steps", type=int, default=None,
                        help="default: one pass through the typed and spoken commands")  # fmt: skip
    parser.add_argument("--step-s", type=float, default=4.0, help="seconds between commands")
    parser.add_argument("--speech-every", type=int, default=5,
                        help="every Nth step is spoken on the microphone (0: never)")  # fmt: skip
    parser.add_argument("--sample-s", type=float, default=None,
                        help="default: 30 s, or 15 s for runs under 10 minutes")  # fmt: skip
    args = parser.parse_args()
    warmup = args.warmup_steps
    if warmup is None:
        spoken_share = args.speech_every - 1 if args.speech_every else 0
        warmup = len(TYPED) + (-(-len(TYPED) // spoken_share) if spoken_share else 0)
    every = args.sample_s or (15.0 if args.minutes < 10 else 30.0)

    with tempfile.TemporaryDirectory() as tmp, virtual_audio() as env:
        os.environ.update(env)  # every child (daemon, ctl, paplay) uses it
        root = Path(tmp)
        daemon_tmp = root / "daemon-tmp"
        daemon_tmp.mkdir()
        os.environ["TMPDIR"] = str(daemon_tmp)
        library = make_library(root / "lib")
        radio = RadioStation(next(p for p in library.tracks.values() if p.suffix == ".mp3"))
        folder = root / "soak"
        folder.mkdir()
        config = write_config(folder, library, stations={STATION: radio.url}, player="  volume: 60")
        config.write_text(config.read_text() + "audio:\n  device: pulse\n"
                          f'wake:\n  mode: phrase\n  phrase: "{WAKE_PHRASE}"\n')  # fmt: skip
        wavs = []
        for i, text in enumerate(SPOKEN):
            wavs.append(command_wav(root / f"spoken-{i}.wav", text))
        floor = Background()
        temp_dirs = (daemon_tmp, Path(env["XDG_RUNTIME_DIR"]) / "assistant")
        cache = folder / "state" / "tts-cache"
        samples: list[Sample] = []
        try:
            daemon = Daemon(config)
            try:
                print(f"soak: {args.minutes:g} min, a step every {args.step_s:g} s, "
                      f"warm-up {warmup} steps, sample every {every:g} s", flush=True)  # fmt: skip
                t0 = last = time.monotonic()
                first, ticks = sample(daemon.proc.pid, t0, cpu_ticks(daemon.proc.pid), 1.0, 0,
                                      temp_dirs, cache)  # fmt: skip
                samples.append(first)
                typed, spoken = itertools.cycle(TYPED), itertools.cycle(wavs)
                end = t0 + args.minutes * 60
                for step in itertools.count(1):
                    began = time.monotonic()
                    if began >= end:
                        break
                    if args.speech_every and step % args.speech_every == 0:
                        subprocess.run(["paplay", "--device=micsink", str(next(spoken))],
                                       check=True, timeout=60)  # fmt: skip
                    else:
                        text = next(typed)
                        if daemon.ctl("say", text).returncode != 0:
                            raise RuntimeError(f"say {text!r} failed\n{daemon.log_tail()}")
                    if daemon.proc.poll() is not None:
                        raise RuntimeError(f"the daemon died\n{daemon.log_tail()}")
                    now = time.monotonic()
                    if now - last >= every:
                        s, ticks = sample(
                            daemon.proc.pid, t0, ticks, now - last, step, temp_dirs, cache
                        )
                        samples.append(s)
                        print(f"  {s.minute:.1f} min, {s.commands} commands: RSS {s.rss_mb:.0f} MB",
                              flush=True)  # fmt: skip
                        last = now
                    time.sleep(max(0.0, began + args.step_s - time.monotonic()))
            finally:
                daemon.close()
        finally:
            floor.close()
            radio.close()
    print(f"\nsoak: the daemon's footprint; baseline = first sample after {warmup} commands")
    return 0 if report(samples, warmup) else 1


if __name__ == "__main__":
    sys.exit(main())
