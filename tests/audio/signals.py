"""Test signals: espeak-ng speech, noises and music, mixed at a chosen SNR (used by bench too)."""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from assistant.audio.base import VAD_RATE, AudioChunk
from assistant.audio.files import FileSource
from assistant.audio.resample import resample

Signal = npt.NDArray[np.float64]
RATE = VAD_RATE


def speak(text: str, *, voice: str = "en-us", speed: int = 170) -> Signal:
    """espeak-ng speech as float samples at 16 kHz (int16 scale)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "speech.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(path), text],
            check=True,
            capture_output=True,
        )
        chunk = resample(FileSource(path).read_all(), RATE)
    return np.frombuffer(chunk.samples, dtype="<i2").astype(np.float64)


def speech_bounds(x: Signal, *, rel_db: float = -35.0) -> tuple[float, float]:
    """First and last 10 ms frame within rel_db of the loudest one, in seconds (the truth)."""
    frames = x[: len(x) // 160 * 160].reshape(-1, 160)
    energy = 10 * np.log10((frames**2).mean(axis=1) + 1e-9)
    active = np.flatnonzero(energy > energy.max() + rel_db)
    return active[0] * 0.01, (active[-1] + 1) * 0.01


def rms(x: Signal) -> float:
    return float(np.sqrt(np.mean(x * x)))


def white(seconds: float, rng: np.random.Generator) -> Signal:
    return rng.normal(0.0, 1.0, int(seconds * RATE))


def pink(seconds: float, rng: np.random.Generator) -> Signal:
    n = int(seconds * RATE)
    spectrum = np.fft.rfft(rng.normal(0.0, 1.0, n))
    f = np.fft.rfftfreq(n, 1.0 / RATE)
    spectrum[1:] /= np.sqrt(f[1:])
    spectrum[0] = 0.0
    x = np.fft.irfft(spectrum, n)
    return x / rms(x)


def music(seconds: float, rng: np.random.Generator) -> Signal:
    """Chords of harmonic tones changing every half second, with a soft attack: steady music."""
    n = int(seconds * RATE)
    out = np.zeros(n)
    chords = [
        (261.6, 329.6, 392.0),
        (220.0, 261.6, 329.6),
        (174.6, 220.0, 261.6),
        (196.0, 246.9, 293.7),
    ]
    step = RATE // 2
    t = np.arange(step) / RATE
    envelope = 1.0 - 0.5 * np.exp(-t * 10.0)
    for i, start in enumerate(range(0, n, step)):
        chord = chords[int(rng.integers(len(chords)))] if i % 2 else chords[i // 2 % len(chords)]
        seg = sum(np.sin(2 * np.pi * f * h * t) / h for f in chord for h in (1, 2, 3)) * envelope
        out[start : start + step] = seg[: n - start]
    return out / rms(out)


def babble(seconds: float, rng: np.random.Generator) -> Signal:
    """Several espeak voices talking at once, looped: speech-like noise."""
    texts = [
        "the weather today is cloudy with a chance of rain in the afternoon",
        "our quarterly results exceeded expectations in every region",
        "please remember to bring the documents to the meeting tomorrow",
        "the train to the city leaves from platform four at nine",
    ]
    voices = ["en-us", "en-gb", "en+f3", "en+m3"]
    n = int(seconds * RATE)
    out = np.zeros(n)
    for text, voice in zip(texts, voices, strict=True):
        x = speak(text, voice=voice, speed=int(rng.integers(150, 200)))
        x = np.roll(np.resize(x, n), int(rng.integers(n)))
        out += x / rms(x)
    return out / rms(out)


def mix(speech: Signal, noise: Signal, snr_db: float) -> Signal:
    """speech + noise scaled so speech (its active part) is snr_db above the noise."""
    lo, hi = speech_bounds(speech)
    active = speech[int(lo * RATE) : int(hi * RATE)]
    gain = rms(active) / (rms(noise[: len(speech)]) * 10 ** (snr_db / 20))
    out = speech.copy()
    out += gain * noise[: len(speech)]
    return out


@dataclass(frozen=True)
class Scene:
    """A clip with known speech segments (seconds)."""

    audio: Signal
    segments: tuple[tuple[float, float], ...]


def scene(
    parts: list[Signal],
    *,
    gaps_s: list[float],
    noise: Signal | None = None,
    snr_db: float = 10.0,
    floor_db: float = -40.0,
    rng: np.random.Generator,
) -> Scene:
    """Utterances separated by silences (gaps_s has len(parts) + 1 entries: before, between,
    after), a -40 dB (re full scale) noise floor, and optionally noise at snr_db."""
    pieces: list[Signal] = []
    segments: list[tuple[float, float]] = []
    t = 0
    for i, part in enumerate(parts):
        pieces.append(np.zeros(int(gaps_s[i] * RATE)))
        t += len(pieces[-1])
        lo, hi = speech_bounds(part)
        segments.append((t / RATE + lo, t / RATE + hi))
        pieces.append(part)
        t += len(part)
    pieces.append(np.zeros(int(gaps_s[-1] * RATE)))
    clean = np.concatenate(pieces)
    out = clean + rng.normal(0.0, 32768 * 10 ** (floor_db / 20), len(clean))
    if noise is not None:
        speech_rms = np.mean(
            [
                rms(p[int(lo * RATE) : int(hi * RATE)])
                for p, (lo, hi) in zip(parts, [speech_bounds(p) for p in parts], strict=True)
            ]
        )
        noise = np.resize(noise, len(clean))
        out += noise / rms(noise) * speech_rms / 10 ** (snr_db / 20)
    return Scene(audio=out, segments=tuple(segments))


def to_int16(x: Signal) -> bytes:
    return np.clip(np.round(x), -32768, 32767).astype("<i2").tobytes()


def chunks_of(x: Signal, *, rate: int = RATE, block_ms: int = 30) -> list[AudioChunk]:
    """Split a signal into chunks the way a live source delivers them."""
    data = to_int16(x)
    step = rate * block_ms // 1000 * 2
    return [
        AudioChunk(samples=data[i : i + step], rate=rate, timestamp=i / 2 / rate)
        for i in range(0, len(data), step)
    ]


def write_wav(path: Path, x: Signal, *, rate: int = RATE) -> Path:
    import wave

    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(to_int16(x))
    return path
