"""Understanding what people say and what recognisers write: success, asked and wrong actions.

Sources, all on the bench library (bench/data/library.tsv, names.tsv, about 60 artists):
typed phrasings (bench/data/phrasings.tsv, written apart from the templates, and
phrasings_unseen.tsv, a second set whose misses are never printed), what whisper tiny.en and
pocketsphinx's language model wrote for the same sentences spoken by a neural
voice (bench/data/transcripts.tsv, made by make_transcripts.py), and out-of-domain sentences
(typed, and as both recognisers wrote them). Each is scored by the matcher of this tree and,
in the same run, by the matcher of the baseline commit (default e30ad60, exported with
`git archive` to bench/out/baseline-<commit>/).

An utterance is a success when the assistant would act on the expected intent and slots
(confidence at least nlu.confirm_below, no choices, every name found); asked when it would
ask first (a choice between names, or a confidence under confirm_below); a wrong action
when it would act on anything else. Out-of-domain sentences must never act.

`--kinds` sorts what ours did not act on right, per source, by how near the words came to
the wanted name: a name whose sound no run of the words comes within NEAR_SOUND of (the
sound likeness, 0..100, at which the matcher still offers a name as a question) cannot be
acted on safely, however the matcher is tuned.

    python bench/bench_understand.py [--baseline COMMIT] [--split dev|held|all] [--show N]
                                     [--kinds]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
ROOT = HERE.parent


HEADERS = ("split", "artist")
"""First columns of the header lines of the data files that have one."""


def read_tsv(path: Path) -> list[list[str]]:
    """Rows of a bench data file, without comments and the header."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [line.split("\t") for line in lines if not line.startswith("#")]
    return rows[1:] if rows and rows[0][0] in HEADERS else rows


NUMBER_SLOTS = ("level", "minutes")


def parse_slots(text: str) -> dict[str, Any]:
    slots: dict[str, Any] = {}
    for pair in filter(None, text.split("|")):
        key, _, value = pair.partition("=")
        slots[key] = int(value) if key in NUMBER_SLOTS else value
    return slots


# -- the matcher, in a worker process that imports one tree's assistant ---------------------


def worker(root: str) -> None:
    """Read utterances (JSON list) on stdin, print each one's reading (JSON list) on stdout."""
    sys.path.insert(0, root)
    from assistant.config import Config, intents_dir
    from assistant.library.models import Track
    from assistant.nlu.library_entities import build_entities
    from assistant.nlu.matcher import Matcher
    from assistant.nlu.templates import load_intents

    tracks = [
        Track(i, f"/m/{i}.mp3", title, artist, "", album, genre, None, 200.0)
        for i, (artist, album, title, genre) in enumerate(read_tsv(DATA / "library.tsv"))
    ]
    names: dict[str, list[str]] = {"playlist": [], "podcast": [], "station": []}
    for kind, name in read_tsv(DATA / "names.tsv"):
        names[kind].append(name)
    entities = build_entities(
        tracks=tracks,
        playlists=names["playlist"],
        podcasts=names["podcast"],
        stations=names["station"],
    )
    matcher = Matcher(intents=load_intents(intents_dir(Config())), entities=entities)
    out = []
    times = []
    for text in json.load(sys.stdin):
        start = time.perf_counter()
        result = matcher.match(text)
        times.append(time.perf_counter() - start)
        if result is None:
            out.append(None)
            continue
        out.append(
            {
                "intent": result.intent,
                "slots": dict(result.slots),
                "confidence": result.confidence,
                "unresolved": dict(result.unresolved),
                "choices": [dict(c) for c in result.choices],
            }
        )
    json.dump({"results": out, "seconds": times}, sys.stdout)


