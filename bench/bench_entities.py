"""Entity lookup over a generated 50,000-track library: accuracy on garbled names and speed.

Prints, for our EntityIndex and for a naive baseline (rapidfuzz `process.extractOne` with
WRatio over every raw name, measured in the same run): top-1 accuracy on names garbled the
way speech recognition garbles them, names that are not in the library taken for another
(wrong, acted on) or offered as a question ("Did you mean ...?", asked), and p50/p95 lookup
time. Then whole commands (`Matcher.match("play ...")`, names in the library
and not) by this tree and, in the same run, by the baseline commit's matcher (exported with
`git archive` to bench/out/baseline-<commit>/, each tree in its own worker process): index
build time, memory, p50/p95 in wall and in CPU time (on a shared machine the wall time holds
waits for a core), and how many answers differ from the baseline's.

    python bench/bench_entities.py [--tracks 50000] [--queries 2000] [--seed 1]
                                   [--baseline COMMIT]

A small run: --tracks 5000 --queries 200.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process, utils

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_understand import baseline_tree

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# The matcher that was on main when its speed work began (bench_understand's baseline_tree).
BASELINE = "41a6d3b"

WORDS = (
    "love night heart time day life world dream fire rain light dark blue red gold black "
    "summer winter road river home sky star moon sun girl boy baby angel devil city street "
    "dance song music rock soul wild free young old lost run fly fall rise burn cold hot sweet "
    "lonely crazy happy broken heaven hell paradise ocean sea wind storm thunder shadow ghost "
    "king queen lady man woman friend stranger lover kiss eyes hands tears smile memory story "
    "highway train station window door garden forest mountain desert island bridge tower "
    "midnight morning evening tonight forever never always again together alone"
).split()
SYLLABLES = "ka lo mi ra ven tor ell ash bri dan fel gor hal jin kel mar nor pel quin ros".split()
GENRES = [f"{a} {b}".strip() for a in ("", "Indie", "Alt", "Dark", "Deep", "Post", "Neo", "Nu")
          for b in ("Rock", "Pop", "Jazz", "Folk", "Soul", "Metal", "House", "Techno", "Blues",
                    "Punk", "Country", "Reggae", "Funk", "Disco", "Ambient", "Hip Hop", "R&B",
                    "Gospel", "Grunge", "Trance", "Dubstep", "Classical", "Opera", "Swing",
                    "Bossa Nova")]  # fmt: skip
DECORATIONS = [
    lambda s: s, lambda s: s, lambda s: s, lambda s: "The " + s, lambda s: s + " & the Band",
    lambda s: s.replace("a", "ä", 1), lambda s: s.replace("o", "ø", 1), lambda s: s + " 5",
    lambda s: s + "-182", lambda s: s.upper(), lambda s: s.replace("i", "!", 1),
    lambda s: s + " + Friends", lambda s: s + "'s",
]  # fmt: skip


def _name(rng: random.Random, words: int) -> str:
    parts = []
    for _ in range(words):
        if rng.random() < 0.25:
            parts.append("".join(rng.choices(SYLLABLES, k=rng.randint(2, 3))))
        else:
            parts.append(rng.choice(WORDS))
    return " ".join(parts).title()


Row = tuple[str, str, str, str]
"""A generated track: title, artist, album, genre."""


def make_library(n_tracks: int, rng: random.Random) -> list[Row]:
    artists = sorted({rng.choice(DECORATIONS)(_name(rng, rng.randint(1, 3))) for _ in range(3000)})
    albums = [(_name(rng, rng.randint(1, 4)), rng.choice(artists)) for _ in range(5000)]
    tracks = []
    for i in range(n_tracks):
        album, artist = albums[i % len(albums)]
        title = _name(rng, rng.randint(1, 5))
        if rng.random() < 0.05:
            title += f" ({rng.choice(['Live', 'Remastered 2011', 'Acoustic'])})"
        if rng.random() < 0.03:
            title += f" {rng.randint(2, 99)}"
        tracks.append((title, artist, album, GENRES[i % len(GENRES)]))
    return tracks


def build(rows: Sequence[Row]) -> Any:
    """The entity indexes of the generated library, by the tree `assistant` is imported from."""
    from assistant.library.models import Track
    from assistant.nlu.library_entities import build_entities

    tracks = [
        Track(i, f"/m/{i}.mp3", title, artist, "", album, genre, i % 12 + 1, 200.0)
        for i, (title, artist, album, genre) in enumerate(rows)
    ]
    return build_entities(tracks=tracks, playlists=[], podcasts=[], stations=[])


# How recognisers garble names: lowercase words, numbers spelled, sound-alike spellings,
# a dropped or added "the", one word misheard.
SOUND_ALIKES = [("ee", "ea"), ("ea", "ee"), ("ph", "f"), ("ck", "k"), ("c", "k"), ("s", "z"),
                ("y", "ie"), ("ou", "ow"), ("er", "or"), ("ight", "ite"), ("oo", "u"),
                ("ll", "l"), ("tt", "t"), ("ai", "ay")]  # fmt: skip


def garble(name: str, rng: random.Random) -> str:
    from assistant.nlu.numbers import to_words

    text = re.sub(r"\d+", lambda m: " " + to_words(int(m.group())) + " ", name.lower())
    text = re.sub(r"[^\w\s']", " ", text)
    words = text.split()
    roll = rng.random()
    if roll < 0.35 and words:
        i = rng.randrange(len(words))
        options = [(a, b) for a, b in SOUND_ALIKES if a in words[i]]
        if options:
            a, b = rng.choice(options)
            words[i] = words[i].replace(a, b, 1)
    elif roll < 0.5 and len(words) > 1 and len(max(words, key=len)) > 5:
        i = max(range(len(words)), key=lambda k: len(words[k]))
        j = rng.randrange(1, len(words[i]) - 1)
        words[i] = words[i][:j] + words[i][j + 1 :]
    elif roll < 0.6:
        words = words[1:] if words[:1] == ["the"] else ["the", *words]
    elif roll < 0.7 and len(words) > 2:
        i = rng.randrange(len(words))
        words[i] = words[i][:-1] if words[i].endswith("s") else words[i] + "s"
    return " ".join(words)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


ASKED = "?"
"""Put before a lookup's answer that the matcher would ask about ("Did you mean ...?")."""


