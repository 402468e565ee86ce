"""A scan meets what real disks hold: names that are not UTF-8, UTF-16 playlists, FIFOs."""

from __future__ import annotations

import codecs
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.library import playlists, scanner
from assistant.library.locations import local_path
from assistant.library.store import Catalogue
from tests.faults.hostile import LATIN1, fs, latin1_library, write_tone

HANG_GUARD_S = 120
"""Only a bound on a hang (a scan blocked on a FIFO never ends), never a speed check."""


def _dirs(root: Path) -> tuple[Path, Path, Path]:
    music, lists, pods = root / "music", root / "playlists", root / "podcasts"
    for d in (music, lists, pods):
        d.mkdir(parents=True, exist_ok=True)
    return music, lists, pods


def _scan(cat: Catalogue, root: Path):  # type: ignore[no-untyped-def]
    music, lists, pods = _dirs(root)
    return cat.scan(music_dirs=[music], playlist_dirs=[lists], podcast_dirs=[pods])


def test_a_latin1_file_name_is_stored_shown_as_text_and_keeps_its_bytes(tmp_path: Path) -> None:
    music, _, _ = _dirs(tmp_path)
    real = latin1_library(music)
    write_tone(music / "Plain.wav")
    with Catalogue(path=tmp_path / "s.sqlite3") as cat:
        report = _scan(cat, tmp_path)
        assert report.failed == ()
        assert report.added == 2
        (track,) = [t for t in cat.tracks() if t.title != "Plain"]
        # Names read as Windows-1252, so they can be said and matched...
        assert (track.title, track.album, track.artist) == ("Beyoncé", "Sueños", "Café Tacvba")
        # ...while the location still names the very bytes on disk.
        found = local_path(track.path)
        assert found is not None and fs(found) == real
        assert cat.track_by_path(track.path) == track
        # A second scan finds it unchanged rather than new.
        again = _scan(cat, tmp_path)
        assert (again.added, again.unchanged, again.removed) == (0, 2, 0)
        os.remove(real)
        assert _scan(cat, tmp_path).removed == 1


def test_a_podcast_show_folder_that_is_not_utf8(tmp_path: Path) -> None:
    _, _, pods = _dirs(tmp_path)
    show = fs(pods) + b"/Radio Fran\xe7aise"
    os.makedirs(show)
    write_tone(show + b"/episode.wav")
    with Catalogue(path=tmp_path / "s.sqlite3") as cat:
        assert _scan(cat, tmp_path).failed == ()
        assert cat.shows() == ["Radio Française"]


def test_a_cp1252_playlist_finds_the_latin1_named_file(tmp_path: Path) -> None:
    music, lists, _ = _dirs(tmp_path)
    real = latin1_library(music)
    (lists / "Old.m3u").write_bytes(b"#EXTM3U\r\n" + real + b"\r\n")
    with Catalogue(path=tmp_path / "s.sqlite3") as cat:
        report = _scan(cat, tmp_path)
        assert report.dangling == ()
        (playlist,) = cat.playlists()
        assert [t.title for t in cat.playlist_tracks(playlist.id)] == ["Beyoncé"]


def test_a_unicode_playlist_finds_a_file_whose_name_the_disk_wrote_in_latin1(
    tmp_path: Path,
) -> None:
    music, lists, _ = _dirs(tmp_path)
    real = latin1_library(music)
    (lists / "New.m3u8").write_text(real.decode("cp1252") + "\n", encoding="utf-8")
    with Catalogue(path=tmp_path / "s.sqlite3") as cat:
        assert _scan(cat, tmp_path).dangling == ()
        (playlist,) = cat.playlists()
        assert [t.title for t in cat.playlist_tracks(playlist.id)] == ["Beyoncé"]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_playlists_are_read(tmp_path: Path, codec: str) -> None:
    music, _, _ = _dirs(tmp_path)
    write_tone(music / "Déjà Vu.wav")
    write_tone(music / "Two.wav")
    text = f"#EXTM3U\r\n#EXTINF:3,Déjà Vu\r\n{music}/Déjà Vu.wav\r\nTwo.wav\r\n"
    # Python's utf-16 writes a byte-order mark; the -le/-be ones are the mark-less variants.
    (music / "Windows.m3u").write_bytes(text.encode(codec))
    with Catalogue(path=tmp_path / "s.sqlite3") as cat:
        report = cat.scan(music_dirs=[music], playlist_dirs=[music], podcast_dirs=[])
        assert report.failed == () and report.dangling == ()
        (playlist,) = cat.playlists()
        assert [t.title for t in cat.playlist_tracks(playlist.id)] == ["Déjà Vu", "Two"]