def closeness_worker(root: str) -> None:
    """Read [text, [[slot, name]]] pairs (JSON) on stdin; print, per pair and name, how alike in
    sound (0..100) the nearest run of the text's words is to the name (any way it is said,
    or its first or last words)."""
    sys.path.insert(0, root)
    from rapidfuzz import fuzz

    from assistant.nlu.normalize import normalize, spoken_forms, strip_the
    from assistant.nlu.phonemes import sounds

    say = sounds()
    out = []
    for text, names in json.load(sys.stdin):
        words = normalize(text).split()
        spans = {
            say.words(" ".join(words[i:j]))
            for i in range(len(words))
            for j in range(i + 1, len(words) + 1)
        }
        per_name = []
        for kind, name in names:
            forms = [strip_the(f) for f in spoken_forms(name)]
            keys = say.name(name, forms)
            # An artist, playlist, podcast or station may be called by its first or last
            # words ("mahler"), as the matcher takes them (a word of four letters or more).
            for form in forms if kind in PARTIAL_SLOTS else ():
                named = form.split()
                for n in range(1, len(named)):
                    keys |= {
                        say.words(" ".join(part))
                        for part in (named[:n], named[-n:])
                        if max(len(w) for w in part) >= 4
                    }
            per_name.append(max((fuzz.ratio(a, b) for a in spans for b in keys), default=0.0))
        out.append(per_name)
    json.dump(out, sys.stdout)


