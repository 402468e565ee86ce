"""Tag reading: every format of the fixture library, WAV fallbacks, unreadable files."""

from __future__ import annotations

import shutil
import wave
from pathlib import Path

import pytest

from assistant.library import scanner
from tests.fixtures.generate import FixtureLibrary
from tests.fixtures.library_spec import TRACKS, FixtureTrack, track


def _silence_wav(path: Path, seconds: float = 0.5) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * int(8000 * seconds))


@pytest.mark.parametrize("spec", TRACKS, ids=lambda t: f"{t.artist}-{t.title}.{t.ext}")
def test_every_fixture_track_reads_back_its_tags(
    fixture_library: FixtureLibrary, spec: FixtureTrack
) -> None:
    path = fixture_library.tracks[spec]
    tags = scanner.read_tags(str(path), root=str(fixture_library.music_dir))
    assert tags.title == spec.title
    assert tags.artist == spec.artist
    assert tags.album == spec.album
    assert tags.track_no == spec.track_no
    assert tags.year == spec.year
    expected = fixture_library.durations[spec]
    assert tags.duration is not None
    # Lossy encoders pad a few frames at each end.
    assert abs(tags.duration - expected) < 0.15
    if spec.ext == "wav" and spec.track_no == 2:
        # This one carries RIFF INFO, which has no album-artist field.
        assert tags.album_artist == ""
    else:
        assert tags.album_artist == spec.album_artist
        assert tags.genre == spec.genre


def test_every_format_is_in_the_fixture() -> None:
    assert {t.ext for t in TRACKS} == {"mp3", "flac", "ogg", "opus", "m4a", "wav"}


def test_names_with_symbols_and_diacritics(fixture_library: FixtureLibrary) -> None:
    root = str(fixture_library.music_dir)
    for title, artist in [
        ("Hells Bells", "AC/DC"),
        ("So What", "P!nk"),
        ("Hoppípolla", "Sigur Rós"),
        ("Formation", "Beyoncé"),
        ("Kickstart My Heart", "Mötley Crüe"),
    ]:
        tags = scanner.read_tags(str(fixture_library.tracks[track(title, artist)]), root=root)
        assert (tags.title, tags.artist) == (title, artist)


def test_compilation_has_its_album_artist(fixture_library: FixtureLibrary) -> None:
    path = fixture_library.tracks[track("Wannabe", "Spice Girls")]
    tags = scanner.read_tags(str(path), root=str(fixture_library.music_dir))
    assert (tags.artist, tags.album_artist) == ("Spice Girls", "Various Artists")


def test_untagged_wav_takes_names_from_file_and_folders(tmp_path: Path) -> None:
    path = tmp_path / "Music" / "Nick Drake" / "Pink Moon" / "03 Road.wav"
    _silence_wav(path)
    tags = scanner.read_tags(str(path), root=str(tmp_path / "Music"))
    assert (tags.title, tags.artist, tags.album, tags.track_no) == (
        "Road",
        "Nick Drake",
        "Pink Moon",
        3,
    )
    assert tags.duration == pytest.approx(0.5, abs=0.01)


def test_folders_above_the_library_root_are_not_names(tmp_path: Path) -> None:
    path = tmp_path / "Music" / "Loose Song.wav"
    _silence_wav(path)
    tags = scanner.read_tags(str(path), root=str(tmp_path / "Music"))
    assert (tags.title, tags.artist, tags.album) == ("Loose Song", "", "")


def test_corrupt_and_empty_files_raise_a_reason(fixture_library: FixtureLibrary) -> None:
    with pytest.raises(scanner.UnreadableFileError, match="0 bytes"):
        scanner.read_tags(str(fixture_library.empty))
    with pytest.raises(scanner.UnreadableFileError) as info:
        scanner.read_tags(str(fixture_library.corrupt))
    assert str(info.value)


def test_text_file_with_audio_name_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "notes.ogg"
    path.write_text("not audio at all\n" * 100)
    with pytest.raises(scanner.UnreadableFileError):
        scanner.read_tags(str(path))


def test_walk_skips_hidden_and_other_files_and_survives_a_link_loop(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.MP3").write_bytes(b"1")
    (tmp_path / "a" / "cover.jpg").write_bytes(b"1")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "y.mp3").write_bytes(b"1")
    (tmp_path / "a" / "loop").symlink_to(tmp_path)
    found = [s.path for s in scanner.walk_files([str(tmp_path)], scanner.AUDIO_EXTENSIONS)]
    assert found == [str(tmp_path / "a" / "x.MP3")]


@pytest.mark.parametrize(
    ("text", "number", "year"),
    [("3/12", 3, None), ("07", 7, None), ("", None, None), ("1969-09-26", 1969, 1969)],
)
def test_number_and_year_parsing(text: str, number: int | None, year: int | None) -> None:
    assert scanner.parse_number(text) == number
    assert scanner.parse_year(text) == year


def test_only_a_full_date_orders_episodes() -> None:
    assert scanner.parse_day("2023") is None
    assert scanner.parse_day("2023-10-08") == 1_696_723_200.0
    assert scanner.parse_day("2023-02-30") is None


@pytest.mark.parametrize("ext", ["mp3", "flac", "ogg", "opus", "m4a"])
def test_album_artist_in_every_tag_format(
    fixture_library: FixtureLibrary, tmp_path: Path, ext: str
) -> None:
    import mutagen

    source = next(p for t, p in fixture_library.tracks.items() if t.ext == ext)
    path = tmp_path / "Music" / "X" / "Y" / source.name
    path.parent.mkdir(parents=True)
    shutil.copy(source, path)
    audio = mutagen.File(path, easy=True)
    audio["albumartist"] = "Various Artists"
    audio["artist"] = "Björk"
    audio.save()
    tags = scanner.read_tags(str(path), root=str(tmp_path / "Music"))
    assert (tags.artist, tags.album_artist) == ("Björk", "Various Artists")
