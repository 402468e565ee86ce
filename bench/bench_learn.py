"""Learning taste: simulated listeners, their histories imported, each mode's queue listened to.

    python3 bench/bench_learn.py [--tracks 3000] [--listeners 8] [--small] [--seed 7] [--dir DIR]

Generates a catalogue of real tagged files (genres, artists with their own eras, albums, a
popularity skew) and scans it. Each simulated listener has a hidden taste (genre and artist
weights, a favourite era, a per-track whim) that only this script knows. From it the script
writes what the assistant may read: a year of listening (older listens as a ListenBrainz
export, recent ones with skips and ratings as the project's JSON lines, names spelled a little
differently, a few unknown tracks and a malformed line) and m3u playlists built from the
tracks the listener favours. Those go through `assistant library scan` and `assistant history
import`; then `assistant recommend --json` gives each mode's queue and the hidden taste listens
to it: finish, skip or like. A listen's coin is fixed per listener and track, so every mode and
baseline meets the same coin for the same track.

Per mode: hit rate@10 (finished or liked among the first ten), skip rate, share unheard
(not in the listener's history), pool adherence (concepts), disliked tracks anywhere in the
queue; against popularity (most played by all listeners), most-played (this listener's own),
random, random-unheard, same-genre and random-from-pool baselines, in the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import logging
import math
import multiprocessing
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scan import _init_worker, _name, _templates, _write_one

from assistant import cli
from assistant.config import load_config
from assistant.learn import select
from assistant.learn.model import TasteModel
from assistant.library.history import History
from assistant.library.store import Catalogue
from assistant.nlu.normalize import fold

GENRES = ["Rock", "Pop", "Jazz", "Folk", "Soul", "Metal", "House", "Blues", "Punk", "Country",
          "Reggae", "Funk", "Ambient", "Hip Hop", "Classical", "Disco"]  # fmt: skip
DAY = 86400.0
NOW = time.time()
TOP = 10


# --- the catalogue --------------------------------------------------------------------------


@dataclass(frozen=True)
class Song:
    index: int
    rel: str
    title: str
    artist: str
    album: str
    genre: str
    year: int
    popularity: float
    duration: float = 240.0
    """What the simulated listeners hear; the files themselves are 0.3 s."""


def plan_catalogue(n: int, rng: random.Random) -> list[Song]:
    songs: list[Song] = []
    artists = list(dict.fromkeys(_name(rng, rng.randint(1, 3)) for _ in range(n // 8)))
    fame = {a: 1 / (i + 1) ** 0.7 for i, a in enumerate(rng.sample(artists, len(artists)))}
    home = {a: rng.choice(GENRES) for a in artists}
    while len(songs) < n:
        artist = rng.choice(artists)
        genre = home[artist] if rng.random() < 0.8 else rng.choice(GENRES)
        year = rng.randint(1960, 2023)
        album = _name(rng, rng.randint(1, 3))
        for t in range(1, rng.randint(6, 12) + 1):
            if len(songs) == n:
                break
            title = _name(rng, rng.randint(1, 4))
            rel = f"Music/{artist.replace('/', '_')}/{album.replace('/', '_')} [{len(songs)}]/"
            rel += f"{t:02d} {title.replace('/', '_')}.mp3"
            popularity = fame[artist] * rng.lognormvariate(0, 0.6)
            songs.append(Song(len(songs), rel, title, artist, album, genre, year, popularity))
    return songs


def write_catalogue(root: Path, songs: Sequence[Song]) -> None:
    templates = _templates(root / "templates")
    items = [
        (str(root), s.rel, {"title": s.title, "artist": s.artist, "album": s.album,
                            "genre": s.genre, "date": str(s.year), "tracknumber": "1"})
        for s in songs
    ]  # fmt: skip
    with multiprocessing.Pool(os.cpu_count() or 2, _init_worker, (templates,)) as pool:
        for _ in pool.imap_unordered(_write_one, items, chunksize=100):
            pass


# --- a listener and their hidden taste -------------------------------------------------------


@dataclass
class Listener:
    """The hidden taste. Nothing of it reaches the assistant except through the history and
    playlists written from it."""

    number: int
    songs: Sequence[Song]
    rng: random.Random
    genre_weight: dict[str, float] = field(default_factory=dict)
    artist_weight: dict[str, float] = field(default_factory=dict)
    era: float = 1990.0
    whim: list[float] = field(default_factory=list)
    loved_genres: list[str] = field(default_factory=list)
    former_genre: str = ""
    """Loved until half a year ago, not any more: what the listener played then misleads."""

    @classmethod
    def make(cls, number: int, songs: Sequence[Song], seed: int) -> Listener:
        rng = random.Random(seed * 1000 + number)
        me = cls(number, songs, rng)
        genres = rng.sample(GENRES, len(GENRES))
        me.loved_genres = genres[:3]
        me.former_genre = genres[6]
        for i, g in enumerate(genres):
            me.genre_weight[g] = 1.3 if i < 3 else (-1.2 if i < 6 else rng.gauss(0, 0.3))
        me.genre_weight[me.former_genre] = -0.6
        for artist in {s.artist for s in songs}:
            me.artist_weight[artist] = rng.gauss(0, 0.5) + (1.2 if rng.random() < 0.04 else 0)
        me.era = rng.uniform(1965, 2020)
        me.whim = [rng.gauss(0, 0.6) for _ in songs]
        return me

    def utility(self, song: Song, *, then: bool = False) -> float:
        """How much the listener enjoys `song` now (or, `then`, more than half a year ago)."""
        era = 0.8 * math.exp(-(((song.year - self.era) / 12) ** 2) / 2) - 0.3
        former = 2.0 if then and song.genre == self.former_genre else 0.0
        return (
            self.genre_weight[song.genre]
            + former
            + self.artist_weight[song.artist]
            + era
            + self.whim[song.index]
        )

    def p_finish(self, song: Song, *, then: bool = False) -> float:
        u = self.utility(song, then=then)
        return min(0.97, max(0.03, 1 / (1 + math.exp(-2.5 * (u - 0.4)))))

    def loves(self, song: Song) -> bool:
        return self.utility(song) > 1.6

    def hates(self, song: Song) -> bool:
        return self.utility(song) < -1.2

    def verdict(self, song: Song) -> str:
        """How this listener takes `song` when a queue plays it: one coin per listener and
        track, the same for every mode."""
        digest = hashlib.sha256(f"{self.number}:{song.index}".encode()).digest()
        coin = int.from_bytes(digest[:8], "big") / 2**64
        if coin >= self.p_finish(song):
            return "skip"
        return "like" if self.loves(song) else "finish"


# --- what the listener leaves behind: history and playlists ----------------------------------


@dataclass
class Past:
    listenbrainz: list[dict[str, object]] = field(default_factory=list)
    own: list[str] = field(default_factory=list)
    heard: set[int] = field(default_factory=set)
    disliked: set[int] = field(default_factory=set)
    plays: dict[int, int] = field(default_factory=dict)


def _spelled(rng: random.Random, name: str) -> str:
    """How another service may have written the name: accents dropped, case lost."""
    roll = rng.random()
    if roll < 0.15:
        return fold(name)
    if roll < 0.25:
        return name.lower()
    return name


def live(me: Listener, days: int = 365, sessions: int = 90) -> Past:
    """A year of listening: sessions of a mood (a loved genre, mostly), drawing from the
    listener's repertoire or from shuffle; each play finished or skipped by the hidden taste."""
    rng, songs = me.rng, me.songs
    by_genre: dict[str, list[Song]] = {}
    for s in songs:
        by_genre.setdefault(s.genre, []).append(s)

    def repertoire(then: bool) -> list[Song]:
        weights = [math.exp(1.5 * me.utility(s, then=then)) * s.popularity for s in songs]
        return list({s.index: s for s in rng.choices(songs, weights, k=260)}.values())

    repertoires = {True: repertoire(True), False: repertoire(False)}
    past = Past()
    rated: set[int] = set()
    for number in range(sessions):
        at = NOW - days * DAY + number * days * DAY / sessions + rng.uniform(0, DAY / 2)
        then = at < NOW - days * DAY / 2
        loved = [*me.loved_genres, me.former_genre, me.former_genre] if then else me.loved_genres
        mood = rng.choice(loved) if rng.random() < 0.75 else rng.choice(GENRES)
        known = repertoires[then]
        mine = [s for s in known if s.genre == mood] or known
        for _ in range(rng.randint(6, 18)):
            if rng.random() < 0.6:
                song = rng.choice(mine)
            else:
                pool = by_genre[mood]
                song = rng.choices(pool, [s.popularity for s in pool])[0]
            finished = rng.random() < me.p_finish(song, then=then)
            heard = song.duration if finished else song.duration * rng.uniform(0.02, 0.6)
            past.heard.add(song.index)
            if finished:
                past.plays[song.index] = past.plays.get(song.index, 0) + 1
            old = then
            artist, title = _spelled(rng, song.artist), _spelled(rng, song.title)
            if old and finished:
                meta = {"artist_name": artist, "track_name": title, "release_name": song.album}
                past.listenbrainz.append({"listened_at": int(at), "track_metadata": meta})
            elif not old:
                past.own.append(json.dumps({"at": int(at), "artist": artist, "title": title,
                    "album": song.album, "seconds": round(heard, 1),
                    "ended": "finished" if finished else "skipped"}))  # fmt: skip
                if song.index not in rated and finished and me.loves(song) and rng.random() < 0.3:
                    rated.add(song.index)
                    past.own.append(json.dumps({"at": int(at + heard), "artist": artist,
                                                "title": title, "rating": "like"}))  # fmt: skip
                if (
                    song.index not in rated
                    and not finished
                    and me.hates(song)
                    and rng.random() < 0.5
                ):
                    rated.add(song.index)
                    past.disliked.add(song.index)
                    past.own.append(json.dumps({"at": int(at + heard), "artist": artist,
                                                "title": title, "rating": "dislike"}))  # fmt: skip
            at += heard + rng.uniform(1, 20)
    # What any export holds: tracks this library lacks, and a line some tool broke.
    for i in range(5):
        gone = {"at": int(NOW - i * DAY), "artist": f"Not Here {i}", "title": "Gone"}
        past.own.append(json.dumps({**gone, "seconds": 100, "ended": "finished"}))
    past.own.insert(len(past.own) // 2, '{"at": 1700000000, "artist": "Cut off')
    return past


def write_playlists(me: Listener, past: Past, folder: Path, music: Path) -> dict[str, list[int]]:
    """Playlists the listener made: tracks they favour, mostly ones they have played."""
    rng = me.rng
    folder.mkdir(parents=True, exist_ok=True)
    lists: dict[str, list[int]] = {}
    heard = [me.songs[i] for i in past.heard]
    for number, genre in enumerate([*me.loved_genres, *me.loved_genres[:2]]):
        fav = sorted((s for s in heard if s.genre == genre), key=me.utility, reverse=True)[:20]
        fresh = [s for s in me.songs if s.genre == genre and s.index not in past.heard]
        fresh = sorted(rng.sample(fresh, min(60, len(fresh))), key=me.utility, reverse=True)
        chosen = rng.sample(fav, min(14, len(fav))) + fresh[:2]
        lists[f"Mine {number}"] = [s.index for s in chosen]
    road = sorted(heard, key=me.utility, reverse=True)[:40]
    lists["Road Trip"] = [s.index for s in rng.sample(road, min(20, len(road)))]
    for name, indexes in lists.items():
        lines = [str(music.parent / me.songs[i].rel) for i in indexes]
        (folder / f"{name}.m3u").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return lists


CONCEPTS = """\
concepts:
  - name: Road Songs
    pool:
      genres: [{road[0]}, {road[1]}]
      years: [1975, 1995]
      playlists: [Road Trip]
    size: 25
    mode: conservative
  - name: Fresh Finds
    pool:
      genres: [{fresh[0]}, {fresh[1]}, {fresh[2]}]
    size: 25
    mode: exploratory
"""


def concept_genres(me: Listener) -> dict[str, list[str]]:
    """Each concept's genres, drawn without looking at the taste: an editor defines a concept
    for every listener, and the algorithm picks each one's cut."""
    rng = random.Random(me.number)
    genres = rng.sample(GENRES, len(GENRES))
    return {"road": genres[:2], "fresh": genres[2:5]}


def concept_pools(me: Listener, lists: dict[str, list[int]]) -> dict[str, set[int]]:
    """The concepts' pools, worked out from the script's own plan, not by the assistant."""
    genres = concept_genres(me)
    road = {s.index for s in me.songs if s.genre in genres["road"] or 1975 <= s.year <= 1995}
    fresh = {s.index for s in me.songs if s.genre in genres["fresh"]}
    return {"Road Songs": road | set(lists["Road Trip"]), "Fresh Finds": fresh}


# --- running the assistant and listening to its queues ---------------------------------------


def assistant(*args: str) -> list[str]:
    """One `assistant` command, in this process, as the owner would type it; its stdout."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(list(args))
    if code != 0:
        raise SystemExit(f"assistant {' '.join(args)} failed ({code})")
    return out.getvalue().splitlines()


@dataclass
class Score:
    hit: float
    skip: float
    unheard: float
    in_pool: float | None
    disliked: int


def score(me: Listener, past: Past, queue: Sequence[int], pool: set[int] | None) -> Score | None:
    first = list(queue[:TOP])
    if not first:
        return None
    verdicts = [me.verdict(me.songs[i]) for i in first]
    return Score(
        hit=sum(v != "skip" for v in verdicts) / len(first),
        skip=sum(v == "skip" for v in verdicts) / len(first),
        unheard=sum(i not in past.heard for i in first) / len(first),
        in_pool=None if pool is None else sum(i in pool for i in first) / len(first),
        disliked=sum(i in past.disliked for i in queue),
    )


def averaged(
    me: Listener, past: Past, draw: Callable[[], list[int]], pool: set[int] | None, n: int = 20
) -> Score | None:
    """A random baseline, averaged over `n` draws."""
    scores = [s for s in (score(me, past, draw(), pool) for _ in range(n)) if s]
    if not scores:
        return None
    return Score(
        statistics.mean(s.hit for s in scores),
        statistics.mean(s.skip for s in scores),
        statistics.mean(s.unheard for s in scores),
        None if pool is None else statistics.mean(s.in_pool or 0.0 for s in scores),
        max(s.disliked for s in scores),
    )


def sampler(items: Sequence[int], rng: random.Random) -> Callable[[], list[int]]:
    return lambda: rng.sample(items, min(TOP, len(items)))


@dataclass
class World:
    root: Path
    songs: Sequence[Song]
    by_path: dict[str, int]
    base: Path
    popular: list[int]
    rows: dict[str, list[Score]] = field(default_factory=dict)
    seconds: list[float] = field(default_factory=list)

    def add(self, name: str, result: Score | None) -> None:
        self.rows.setdefault(name, [])
        if result is not None:
            self.rows[name].append(result)


def build_world(args: argparse.Namespace, root: Path) -> World:
    songs = plan_catalogue(args.tracks, random.Random(args.seed))
    music = root / "Music"
    if not music.is_dir():
        print(f"generating {len(songs)} tracks in {root} ...", flush=True)
        write_catalogue(root, songs)
    base = root / "base.sqlite3"
    if not base.exists():
        with Catalogue(path=base) as catalogue:
            report = catalogue.scan(music_dirs=[music], playlist_dirs=[], podcast_dirs=[])
            print(f"  scanned {report.added} tracks in {report.seconds:.1f} s", flush=True)
    with Catalogue(path=base) as catalogue:
        wanted = {str(root / s.rel): s.index for s in songs}
        by_path = {t.path: wanted[t.path] for t in catalogue.tracks() if t.path in wanted}
    years = [s.year for s in songs]
    print(f"catalogue: {len(by_path)} tracks, {len({s.artist for s in songs})} artists, "
          f"{len(GENRES)} genres, years {min(years)}-{max(years)}")  # fmt: skip
    return World(root, songs, by_path, base, popular=[])


def listen(world: World, me: Listener, past: Past) -> None:
    """Give the assistant this listener's history and playlists, then hear each mode."""
    songs, music = world.songs, world.root / "Music"
    home = world.root / f"listener-{me.number}"
    shutil.rmtree(home, ignore_errors=True)
    (home / "state").mkdir(parents=True)
    (home / "podcasts").mkdir()
    shutil.copy(world.base, home / "state" / "assistant.sqlite3")
    lists = write_playlists(me, past, home / "playlists", music)
    config = home / "config.yaml"
    config.write_text(
        f"library:\n  music_dirs: [{music}]\n  playlist_dirs: [{home / 'playlists'}]\n"
        f"  podcast_dirs: [{home / 'podcasts'}]\nstate_dir: {home / 'state'}\n"
        + CONCEPTS.format(**concept_genres(me)),
        encoding="utf-8",
    )
    cfg = ("--config", str(config))
    assistant("library", "scan", *cfg)
    (home / "listens.json").write_text(json.dumps(past.listenbrainz), encoding="utf-8")
    (home / "recent.jsonl").write_text("\n".join(past.own) + "\n", encoding="utf-8")
    for name in ("listens.json", "recent.jsonl"):
        summary = assistant("history", "import", str(home / name), *cfg)[-1]
        print(f"listener {me.number}: {summary.split(': ', 1)[1]} ({name})", flush=True)

    def recommend(*what: str) -> list[int]:
        started = time.perf_counter()
        lines = assistant("recommend", *what, "--json", *cfg)
        world.seconds.append(time.perf_counter() - started)
        return [world.by_path[json.loads(line)["path"]] for line in lines]

    rng = random.Random(me.number)
    unheard = [s.index for s in songs if s.index not in past.heard]
    with Catalogue(path=home / "state" / "assistant.sqlite3") as catalogue:
        most = [world.by_path[t.path] for t, _ in History(catalogue=catalogue).most_played(TOP)]
    add = world.add
    add("mix", score(me, past, recommend("mix"), None))
    add("  most-played", score(me, past, most, None))
    add("  popularity", score(me, past, world.popular[:TOP], None))
    add("  random", averaged(me, past, sampler(range(len(songs)), rng), None))
    add("discover", score(me, past, recommend("discover"), None))
    add("  random unheard", averaged(me, past, sampler(unheard, rng), None))
    for seed in sorted(past.plays, key=lambda i: -past.plays[i])[:3]:
        song = songs[seed]
        queue = recommend("similar", "--seed", f"{song.artist} - {song.title}")
        add("similar (3 seeds each)", score(me, past, queue, None))
        genre = [s.index for s in songs if s.genre == song.genre and s.index != seed]
        add("  same genre", averaged(me, past, sampler(genre, rng), None))
    for concept, pool in concept_pools(me, lists).items():
        add(f"concept {concept}", score(me, past, recommend("concept", "--name", concept), pool))
        add(f"  random from {concept}", averaged(me, past, sampler(sorted(pool), rng), pool))


def report(world: World, listeners: int) -> None:
    print()
    print(f"{listeners} listeners, the first {TOP} tracks of each queue; indented rows are "
          "baselines")  # fmt: skip
    print()
    columns = ["mode", "hit@10", "skips", "unheard", "in pool", "disliked", "queues"]
    widths = [28, 6, 6, 7, 7, 8, 6]
    cells = [
        c.ljust(w) if i == 0 else c.rjust(w)
        for i, (c, w) in enumerate(zip(columns, widths, strict=True))
    ]
    print("| " + " | ".join(cells) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    table: dict[str, Score] = {}
    for name, scores in world.rows.items():
        if not scores:
            print(f"| {name:<28} | no queue")
            continue
        pools = [s.in_pool for s in scores if s.in_pool is not None]
        mean = Score(
            statistics.mean(s.hit for s in scores),
            statistics.mean(s.skip for s in scores),
            statistics.mean(s.unheard for s in scores),
            statistics.mean(pools) if pools else None,
            sum(s.disliked for s in scores),
        )
        table[name] = mean
        in_pool = f"{mean.in_pool:.0%}" if mean.in_pool is not None else "-"
        print(f"| {name:<28} | {mean.hit:>6.2f} | {mean.skip:>6.2f} | {mean.unheard:>7.0%} | "
              f"{in_pool:>7} | {mean.disliked:>8} | {len(scores):>6} |")  # fmt: skip
    print()
    print(f"assistant recommend: {statistics.mean(world.seconds):.2f} s per command on average "
          f"(load config and catalogue, read history, build the model, choose), "
          f"{len(world.seconds)} commands")  # fmt: skip
    print()
    checks = [
        ("mix hit@10 >= most-played", table["mix"].hit >= table["  most-played"].hit),
        ("mix skips < most-played", table["mix"].skip < table["  most-played"].skip),
        ("discover hit@10 >= 2x random unheard",
         table["discover"].hit >= 2 * table["  random unheard"].hit),
        ("discover >= 90% unheard", table["discover"].unheard >= 0.9),
    ]  # fmt: skip
    for concept in ("Road Songs", "Fresh Finds"):
        ours, baseline = table[f"concept {concept}"], table[f"  random from {concept}"]
        checks.append((f"concept {concept}: 100% in pool", ours.in_pool == 1.0))
        checks.append((f"concept {concept}: hit@10 > random from pool", ours.hit > baseline.hit))
    ours_rows = [n for n in table if not n.startswith("  ")]
    no_dislikes = all(table[n].disliked == 0 for n in ours_rows)
    checks.append(("no disliked track in any of our queues", no_dislikes))
    for what, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {what}")


def costs(world: World, me: Listener) -> None:
    """What the model costs in the daemon, on the last listener's state: built once per
    scan, then each command folds in only the plays since the last one."""
    home = world.root / f"listener-{me.number}"
    config = load_config(home / "config.yaml")
    rng = random.Random(1)

    def timed(what: Callable[[], object], n: int = 5) -> float:
        started = time.perf_counter()
        for _ in range(n):
            what()
        return (time.perf_counter() - started) / n * 1000

    with Catalogue(path=config.catalogue_path) as catalogue:
        history = History(catalogue=catalogue)

        def build() -> TasteModel:
            model = TasteModel(catalogue=catalogue, history=history)
            model.refresh()
            return model

        plays = len(history.plays_after(0, 10**9))
        rebuild = timed(build)
        model = build()
        song = world.songs[0]
        path = str(world.root / song.rel)

        def one_more() -> None:
            history.record_play(path, started_at=time.time(), seconds_played=240.0,
                                duration=240.0, ended="finished")  # fmt: skip
            model.refresh()

        incremental = timed(one_more)
        seed = next(iter(model.tags.tracks.values()))
        concept = config.concepts[0]
        chooses = {
            "mix": timed(lambda: select.mix(model, rng)),
            "discover": timed(lambda: select.discover(model, rng)),
            "similar": timed(lambda: select.similar(model, seed, rng)),
            f"concept {concept.name}": timed(
                lambda: select.concept(model, concept, model.pool(concept), rng)
            ),
        }
    print()
    print(f"model cost, {len(model.tags.ids)} tracks and {plays} plays (ms, mean of 5):")
    print(f"  refresh after one new play (each command): {incremental:8.1f}")
    print(f"  rebuilt from scratch (baseline: no incremental model): {rebuild:8.1f}")
    for name, ms in chooses.items():
        print(f"  choose {name}: {ms:8.1f}")


def run(args: argparse.Namespace, root: Path) -> None:
    world = build_world(args, root)
    listeners = [Listener.make(n, world.songs, args.seed) for n in range(args.listeners)]
    pasts = [live(me) for me in listeners]
    chart: dict[int, int] = {}
    for past in pasts:
        for i, n in past.plays.items():
            chart[i] = chart.get(i, 0) + n
    world.popular = sorted(chart, key=lambda i: -chart[i])
    for me, past in zip(listeners, pasts, strict=True):
        listen(world, me, past)
    report(world, len(listeners))
    costs(world, listeners[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=3000, help="catalogue size (>= 2000)")
    parser.add_argument("--listeners", type=int, default=8)
    parser.add_argument("--small", action="store_true", help="2000 tracks, 3 listeners")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dir", type=Path, help="work folder, kept (default: a temp folder)")
    args = parser.parse_args()
    if args.small:
        args.tracks, args.listeners = 2000, 3
    logging.basicConfig(level=logging.WARNING)  # before cli.main, which would say INFO
    root = args.dir or Path(tempfile.mkdtemp(prefix="bench-learn-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        run(args, root)
    finally:
        if args.dir is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