def closeness(pairs: Sequence[tuple[str, list[tuple[str, str]]]]) -> list[list[float]]:
    done = subprocess.run(
        [sys.executable, __file__, "--closeness", str(ROOT)],
        input=json.dumps(list(pairs)),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    result: list[list[float]] = json.loads(done.stdout)
    return result


def readings(root: Path, texts: Sequence[str]) -> tuple[list[Any], list[float]]:
    done = subprocess.run(
        [sys.executable, __file__, "--worker", str(root)],
        input=json.dumps(list(texts)),
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
    )
    answer = json.loads(done.stdout)
    return answer["results"], answer["seconds"]


def baseline_tree(commit: str) -> Path:
    """The baseline commit's assistant/ and intents/, exported once."""
    target = HERE / "out" / f"baseline-{commit}"
    if not (target / "assistant").is_dir():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "archive", commit, "assistant", "intents"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


# -- judging --------------------------------------------------------------------------------

CONFIRM_BELOW = 0.8
MIN_CONFIDENCE = 0.5
"""nlu.confirm_below and nlu.min_confidence at their defaults (config.py)."""


def outcome(reading: Mapping[str, Any] | None, intent: str, slots: Mapping[str, Any]) -> str:
    """success | asked | wrong | missed (not understood, or a name not found: no action)."""
    if reading is None:
        return "missed"
    if reading["unresolved"]:
        return "missed"
    if reading["confidence"] < MIN_CONFIDENCE:
        return "missed"
    if reading["choices"] or reading["confidence"] < CONFIRM_BELOW:
        return "asked"
    if not intent:
        return "wrong"
    said = reading["slots"]
    right = reading["intent"] == intent and all(said.get(k) == v for k, v in slots.items())
    return "success" if right else "wrong"


Case = tuple[str, str, dict[str, Any], str]
"""(source, expected intent or "" for out of domain, expected slots, text)."""


def cases(split: str) -> list[Case]:
    def keep(row_split: str) -> bool:
        return split == "all" or row_split == split

    out: list[Case] = []
    for row_split, intent, slots, text in read_tsv(DATA / "phrasings.tsv"):
        if keep(row_split):
            out.append(("typed phrasings", intent, parse_slots(slots), text))
    if split in ("all", "unseen"):
        for _, intent, slots, text in read_tsv(DATA / "phrasings_unseen.tsv"):
            out.append(("typed, unseen set", intent, parse_slots(slots), text))
    out += [("out-of-domain typed", "", {}, row[0]) for row in read_tsv(DATA / "out_of_domain.tsv")]
    transcripts = DATA / "transcripts.tsv"
    if transcripts.is_file():
        for row_split, intent, slots, _, _, whisper, sphinx in read_tsv(transcripts):
            if row_split == "ood":
                out.append(("out-of-domain whisper", "", {}, whisper))
                out.append(("out-of-domain pocketsphinx", "", {}, sphinx))
            elif keep(row_split):
                out.append(("whisper transcripts", intent, parse_slots(slots), whisper))
                out.append(("pocketsphinx-LM transcripts", intent, parse_slots(slots), sphinx))
    return out


def table(
    all_cases: Sequence[Case], results: Mapping[str, Sequence[Any]], targets: Mapping[str, str]
) -> None:
    sources = list(dict.fromkeys(c[0] for c in all_cases))
    header = f"{'source':<28}{'n':>5}  {'matcher':<10}{'success':>9}{'asked':>8}{'wrong':>8}"
    print(header + "  target")
    print("-" * (len(header) + 30))
    for source in sources:
        picked = [i for i, c in enumerate(all_cases) if c[0] == source]
        for name, readings_ in results.items():
            counts = {"success": 0, "asked": 0, "wrong": 0, "missed": 0}
            for i in picked:
                _, intent, slots, _ = all_cases[i]
                counts[outcome(readings_[i], intent, slots)] += 1
            n = len(picked)
            ok = "" if source.startswith("out-of-domain") else f"{counts['success'] / n:>9.1%}"
            print(
                f"{source if name == 'baseline' else '':<28}{n if name == 'baseline' else '':>5}  "
                f"{name:<10}{ok:>9}{counts['asked'] / n:>8.1%}{counts['wrong']:>8}"
                f"  {targets.get(source, '') if name != 'baseline' else ''}"
            )


def failures(all_cases: Sequence[Case], readings_: Sequence[Any], show: int) -> None:
    shown = 0
    for (source, intent, slots, text), reading in zip(all_cases, readings_, strict=True):
        if source == "typed, unseen set":
            continue  # kept blind: scored, never read
        result = outcome(reading, intent, slots)
        if result == "success" or (not intent and result != "wrong") or shown >= show:
            continue
        shown += 1
        got = "nothing" if reading is None else json.dumps(reading)
        print(f"  [{result}] {source}: {text!r} want {intent} {slots}\n      got {got}")


NAME_SLOTS = ("artist", "album", "track", "playlist", "genre", "station", "podcast")
PARTIAL_SLOTS = ("artist", "playlist", "podcast", "station")
"""Slots whose names may be called by a distinctive part (library_entities.py: partial)."""
NEAR_SOUND = 83.0
"""entities.NEAR_WORDS_RATIO: the least sound likeness the matcher offers as a question."""
FAR_SOUND = 70.0
"""Under this, the words have lost the name: no run of them keeps even 7 in 10 of its
sounds."""


def _offers(reading: Mapping[str, Any], intent: str, slots: Mapping[str, Any]) -> bool:
    """Whether a question asks about the wanted reading (as its one reading or a choice)."""
    if reading["intent"] != intent:
        return False
    offered = [reading["slots"]] + [{**reading["slots"], **c} for c in reading["choices"]]
    return any(all(o.get(k) == v for k, v in slots.items()) for o in offered)


def kinds(all_cases: Sequence[Case], readings_: Sequence[Any], split: str) -> None:
    """What ours did not act on right, per command source, by kind (never the unseen set),
    and how the spoken sources fare per noise."""
    rows: dict[str, dict[str, int]] = {}
    todo: list[tuple[int, str]] = []
    for i, (source, intent, slots, _) in enumerate(all_cases):
        if not intent or source == "typed, unseen set":
            continue
        result = outcome(readings_[i], intent, slots)
        if result == "success":
            continue
        named = [k for k in slots if k in NAME_SLOTS]
        if result == "asked":
            kind = "asked: " + (
                "the right reading" if _offers(readings_[i], intent, slots) else "another reading"
            )
        elif result == "wrong":
            kind = result
        elif not named:
            kind = "missed: command words only"
        else:
            todo.append((i, source))
            continue
        rows.setdefault(source, {})[kind] = rows.setdefault(source, {}).get(kind, 0) + 1
    pairs = [
        (all_cases[i][3], [(k, str(v)) for k, v in all_cases[i][2].items() if k in NAME_SLOTS])
        for i, _ in todo
    ]
    for (_, source), alike in zip(todo, closeness(pairs), strict=True):
        worst = min(alike)
        if worst >= NEAR_SOUND:
            kind = f"missed: names within {NEAR_SOUND:.0f} % in sound"
        elif worst >= FAR_SOUND:
            kind = f"missed: a name {FAR_SOUND:.0f}-{NEAR_SOUND:.0f} % in sound"
        else:
            kind = f"missed: a name under {FAR_SOUND:.0f} % in sound (lost)"
        rows.setdefault(source, {})[kind] = rows.setdefault(source, {}).get(kind, 0) + 1
    print("\nnot acted on right (ours), by kind; a name's sound is that of the nearest words")
    for source, counts in rows.items():
        n = sum(1 for c in all_cases if c[0] == source)
        print(f"  {source} (of {n})")
        for kind, count in sorted(counts.items()):
            print(f"    {kind:<48}{count:>5}{count / n:>8.1%}")
    by_noise(all_cases, readings_, split)


def by_noise(all_cases: Sequence[Case], readings_: Sequence[Any], split: str) -> None:
    """Ours on the spoken sources per noise the sentence was spoken in."""
    transcripts = DATA / "transcripts.tsv"
    rows = read_tsv(transcripts) if transcripts.is_file() else []
    noises = [row[4] for row in rows if row[0] != "ood" and split in ("all", row[0])]
    if not noises:
        return
    print("\nours on the spoken sources, by noise: success / asked")
    for source in ("whisper transcripts", "pocketsphinx-LM transcripts"):
        picked = [i for i, c in enumerate(all_cases) if c[0] == source]
        counts: dict[str, list[int]] = {}
        for noise, i in zip(noises, picked, strict=True):
            _, intent, slots, _ = all_cases[i]
            result = outcome(readings_[i], intent, slots)
            tally = counts.setdefault(noise, [0, 0, 0])
            tally[0] += 1
            tally[1] += result == "success"
            tally[2] += result == "asked"
        cells = "  ".join(
            f"{noise} (n {n}) {ok / n:.1%} / {asked / n:.1%}"
            for noise, (n, ok, asked) in counts.items()
        )
        print(f"  {source:<28}{cells}")


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        worker(sys.argv[2])
        return
    if len(sys.argv) == 3 and sys.argv[1] == "--closeness":
        closeness_worker(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline", default="e30ad60", help="commit of the baseline matcher")
    parser.add_argument("--split", choices=("dev", "held", "unseen", "all"), default="all")
    parser.add_argument(
        "--show", type=int, default=0, help="print up to N misses of ours (never of unseen)"
    )
    parser.add_argument("--kinds", action="store_true", help="sort ours' misses by kind")
    args = parser.parse_args()
    all_cases = cases(args.split)
    texts = [c[3] for c in all_cases]
    base, _ = readings(baseline_tree(args.baseline), texts)
    ours, seconds = readings(ROOT, texts)
    print(f"{len(all_cases)} utterances (split {args.split}); baseline = {args.baseline}\n")
    table(
        all_cases,
        {"baseline": base, "ours": ours},
        {
            "typed phrasings": ">= 99 %",
            "whisper transcripts": ">= 85 %",
            "out-of-domain typed": "0 wrong",
            "out-of-domain whisper": "0 wrong",
            "out-of-domain pocketsphinx": "0 wrong",
        },
    )
    commands = [i for i, c in enumerate(all_cases) if c[1]]
    wrong = sum(outcome(ours[i], all_cases[i][1], all_cases[i][2]) == "wrong" for i in commands)
    print(f"\nwrong actions on commands (ours): {wrong}/{len(commands)} = "
          f"{wrong / len(commands):.2%} (target <= 0.5 %)")  # fmt: skip
    ordered = sorted(seconds)
    p95 = ordered[int(0.95 * (len(ordered) - 1))] * 1000
    print(f"Matcher.match on this library (ours): p95 {p95:.2f} ms")
    if args.kinds:
        kinds(all_cases, ours, args.split)
    if args.show:
        print("\nmisses (ours):")
        failures(all_cases, ours, args.show)


if __name__ == "__main__":
    main()
