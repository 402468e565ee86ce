"""How late each wake engine fires after its phrase ended, and how well it says where it ended.

A command said in the same breath as the wake phrase is already under way when the detector
fires; the daemon decodes it from the phrase's end as the detector reports it (WakeEvent
.phrase_end). Per engine (the pocketsphinx keyphrase spotter on "hey speaker" at 1e-40, and
microWakeWord on each bundled phrase at its model's own cutoff), piper voice and noise, two
clips:

- joined: the phrase and the command synthesised apart and butted together with no gap, so
  the phrase's true end is known (its last sample above -40 dBFS). Baseline, same run: the
  old start of the command, the moment the detector fired (`fired - end`: what it cut off);
  now: the reported end (`reported - end`: negative is early, into the phrase's tail).
- breath: the whole sentence synthesised in one go (coarticulated, no known true end):
  `fired - reported`, the delay as the detector itself sees it.

Run: python3 bench/bench_wake_delay.py [--small]   (--small: three voices, clean and 20 dB)
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.asr.base import WakeDetector, WakeEvent
from assistant.asr.micro_wake import MICRO_PHRASES, MicroWakeDetector
from assistant.asr.wake import KeyphraseWakeDetector
from assistant.audio.base import AudioChunk
from tests.asr.speech import PIPER_VOICES, RATE, mix, synth

COMMAND = "play songs to sing in the car"
LEAD_S = 1.0
THRESHOLD = 1e-40  # config.yaml's wake.threshold


def first_wake(detector: WakeDetector, pcm: bytes) -> WakeEvent | None:
    step = int(0.03 * RATE) * 2  # the microphone's 30 ms blocks
    found = None
    for i in range(0, len(pcm), step):
        event = detector.process(AudioChunk(pcm[i : i + step], RATE, timestamp=i / (2 * RATE)))
        found = found or event
    detector.reset()
    return found


def spoken_end(samples: np.ndarray) -> int:
    loud = np.flatnonzero(np.abs(samples) > 0.01)
    return int(loud[-1]) + 1 if len(loud) else len(samples)


def main() -> None:
    small = "--small" in sys.argv[1:]
    voices = ["joe", "joe-fast", "joe-slow"] if small else list(PIPER_VOICES)
    noises: list[float | None] = [None, 20.0] if small else [None, 20.0, 10.0]
    engines: list[tuple[str, WakeDetector]] = [
        ("hey speaker", KeyphraseWakeDetector(threshold=THRESHOLD)),
        *((p, MicroWakeDetector(phrase=p)) for p in MICRO_PHRASES),
    ]
    lead = np.zeros(int(LEAD_S * RATE), np.float32)
    tail = np.zeros(int(1.0 * RATE), np.float32)
    print("| engine | voice | noise | joined: fired - end (ms, baseline) "
          "| joined: reported - end (ms) | breath: fired - reported (ms) |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    summary: list[str] = []
    for said, detector in engines:
        fired: list[float] = []
        reported: list[float] = []
        delays: list[float] = []
        missed = [0, 0]
        for voice in voices:
            phrase = synth(said, voice=f"piper:{voice}")
            phrase = phrase[: spoken_end(phrase)]
            command = synth(COMMAND, voice=f"piper:{voice}")
            command = command[np.flatnonzero(np.abs(command) > 0.01)[0] :]
            breath = synth(f"{said} {COMMAND}", voice=f"piper:{voice}")
            end = LEAD_S + len(phrase) / RATE
            for snr in noises:
                joined = first_wake(
                    detector, mix(np.concatenate([lead, phrase, command, tail]), snr_db=snr)
                )
                natural = first_wake(
                    detector, mix(np.concatenate([lead, breath, tail]), snr_db=snr)
                )
                cells = []
                if joined is None or joined.phrase_end is None:
                    cells += ["missed", "missed"]
                    missed[0] += 1
                else:
                    fired.append(joined.when - end)
                    reported.append(joined.phrase_end - end)
                    cells += [
                        f"{(joined.when - end) * 1000:.0f}",
                        f"{(joined.phrase_end - end) * 1000:.0f}",
                    ]
                if natural is None or natural.phrase_end is None:
                    cells.append("missed")
                    missed[1] += 1
                else:
                    delays.append(natural.when - natural.phrase_end)
                    cells.append(f"{(natural.when - natural.phrase_end) * 1000:.0f}")
                noise = "clean" if snr is None else f"{snr:g} dB"
                print(f"| {detector.name} | {voice} | {noise} | " + " | ".join(cells) + " |")
        clips = len(voices) * len(noises)
        summary.append(f"| {detector.name} | {missed[0]}/{clips} | {_spread(fired)} "
                       f"| {_spread(reported)} | {missed[1]}/{clips} "
                       f"| {_spread(delays)} |")  # fmt: skip
    print("\n| engine | joined: missed | fired - end (ms) | reported - end (ms) "
          "| breath: missed | fired - reported (ms) |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    print("\n".join(summary))
    print("(ms: median [min, max] of the clips heard)")


def _spread(seconds: list[float]) -> str:
    if not seconds:
        return "-"
    ms = np.array(seconds) * 1000
    return f"{np.median(ms):.0f} [{ms.min():.0f}, {ms.max():.0f}]"


if __name__ == "__main__":
    main()
