"""Asking rather than acting, with the settings the owner gets: the shipped config.yaml and the
config defaults, not a test's own thresholds."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import Config, NluConfig, load_config
from tests.fixtures.config import write_config
from tests.fixtures.generate import FixtureLibrary
from tests.skills.support import Rig

SHIPPED = Path(__file__).resolve().parent.parent / "config.yaml"
DOUBTED = 0.7
"""A recogniser's probability that the words are right: between the shipped min_confidence
and confirm_below (a reading right seven times in ten is asked about, not acted on), and
above confirm_below lowered to 0.55."""


def _config(tmp_path: Path, library: FixtureLibrary, nlu: NluConfig) -> Config:
    config = load_config(write_config(tmp_path, library))
    return dataclasses.replace(config, nlu=nlu)


@pytest.fixture
def shipped(tmp_path: Path, fixture_library: FixtureLibrary) -> Iterator[Rig]:
    rig = Rig(_config(tmp_path, fixture_library, load_config(SHIPPED).nlu))
    try:
        yield rig
    finally:
        rig.close()


def test_the_shipped_config_file_says_what_the_defaults_are() -> None:
    assert load_config(SHIPPED).nlu == NluConfig()


def test_doubted_words_are_asked_about_and_yes_plays(shipped: Rig) -> None:
    turn = shipped.dialogue.handle_alternatives([("play queen", DOUBTED)])
    assert turn.response.text == "Did you mean play Queen?"
    assert turn.follow_up
    assert shipped.player.status().current is None  # asked, did not act
    turn = shipped.say("yes")
    assert turn.response.text == "Playing Queen."
    assert shipped.queue_titles()[0][1] == "Queen"


def test_words_heard_clearly_are_acted_on_at_once(shipped: Rig) -> None:
    turn = shipped.dialogue.handle_alternatives([("play queen", 0.95)])
    assert turn.response.text == "Playing Queen." and not turn.follow_up


def test_a_slight_misspelling_is_acted_on_a_rough_one_is_not(shipped: Rig) -> None:
    turn = shipped.say("play bohemian rapsody by queen")
    assert turn.response.text == "Playing Bohemian Rhapsody by Queen."
    shipped.say("stop")
    turn = shipped.say("play boheme rap by quean")
    assert turn.response.outcome != "ok"
    assert shipped.player.status().state.value == "stopped"


def test_an_ambiguous_title_is_asked_about(shipped: Rig) -> None:
    turn = shipped.say("play hello")
    assert turn.response.text == "Which one: Hello by Adele or Hello by Lionel Richie?"
    assert shipped.player.status().current is None


def test_min_confidence_decides_what_counts_as_understood(
    tmp_path: Path, fixture_library: FixtureLibrary
) -> None:
    strict = dataclasses.replace(NluConfig(), min_confidence=DOUBTED + 0.05)
    rig = Rig(_config(tmp_path, fixture_library, strict))
    try:
        turn = rig.dialogue.handle_alternatives([("play queen", DOUBTED)])
        assert turn.response.text == "Sorry, I didn't understand."
        assert not turn.follow_up and rig.player.status().current is None
        # Heard clearly, the same words are still understood.
        assert rig.dialogue.handle_alternatives([("play queen", 0.95)]).response.text == (
            "Playing Queen."
        )
    finally:
        rig.close()
