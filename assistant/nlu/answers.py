"""The words that answer the assistant's questions ("Did you mean ...?", "Which one: ...?").

Shared by the dialogue, which interprets an answer, and the recognition grammar, which must
let the answer be said at all.
"""

from __future__ import annotations

from assistant.nlu.normalize import normalize

YES_PHRASES = frozenset({"yes", "yeah", "yep", "yup", "sure", "do it", "ok", "okay", "please",
                         "yes please", "correct", "right", "that's right",
                         "go ahead"})  # fmt: skip
NO_PHRASES = frozenset({"no", "nope", "cancel", "never mind", "nevermind", "forget it", "no thanks",
                        "stop", "don't"})  # fmt: skip
"""As said (and as the recognition grammar spells them)."""
YES = frozenset(normalize(p) for p in YES_PHRASES)
NO = frozenset(normalize(p) for p in NO_PHRASES)
"""As the dialogue compares them, to a normalised answer ("that's right" -> "thats right")."""
ORDINALS = {"first": 0, "one": 0, "second": 1, "two": 1, "third": 2, "three": 2, "fourth": 3,
            "four": 3, "fifth": 4, "five": 4}  # fmt: skip
FILLER = frozenset({"the", "one", "by", "from", "song", "track", "album", "version", "please",
                    "i", "mean", "meant", "want", "play", "a", "of", "that", "its"})  # fmt: skip
"""Words in an answer that name no choice ("the one by adele": only "adele" counts)."""

PICK_LEADS = (("the", "one", "by"), ("the", "one", "from"), ("by",))
"""What comes before a name that picks a choice in speech: "the one by adele", "by adele".
A bare name ("adele") is understood when typed but is not in the recognition grammar: every
name as a whole sentence cost 5 points of command success at 20 dB (bench_spoken corpus)."""
PICK_ORDINALS = ("first", "second", "third", "fourth", "fifth", "last")
"""Said as "the second one" (or "the last one")."""