def measure(
    lookup: Callable[[str], str | None], queries: list[tuple[str, str | None]]
) -> tuple[float, float, float, float, float]:
    """(top-1 accuracy on present names, asked or not, wrong rate on absent names (taken
    as sure), asked rate on absent names, p50 ms, p95 ms)."""
    right = present = wrong_absent = asked_absent = absent = 0
    times = []
    for query, truth in queries:
        start = time.perf_counter()
        answer = lookup(query)
        times.append((time.perf_counter() - start) * 1000)
        asked = answer is not None and answer.startswith(ASKED)
        if truth is None:
            absent += 1
            wrong_absent += answer is not None and not asked
            asked_absent += asked
        else:
            present += 1
            right += answer in (truth, ASKED + truth)
    return (
        right / present,
        wrong_absent / max(absent, 1),
        asked_absent / max(absent, 1),
        percentile(times, 0.5),
        percentile(times, 0.95),
    )


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 1e6


def worker(root: str) -> None:
    """Build one tree's matcher on the library (JSON on stdin) and time its commands."""
    sys.path.insert(0, root)
    from assistant.config import Config, intents_dir
    from assistant.nlu.matcher import Matcher
    from assistant.nlu.templates import load_intents

    job = json.load(sys.stdin)
    before = _rss_mb()
    start = time.perf_counter()
    entities = build([tuple(row) for row in job["rows"]])
    build_s = time.perf_counter() - start
    grown = _rss_mb() - before
    matcher = Matcher(intents=load_intents(intents_dir(Config())), entities=entities)
    matcher.match("play something")  # the templates' and pronunciations' first use
    times, cpu, answers = [], [], []
    for text in job["commands"]:
        start, start_cpu = time.perf_counter(), time.process_time()
        result = matcher.match(text)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        answers.append(None if result is None else _answer(result))
    run = {"build_s": build_s, "rss_mb": grown, "ms": times, "cpu_ms": cpu, "answers": answers}
    json.dump(run, sys.stdout)


def _answer(result: Any) -> list[Any]:
    """Everything a matcher's answer says, as JSON."""
    choices = [dict(c) for c in result.choices]
    return [result.intent, result.slots, result.confidence, result.unresolved, choices]


