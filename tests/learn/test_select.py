"""Each mode's invariants on the fixture library: what is in, what never is, and why."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import load_config
from assistant.learn import select
from assistant.learn.concepts import find_concept
from assistant.learn.model import TasteModel
from assistant.library.history import History
from assistant.library.store import Catalogue
from tests.fixtures.generate import FixtureLibrary
from tests.learn.support import CAR_POOL, EIGHTIES_POOL, learn_config, plays, scanned, track


@pytest.fixture
def catalogue(tmp_path: Path, fixture_library: FixtureLibrary) -> Iterator[Catalogue]:
    cat = scanned(tmp_path, fixture_library)
    yield cat
    cat.close()


@pytest.fixture
def history(catalogue: Catalogue) -> History:
    return History(catalogue=catalogue)


def _model(catalogue: Catalogue, history: History) -> TasteModel:
    model = TasteModel(catalogue=catalogue, history=history)
    model.refresh()
    return model


def _keys(picks: list[select.Pick]) -> list[tuple[str, str]]:
    return [(p.track.title, p.track.artist) for p in picks]


def _queen_fan(catalogue: Catalogue, history: History) -> None:
    """Finishes Queen, likes Hurt, skips Sober early, dislikes Stan (after playing it)."""
    plays(history, track(catalogue, "Bohemian Rhapsody", "Queen"), 6)
    plays(history, track(catalogue, "We Will Rock You", "Queen"), 3)
    plays(history, track(catalogue, "Dancing Queen", "ABBA"), 2)
    history.like(track(catalogue, "Hurt", "Johnny Cash").id)
    plays(history, track(catalogue, "Sober", "P!nk"), 3, "skipped", seconds=0.05)
    stan = track(catalogue, "Stan", "Eminem")
    plays(history, stan, 8)
    history.dislike(stan.id)


def test_mix_is_what_is_finished_and_liked_best_first(
    catalogue: Catalogue, history: History
) -> None:
    assert select.mix(_model(catalogue, history), random.Random(1)) == []  # knows nothing yet
    _queen_fan(catalogue, history)
    picks = select.mix(_model(catalogue, history), random.Random(1))
    keys = _keys(picks)
    familiar = {("Bohemian Rhapsody", "Queen"), ("We Will Rock You", "Queen"),
                ("Dancing Queen", "ABBA"), ("Hurt", "Johnny Cash")}  # fmt: skip
    assert set(keys[:4]) == familiar
    assert ("Stan", "Eminem") not in keys and ("Sober", "P!nk") not in keys
    reasons = dict(zip(keys, (p.reason for p in picks), strict=True))
    assert reasons[("Bohemian Rhapsody", "Queen")] == "you finish it often"
    assert reasons[("Hurt", "Johnny Cash")] == "you liked it"
    # Too few favourites for a whole mix: the rest are unheard tracks close to them.
    assert all(p.reason and p.track.title for p in picks[4:])
    assert len(picks) > 4


def test_an_early_skip_weighs_more_than_a_late_one(catalogue: Catalogue, history: History) -> None:
    early, late = track(catalogue, "Yellow", "Coldplay"), track(catalogue, "Trouble", "Coldplay")
    for t, heard in ((early, 0.05), (late, 0.95)):
        plays(history, t, 1)
        plays(history, t, 1, "skipped", seconds=heard)
    model = _model(catalogue, history)
    assert model.affinity(early.id) < model.affinity(late.id)


def test_recent_plays_count_more_than_old_ones(catalogue: Catalogue, history: History) -> None:
    old, new = track(catalogue, "Yellow", "Coldplay"), track(catalogue, "Trouble", "Coldplay")
    plays(history, old, 3, days_ago=600)
    plays(history, new, 3, days_ago=1)
    model = _model(catalogue, history)
    assert 0 < model.affinity(old.id) < model.affinity(new.id)


def test_discover_is_unheard_close_to_the_taste_never_disliked(
    catalogue: Catalogue, history: History
) -> None:
    _queen_fan(catalogue, history)
    model = _model(catalogue, history)
    picks = select.discover(model, random.Random(2))
    assert picks
    assert all(not model.heard(p.track.id) for p in picks)
    assert ("Hurt", "Johnny Cash") not in _keys(picks)  # liked: not new
    artists = [p.track.artist for p in picks]
    assert max(artists.count(a) for a in artists) <= select.DISCOVER_PER_ARTIST
    # Closest first: Queen's other tracks and the car songs the favourites share a playlist with.
    top = picks[0]
    assert top.reason.startswith("new, ")
    car = {("Sweet Child o' Mine", "Guns N' Roses"), ("Born to Run", "Bruce Springsteen"),
           ("Shake It Off", "Taylor Swift"), ("All the Small Things", "blink-182")}  # fmt: skip
    queen = {(t.title, t.artist) for t in catalogue.tracks_by_artist("Queen")}
    assert set(_keys(picks[:4])) & (car | queen)


def test_discover_runs_out_when_everything_was_heard(
    catalogue: Catalogue, history: History
) -> None:
    for t in catalogue.tracks():
        plays(history, t, 1)
    stan = track(catalogue, "Stan", "Eminem")
    history.dislike(stan.id)
    model = _model(catalogue, history)
    assert select.discover(model, random.Random(3)) == []
    again = select.rediscover(model, random.Random(3))
    assert again and stan.id not in {p.track.id for p in again}


def test_similar_is_playlist_and_artist_neighbours_never_the_seed(
    catalogue: Catalogue, history: History
) -> None:
    seed = track(catalogue, "Bohemian Rhapsody", "Queen")
    disliked = track(catalogue, "We Will Rock You", "Queen")
    history.dislike(disliked.id)
    picks = select.similar(_model(catalogue, history), seed, random.Random(4))
    keys = _keys(picks)
    assert seed.id not in {p.track.id for p in picks}
    assert ("We Will Rock You", "Queen") not in keys
    car_songs = {("Sweet Child o' Mine", "Guns N' Roses"), ("Dancing Queen", "ABBA"),
                 ("Born to Run", "Bruce Springsteen"), ("Shake It Off", "Taylor Swift"),
                 ("All the Small Things", "blink-182")}  # fmt: skip
    queen = {(t.title, t.artist) for t in catalogue.tracks_by_artist("Queen")}
    assert set(keys[:8]) <= car_songs | queen
    reasons = {p.reason for p in picks[:8]}
    assert "shares playlists with Bohemian Rhapsody" in reasons
    assert "also by Queen" in reasons


def test_concepts_stay_inside_their_pools(
    tmp_path: Path, fixture_library: FixtureLibrary, catalogue: Catalogue, history: History
) -> None:
    config = load_config(learn_config(tmp_path, fixture_library))
    car = find_concept(config.concepts, "sing along songs")
    eighties = find_concept(config.concepts, "EIGHTIES ROCK")
    assert car is not None and car.name == "Songs to Sing in the Car"
    assert eighties is not None and eighties.mode == "exploratory"
    # No history: a fair spread over the pool's artists.
    model = _model(catalogue, history)
    cold = select.concept(model, car, model.pool(car), random.Random(5))
    assert set(_keys(cold)) <= CAR_POOL and len(cold) == min(car.size, len(CAR_POOL))
    first_artists = [p.track.artist for p in cold[:10]]
    assert len(set(first_artists)) == 10

    _queen_fan(catalogue, history)
    model = _model(catalogue, history)
    picks = select.concept(model, car, model.pool(car), random.Random(5))
    keys = _keys(picks)
    assert set(keys) <= CAR_POOL
    assert ("Sober", "P!nk") not in keys  # skipped early, three times
    # Conservative: what the listener finishes comes first.
    assert set(keys[:3]) == {("Bohemian Rhapsody", "Queen"), ("We Will Rock You", "Queen"),
                             ("Dancing Queen", "ABBA")}  # fmt: skip

    fresh = select.concept(model, eighties, model.pool(eighties), random.Random(6))
    assert set(_keys(fresh)) <= EIGHTIES_POOL and len(fresh) == eighties.size
    unheard = [not model.heard(p.track.id) for p in fresh]
    assert all(unheard[: sum(unheard)])  # exploratory: the unheard ones first


def test_a_pool_entry_that_names_nothing_is_reported(
    tmp_path: Path, fixture_library: FixtureLibrary, catalogue: Catalogue, history: History
) -> None:
    path = learn_config(tmp_path, fixture_library)
    path.write_text(path.read_text().replace("artists: [Queen]", "artists: [Queen, Nobody At All]"))
    config = load_config(path)
    car = find_concept(config.concepts, "car songs")
    assert car is not None
    model = _model(catalogue, history)
    assert model.pool(car).missing == ("artist 'Nobody At All'",)
