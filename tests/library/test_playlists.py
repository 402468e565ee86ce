"""Playlist files: encodings, comment lines, and every way an entry can name a file."""

from __future__ import annotations

from pathlib import Path

from assistant.library.playlists import read_playlist, resolve_entry


def test_extended_m3u_comments_are_ignored_and_order_kept(tmp_path: Path) -> None:
    path = tmp_path / "Mix.m3u8"
    path.write_text("#EXTM3U\n#EXTINF:123,A - B\nb.mp3\n\n#EXTINF:1,C\n/abs/a.mp3\nb.mp3\n")
    playlist = read_playlist(str(path))
    assert playlist.name == "Mix"
    assert [e.written for e in playlist.entries] == ["b.mp3", "/abs/a.mp3", "b.mp3"]
    assert [e.path for e in playlist.entries] == [
        str(tmp_path / "b.mp3"),
        "/abs/a.mp3",
        str(tmp_path / "b.mp3"),
    ]


def test_latin1_m3u_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "Chill.m3u"
    path.write_bytes("Sigur Rós\\Takk...\\01 Hoppípolla.flac\r\n".encode("cp1252"))
    (entry,) = read_playlist(str(path)).entries
    assert entry.path == str(tmp_path / "Sigur Rós" / "Takk..." / "01 Hoppípolla.flac")


def test_utf8_with_bom_and_utf8_name(tmp_path: Path) -> None:
    path = tmp_path / "Canções.m3u"
    path.write_bytes("\ufeff../Mötley Crüe/x.mp3\n".encode())
    playlist = read_playlist(str(path))
    assert playlist.name == "Canções"
    assert playlist.entries[0].path == str(tmp_path.parent / "Mötley Crüe" / "x.mp3")


def test_bad_bytes_in_m3u8_do_not_raise(tmp_path: Path) -> None:
    path = tmp_path / "Broken.m3u8"
    path.write_bytes(b"ok.mp3\n\xff\xfe.mp3\n")
    assert len(read_playlist(str(path)).entries) == 2


def test_entry_forms() -> None:
    folder = "/music/Playlists"
    assert resolve_entry("../A/b.mp3", folder) == "/music/A/b.mp3"
    assert resolve_entry("..\\A\\b.mp3", folder) == "/music/A/b.mp3"
    assert resolve_entry("file:///music/A/b%20c.mp3", folder) == "/music/A/b c.mp3"
    assert resolve_entry("http://radio.example/stream", folder) is None
    # A Windows drive path cannot name a file here; it must not be joined under the folder.
    windows = resolve_entry("C:\\Music\\b.mp3", folder)
    assert windows is not None and not windows.startswith(folder)
