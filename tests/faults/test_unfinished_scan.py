"""A scan that did not finish is known as such and done again, never taken for the library."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.library.store import Catalogue
from tests.faults.hostile import write_tone

TRACKS = 4000
"""Enough that the scan commits several batches (500 files each) before it ends."""


def _library(root: Path) -> Path:
    music, lists = root / "music", root / "playlists"
    lists.mkdir(parents=True)
    seed = root / "seed.wav"
    write_tone(seed, seconds=0.05)
    for folder in range(TRACKS // 100):
        album = music / f"Artist {folder}" / f"Album {folder}"
        album.mkdir(parents=True)
        for n in range(100):
            shutil.copyfile(seed, album / f"{n:02d} Song {folder}-{n}.wav")
    first = music / "Artist 0" / "Album 0"
    (lists / "Favourites.m3u8").write_text(f"{first}/00 Song 0-0.wav\n{first}/01 Song 0-1.wav\n")
    config = root / "config.yaml"
    config.write_text(
        f"library:\n  music_dirs: [{music}]\n  playlist_dirs: [{lists}]\n  podcast_dirs: []\n"
        f'state_dir: {root / "state"}\nplayer:\n  audio_output: "null"\n'
    )
    return config


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


def _tracks_so_far(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM tracks").fetchone()[0])
    except sqlite3.Error:  # not created yet, or the schema not yet written
        return 0


def test_a_first_scan_killed_half_way_is_redone_at_the_next_start(tmp_path: Path) -> None:
    config = _library(tmp_path)
    db = tmp_path / "state" / "assistant.sqlite3"
    scan = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "library", "scan", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while _tracks_so_far(db) == 0:
            assert scan.poll() is None, "the scan ended before its first batch was seen"
            time.sleep(0.002)
        os.kill(scan.pid, signal.SIGKILL)
    finally:
        scan.wait()
    partial = _tracks_so_far(db)
    assert 0 < partial < TRACKS, "the kill must land in the middle of the scan"
    with Catalogue(path=db) as cat:
        assert cat.unfinished() == "the last library scan did not finish"
        assert cat.playlists() == []

    # Any start that opens the catalogue finishes the job, and says why it scans.
    done = _cli("parse", "--config", str(config), "play favourites")
    assert done.returncode == 0, done.stderr
    assert "WARNING" in done.stderr and "did not finish" in done.stderr
    assert "PlayPlaylist" in done.stdout
    with Catalogue(path=db) as cat:
        assert len(cat.tracks()) == TRACKS
        assert [p.name for p in cat.playlists()] == ["Favourites"]
        assert cat.unfinished() is None
    again = _cli("parse", "--config", str(config), "play favourites")
    assert "scanning" not in again.stderr


def test_a_zero_byte_database_is_rescanned_with_a_warning(tmp_path: Path) -> None:
    music = tmp_path / "music"
    music.mkdir()
    write_tone(music / "Only Song.wav")
    config = tmp_path / "config.yaml"
    config.write_text(
        f"library:\n  music_dirs: [{music}]\n  playlist_dirs: []\n  podcast_dirs: []\n"
        f"state_dir: {tmp_path / 'state'}\n"
    )
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "assistant.sqlite3").write_bytes(b"")
    done = _cli("parse", "--json", "--config", str(config), "play only song")
    assert done.returncode == 0, done.stderr
    assert "was empty (0 bytes)" in done.stderr
    assert '"intent": "PlayTrack"' in done.stdout


def test_a_scan_that_fails_half_way_leaves_the_mark(tmp_path: Path) -> None:
    music = tmp_path / "music"
    music.mkdir()
    write_tone(music / "a.wav")
    with Catalogue(path=tmp_path / "s.sqlite3") as cat:
        cat.scan(music_dirs=[music], playlist_dirs=[], podcast_dirs=[])
        assert cat.unfinished() is None

        def fail(_: object) -> None:
            raise OSError("disk went away")

        with pytest.raises(OSError, match="disk went away"):
            cat.scan(music_dirs=[music], playlist_dirs=[], podcast_dirs=[], on_progress=fail)
        assert cat.unfinished() == "the last library scan did not finish"
