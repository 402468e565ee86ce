"""Dialogue: asking when unsure or ambiguous, and taking the answer on the next turn."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.asr.completion import GrammarWalk
from assistant.config import NluConfig
from assistant.dialogue import decide, describe_action, pick_choice
from assistant.hearing import finished
from assistant.nlu.base import IntentResult
from assistant.nlu.grammar import build_grammar
from assistant.player.base import PlayState
from tests.fixtures.config import write_config
from tests.fixtures.generate import FixtureLibrary
from tests.skills.support import Rig, rig_config

HELLO = ({"track": "Hello", "artist": "Adele"}, {"track": "Hello", "artist": "Lionel Richie"})


@pytest.fixture
def rig(tmp_path: Path, fixture_library: FixtureLibrary) -> Iterator[Rig]:
    # Ask about anything not understood perfectly, so misspellings need confirming.
    rig = Rig(rig_config(write_config(tmp_path, fixture_library), confirm_below=0.99))
    try:
        yield rig
    finally:
        rig.close()


def _nothing_played(rig: Rig) -> bool:
    return rig.player.status().current is None


@pytest.mark.parametrize(
    ("answer", "artist"),
    [
        ("the one by adele", "Adele"),
        ("adele", "Adele"),
        ("lionel richie", "Lionel Richie"),
        ("the second one", "Lionel Richie"),
        ("the first one", "Adele"),
    ],
)
def test_ambiguous_title_asks_and_the_answer_picks(rig: Rig, answer: str, artist: str) -> None:
    turn = rig.say("play hello")
    assert turn.response.text == "Which one: Hello by Adele or Hello by Lionel Richie?"
    assert turn.follow_up and turn.response.outcome == "ask" and turn.decision == "ask"
    assert _nothing_played(rig)
    turn = rig.say(answer)
    assert turn.response.text == f"Playing Hello by {artist}."
    assert rig.queue_titles() == [("Hello", artist)]
    assert not turn.follow_up and turn.decision == "act"


def test_no_cancels_a_question(rig: Rig) -> None:
    rig.say("play hello")
    turn = rig.say("never mind")
    assert turn.response.text == "Okay." and turn.response.outcome == "cancelled"
    assert turn.decision == "ignore"
    assert _nothing_played(rig)
    assert rig.say("adele").response.outcome != "ok" or _nothing_played(rig)


def test_low_confidence_asks_did_you_mean_and_yes_does_it(rig: Rig) -> None:
    turn = rig.say("play bohemian rapsody by queen")
    assert turn.response.text == "Did you mean play Bohemian Rhapsody by Queen?"
    assert turn.follow_up and _nothing_played(rig) and turn.decision == "ask"
    turn = rig.say("yeah")
    assert turn.response.text == "Playing Bohemian Rhapsody by Queen."
    assert turn.decision == "act"
    rig.started("Bohemian Rhapsody")


def test_a_command_heard_a_word_off_is_asked_and_yes_does_it(rig: Rig) -> None:
    # A recogniser's wrong word in a command ("tomb" for "to"): asked, never acted on.
    turn = rig.say("set the volume tomb 40")
    assert turn.response.text == "Did you mean set the volume to 40?"
    assert turn.decision == "ask" and rig.player.status().volume != 40
    assert rig.say("yes").response.text == "Volume 40."
    assert rig.player.status().volume == 40


@pytest.mark.parametrize(("answer", "plays"), [("that's right", True), ("don't", False)])
def test_answers_with_apostrophes_are_understood(rig: Rig, answer: str, plays: bool) -> None:
    rig.say("play bohemian rapsody by queen")
    turn = rig.say(answer)
    assert turn.response.outcome == ("ok" if plays else "cancelled")
    assert _nothing_played(rig) is not plays


def test_another_command_instead_of_an_answer_is_carried_out(rig: Rig) -> None:
    rig.say("play bohemian rapsody by queen")
    turn = rig.say("play abba")
    assert turn.response.text == "Playing ABBA."
    assert rig.say("yes").response.outcome == "not_understood"  # the question is gone


def test_a_question_expires(rig: Rig) -> None:
    rig.say("play hello")
    rig.clock.advance(rig.config.daemon.follow_up_s + 1)
    # Too late to be the answer: "adele" alone is then no command at all.
    assert rig.say("adele").response.outcome == "not_understood"
    assert _nothing_played(rig)
    rig.say("play hello")
    rig.clock.advance(rig.config.daemon.follow_up_s - 1)
    assert rig.say("adele").response.text == "Playing Hello by Adele."
    assert rig.player.status().state is PlayState.PLAYING


def test_not_understood(rig: Rig) -> None:
    turn = rig.say("what's the weather")
    assert turn.response.text == "Sorry, I didn't understand."
    assert turn.response.outcome == "not_understood" and turn.result is None
    assert turn.decision == "ignore"
    assert rig.dialogue.handle_alternatives([]).decision == "ignore"


def test_decide_with_the_shipped_thresholds() -> None:
    """The choice parse and listen report, with config.yaml's own nlu settings."""
    nlu = NluConfig()
    assert (nlu.min_confidence, nlu.confirm_below) == (0.3, 0.8)

    def result(confidence: float) -> IntentResult:
        return IntentResult("PlayArtist", {"artist": "Queen"}, confidence)

    assert decide(None, nlu) == "ignore"
    assert decide(result(0.29), nlu) == "ignore"
    assert decide(result(0.3), nlu) == "ask"
    assert decide(result(0.79), nlu) == "ask"
    assert decide(result(0.8), nlu) == "act"
    assert decide(IntentResult("PlayTrack", {"track": "Hello"}, 1.0, choices=HELLO), nlu) == "ask"
    # A name not in the library goes to the skill whatever the confidence: it says so.
    not_found = IntentResult("PlayArtist", {}, 0.3, unresolved={"artist": "kween"})
    assert decide(not_found, nlu) == "act"