@pytest.mark.parametrize("name", ["x.m3u", "x.m3u8"])
def test_a_utf16_mark_is_read_as_a_mark(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(codecs.BOM_UTF16_LE + "/a/b.mp3\n".encode("utf-16-le"))
    (entry,) = playlists.read_playlist(str(path)).entries
    assert entry.path == "/a/b.mp3"


def test_a_zero_byte_in_a_playlist_line_is_a_dangling_entry(tmp_path: Path) -> None:
    music, lists, _ = _dirs(tmp_path)
    write_tone(music / "a.wav")
    (lists / "odd.m3u").write_bytes(f"{music}/a.wav\n{music}/b\x00.wav\n".encode())
    with Catalogue(path=tmp_path / "s.sqlite3") as cat:
        report = _scan(cat, tmp_path)
        assert len(report.dangling) == 1 and report.failed == ()
        (playlist,) = cat.playlists()
        assert len(cat.playlist_tracks(playlist.id)) == 1


def test_fifos_are_not_opened_and_are_reported(tmp_path: Path) -> None:
    music, lists, _ = _dirs(tmp_path)
    write_tone(music / "fine.wav")
    for fifo in (music / "x.mp3", lists / "x.m3u", music / "y.m3u8"):
        os.mkfifo(fifo)
    # In a child process: if the scan opened a FIFO it would block for ever, and a hung test
    # run says less than a failed one.
    code = (
        "import json; from pathlib import Path; from assistant.library.store import Catalogue\n"
        f"root = Path({str(tmp_path)!r})\n"
        "with Catalogue(path=root / 's.sqlite3') as cat:\n"
        "    r = cat.scan(music_dirs=[root / 'music'], playlist_dirs=[root / 'playlists', "
        "root / 'music'], podcast_dirs=[])\n"
        "    print(json.dumps({'failed': r.failed, 'titles': [t.title for t in cat.tracks()]}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=HANG_GUARD_S
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["titles"] == ["fine"]
    assert sorted(out["failed"]) == sorted(
        [[str(music / "x.mp3"), "not a regular file"],
         [str(lists / "x.m3u"), "not a regular file"],
         [str(music / "y.m3u8"), "not a regular file"]]
    )  # fmt: skip


def test_a_file_swapped_for_a_fifo_after_the_walk_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "late.mp3"
    os.mkfifo(fifo)
    with pytest.raises(scanner.UnreadableFileError, match="not a regular file"):
        scanner.read_tags(str(fifo))
    with pytest.raises(OSError, match="not a regular file"):
        playlists.read_playlist(str(fifo))


def test_one_bad_name_does_not_stop_the_rest(tmp_path: Path) -> None:
    music, lists, _ = _dirs(tmp_path)
    latin1_library(music)
    (music / "empty.mp3").write_bytes(b"")
    os.mkfifo(music / "pipe.ogg")
    for n in range(5):
        write_tone(music / f"{n:02d} Song {n}.wav")
    (lists / "Mix.m3u8").write_text(f"{music}/00 Song 0.wav\n{music}/04 Song 4.wav\n")
    with Catalogue(path=tmp_path / "s.sqlite3") as cat:
        report = _scan(cat, tmp_path)
        assert len(cat.tracks()) == 6 and report.playlists == 1
        assert {os.path.basename(p) for p, _ in report.failed} == {"empty.mp3", "pipe.ogg"}
        assert cat.unfinished() is None


def test_log_lines_cannot_be_forged_or_flooded_by_playlists(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    music, lists, _ = _dirs(tmp_path)
    write_tone(music / "a.wav")
    forged = "x\n2026-12-01 00:00:00,000 ERROR assistant: forged \x1b[2J"
    huge = "/" + "y" * 1_000_000
    names = "".join(f"/n/{i}\n" for i in range(50))
    (lists / "evil.m3u8").write_text(f"{music}/a.wav\n{forged}\n{huge}\n{names}")
    os.symlink("/etc/passwd", lists / "passwd.m3u")
    (music / f"bad\nERROR forged{LATIN1}.mp3").write_bytes(b"")
    with caplog.at_level(logging.DEBUG), Catalogue(path=tmp_path / "s.sqlite3") as cat:
        report = _scan(cat, tmp_path)
    assert len(report.dangling) == 53 + len(Path("/etc/passwd").read_text().splitlines())
    messages = [r.getMessage() for r in caplog.records]
    for message in messages:
        assert "\n" not in message and "\x1b" not in message
        assert len(message) < 2000
    passwd_lines = Path("/etc/passwd").read_text().splitlines()
    shown = sum(line[:40] in m for m in messages for line in passwd_lines if line.strip())
    assert shown == 0
    assert any("playlist passwd: none of its" in m for m in messages)
    evil = [m for m in messages if "evil" in m]
    assert len(evil) == 1 and "53 entries" in evil[0] and "and 50 more" in evil[0]
    assert any("music/bad\\nERROR forgedBeyonc\\xe9.mp3 (empty" in m for m in messages)
