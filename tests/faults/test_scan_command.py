"""`assistant library scan` as a new owner meets it: a mistyped folder, counts, progress."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from tests.faults.hostile import write_tone


def _config(root: Path, music: Path, lists: Path) -> Path:
    path = root / "config.yaml"
    path.write_text(
        f"library:\n  music_dirs: [{music}]\n  playlist_dirs: [{lists}]\n  podcast_dirs: []\n"
        f"state_dir: {root / 'state'}\n"
    )
    return path


def _scan(config: Path, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", "library", "scan", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=300,
        **kw,  # type: ignore[call-overload]
    )


def test_a_missing_music_folder_fails_the_scan_and_names_the_key(tmp_path: Path) -> None:
    lists = tmp_path / "playlists"
    lists.mkdir()
    done = _scan(_config(tmp_path, tmp_path / "Musik", lists))
    assert done.returncode == 1
    assert f"library.music_dirs: {tmp_path / 'Musik'} does not exist" in done.stderr


def test_counts_read_as_english_and_each_warning_is_given_once(tmp_path: Path) -> None:
    music, lists = tmp_path / "music", tmp_path / "playlists"
    music.mkdir()
    lists.mkdir()
    write_tone(music / "Only.wav")
    (music / "broken.mp3").write_bytes(b"")
    (lists / "One.m3u8").write_text(f"{music}/Only.wav\n{music}/Gone.wav\n")
    done = _scan(_config(tmp_path, music, lists))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("1 track, 1 playlist: 1 added,")
    assert "1 unreadable, 1 dangling playlist entry (" in done.stdout
    assert done.stderr.count("broken.mp3") == 1
    assert done.stderr.count("Gone.wav") == 1
    assert "scanning:" not in done.stderr  # not a terminal: no progress line


def _scan_on_a_terminal(config: Path) -> str:
    """What `library scan` writes to stderr when stderr is a terminal (a pseudo-terminal)."""
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "assistant.cli", "library", "scan", "--config", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=follower,
            stdin=subprocess.DEVNULL,
        )
        os.close(follower)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        assert proc.wait(timeout=300) == 0
    finally:
        os.close(leader)
    return seen.decode(errors="replace")


def test_a_terminal_sees_a_progress_line_with_counts(tmp_path: Path) -> None:
    music, lists = tmp_path / "music", tmp_path / "playlists"
    music.mkdir()
    lists.mkdir()
    for n in range(1200):
        write_tone(music / f"{n:04d}.wav", seconds=0.01)
    config = _config(tmp_path, music, lists)
    first = _scan_on_a_terminal(config)
    assert "\rscanning: 500 files, 500 new, 0 unreadable, 0 playlists" in first
    assert "\rscanning: 1200 files, 1200 new, 0 unreadable, 0 playlists" in first
    # A rescan reads nothing new, and the counts still move while the walk goes on.
    again = _scan_on_a_terminal(config)
    assert "\rscanning: 1000 files, 0 new, 0 unreadable, 0 playlists" in again
