"""Recognisers: streaming speech to text with alternatives, constrained by a command grammar."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from assistant.audio.base import AudioChunk


@dataclass(frozen=True)
class Grammar:
    """A context-free command grammar built from the intent templates and the library's names.

    `rules` maps a rule name to its alternatives; each alternative is a sequence of tokens, a
    token being a lowercase word or a reference `<name>` to another rule. An empty alternative
    makes a rule optional. The rule named `start` is the whole grammar. No rule refers to
    itself (directly or indirectly), so the language is finite.
    """

    rules: Mapping[str, tuple[tuple[str, ...], ...]]
    start: str = "start"
    names: frozenset[str] = frozenset()
    """The rules whose alternatives are the library's names: a word of one decides what is
    played, so a recogniser must not take one name for another on sound alone."""

    @staticmethod
    def is_ref(token: str) -> bool:
        return token.startswith("<") and token.endswith(">")

    def words(self) -> set[str]:
        """Every word that can be said."""
        return {
            t for alts in self.rules.values() for alt in alts for t in alt if not self.is_ref(t)
        }

    def name_words(self) -> set[str]:
        """Every word of a name (see `names`)."""
        return {t for rule in self.names for alt in self.rules.get(rule, ()) for t in alt
                if not self.is_ref(t)}  # fmt: skip

    def expand(self, rule: str | None = None) -> Iterator[str]:
        """Every sentence of the language, lazily (there can be billions: take what you need).

        Nothing is materialised: a big library's names times the templates would not fit
        in memory (a vosk phrase list built by listing them all grew past 16 GB).
        """
        for alt in self.rules[rule or self.start]:
            for words in self._expand_tokens(alt):
                yield " ".join(w for w in words if w)

    def _expand_tokens(self, tokens: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        if not tokens:
            yield ()
            return
        first, rest = tokens[0], tokens[1:]
        heads = self.expand(first[1:-1]) if self.is_ref(first) else iter([first])
        for head in heads:
            for tail in self._expand_tokens(rest):
                yield (head, *tail)


@dataclass(frozen=True)
class Hypothesis:
    text: str
    confidence: float
    """0..1, the engine's own estimate (comparable between hypotheses of one utterance)."""


@dataclass(frozen=True)
class Transcript:
    """What was heard in one utterance: the best hypothesis first.

    A recogniser that judges the utterance to be outside its grammar returns no alternatives
    (so `text` is "" and nothing matches) and keeps what it thought it heard in `rejected`.
    """

    alternatives: tuple[Hypothesis, ...]
    rejected: str = ""
    """The best path of an utterance rejected as out of grammar (for logs only)."""

    @property
    def text(self) -> str:
        return self.alternatives[0].text if self.alternatives else ""

    @property
    def confidence(self) -> float:
        return self.alternatives[0].confidence if self.alternatives else 0.0


class Recognizer(Protocol):
    """One utterance at a time: accept() chunks as they come, finish() for the transcript."""

    @property
    def name(self) -> str:
        """Engine and model, for logs and `assistant doctor`."""
        ...

    def accept(self, chunk: AudioChunk) -> str:
        """Feed audio (any rate: the engine resamples); returns the partial transcript so far."""
        ...

    def finish(self) -> Transcript:
        """End the utterance; the recogniser is then ready for the next one."""
        ...

    def set_grammar(self, grammar: Grammar | None) -> None:
        """Constrain recognition to `grammar` (None: free dictation, if the engine can)."""
        ...


@dataclass(frozen=True)
class SoFar:
    """What the words heard so far in an utterance are, against the grammar."""

    text: str
    """The words (the grammar's spelling), "" when nothing was heard that the engine keeps."""
    complete: bool
    """A whole sentence of the grammar, as the engine would return it now."""
    longer: tuple[str, ...] | None
    """The words that could follow `text` to make a longer sentence, each way to go on in
    full ("the music", "please"); () when nothing can follow; None when too many to list
    (a name could follow)."""
    confidence: float | None = None
    """0..1 as Hypothesis.confidence, of `text`; None when the engine does not say."""


@runtime_checkable
class HearsSoFar(Protocol):
    """A Recognizer that can say, before finish(), what the audio accepted so far holds: to end
    a finished command after a short silence. Engines that cannot say are not this."""

    def so_far(self) -> SoFar | None:
        """The audio accepted so far, heard as a whole utterance; None when this engine cannot
        say now (no grammar, no audio). accept() and finish() go on as before."""
        ...

    def accept_silence(self, chunk: AudioChunk) -> None:
        """Audio after the last so_far() that was heard as silence (the rest of the trailing
        silence): still the utterance's, but finish() need not decode again for it; the
        transcript is the one so_far() decoded."""
        ...


@runtime_checkable
class ChecksSoFar(Protocol):
    """A Recognizer that checks doubtful words at a pause with a second opinion, which comes
    in later (on a thread of its own) while the silence goes on."""

    def checked_so_far(self, *, wait: bool = False) -> SoFar | None:
        """The words at the last pause at the confidence the second opinion gives them, once
        it is in and agrees; None until then (`wait`: it is waited for), or when it did not
        agree or could not be had: a failed second opinion is no agreement, and never raised."""
        ...


@runtime_checkable
class Forgets(Protocol):
    """A Recognizer for which forgetting an utterance costs less than finish() (which would
    also ask its second opinion about it): listening stopped mid-utterance."""

    def forget(self) -> None:
        """What was accepted since the last finish() is dropped, unheard."""
        ...


@runtime_checkable
class ConfirmsWake(Protocol):
    """A Recognizer that can tell whether the wake phrase was said just before a command:
    what a run-on WakeEvent needs before it is acted on."""

    @property
    def wake_phrase(self) -> str:
        """The phrase it listens for ("" for none: it never confirms)."""
        ...

    def wake_phrase_end(self, audio: AudioChunk) -> float | None:
        """Seconds into `audio` (from a little before where the wake phrase was said to end,
        on into the command) at which the phrase ended, when the audio is best heard as the
        phrase and then the start of a command; None when it is a command alone, or when
        the engine cannot say."""
        ...


@dataclass(frozen=True)
class WakeEvent:
    """The wake phrase was heard."""

    when: float
    """Seconds since the audio source started, at the end of the chunk that completed it."""
    score: float
    """0..1, higher is surer (comparable only between events of one detector)."""
    phrase_end: float | None = None
    """Source time at which the phrase itself ended, when the detector knows: detectors fire
    a little after it, and a command said in the same breath starts here. None: take `when`."""
    run_on: bool = False
    """Heard only as if the speaker had paused (micro_wake's probe): said straight on into
    speech, or the start of a command without the phrase ("play s|ome music" sounds like
    "-lexa"). Acted on only once the recogniser hears the phrase there (ConfirmsWake)."""


class WakeDetector(Protocol):
    """Listens to a continuous stream for the wake phrase."""

    @property
    def name(self) -> str:
        """Method and phrase, for logs and `assistant doctor`."""
        ...

    def process(self, chunk: AudioChunk) -> WakeEvent | None:
        """Feed audio (any rate); an event when the phrase has just been completed."""
        ...

    def reset(self) -> None:
        """Forget audio so far (e.g. after the assistant spoke or a command was handled)."""
        ...
