"""Grammar rendering (JSGF, vosk phrases), sentence membership, and guessed pronunciations."""

from __future__ import annotations

from pathlib import Path

from assistant.asr.base import Grammar
from assistant.asr.g2p import Pronouncer, load_cmudict, pronunciations
from assistant.asr.grammars import UNKNOWN, derives, phrase_list
from assistant.asr.jsgf import jsgf_word, to_jsgf
from assistant.asr.pocketsphinx_engine import PocketsphinxRecognizer, model_dir
from tests.asr.commands import GRAMMAR


def test_derives_whole_sentences_only() -> None:
    assert derives(GRAMMAR, "play the rolling stones".split())
    assert derives(GRAMMAR, "play rolling stones".split())  # optional <the>
    assert not derives(GRAMMAR, "play the".split())
    assert not derives(GRAMMAR, [])
    assert not derives(GRAMMAR, "pause pause".split())


def test_jsgf_has_public_start_and_safe_words() -> None:
    text = to_jsgf(Grammar(rules={"start": (("what's", "<x>"),), "x": (("a|b",), ())}))
    assert "public <start> =" in text
    assert "what's" in text and "a_b" in text and "a|b" not in text
    assert jsgf_word('say "hi"') == "say__hi_"


def test_phrase_list_sentences_or_words() -> None:
    full = phrase_list(GRAMMAR)
    assert full.sentences and full.phrases[-1] == UNKNOWN
    assert set(full.phrases[:-1]) == set(GRAMMAR.expand())
    words = phrase_list(GRAMMAR, max_sentences=5)
    assert not words.sentences
    assert set(words.phrases[:-1]) == GRAMMAR.words()


def test_pronunciations_for_unknown_words() -> None:
    p = Pronouncer(lexicon=load_cmudict(Path(model_dir()) / "cmudict-en-us.dict"))
    assert p.pronounce("queen") == "K W IY N"  # from the dictionary
    assert p.pronounce("coldplay") == "K OW L D P L EY"  # cold + play
    assert p.pronounce("unmute") == "AH N M Y UW T"  # un + mute
    assert p.pronounce("deadmau5").endswith("F AY V")  # digits spelled
    assert p.pronounce("bts") == "B IY T IY EH S"  # no vowel: letters
    assert p.pronounce("rüfüs") == "R UW F AH S"  # accents folded, letter-to-sound rules
    assert p.pronounce("zzkrbl'")


def test_dictionary_entries_only_for_the_words_asked() -> None:
    cmudict = Path(model_dir()) / "cmudict-en-us.dict"
    entries, guessed = pronunciations({"the": "the", "coldplay": "Coldplay"}, cmudict=cmudict)
    assert entries["the"] == ["DH AH", "DH IY"]  # every variant, in the dictionary's order
    assert entries["coldplay"] == ["K OW L D P L EY"] and guessed == ["coldplay"]
    assert set(entries) == {"the", "coldplay"}


def test_recogniser_dictionary_holds_the_grammar_words_and_their_variants() -> None:
    recognizer = PocketsphinxRecognizer(grammar=GRAMMAR)
    assert recognizer.pronunciation("the") == "DH AH"
    assert recognizer._decoder.lookup_word("the(2)") == "DH IY"
    assert recognizer.pronunciation("queen") == "K W IY N"
    assert recognizer.pronunciation("zebra") is None  # not in the grammar: not loaded


def test_k_before_n_is_silent_only_at_the_start_of_a_word() -> None:
    lexicon = load_cmudict(Path(model_dir()) / "cmudict-en-us.dict")
    assert "weeknd" not in lexicon  # guessed by the letter-to-sound rules
    assert Pronouncer(lexicon=lexicon).pronounce("weeknd") == "W IY K N D"
    rules = Pronouncer(lexicon={})  # the rules alone, on words the dictionary has
    assert rules.pronounce("knight") == "N AY T"
    assert rules.pronounce("knob") == "N AA B"
