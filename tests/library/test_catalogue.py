"""The catalogue against the generated library: scan report, queries, playlists, podcasts."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from assistant.errors import LibraryError
from assistant.library.models import ScanReport
from assistant.library.store import Catalogue
from tests.fixtures.generate import DATED_SHOW, FixtureLibrary, make_library
from tests.fixtures.library_spec import PODCASTS, TRACKS, track

# Every file opened by this process while a test records (audit hooks cannot be removed, so
# the hook stays installed and does nothing unless recording).
_recording: list[str] | None = None


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "open" and _recording is not None and isinstance(args[0], str | bytes):
        _recording.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)


@contextmanager
def recording_opens() -> Iterator[list[str]]:
    global _recording
    _recording = opened = []
    try:
        yield opened
    finally:
        _recording = None


def _scan(cat: Catalogue, lib: FixtureLibrary) -> ScanReport:
    return cat.scan(
        music_dirs=[lib.music_dir], playlist_dirs=[lib.playlist_dir], podcast_dirs=[lib.podcast_dir]
    )


@pytest.fixture(scope="module")
def scanned(
    fixture_library: FixtureLibrary, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Catalogue, ScanReport]]:
    cat = Catalogue(path=tmp_path_factory.mktemp("state") / "assistant.sqlite3")
    report = _scan(cat, fixture_library)
    yield cat, report
    cat.close()


@pytest.fixture
def cat(scanned: tuple[Catalogue, ScanReport]) -> Catalogue:
    return scanned[0]


N_EPISODES = sum(len(v) for v in PODCASTS.values())


def test_first_scan_report(
    scanned: tuple[Catalogue, ScanReport], fixture_library: FixtureLibrary
) -> None:
    _, report = scanned
    assert report.added == len(TRACKS) + N_EPISODES
    assert (report.updated, report.removed, report.unchanged) == (0, 0, 0)
    assert sorted(p for p, _ in report.failed) == sorted(
        [str(fixture_library.corrupt), str(fixture_library.empty)]
    )
    assert all(reason for _, reason in report.failed)
    assert report.dangling == fixture_library.dangling


def test_every_track_is_catalogued_with_its_tags(
    cat: Catalogue, fixture_library: FixtureLibrary
) -> None:
    tracks = cat.tracks()
    assert len(tracks) == len(TRACKS)
    by_path = {t.path: t for t in tracks}
    for spec, path in fixture_library.tracks.items():
        got = by_path[str(path)]
        assert (got.title, got.artist, got.album, got.track_no, got.year) == (
            spec.title,
            spec.artist,
            spec.album,
            spec.track_no,
            spec.year,
        )
        assert cat.track(got.id) == got
        assert cat.track_by_path(path) == got
    assert cat.track(10**9) is None


def test_names_lists(cat: Catalogue) -> None:
    artists = cat.artists()
    expected = {t.artist for t in TRACKS} | {t.album_artist for t in TRACKS if t.album_artist}
    assert set(artists) == expected
    assert len(artists) == len(expected)
    assert {"AC/DC", "P!nk", "Beyoncé", "Various Artists", "Sigur Rós"} <= set(artists)
    albums = cat.albums()
    assert ("Now That's What I Call the 90s", "Various Artists") in albums
    assert ("Help!", "The Beatles") in albums
    assert len(albums) == len({(t.album, t.album_artist or t.artist) for t in TRACKS})
    assert set(cat.genres()) == {t.genre for t in TRACKS}


def test_tracks_by_artist_orders_by_album_then_number(cat: Catalogue) -> None:
    beatles = cat.tracks_by_artist("The Beatles")
    assert [(t.album, t.track_no) for t in beatles] == [
        ("Abbey Road", 1),
        ("Abbey Road", 2),
        ("Abbey Road", 3),
        ("Abbey Road", 4),
        ("Help!", 1),
        ("Help!", 2),
        ("Help!", 3),
    ]
    assert [t.title for t in cat.tracks_by_artist("Various Artists")] == ["Wannabe", "Ironic"]
    assert [t.title for t in cat.tracks_by_artist("Spice Girls")] == ["Wannabe"]
    assert len(cat.tracks_by_artist("the beatles")) == 7
    assert cat.tracks_by_artist("Nobody") == []


def test_album_and_title_and_genre_queries(cat: Catalogue) -> None:
    assert [t.title for t in cat.album_tracks("A Night at the Opera")] == [
        "Bohemian Rhapsody",
        "You're My Best Friend",
        "Love of My Life",
    ]
    assert len(cat.album_tracks("Now That's What I Call the 90s", "Various Artists")) == 2
    assert cat.album_tracks("Abbey Road", "Queen") == []
    hello = cat.tracks_by_title("Hello")
    assert sorted(t.artist for t in hello) == ["Adele", "Lionel Richie"]
    assert [t.artist for t in cat.tracks_by_title("Hello", "Adele")] == ["Adele"]
    assert [t.artist for t in cat.tracks_by_title("So What")] == ["Miles Davis", "P!nk"]
    assert {t.title for t in cat.genre_tracks("Reggae")} == {
        "Three Little Birds",
        "Redemption Song",
        "Is This Love",
    }


def test_playlists_keep_their_order_from_every_entry_style(
    cat: Catalogue, fixture_library: FixtureLibrary
) -> None:
    playlists = {p.name: p for p in cat.playlists()}
    assert set(playlists) == set(fixture_library.playlists)
    assert "Canções do Verão" in playlists
    for name, expected in fixture_library.playlists.items():
        got = cat.playlist_tracks(playlists[name].id)
        assert [t.path for t in got] == [str(fixture_library.tracks[t]) for t in expected], name
        assert playlists[name].path == str(fixture_library.playlist_files[name])


def test_dangling_entry_is_logged(
    fixture_library: FixtureLibrary, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING), Catalogue(path=tmp_path / "s.sqlite3") as cat:
        _scan(cat, fixture_library)
    assert any(
        "Workout Mix" in r.getMessage() and "Not Here.mp3" in r.getMessage() for r in caplog.records
    )
    assert any(str(fixture_library.corrupt) in r.getMessage() for r in caplog.records)


def test_podcasts_oldest_first(cat: Catalogue, fixture_library: FixtureLibrary) -> None:
    assert cat.shows() == sorted(PODCASTS, key=str.casefold)
    for show, titles in PODCASTS.items():
        episodes = cat.episodes(show)
        assert [e.title for e in episodes] == titles, show
        assert [e.path for e in episodes] == [
            str(fixture_library.episodes[(show, t)]) for t in titles
        ]
        assert all(e.duration and e.duration > 0.5 for e in episodes)
    # The dated show's file times run backwards: its order above came from the tags.
    dated = cat.episodes(DATED_SHOW)
    assert os.stat(dated[0].path).st_mtime > os.stat(dated[-1].path).st_mtime
    assert cat.episode_by_path(dated[0].path) == dated[0]
    assert cat.episodes("No Such Show") == []


def test_podcast_episodes_are_not_music(cat: Catalogue) -> None:
    assert not [t for t in cat.tracks() if "/Podcasts/" in t.path]


def test_rescan_without_changes_opens_no_audio_file(
    fixture_library: FixtureLibrary, tmp_path: Path
) -> None:
    with Catalogue(path=tmp_path / "s.sqlite3") as cat:
        _scan(cat, fixture_library)
        generation = cat.generation()
        with recording_opens() as opened:
            report = _scan(cat, fixture_library)
        assert (report.added, report.updated, report.removed) == (0, 0, 0)
        assert report.unchanged == len(TRACKS) + N_EPISODES
        assert cat.generation() == generation
    audio = {str(p) for p in fixture_library.tracks.values()}
    assert audio.isdisjoint(opened)
    # Unreadable files are retried every scan, so they are always reported.
    assert str(fixture_library.corrupt) in opened


def test_incremental_rescan_touch_change_delete_add(tmp_path: Path) -> None:
    lib = make_library(tmp_path / "lib")
    audio = {str(p) for p in lib.tracks.values()}
    with Catalogue(path=tmp_path / "s.sqlite3") as cat:
        _scan(cat, lib)
        g0 = cat.generation()

        touched = lib.tracks[track("Yellow", "Coldplay")]
        before = cat.track_by_path(touched)
        st = os.stat(touched)
        os.utime(touched, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
        with recording_opens() as opened:
            report = _scan(cat, lib)
        assert (report.added, report.updated, report.removed) == (0, 1, 0)
        assert audio & set(opened) == {str(touched)}
        after = cat.track_by_path(touched)
        assert before is not None and after is not None and after.id == before.id
        assert cat.generation() > g0

        retitle = lib.tracks[track("Hurt", "Johnny Cash")]
        import mutagen

        f = mutagen.File(retitle, easy=True)
        f["title"] = "Hurt (Live)"
        f.save()
        report = _scan(cat, lib)
        assert report.updated == 1
        assert [t.title for t in cat.tracks_by_artist("Johnny Cash")] == [
            "Hurt (Live)",
            "Personal Jesus",
        ]

        gone = lib.tracks[track("Dancing Queen", "ABBA")]
        gone.unlink()
        g1 = cat.generation()
        report = _scan(cat, lib)
        assert (report.added, report.updated, report.removed) == (0, 0, 1)
        assert cat.track_by_path(gone) is None
        assert cat.generation() > g1
        car = next(p for p in cat.playlists() if p.name == "Songs to Sing in the Car")
        assert "Dancing Queen" not in [t.title for t in cat.playlist_tracks(car.id)]
        assert ("Songs to Sing in the Car", str(gone)) in report.dangling

        new = lib.music_dir / "ABBA" / "Arrival" / "03 Knowing Me, Knowing You.mp3"
        shutil.copy(lib.tracks[track("Money, Money, Money", "ABBA")], new)
        f = mutagen.File(new, easy=True)
        f["title"] = "Knowing Me, Knowing You"
        f["tracknumber"] = "3"
        f.save()
        report = _scan(cat, lib)
        assert (report.added, report.updated, report.removed) == (1, 0, 0)
        assert [t.title for t in cat.album_tracks("Arrival")] == [
            "Money, Money, Money",
            "Knowing Me, Knowing You",
        ]


def test_a_missing_library_folder_keeps_its_tracks(tmp_path: Path) -> None:
    lib = make_library(tmp_path / "lib")
    with Catalogue(path=tmp_path / "s.sqlite3") as cat:
        _scan(cat, lib)
        unplugged = tmp_path / "unplugged"
        lib.music_dir.rename(unplugged)
        report = _scan(cat, lib)
        assert report.removed == 0
        assert len(cat.tracks()) == len(TRACKS)
        unplugged.rename(lib.music_dir)
        report = _scan(cat, lib)
        assert (report.added, report.removed) == (0, 0)
        # Dropping the folder from the settings does remove its tracks.
        report = cat.scan(music_dirs=[], playlist_dirs=[], podcast_dirs=[lib.podcast_dir])
        assert report.removed == len(TRACKS)
        assert cat.tracks() == [] and cat.playlists() == []


def test_catalogue_survives_reopening(fixture_library: FixtureLibrary, tmp_path: Path) -> None:
    with Catalogue(path=tmp_path / "s.sqlite3") as cat:
        _scan(cat, fixture_library)
        tracks, generation = cat.tracks(), cat.generation()
    with Catalogue(path=tmp_path / "s.sqlite3") as cat:
        assert cat.tracks() == tracks
        assert cat.generation() == generation
        assert cat.recovered_from is None
        with cat.database.read() as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_garbage_database_is_moved_aside_and_rebuilt(
    fixture_library: FixtureLibrary, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "assistant.sqlite3"
    db.write_bytes(b"this is not a database\n" * 500)
    with caplog.at_level(logging.ERROR), Catalogue(path=db) as cat:
        assert cat.recovered_from is not None
        assert cat.recovered_from.read_bytes().startswith(b"this is not a database")
        assert cat.tracks() == []
        assert _scan(cat, fixture_library).added == len(TRACKS) + N_EPISODES
    message = " ".join(r.getMessage() for r in caplog.records)
    assert str(db) in message and "assistant library scan" in message


def test_damaged_pages_are_detected(fixture_library: FixtureLibrary, tmp_path: Path) -> None:
    db = tmp_path / "assistant.sqlite3"
    with Catalogue(path=db) as cat:
        _scan(cat, fixture_library)
        with cat.database.read() as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(db.read_bytes())
    # Overwrite every page but the header page with a pattern no b-tree page can hold.
    data[page_size:] = b"\xff" * (len(data) - page_size)
    db.write_bytes(bytes(data))
    with Catalogue(path=db) as cat:
        assert cat.recovered_from is not None
        assert cat.tracks() == []


def test_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "assistant.sqlite3"
    Catalogue(path=db).close()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(LibraryError, match="newer version"):
        Catalogue(path=db)


def test_unusable_location_is_a_library_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(LibraryError, match=str(blocker)):
        Catalogue(path=blocker / "assistant.sqlite3")


def test_podcast_folder_inside_the_music_folder_is_not_music(tmp_path: Path) -> None:
    lib = make_library(tmp_path / "lib")
    inside = lib.music_dir / "Podcasts"
    lib.podcast_dir.rename(inside)
    with Catalogue(path=tmp_path / "s.sqlite3") as cat:
        report = cat.scan(music_dirs=[lib.music_dir], playlist_dirs=[], podcast_dirs=[inside])
        assert report.added == len(TRACKS) + N_EPISODES
        assert len(cat.tracks()) == len(TRACKS)
        assert cat.shows() == sorted(PODCASTS, key=str.casefold)


def test_scan_on_a_second_connection_does_not_block_history(
    fixture_library: FixtureLibrary, tmp_path: Path
) -> None:
    from assistant.library.history import History

    db = tmp_path / "s.sqlite3"
    results: list[bool] = []
    with Catalogue(path=db) as loop_side, Catalogue(path=db) as worker_side:
        history = History(catalogue=loop_side)
        scanning = threading.Thread(target=_scan, args=(worker_side, fixture_library))
        scanning.start()
        while scanning.is_alive() or not results:
            results.append(history.save_position("/p/episode.mp3", float(len(results))))
        scanning.join(timeout=120)
        assert all(results)
        assert len(loop_side.tracks()) == len(TRACKS)
        assert history.position("/p/episode.mp3") == float(len(results) - 1)
