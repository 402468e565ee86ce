"""History in the catalogue's file: plays, likes, podcast positions, and failing writes."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.library.history import History, Play, Rating
from assistant.library.models import Track
from assistant.library.store import Catalogue
from tests.fixtures.generate import FixtureLibrary
from tests.fixtures.library_spec import PODCASTS


@pytest.fixture
def catalogue(fixture_library: FixtureLibrary, tmp_path: Path) -> Iterator[Catalogue]:
    cat = Catalogue(path=tmp_path / "assistant.sqlite3")
    cat.scan(
        music_dirs=[fixture_library.music_dir],
        playlist_dirs=[fixture_library.playlist_dir],
        podcast_dirs=[fixture_library.podcast_dir],
    )
    yield cat
    cat.close()


def _by_title(cat: Catalogue, title: str, artist: str) -> Track:
    (found,) = cat.tracks_by_title(title, artist)
    return found


def _play(history: History, item: int | str, ended: str, at: float = 1_700_000_000.0) -> bool:
    return history.record_play(
        item,
        started_at=at,
        seconds_played=30.0,
        duration=200.0,
        ended=ended,  # type: ignore[arg-type]
    )


def test_plays_are_counted_by_end_reason(catalogue: Catalogue) -> None:
    history = History(catalogue=catalogue)
    yellow = _by_title(catalogue, "Yellow", "Coldplay")
    hurt = _by_title(catalogue, "Hurt", "Johnny Cash")
    for ended in ("finished", "finished", "stopped", "skipped", "error"):
        assert _play(history, yellow.id, ended)
    assert _play(history, hurt.path, "finished")  # by location
    assert _play(history, hurt.id, "skipped")
    assert history.play_counts() == {yellow.id: 3, hurt.id: 1}
    assert history.most_played(1) == [(yellow, 3)]
    assert [t for t, _ in history.most_played(10)] == [yellow, hurt]


def test_plays_are_stored_rows(catalogue: Catalogue) -> None:
    history = History(catalogue=catalogue)
    track = _by_title(catalogue, "Stan", "Eminem")
    history.record_play(
        track.id, started_at=1_700_000_123.5, seconds_played=12.25, duration=240.0, ended="skipped"
    )
    history.record_play(
        "http://127.0.0.1:9/jazz",
        started_at=5.0,
        seconds_played=60.0,
        duration=None,
        ended="stopped",
    )
    with catalogue.database.read() as conn:
        rows = conn.execute(
            "SELECT location, started_at, seconds_played, duration, ended FROM plays ORDER BY id"
        ).fetchall()
    assert rows == [
        (track.path, 1_700_000_123.5, 12.25, 240.0, "skipped"),
        ("http://127.0.0.1:9/jazz", 5.0, 60.0, None, "stopped"),
    ]


def test_bad_events_are_refused_without_raising(
    catalogue: Catalogue, caplog: pytest.LogCaptureFixture
) -> None:
    history = History(catalogue=catalogue)
    with caplog.at_level(logging.WARNING):
        assert not _play(history, 10**9, "finished")
        assert not _play(history, _by_title(catalogue, "Stan", "Eminem").id, "paused")
        assert not history.like(10**9)
    assert history.play_counts() == {}
    assert len(caplog.records) == 3


def test_like_and_dislike_replace_each_other(catalogue: Catalogue) -> None:
    history = History(catalogue=catalogue)
    track = _by_title(catalogue, "Perfect", "Ed Sheeran")
    assert history.liked(track.id) is None
    assert history.like(track.id)
    assert history.liked(track.id) is True
    assert history.dislike(track.id)
    assert history.liked(track.id) is False
    history.like(track.id)
    assert history.liked(track.id) is True
    with catalogue.database.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM ratings").fetchone()[0] == 1


def test_ratings_are_every_rated_location(catalogue: Catalogue) -> None:
    history = History(catalogue=catalogue)
    assert history.ratings() == {}
    liked = _by_title(catalogue, "Perfect", "Ed Sheeran")
    disliked = _by_title(catalogue, "Stan", "Eminem")
    changed = _by_title(catalogue, "Hurt", "Johnny Cash")
    history.like(liked.id)
    history.dislike(disliked.id)
    history.dislike(changed.id)
    history.like(changed.id)
    assert history.ratings() == {liked.path: True, disliked.path: False, changed.path: True}


def test_plays_after_reads_each_play_once_in_the_order_stored(catalogue: Catalogue) -> None:
    history = History(catalogue=catalogue)
    yellow = _by_title(catalogue, "Yellow", "Coldplay")
    stream = "http://127.0.0.1:9/jazz"
    for ended in ("finished", "skipped"):
        assert _play(history, yellow.id, ended)
    first = history.plays_after(0, 10)
    assert [(p.location, p.ended) for p in first] == [
        (yellow.path, "finished"),
        (yellow.path, "skipped"),
    ]
    assert history.plays_after(first[-1].id, 10) == []
    assert _play(history, stream, "stopped", at=1_700_000_500.0)
    (new,) = history.plays_after(first[-1].id, 10)
    assert (new.location, new.started_at, new.seconds_played, new.duration) == (
        stream, 1_700_000_500.0, 30.0, 200.0,
    )  # fmt: skip
    assert len(history.plays_after(0, 2)) == 2


def test_added_plays_and_ratings_are_not_added_twice(catalogue: Catalogue) -> None:
    history = History(catalogue=catalogue)
    yellow = _by_title(catalogue, "Yellow", "Coldplay")
    play = Play(yellow.path, 1_700_000_000.0, 200.0, 200.0, "finished")
    later = Play(yellow.path, 1_700_000_900.0, 20.0, 200.0, "skipped")
    assert history.add_plays([play, play, later]) == 2
    assert history.add_plays([play, later]) == 0
    assert len(history.plays_after(0, 10)) == 2
    old_like = Rating(yellow.path, True, 1_700_000_000.0)
    assert history.add_ratings([old_like]) == 1
    assert history.add_ratings([old_like]) == 0
    assert history.add_ratings([Rating(yellow.path, False, 1_600_000_000.0)]) == 0  # older
    assert history.liked(yellow.id) is True
    assert history.add_ratings([Rating(yellow.path, False, 1_800_000_000.0)]) == 1
    assert history.liked(yellow.id) is False


def test_history_and_positions_survive_reopening(
    fixture_library: FixtureLibrary, tmp_path: Path
) -> None:
    db = tmp_path / "assistant.sqlite3"
    show = "The Daily"
    episode = str(fixture_library.episodes[(show, PODCASTS[show][0])])
    with Catalogue(path=db) as cat:
        cat.scan(
            music_dirs=[fixture_library.music_dir],
            playlist_dirs=[],
            podcast_dirs=[fixture_library.podcast_dir],
        )
        history = History(catalogue=cat)
        track = _by_title(cat, "Hello", "Adele")
        history.like(track.id)
        _play(history, track.id, "finished")
        assert history.position(episode) == 0.0
        history.save_position(episode, 10.0)
        history.save_position(Path(episode), 754.5)
    with Catalogue(path=db) as cat:
        history = History(catalogue=cat)
        assert history.position(episode) == 754.5
        assert history.liked(track.id) is True
        assert history.play_counts() == {track.id: 1}


def test_last_played_episode(catalogue: Catalogue) -> None:
    history = History(catalogue=catalogue)
    show = "Lex Fridman Podcast"
    episodes = catalogue.episodes(show)
    assert history.last_played_episode(show) is None
    history.record_play(
        episodes[2].path, started_at=1000.0, seconds_played=5.0, duration=None, ended="stopped"
    )
    assert history.last_played_episode(show) == episodes[2]
    history.save_position(episodes[0].path, 42.0)  # now: later than the play above
    assert history.last_played_episode(show) == episodes[0]
    assert history.last_played_episode("The Daily") is None


def test_disk_full_is_logged_not_raised(
    catalogue: Catalogue, caplog: pytest.LogCaptureFixture
) -> None:
    history = History(catalogue=catalogue)
    track = _by_title(catalogue, "Yellow", "Coldplay")
    with catalogue.database.read() as conn:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        # SQLite's own size cap gives the same SQLITE_FULL error a full SD card does.
        conn.execute(f"PRAGMA max_page_count = {pages}")
    stored = 0
    with caplog.at_level(logging.ERROR):
        for n in range(2000):
            if not history.save_position(f"/podcasts/{n:05d}-" + "x" * 2000, 1.0):
                break
            stored += 1
        else:
            pytest.fail("the capped database never filled up")
        assert not _play(history, "http://127.0.0.1:9/" + "y" * 8000, "finished")
    assert any("database or disk is full" in r.getMessage() for r in caplog.records)
    # Nothing half-written is left behind, and writing works again once there is room.
    with catalogue.database.read() as conn:
        assert not conn.in_transaction
        conn.execute("PRAGMA max_page_count = 1073741823")
        assert conn.execute("SELECT COUNT(*) FROM positions").fetchone()[0] == stored
    assert _play(history, track.id, "finished")
    assert history.play_counts() == {track.id: 1}


def test_read_only_database_is_logged_not_raised(
    catalogue: Catalogue, caplog: pytest.LogCaptureFixture
) -> None:
    history = History(catalogue=catalogue)
    track = _by_title(catalogue, "Yellow", "Coldplay")
    with catalogue.database.read() as conn:
        conn.execute("PRAGMA query_only = ON")
    with caplog.at_level(logging.ERROR):
        assert not history.like(track.id)
        assert not history.save_position("/p/x.mp3", 3.0)
    assert any("readonly" in r.getMessage() for r in caplog.records)
    assert history.liked(track.id) is None
