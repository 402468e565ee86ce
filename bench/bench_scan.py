"""Library scan benchmark: a generated N-track library, our incremental scan against a naive one.

    python3 bench/bench_scan.py [--n 50000] [--dir DIR] [--keep]

Generates N real, tagged audio files (one tiny file per format made by ffmpeg, copied and
retagged with mutagen; ~3,000 artists, ~5,000 albums, ~200 genres, names with diacritics and
symbols), then measures, each in a fresh process so peak RSS is its own:
  ours:  Catalogue.scan first time, again with nothing changed, again after touching 1%;
  naive: every file's tags read (same reader) and each row committed on its own, with SQLite's
         defaults; it has no incremental mode, so each of its rescans costs the same.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.library import scanner
from assistant.library.store import Catalogue

FORMATS = [
    ("mp3", 0.60),
    ("flac", 0.15),
    ("m4a", 0.10),
    ("ogg", 0.08),
    ("opus", 0.05),
    ("wav", 0.02),
]
ENCODERS = {
    "mp3": ["-c:a", "libmp3lame", "-b:a", "32k"],
    "ogg": ["-c:a", "libvorbis", "-q:a", "0"],
    "opus": ["-c:a", "libopus", "-b:a", "16k", "-ar", "48000"],
    "flac": ["-c:a", "flac"],
    "m4a": ["-c:a", "aac", "-b:a", "32k"],
    "wav": ["-c:a", "pcm_s16le"],
}
SYLLABLES = ["ka", "lo", "mi", "ra", "sen", "do", "vi", "tor", "el", "na", "gu", "ber", "shi", "an"]
ACCENTS = str.maketrans("aeiou", "áèïöú")
SYMBOLS = ["", "", "", "", "!", "&", "/", "+", ".", "'", "-182", " 5", "$"]


def _name(rng: random.Random, words: int) -> str:
    parts = []
    for _ in range(words):
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 3))).capitalize()
        if rng.random() < 0.15:
            word = word.translate(ACCENTS)
        parts.append(word)
    return " ".join(parts) + rng.choice(SYMBOLS)


def _templates(folder: Path) -> dict[str, bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for ext, _ in FORMATS:
        path = folder / f"template.{ext}"
        subprocess.run(
            [
                "ffmpeg",
                "-nostdin",
                "-loglevel",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "sine=frequency=440:duration=0.3:sample_rate=22050",
                "-map_metadata",
                "-1",
                *ENCODERS[ext],
                str(path),
            ],
            check=True,
        )
        out[ext] = path.read_bytes()
    return out


def _plan(n: int, seed: int = 7) -> list[tuple[str, dict[str, str]]]:
    """(relative path, tags) for n tracks with realistic skew: few big artists, many small."""
    rng = random.Random(seed)
    artists = list(dict.fromkeys(_name(rng, rng.randint(1, 3)) for _ in range(3300)))[:3000]
    genres = list(dict.fromkeys(_name(rng, rng.randint(1, 2)) for _ in range(230)))[:200]
    n_albums = max(1, n * 5000 // 50_000)
    weights = [1 / (i + 1) ** 0.8 for i in range(len(artists))]
    owners = artists[:n_albums] + rng.choices(artists, weights, k=max(0, n_albums - len(artists)))
    plan = []
    exts = [e for e, _ in FORMATS]
    ext_weights = [w for _, w in FORMATS]
    per_album = n // n_albums
    for a in range(n_albums):
        owner = owners[a]
        album = _name(rng, rng.randint(1, 4))
        genre = rng.choice(genres[: 20 if rng.random() < 0.7 else 200])
        compilation = rng.random() < 0.05
        year = str(rng.randint(1950, 2024))
        count = per_album if a < n_albums - 1 else n - len(plan)
        ext = rng.choices(exts, ext_weights)[0]
        for t in range(1, count + 1):
            title = _name(rng, rng.randint(1, 5))
            tags = {
                "title": title,
                "album": album,
                "genre": genre,
                "date": year,
                "tracknumber": str(t),
            }
            if compilation:
                tags["artist"] = rng.choice(artists)
                tags["albumartist"] = "Various Artists"
            else:
                tags["artist"] = owner
            folder = (tags.get("albumartist") or owner).replace("/", "_")
            name = f"{t:02d} {title.replace('/', '_')}.{ext}"
            rel = f"Music/{folder}/{album.replace('/', '_')} [{a}]/{name}"
            plan.append((rel, tags))
    return plan


_TEMPLATES: dict[str, bytes] = {}


def _init_worker(templates: dict[str, bytes]) -> None:
    _TEMPLATES.update(templates)


def _write_one(item: tuple[str, str, dict[str, str]]) -> None:
    import mutagen
    from mutagen import id3
    from mutagen.easyid3 import EasyID3
    from mutagen.wave import WAVE

    root, rel, tags = item
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    ext = rel.rsplit(".", 1)[1]
    with open(path, "wb") as f:
        f.write(_TEMPLATES[ext])
    if ext == "mp3":
        easy = EasyID3()
        easy.update(tags)
        easy.save(path)
    elif ext == "wav":
        wav = WAVE(path)
        wav.add_tags()
        wav.tags.add(id3.TIT2(encoding=3, text=[tags["title"]]))
        wav.tags.add(id3.TPE1(encoding=3, text=[tags["artist"]]))
        wav.tags.add(id3.TALB(encoding=3, text=[tags["album"]]))
        wav.save()
    else:
        audio = mutagen.File(path, easy=True)
        if audio.tags is None:
            audio.add_tags()
        for key, value in tags.items():
            audio[key] = value
        audio.save()


def generate(root: Path, n: int) -> float:
    started = time.monotonic()
    templates = _templates(root / "templates")
    items = [(str(root), rel, tags) for rel, tags in _plan(n)]
    with multiprocessing.Pool(os.cpu_count() or 2, _init_worker, (templates,)) as pool:
        for _ in pool.imap_unordered(_write_one, items, chunksize=200):
            pass
    return time.monotonic() - started


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _ours(root: str, db: str, out: multiprocessing.Queue[dict[str, float]]) -> None:
    dirs = {"music_dirs": [Path(root) / "Music"], "playlist_dirs": [], "podcast_dirs": []}
    result: dict[str, float] = {}
    cat = Catalogue(path=Path(db))
    r = cat.scan(**dirs)  # type: ignore[arg-type]
    result["first"] = r.seconds
    result["tracks"] = r.added
    result["failed"] = len(r.failed)
    result["rss_first"] = _peak_rss_mib()
    r = cat.scan(**dirs)  # type: ignore[arg-type]
    result["nochange"] = r.seconds
    files = sorted(str(p) for p in (Path(root) / "Music").rglob("*.*") if p.is_file())
    rng = random.Random(3)
    touched = rng.sample(files, max(1, len(files) // 100))
    now = time.time_ns()
    for path in touched:
        os.utime(path, ns=(now, now))
    r = cat.scan(**dirs)  # type: ignore[arg-type]
    result["touched"] = r.seconds
    result["touched_n"] = r.updated
    t = time.monotonic()
    tracks = cat.tracks()
    result["q_tracks"] = time.monotonic() - t
    t = time.monotonic()
    artists = cat.artists()
    result["q_artists"] = time.monotonic() - t
    result["n_artists"] = len(artists)
    result["n_albums"] = len(cat.albums())
    result["n_genres"] = len(cat.genres())
    assert len(tracks) == result["tracks"]
    cat.close()
    t = time.monotonic()
    Catalogue(path=Path(db)).close()
    result["open"] = time.monotonic() - t
    result["rss"] = _peak_rss_mib()
    out.put(result)


def _naive(root: str, db: str, out: multiprocessing.Queue[dict[str, float]]) -> None:
    started = time.monotonic()
    conn = sqlite3.connect(db)
    conn.execute(
        "CREATE TABLE tracks (id INTEGER PRIMARY KEY, path TEXT UNIQUE, title, artist, "
        "album_artist, album, genre, track_no, duration, year)"
    )
    conn.commit()
    music = os.path.join(root, "Music")
    for stat in scanner.walk_files([music], scanner.AUDIO_EXTENSIONS):
        tags = scanner.read_tags(stat.path, root=music)
        conn.execute(
            "INSERT OR REPLACE INTO tracks (path, title, artist, album_artist, album, genre, "
            "track_no, duration, year) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                stat.path,
                tags.title,
                tags.artist,
                tags.album_artist,
                tags.album,
                tags.genre,
                tags.track_no,
                tags.duration,
                tags.year,
            ),
        )
        conn.commit()
    conn.close()
    out.put({"first": time.monotonic() - started, "rss": _peak_rss_mib()})


def _in_child(target: object, root: Path, db: Path) -> dict[str, float]:
    ctx = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[dict[str, float]] = ctx.Queue()
    proc = ctx.Process(target=target, args=(str(root), str(db), queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def _size_mib(db: Path) -> float:
    total = sum(os.path.getsize(str(db) + s) for s in ("", "-wal") if os.path.exists(str(db) + s))
    return total / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50_000, help="tracks to generate")
    parser.add_argument("--dir", type=Path, help="where to build the library (default: temp)")
    parser.add_argument("--keep", action="store_true", help="keep the generated library")
    args = parser.parse_args()
    root = args.dir or Path(tempfile.mkdtemp(prefix="bench-scan-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        if not (root / "Music").is_dir():
            print(f"generating {args.n} tracks in {root} ...", flush=True)
            print(f"  generated in {generate(root, args.n):.1f} s", flush=True)
        ours_db, naive_db = root / "ours.sqlite3", root / "naive.sqlite3"
        for db in (ours_db, naive_db):
            for s in ("", "-wal", "-shm"):
                Path(str(db) + s).unlink(missing_ok=True)
        # Each Music file's mtime is reset by the "touched" phase; naive runs first.
        naive = _in_child(_naive, root, naive_db)
        ours = _in_child(_ours, root, ours_db)
        n = int(ours["tracks"])
        print()
        print(
            f"library: {n} tracks, {int(ours['n_artists'])} artists, "
            f"{int(ours['n_albums'])} albums, {int(ours['n_genres'])} genres, "
            f"{int(ours['failed'])} failed"
        )
        print()
        print(f"| {'measure':<34} | {'ours':>10} | {'naive':>10} | {'ours gain':>10} |")
        print(f"|{'-' * 36}|{'-' * 12}|{'-' * 12}|{'-' * 12}|")

        def row(
            label: str, mine: float, base: float | None, unit: str, higher: bool = False
        ) -> None:
            b = f"{base:.2f} {unit}" if base is not None else "-"
            ratio = "-"
            if base is not None and mine > 0 and base > 0:
                ratio = f"{(mine / base if higher else base / mine):.1f}x"
            print(f"| {label:<34} | {f'{mine:.2f} {unit}':>10} | {b:>10} | {ratio:>10} |")

        row("first scan", ours["first"], naive["first"], "s")
        row("rescan, nothing changed", ours["nochange"], naive["first"], "s")
        row(f"rescan, 1% touched ({int(ours['touched_n'])})", ours["touched"], naive["first"], "s")
        row("first scan tracks/second", n / ours["first"], n / naive["first"], "/s", higher=True)
        row("SQLite file size", _size_mib(ours_db), _size_mib(naive_db), "MB")
        row("peak RSS after the first scan", ours["rss_first"], naive["rss"], "MB")
        row("peak RSS incl. tracks() of all", ours["rss"], None, "MB")
        row("open catalogue (incl. quick_check)", ours["open"], None, "s")
        row("tracks() all rows", ours["q_tracks"], None, "s")
        row("artists()", ours["q_artists"], None, "s")
        print()
        print("naive: no incremental check, so its rescans cost a full scan (its first-scan time);")
        print("ours gain: how many times faster / smaller ours is than naive. MB = MiB.")
    finally:
        if not args.keep and args.dir is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