def test_alternatives_pick_the_one_that_understands(rig: Rig) -> None:
    # The engine's second reading names something in the library; the first does not.
    turn = rig.dialogue.handle_alternatives([("play hollow", 0.25), ("play hello", 0.7)])
    assert turn.response.outcome == "ask"
    turn = rig.dialogue.handle_alternatives([("a dell", 0.5), ("adele", 0.4)])
    assert turn.response.text == "Playing Hello by Adele."


def test_pick_choice_needs_a_clear_answer() -> None:
    assert pick_choice("by adele", HELLO) == HELLO[0]
    assert pick_choice("the last one", HELLO) == HELLO[1]
    assert pick_choice("hello", HELLO) is None
    assert pick_choice("something else", HELLO) is None


def test_describe_action_reads_naturally() -> None:
    assert describe_action(IntentResult("SetVolume", {"level": 40}, 0.7)) == "set the volume to 40"
    result = IntentResult("PlayAlbum", {"album": "Abbey Road", "artist": "The Beatles"}, 0.7)
    assert describe_action(result) == "play the album Abbey Road by The Beatles"


def test_an_answer_reads_as_what_it_would_do(rig: Rig) -> None:
    """What a pause's words would be understood as (assistant.hearing.finished): while a
    question waits, an answer is the command it would carry out, nothing done yet."""
    rig.say("play hello")
    adele = rig.dialogue.reading("the one by adele")
    assert adele is not None and adele.slots == {"track": "Hello", "artist": "Adele"}
    assert rig.dialogue.reading("the one by adele please") == adele
    lionel = rig.dialogue.reading("the second one")
    assert lionel is not None and lionel.slots["artist"] == "Lionel Richie"
    assert rig.dialogue.reading("yes") is None  # "yes" to "Which one?" picks nothing
    assert rig.dialogue.reading("never mind") is None
    assert _nothing_played(rig) and rig.dialogue.awaiting_answer
    rig.say("never mind")
    rig.say("play bohemian rapsody by queen")
    yes = rig.dialogue.reading("yes")
    assert yes is not None and yes.slots == {"track": "Bohemian Rhapsody", "artist": "Queen"}
    assert rig.dialogue.reading("yes please") == yes
    assert _nothing_played(rig) and rig.dialogue.awaiting_answer
    # So a "yes" said to it ends at the short pause: "yes please" would do the same.
    walk = GrammarWalk.of(build_grammar(rig.matcher.intents, rig.matcher.entities))
    assert finished(walk.after(["yes"]), rig.dialogue.reading)
    # With no question waiting, "yes" is no command.
    rig.say("never mind")
    assert rig.dialogue.reading("yes") is None
    assert not finished(walk.after(["yes"]), rig.dialogue.reading)


def test_a_command_with_a_number_in_it_picks_no_choice() -> None:
    for said in ("set the volume to two", "stop in two minutes", "play blink one eighty two"):
        assert pick_choice(said, HELLO) is None, said
    for said in ("the second one please", "the last one", "number two", "yes the second one",
                 "i mean the second one"):  # fmt: skip
        assert pick_choice(said, HELLO) == HELLO[1], said
    assert pick_choice("first", HELLO) == HELLO[0]
    # Names that tie are told apart by a number in them: "bbc radio two".
    radio = ({"station": "BBC Radio 1"}, {"station": "BBC Radio 2"})
    assert pick_choice("the one from bbc radio two", radio) == radio[1]
