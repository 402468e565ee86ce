"""Wake phrase hit rate and false wakes per hour, per keyphrase threshold.

Positives: "hey speaker" from espeak-ng (4 voices x 3 speeds) with a -40 dB floor, clean and at
20/10/5 dB SNR. Negatives: a continuous stream of 26 command and other sentences in every voice
and speed (~10 min), and 5 minutes of the noise floor alone.
Run: python3 bench/bench_wake.py [THRESHOLD ...]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.asr.wake import KeyphraseWakeDetector
from assistant.audio.base import AudioChunk
from tests.asr.commands import IN_GRAMMAR, OUT_OF_GRAMMAR
from tests.asr.speech import RATE, SPEEDS, VOICES, mix, pad, synth


def count(detector: KeyphraseWakeDetector, pcm: bytes) -> int:
    step = RATE // 50 * 2
    found = sum(
        detector.process(AudioChunk(pcm[i : i + step], RATE)) is not None
        for i in range(0, len(pcm), step)
    )
    detector.reset()
    return found


def main() -> None:
    thresholds = [float(a) for a in sys.argv[1:]] or [1e-20, 1e-30, 1e-40, 1e-45, 1e-50]
    speech = np.concatenate(
        [
            pad(synth(t, voice=v, speed=s), 0.2, 0.3)
            for t in IN_GRAMMAR + OUT_OF_GRAMMAR
            for v in VOICES
            for s in SPEEDS
        ]
    )
    negatives = {"commands": mix(speech, snr_db=20), "floor": mix(np.zeros(RATE * 300, np.float32))}
    print("| threshold | clean | 20 dB | 10 dB | 5 dB | false/h commands | false/h floor | RTF |")
    print("|---|---|---|---|---|---|---|---|")
    for threshold in thresholds:
        detector = KeyphraseWakeDetector(threshold=threshold)
        start = time.process_time()
        audio = 0.0
        cells = []
        for snr in (None, 20.0, 10.0, 5.0):
            hits = total = 0
            for v in VOICES:
                for s in SPEEDS:
                    pcm = mix(pad(synth("hey speaker", voice=v, speed=s), 1.0, 1.0), snr_db=snr)
                    audio += len(pcm) / (2 * RATE)
                    hits += count(detector, pcm) > 0
                    total += 1
            cells.append(f"{hits}/{total}")
        rates = []
        for pcm in negatives.values():
            hours = len(pcm) / (2 * RATE) / 3600
            audio += hours * 3600
            rates.append(f"{count(detector, pcm) / hours:.1f}")
        rtf = (time.process_time() - start) / audio
        print(f"| {threshold:g} | " + " | ".join(cells) + f" | {' | '.join(rates)} | {rtf:.3f} |")


if __name__ == "__main__":
    main()
