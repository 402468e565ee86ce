"""Ending a finished command sooner: end of speech to intent, and what was understood, with
vad.complete_silence_ms 200 against 0 (the whole trailing silence, as main did) in one run.

The clips are bench_spoken's corpus (bench/corpus.py: template commands with the fixture
library's names and out-of-domain sentences, by espeak voices in noise and piper's neural
voice clean and in pink noise), plus piper commands said with a pause inside (0.3 s between
two halves, split where the first half is itself a whole command when there is such a split,
the riskiest place). Both paths hear every clip in the same process, one after the other
(each with its own recogniser, whisper's second opinion included when installed), so the
machine's load falls on both alike.

End of speech to intent is simulated live: each 30 ms chunk reaches the loop when it has been
spoken, and the loop is busy for the CPU time it takes (a decode at a pause holds up what
follows); the intent is known after the utterance's transcript and match. Per-clip CPU is
process time.

First, without audio: of REACH_COMMANDS template commands (the corpus sampler's, with the
fixture library's names), which may end at the short pause at all (hearing.finished, as if
heard sure), by intent, and the CPU that decision takes at the pause.

    python3 bench/bench_end_sooner.py           # 60 espeak + 120 piper + 40 paused
    python3 bench/bench_end_sooner.py --small   # 20 + 40 + 16
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.app import build_endpointer, build_recognizer
from assistant.asr.completion import GrammarWalk
from assistant.audio.endpoint import Utterance
from assistant.config import Config
from assistant.hearing import Hearing, finished
from assistant.nlu.grammar import build_grammar
from assistant.nlu.matcher import Matcher
from bench import corpus as C
from bench.bench_spoken import (
    ACTED,
    FALSE_PLAY,
    RIGHT,
    WRONG,
    _chunks,
    _reads,
    judge,
    library_config,
    open_matcher,
)
from tests.asr.speech import synth

PAUSE_S = 0.3
PATHS = ("main (500 ms)", "end sooner (200 ms)")
REACH_COMMANDS = 600


def reach(matcher: Matcher, seed: int) -> None:
    """Which template commands may end at the short pause, by intent (see the docstring)."""
    walk = GrammarWalk.of(build_grammar(matcher.intents, matcher.entities))
    commands, _ = C.sample_commands(matcher, REACH_COMMANDS, random.Random(seed))
    ends: dict[str, list[bool]] = defaultdict(list)
    spent: list[float] = []
    for text, intent, _, _ in commands:
        started = time.process_time()
        ends[intent].append(finished(walk.after(text.split()), matcher.match))
        spent.append(time.process_time() - started)
    early = sum(sum(e) for e in ends.values())
    print(f"\n## May end at the short pause: {early} of {len(commands)} template commands "
          f"(decision CPU p50 {percentile(spent, 50) * 1000:.1f} ms, "
          f"p95 {percentile(spent, 95) * 1000:.1f} ms)\n")  # fmt: skip
    print("| intent | end early | of |\n|---|---|---|")
    for intent, got in sorted(ends.items()):
        print(f"| {intent} | {sum(got)} | {len(got)} |")


def paused_items(matcher: Matcher, items: list[C.Item], count: int, seed: int) -> list[C.Item]:
    """Piper commands to be said in two halves, the split kept in the text as " | "."""
    walk = GrammarWalk.of(build_grammar(matcher.intents, matcher.entities))
    rng = random.Random(seed)
    piper = [i for i in items if i.kind == "command" and i.family == "piper"]
    chosen = [i for i in piper if len(i.text.split()) > 1][:count]
    out = []
    for item in chosen:
        words = item.text.split()
        whole = [n for n in range(1, len(words)) if walk.after(words[:n]).complete]
        cut = max(whole) if whole else rng.randint(1, len(words) - 1)
        text = " ".join(words[:cut]) + " | " + " ".join(words[cut:])
        out.append(dataclasses.replace(item, id=f"pause-{item.id}", text=text, noise=C.FLOOR,
                                       snr=None))  # fmt: skip
    return out


def paused_pcm(item: C.Item) -> bytes:
    """The two halves by the same piper voice, their own silences trimmed, PAUSE_S apart."""
    halves = []
    for text in item.text.split(" | "):
        spoken = synth(text, voice=item.voice, repeatable=False).astype(np.float64)
        loud = np.nonzero(np.abs(spoken) > 0.01)[0]
        halves.append(spoken[loud[0] : loud[-1] + 1] * 0.5)
    gap = np.zeros(int(PAUSE_S * C.RATE))
    room = np.zeros(int(C.LEAD_S * C.RATE))
    clip = np.concatenate([room, halves[0], gap, halves[1], room]) * 32767
    rng = np.random.default_rng(len(item.id))
    clip += rng.normal(0.0, 32768 * 10 ** (C.FLOOR_DBFS / 20), len(clip))
    return np.clip(clip, -32768, 32767).astype("<i2").tobytes()


class Listener:
    """One way of hearing: its endpointer settings, its own recogniser."""

    def __init__(self, name: str, config: Config, matcher: Matcher, complete_ms: int) -> None:
        vad = dataclasses.replace(config.vad, complete_silence_ms=complete_ms)
        self.name = name
        self.config = dataclasses.replace(config, vad=vad)
        self.matcher = matcher
        self.recognizer = build_recognizer(self.config, matcher)
        self.early = complete_ms > 0

    def hear(self, item: C.Item, pcm: bytes) -> dict[str, Any]:
        hearing = Hearing(endpointer=build_endpointer(self.config), recognizer=self.recognizer,
                          understand=self.matcher.match if self.early else None)  # fmt: skip
        busy = 0.0  # source time at which the loop is free again
        cpu_total = 0.0
        for chunk in _chunks(pcm):
            cpu0 = time.process_time()
            ended = [e for e in hearing.process(chunk) if isinstance(e, Utterance)]
            spent = time.process_time() - cpu0
            cpu_total += spent
            busy = max(busy, chunk.timestamp + chunk.seconds) + spent
            if ended:
                return self._understood(item, hearing, ended[0], busy, cpu_total)
        hearing.abandon()
        return {"outcome": judge(item, None, self.config.nlu), "latency": None, "early": False,
                "right": False, "cpu": cpu_total}  # fmt: skip

    def _understood(self, item: C.Item, hearing: Hearing, utterance: Utterance, busy: float,
                    cpu_total: float) -> dict[str, Any]:  # fmt: skip
        cpu0 = time.process_time()
        transcript = hearing.transcript(utterance)
        hypotheses = [(h.text, h.confidence) for h in transcript.alternatives if h.text]
        result = self.matcher.match_alternatives(hypotheses)
        spent = time.process_time() - cpu0
        return {
            "outcome": judge(item, result, self.config.nlu),
            "right": _reads(item, result),
            "latency": busy + spent - utterance.end,
            "early": utterance.early,
            "heard": transcript.text,
            "cpu": cpu_total + spent,
        }


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def report(rows: dict[str, dict[str, dict[str, Any]]], items: dict[str, C.Item]) -> None:
    groups: dict[str, list[str]] = defaultdict(list)
    for item_id, item in items.items():
        group = "paused piper" if item_id.startswith("pause-") else f"{item.family} {item.kind}"
        groups[group].append(item_id)
    print("\n## Outcomes (commands: acted right / asked / wrong or false play / nothing; "
          "out of domain: acted on)\n")  # fmt: skip
    print("| clips | path | n | right | asked | wrong | nothing | ood acted | ended early | "
          "worse than main* |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    for group, ids in sorted(groups.items()):
        for path in PATHS:
            out = [rows[path][i] for i in ids]
            n = len(out)
            count = defaultdict(int)
            for row in out:
                count[row["outcome"]] += 1
            wrong = count[WRONG] + count[FALSE_PLAY]
            asked = sum(count[k] for k in ("asked", "not found"))
            early = sum(1 for row in out if row["early"])
            cut = sum(1 for i in ids if rows[PATHS[0]][i]["right"] and not rows[path][i]["right"])
            print(f"| {group} | {path} | {n} | {count[RIGHT]} | {asked} | {wrong} | "
                  f"{count['nothing']} | {count[ACTED]} | {early} | "
                  f"{cut if path != PATHS[0] else '-'} |")  # fmt: skip
    print("\n*: read right by main's path and not by this one.\n")
    print("## End of speech to intent, commands (ms, simulated live)\n")
    print("Split by what the second path did with each clip: ended it early, or waited.\n")
    print("| clips | path | n | p50 | p95 | the early ones: n, p50, p95 | the others: n, p50, "
          "p95 | CPU/clip |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for group, ids in sorted(groups.items()):
        if "ood" in group:
            continue
        timed = [i for i in ids if all(rows[p][i]["latency"] is not None for p in PATHS)]
        early = {i for i in timed if rows[PATHS[1]][i]["early"]}
        for path in PATHS:
            lat = {i: 1000 * rows[path][i]["latency"] for i in timed}
            cpu = 1000 * sum(rows[path][i]["cpu"] for i in timed) / max(1, len(timed))
            cells = []
            for part in (early, set(timed) - early):
                values = [lat[i] for i in part]
                cells.append(f"{len(values)}, {percentile(values, 50):.0f}, "
                             f"{percentile(values, 95):.0f}")  # fmt: skip
            values = list(lat.values())
            whole = f"{len(values)} | {percentile(values, 50):.0f} | {percentile(values, 95):.0f}"
            print(f"| {group} | {path} | {whole} | {cells[0]} | {cells[1]} | {cpu:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="20 espeak, 40 piper, 16 paused")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    started = time.monotonic()
    espeak, piper, paused = (20, 40, 16) if args.small else (60, 120, 40)
    config = library_config()
    matcher = open_matcher(config)
    reach(matcher, args.seed)
    items = [i for i in C.build_items(matcher, commands=espeak, piper_commands=piper,
                                      seed=args.seed, quick=True)
             if i.kind in ("command", "ood")]  # fmt: skip
    folder = C.materialise(items, seed=args.seed)
    extra = paused_items(matcher, items, paused, args.seed)
    pcm = {i.id: C.load_pcm(folder, i) for i in items} | {i.id: paused_pcm(i) for i in extra}
    every = {i.id: i for i in [*items, *extra]}
    print(f"# {len(every)} clips; ready after {time.monotonic() - started:.0f} s", flush=True)
    paths = [Listener(PATHS[0], config, matcher, 0), Listener(PATHS[1], config, matcher, 200)]
    print(f"# recogniser: {paths[0].recognizer.name}; trailing silence "
          f"{config.vad.trailing_silence_ms} ms", flush=True)  # fmt: skip
    rows: dict[str, dict[str, dict[str, Any]]] = {p.name: {} for p in paths}
    for n, (item_id, item) in enumerate(every.items()):
        for path in paths if n % 2 else paths[::-1]:  # neither always goes first
            rows[path.name][item_id] = path.hear(item, pcm[item_id])
    report(rows, every)
    cuts = [(every[i].text, r["heard"]) for i, r in rows[PATHS[1]].items()
            if rows[PATHS[0]][i]["right"] and not r["right"]]  # fmt: skip
    for said, heard in cuts[:15]:
        print(f"- said {said!r}, heard {heard!r} (ending sooner)")
    print(f"\n# total {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