def run_worker(root: Path, job: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--worker", str(root)],
        input=json.dumps(job),
        stdout=subprocess.PIPE,
        text=True,
        check=True,
        cwd=root,
        # One hash seed for both trees: the matcher breaks some ties in set order.
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        worker(sys.argv[2])
        return
    sys.path.insert(0, str(ROOT))
    from assistant.nlu.entities import EntityIndex
    from assistant.nlu.matcher import ACCEPT

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tracks", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--baseline", default=BASELINE, help="commit of the baseline matcher")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    library = make_library(args.tracks, rng)
    entities = build(library)

    titles = sorted({title for title, _, _, _ in library})
    artists = sorted({artist for _, artist, _, _ in library})
    queries: list[tuple[str, str | None, str]] = []
    for _ in range(args.queries):
        kind = "track" if rng.random() < 0.7 else "artist"
        truth = rng.choice(titles if kind == "track" else artists)
        queries.append((garble(truth, rng), truth, kind))
    known = {re.sub(r"\W", "", n.lower()) for n in titles + artists}
    while len(queries) < args.queries * 1.25:  # names the library does not have
        fake = _name(random.Random(rng.random()), rng.randint(2, 4)).lower()
        if re.sub(r"\W", "", fake) not in known:
            queries.append((fake, None, "track"))

    def ours(kind: str) -> Callable[[str], str | None]:
        index: EntityIndex = entities[kind]

        def lookup(q: str) -> str | None:
            found = index.lookup(q, limit=8)
            if not found or found[0].score < ACCEPT:
                return None
            return ("" if found[0].sure else ASKED) + found[0].entity.value

        return lookup

    def naive(kind: str) -> Callable[[str], str | None]:
        names = titles if kind == "track" else artists

        def lookup(q: str) -> str | None:
            hit = process.extractOne(
                q, names, scorer=fuzz.WRatio, processor=utils.default_process, score_cutoff=80
            )
            return hit[0] if hit else None

        return lookup

    print(f"library: {len(library)} tracks, {len(artists)} artists, {len(titles)} titles\n")
    print(
        f"{'method':<34}{'top-1':>8}{'wrong on absent':>17}{'asked on absent':>17}"
        f"{'p50 ms':>9}{'p95 ms':>9}{'x p95':>7}"
    )
    rows = []
    for name, make in (("naive extractOne(WRatio)", naive), ("EntityIndex (ours)", ours)):
        results = []
        for kind in ("track", "artist"):
            subset = [(q, t) for q, t, k in queries if k == kind]
            results.append((len(subset), measure(make(kind), subset)))
        total = sum(n for n, _ in results)
        acc = sum(n * r[0] for n, r in results) / total
        wrong, asked = results[0][1][1], results[0][1][2]
        p50 = statistics.fmean(r[3] for _, r in results)
        p95 = max(r[4] for _, r in results)
        rows.append((name, acc, wrong, asked, p50, p95))
    base_p95 = rows[0][5]
    for name, acc, wrong, asked, p50, p95 in rows:
        print(
            f"{name:<34}{acc:>8.1%}{wrong:>17.1%}{asked:>17.1%}"
            f"{p50:>9.2f}{p95:>9.2f}{p95 / base_p95:>7.2f}"
        )

    # Whole commands: names garbled as above, and names the library does not have, which
    # try every way of reading the words before they are reported not found.
    present = [
        ("play the song " if kind == "track" else "play something by ") + query
        for query, _, kind in queries[: min(500, args.queries)]
    ]
    absent = [
        ("play the song " if i % 2 else "play ") + query
        for i, (query, _, _) in enumerate(queries[args.queries :][:500])
    ]
    job = {"rows": library, "commands": present + absent}
    runs = {
        f"baseline {args.baseline}": run_worker(baseline_tree(args.baseline), job),
        "ours": run_worker(ROOT, job),
    }
    groups = ((f"in library ({len(present)})", slice(0, len(present))),
              (f"not in library ({len(absent)})", slice(len(present), None)),
              (f"all ({len(job['commands'])})", slice(None)))  # fmt: skip
    print("\nwhole command (Matcher.match 'play ...'): p50 / p95 ms; index build time and memory")
    # On a shared machine the wall time holds waits for a core; the CPU time is the work.
    width = max(len(name) for name in runs) + 8
    print(f"{'tree':<{width}}{'build s':>8}{'RSS +MB':>9}" + "".join(f"{g:>24}" for g, _ in groups))
    for clock, label in (("ms", "wall"), ("cpu_ms", "CPU")):
        for name, run in runs.items():
            ms = run[clock]
            cells = "".join(
                f"{percentile(ms[part], 0.5):>15.2f} / {percentile(ms[part], 0.95):>5.2f}"
                for _, part in groups
            )
            tree = f"{name}, {label}"
            print(f"{tree:<{width}}{run['build_s']:>8.2f}{run['rss_mb']:>9.0f}{cells}")
    base, ours = runs.values()
    same = sum(a == b for a, b in zip(base["answers"], ours["answers"], strict=True))
    print(f"answers the same as the baseline's: {same}/{len(job['commands'])}")


if __name__ == "__main__":
    main()
