"""The dither under what the recogniser hears: commands right with it and without, same run.

WAV files as people make them (espeak-ng -w with its default voice, en-us, and the piper
neural voice, all 22.05 kHz with exact digital silence), converted by sox to 8 kHz and to
48 kHz stereo, as made and with pink noise at 20 and 10 dB SNR, through the real file path
(FileSource -> recogniser on the fixture library's grammar -> matcher). Each is heard by
recognisers whose dither differs: none (the baseline, what main did before), -72 dBFS and
the shipped level. A command is right when its intent and every slot are.

    python bench/bench_dither.py            # 20 commands
    python bench/bench_dither.py --small    # 6 commands
"""

from __future__ import annotations

import argparse
import functools
import subprocess
import sys
import tempfile
import wave
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant import app
from assistant.asr import pcm
from assistant.asr.base import Recognizer
from assistant.audio.dither import DITHER_DBFS, Dither
from assistant.audio.files import FileSource
from assistant.config import Config
from assistant.listen import hear
from assistant.nlu.matcher import Matcher
from tests.audio import signals as S
from tests.audio import wav_files as W
from tests.fixtures.config import write_config
from tests.fixtures.generate import make_library

COMMANDS = [
    "play something by a c d c", "set the volume to forty", "what's playing", "pause",
    "play queen", "skip this song", "turn it up", "turn it down", "play back in black",
    "shuffle off", "shuffle on", "resume", "next song", "stop", "play the playlist workout mix",
    "play something by the beatles", "play some jazz", "mute", "play radio paradise",
    "play hello by adele",
]  # fmt: skip
SMALL = 6
FILES = {"22.05 kHz": [], "8 kHz": ["-r", "8000"], "48 kHz stereo": ["-r", "48000", "-c", "2"]}
CONDITIONS: dict[str, float | None] = {"as made": None, "20 dB": 20.0, "10 dB": 10.0}
LEVELS: dict[str, float | None] = {"none (baseline)": None, "-72 dBFS": -72.0}
LEVELS[f"{DITHER_DBFS:g} dBFS (shipped)"] = DITHER_DBFS


def _espeak_us(path: Path, text: str) -> Path:
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(path), text], check=True)
    return path


VOICES: dict[str, W.Voice] = {
    "espeak default": W.espeak,
    "espeak en-us": _espeak_us,
    "piper joe": W.piper,
}


def _recognizer(config: Config, matcher: Matcher, level: float | None) -> Recognizer:
    # The engines build their PcmAdapter (and so its Dither) when constructed: give this one
    # its own level. None is no dither at all, as before the dither existed.
    original = pcm.Dither
    pcm.Dither = functools.partial(Dither, level_dbfs=-300.0 if level is None else level)
    try:
        return app.build_recognizer(config, matcher)
    finally:
        pcm.Dither = original


def _read(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(
            np.float64
        ), w.getframerate()


def _write(path: Path, x: np.ndarray, rate: int) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.clip(np.round(x), -32768, 32767).astype("<i2").tobytes())
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help=f"only {SMALL} commands")
    args = parser.parse_args()
    commands = COMMANDS[:SMALL] if args.small else COMMANDS
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        config = app.load(write_config(tmp, make_library(tmp / "lib")))
        with app.open_catalogue(config) as catalogue:
            matcher = app.build_matcher(config, catalogue)
        recognizers = {name: _recognizer(config, matcher, lv) for name, lv in LEVELS.items()}
        right: dict[tuple[str, str, str, str], int] = defaultdict(int)
        rng = np.random.default_rng(0)
        for voice_name, voice in VOICES.items():
            for i, text in enumerate(commands):
                truth = matcher.match(text)
                assert truth is not None, text
                made, rate = _read(voice(tmp / "made.wav", text))
                for condition, snr in CONDITIONS.items():
                    x = made
                    if snr is not None:
                        noise = S.pink(len(made) / rate + 1, rng)
                        x = S.mix(made, noise, snr)  # scaled on the speech's active part
                    source = _write(tmp / "source.wav", x, rate)
                    for file_name, options in FILES.items():
                        path = tmp / f"{i}.wav"
                        W.convert(source, path, options or ["-r", str(rate)])
                        for level, recognizer in recognizers.items():
                            heard = hear(FileSource(path).chunks(), source=text,
                                         recognizer=recognizer, matcher=matcher)  # fmt: skip
                            r = heard.result
                            ok = r is not None and (r.intent, dict(r.slots)) == (
                                truth.intent, dict(truth.slots))  # fmt: skip
                            right[(voice_name, file_name, condition, level)] += ok
        n = len(commands)
        print(f"\ncommands right (intent and every slot), of {n} per row\n")
        print("| voice | file | condition | " + " | ".join(f"dither {lv}" for lv in LEVELS) + " |")
        print("|---|---|---|" + "---:|" * len(LEVELS))
        totals: dict[str, int] = defaultdict(int)
        for voice_name in VOICES:
            for file_name in FILES:
                for condition in CONDITIONS:
                    cells = []
                    for level in LEVELS:
                        count = right[(voice_name, file_name, condition, level)]
                        totals[level] += count
                        cells.append(f"{count} ({100 * count / n:.0f}%)")
                    print(
                        f"| {voice_name} | {file_name} | {condition} | " + " | ".join(cells) + " |"
                    )
        rows = len(VOICES) * len(FILES) * len(CONDITIONS)
        cells = [
            f"{totals[lv]} of {rows * n} ({100 * totals[lv] / (rows * n):.1f}%)" for lv in LEVELS
        ]
        print("| all | | | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
