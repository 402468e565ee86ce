"""A second opinion on doubtful sentences from an open-vocabulary recogniser.

The grammar recogniser returns a command or nothing; its confidence (a probability, see
pocketsphinx_engine.acceptance) is often middling on short commands that were heard right,
so the assistant would ask "Did you mean ...?" about them. A recogniser that is not limited
to the commands, hearing the same words, is independent evidence: two very different models
rarely make the same mistake. Doubtful sentences are sent to it, so a clear command said
after a pause costs nothing more. When it hears a longer, different sentence, the commands do
not explain what was said (talk in the room after a false wake), and the sentence is
rejected.

Agreeing is spelling alike, or sounding alike, and never hearing another command. whisper
writes what it hears in words of its own ("place songs to sing in the car" for "play songs to
sing in the car"): where every word it changed is one no command has, each change is at most
one sound, and none is inside a name ("Fleetwood Matt" may be somebody the library lacks, not
Fleetwood Mac), it heard the same sentence. When what it wrote is itself another command
("crank that down to 15%" for "... to fifty percent", "folk tunes" for "folk tune"), the two
readings may differ in what they do, however alike they are spelt: both are given, and the
matcher pools them when they mean one action and asks between them when they do not.

A command run on from the wake phrase is sent to it however clear its reading: its audio
begins mid-speech, where that confidence is no promise. Only another command whisper heard
changes such a clear reading (both are then given, as above); one of three words or more,
too unsure to be saved alone, is taken when whisper writes the same (UNHEARD_WORDS).

When the grammar recogniser heard no command at all (its search found no sentence, or it
rejected the one it found), whisper is asked too: a command of a few words it wrote, sure of
them, is asked about ("Did you mean ...?") rather than answered with "Sorry".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from typing import NamedTuple, Protocol

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from assistant.asr.base import (
    ConfirmsWake,
    Grammar,
    HearsSoFar,
    Hypothesis,
    Recognizer,
    SoFar,
    Transcript,
)
from assistant.asr.grammars import derives
from assistant.audio.base import AudioChunk
from assistant.audio.resample import Resampler, to_mono_int16
from assistant.errors import AssistantError
from assistant.nlu.phonemes import sounds

logger = logging.getLogger(__name__)

DOUBT = (0.1, 0.95)
"""Confidences asked about: below, the sentence is not worth saving; above, it is clear. From
0.1, not 0.3: of bench_spoken's commands read at 0.1-0.3, whisper agreed with 13 (seed 11)
and 15 (seed 7), all right, and wrote the command said where the reading was another in 15
and 20 (of 21); none of 76 and 58 out-of-domain sentences there agreed. The cost is whisper's
decode for each such sentence."""
AGREE = 95.0
"""Similarity (0-100, of the normalised words) at which the two transcripts agree, unless
whisper's is another command of the grammar."""
UNEXPLAINED = (60.0, 3)
"""Similarity under which, with at least this many more words than the grammar's reading,
whisper heard a sentence the commands do not explain (talk after a false wake: "the next bus
leaves at half past four" read as "next one please" at 0.93). The sentence is then rejected.
Measured on piper's voices, clean and at 20 dB, with 2 more words: 10 of 40 sentences of talk
rejected so, among them the two the grammar read at over 0.9; of 30 commands one ("skip this
one", read as "skip one", whisper "Let's get this one.") that would have been asked about. But
whisper turns a short command it cannot place into words of its own (espeak's "volume forty"
as "Ma, you borrowed it." or "Ma will you for it?"): only words whisper is sure of count (see
whisper_engine.SURE_LOGPROB), and 3 more of them."""
TOO_LONG = (8.0, 0.5)
"""A clear reading is asked about all the same when the speech lasted longer than its sounds
(nlu.phonemes keys) take at this many a second, plus this many seconds: the grammar read a
sentence of talk as a short command ("and then we walked all the way home in the rain", 2.2 s
of speech, as "loop all please", 9 sounds, at over 0.95). piper says commands at about 13
sounds a second, espeak at 140 words a minute at about 10."""
SPEECH_ABOVE_DB = 10.0
"""Frames this far above the utterance's quietest tenth are speech, for TOO_LONG: the
utterance holds the room before and after the words (the pre-roll and trailing silence)."""
LEAD_GAP_S = (-0.3, 0.1)
"""The wake phrase is heard with the utterance only when its audio began within these seconds
of where the phrase ended (the model's estimate and the recogniser's differ by up to ~0.1 s):
straight on from it. After a pause (its audio then starts with the endpointer's 0.3 s of
pre-roll, later), whisper hears the command alone."""
PHRASE_S = 0.8
"""How much of what came before the utterance whisper hears with it: the wake phrase ("alexa"
lasts 0.45-0.6 s), up to where the utterance begins, so that the two run on without a gap."""
FILLERS = frozenset({"mm", "mmm", "hmm", "hm", "mhm", "um", "uhm", "uh", "ah", "er", "erm"})
"""What whisper writes for a hum, a breath or a sound it cannot place ("Mm-hmm for the..." for
espeak's "volume forty"): not words of talk, so never counted as words the commands miss."""
SOUNDS_AGREE = 90.0
"""Similarity (0-100) of the two sentences' sounds (nlu.phonemes keys) from which they agree
when whisper changed only words no command has, outside names, each by one sound at most."""
RIVAL_CONFIDENCE = 0.94
"""How often the action was right when whisper wrote another command that means the same (the
two readings, each at half of this, pooled by the matcher), of bench_spoken's doubtful
commands (0.1-0.95): 19 of 20 (seed 11), 24 of 24 (seed 7, the one the bench reports on).
Where the two meant different actions, whisper's was right in 36 of 37 and 51 of 53, the
grammar recogniser's in 1 and 1: the assistant asks, between them or about whisper's."""
UNHEARD = RIVAL_CONFIDENCE / 2
"""The confidence of a command only whisper heard, where the grammar recogniser found none:
as whisper's reading where the two differ (RIVAL_CONFIDENCE), under the shipped
nlu.confirm_below, so it is asked about, not acted on. Seen on commands run on from the wake
phrase, whose first sounds the grammar's search can miss: piper's "alexa play songs to sing
in the car" in one breath found no sentence in 2 of 12. (A reading under DOUBT stands as it
is, as before: nothing was measured of whisper there.)"""
UNHEARD_WORDS = 3
"""The fewest words of a command only whisper heard. Shorter ones are what it writes for a
scrap of sound ("Okay.", "Stop.", "Next." for the wake phrase's last syllable or a cough):
asked about, "Yeah." would even answer a question the assistant has just asked, which takes
any "yes" (the dialogue), and so act. A short command said again costs little."""
AGREED_CONFIDENCE = 0.97
"""How often a sentence both recognisers agree on was right: 121 of 124 doubtful neural-voice
commands of a bench_spoken corpus (seed 11), and no out-of-domain sentence of 47 agreed.
With another command never agreeing and respellings agreeing (a later corpus of that seed):
134 of 134 neural-voice and 25 of 26 espeak ones, no out-of-domain sentence of 69; by
spelling alone, 134 of 136 and 26 of 28. From 0.1 (DOUBT), 172 of 173 (seed 11) and 248 of
249 (seed 7, the one the bench reports on)."""


@dataclass(frozen=True)
class Heard:
    """What an open-vocabulary recogniser wrote, and whether it was sure of it."""

    text: str
    sure: bool = True
    """False when the recogniser was guessing (whisper's words for a sound it cannot place):
    such words are no evidence of talk the commands do not explain."""


class Transcriber(Protocol):
    """An open-vocabulary recogniser: whatever words it hears in one utterance."""

    @property
    def name(self) -> str: ...

    def transcribe(self, audio: AudioChunk, prefix: str = "") -> Heard:
        """What was said in `audio`; `prefix`: words said at its start, heard as such and
        left out of what is returned (WhisperTranscriber.transcribe)."""
        ...

    def preload(self) -> None:
        """Get ready ahead of the first transcribe (load a model); may take seconds."""


class _Paused(NamedTuple):
    """The primary's words at a pause, and how much of the utterance's audio they were heard in."""

    so_far: SoFar
    heard_bytes: int


@dataclass
class _Early:
    """whisper asked at a pause about the primary's words there (and given that audio)."""

    paused: _Paused
    opinion: Future[Heard]
    checked: SoFar | None = None
    """The words at the pause, at the confidence whisper's opinion gives them (checked_so_far)."""

    @property
    def so_far(self) -> SoFar:
        return self.paused.so_far

    @property
    def text(self) -> str:
        return self.so_far.text


@dataclass(frozen=True)
class _Commands:
    """The primary's grammar as whisper's words are compared with it: normalised as they are
    ("what's" as "whats", "15" as "fifteen"), its words, and its names' words. One object,
    replaced whole on a new grammar, so a decode never sees half of one and half of another."""

    grammar: Grammar
    words: frozenset[str]
    names: frozenset[str]


def _commands(grammar: Grammar | None, normalize: Callable[[str], str]) -> _Commands | None:
    if grammar is None:
        return None
    spoken: dict[str, tuple[str, ...]] = {}

    def said(token: str) -> tuple[str, ...]:
        if Grammar.is_ref(token):
            return (token,)
        if token not in spoken:
            spoken[token] = tuple(normalize(token).split())
        return spoken[token]

    rules = {name: tuple(tuple(w for t in alt for w in said(t)) for alt in alts)
             for name, alts in grammar.rules.items()}  # fmt: skip
    normalised = Grammar(rules=rules, start=grammar.start, names=grammar.names)
    return _Commands(normalised, frozenset(normalised.words()), frozenset(normalised.name_words()))


class SecondOpinion:
    """A Recognizer that asks `transcriber` about the doubtful sentences of `primary`, those
    run on from the wake phrase, and those it heard nothing in (see the module docstring)."""

    def __init__(
        self,
        *,
        primary: Recognizer,
        transcriber: Transcriber,
        normalize: Callable[[str], str],
        grammar: Grammar | None,
    ) -> None:
        """`grammar`: the primary's, whose commands are the rival readings whisper's words are
        weighed against (None: none known, and only spelling agrees)."""
        self._primary = primary
        self._transcriber = transcriber
        self._normalize = normalize
        self._commands = _commands(grammar, normalize)
        self._chunks: list[AudioChunk] = []
        self._lead: tuple[AudioChunk, float] | None = None
        """The audio a wake phrase was confirmed in, and where it ended (source time): what
        whisper hears before the next utterance when that follows straight on."""
        self._early: _Early | None = None
        """whisper's opinion on the words so far at a pause (see so_far)."""
        self._paused: _Paused | None = None
        """The primary's words at the last pause, and the audio they were heard in."""
        self._pool: ThreadPoolExecutor | None = None
        self.last_opinion: str | None = None
        """What the second recogniser heard in the last utterance (None: not asked)."""
        self.last_first: Transcript = Transcript(())
        """The primary recogniser's transcript of the last utterance, before the opinion."""

    @property
    def name(self) -> str:
        return f"{self._primary.name}, checked by {self._transcriber.name}"

    def __getattr__(self, name: str) -> object:
        # The primary's diagnostics (last_margin, graph_size, ...) read through.
        return getattr(self._primary, name)

    def accept(self, chunk: AudioChunk) -> str:
        self._chunks.append(chunk)
        return self._primary.accept(chunk)

    def set_grammar(self, grammar: Grammar | None) -> None:
        self._primary.set_grammar(grammar)
        self._commands = _commands(grammar, self._normalize)

    @property
    def wake_phrase(self) -> str:
        return self._primary.wake_phrase if isinstance(self._primary, ConfirmsWake) else ""

    def wake_phrase_end(self, audio: AudioChunk) -> float | None:
        """The primary's (whisper wrote "Alexa" for only 10 of 37 run-on wakes). The phrase
        is kept: whisper hears the command that follows with it (_opinion)."""
        primary = self._primary
        end = primary.wake_phrase_end(audio) if isinstance(primary, ConfirmsWake) else None
        self._lead = None if end is None else (audio, audio.timestamp + end)
        return end

    def preload(self) -> None:
        """Load the second recogniser now, not on the first doubtful command."""
        self._transcriber.preload()

    def so_far(self) -> SoFar | None:
        """The primary's. When its words so far are a whole, doubtful sentence, whisper starts
        on the audio so far, on a thread of its own: if the utterance ends with those words
        (nothing more said), finish() takes that opinion instead of waiting for whisper
        after the rest of the trailing silence and the primary's own last decode, and once
        it agrees the utterance may end there (checked_so_far)."""
        self._paused = None  # until the primary has said (it may fail)
        so_far = self._primary.so_far() if isinstance(self._primary, HearsSoFar) else None
        if so_far is None:
            return None
        self._paused = _Paused(so_far, sum(len(c.samples) for c in self._chunks))
        if not so_far.complete or so_far.confidence is None:
            return so_far
        asked = self._early is not None and self._early.text == so_far.text
        audio = self._audio()
        lead = self._lead_before(audio)  # here: finish() clears the lead as the pool decodes
        if (_doubtful(so_far.confidence) or lead is not None) and not asked:
            opinion = self._ahead().submit(self._opinion, audio, lead)
            self._early = _Early(self._paused, opinion)
        return so_far

    def _ahead(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="second-opinion")
        return self._pool

    def _opinion(self, audio: AudioChunk, lead: bytes | None) -> Heard:
        """whisper's, of `audio`; with the wake phrase's audio before it (`lead`, from
        _lead_before) when the utterance follows straight on from one said run on into the
        command, as whisper heard commands best: cut off after "alexa", piper's "play songs to
        sing in the car" was "place on to sink in the car", heard on from it, right (23 and 39
        of 39 run-on commands)."""
        if lead is None:
            return self._transcriber.transcribe(audio)
        joined = replace(audio, samples=lead + audio.samples)
        return self._transcriber.transcribe(joined, prefix=self.wake_phrase)

    def _lead_before(self, audio: AudioChunk) -> bytes | None:
        """The wake phrase's audio up to where `audio` begins, when `audio` follows straight
        on from a confirmed phrase (LEAD_GAP_S); None otherwise."""
        kept = self._lead
        if kept is None or (audio.width, audio.channels) != (2, 1):
            return None
        window, ended = kept
        early, late = LEAD_GAP_S
        gap = audio.timestamp - ended
        logger.debug("asr: the utterance began %.2f s after the wake phrase", gap)
        if not early <= gap <= late:
            return None
        # At the utterance's rate: the microphone's, the endpointer's is 16 kHz.
        window = _mono(window, audio.rate)
        first = 2 * round((ended - PHRASE_S - window.timestamp) * window.rate)
        last = 2 * round((audio.timestamp - window.timestamp) * window.rate)
        return window.samples[max(0, first) : max(0, last)]

    def _audio(self) -> AudioChunk:
        """The utterance's audio accepted so far, as one chunk."""
        chunks = self._chunks
        first = chunks[0]
        return AudioChunk(b"".join(c.samples for c in chunks if c.rate == first.rate),
                          first.rate, first.width, first.channels, first.timestamp)  # fmt: skip

    def accept_silence(self, chunk: AudioChunk) -> None:
        # Kept for whisper, should it be asked about the whole utterance.
        self._chunks.append(chunk)
        if isinstance(self._primary, HearsSoFar):
            self._primary.accept_silence(chunk)
        else:
            self._primary.accept(chunk)

    def forget(self) -> None:
        """Listening stopped mid-utterance: the primary forgets what it was given, and whisper
        is not asked about it (Forgets)."""
        self._early = self._paused = self._lead = None
        self._chunks = []
        self._primary.finish()

    def finish(self) -> Transcript:
        early, self._early, self._paused = self._early, None, None
        transcript = self._primary.finish()
        self.last_first = transcript
        self.last_opinion = None
        audio = self._audio() if self._chunks else None
        self._chunks = []
        try:
            return self._checked(transcript, audio, early)
        finally:
            self._lead = None

    def _checked(
        self, transcript: Transcript, audio: AudioChunk | None, early: _Early | None
    ) -> Transcript:
        if audio is None:
            return transcript
        from_pause = early if early is not None and early.text == transcript.text else None
        lead = self._lead_before(audio)
        if not transcript.text:
            return self._unheard(transcript, audio, lead)
        doubtful = _doubtful(transcript.confidence) or self._too_long(audio, transcript.text)
        # A command run on from the wake phrase is always checked: its audio begins mid-speech,
        # unlike the utterances the primary's confidence was fitted on, and piper's one-breath
        # "play songs to sing in the car" was read "play from the singer hurt on" as clear.
        if not doubtful and lead is None:
            return transcript
        opinion = self._asked(audio, lead, from_pause)
        if opinion is None:
            return transcript
        weighed = self._weigh(transcript, opinion)
        if doubtful or len(weighed.alternatives) > 1:
            return weighed
        said = len(transcript.text.split())
        if transcript.confidence < DOUBT[0] and said >= UNHEARD_WORDS and weighed.text:
            # Run on, a reading under DOUBT that whisper writes the same is taken: its
            # confidence, no promise there, could not save it alone (seen: both wrote "play
            # songs to sing in the car", and the answer was "Sorry"). Not a short one:
            # whisper writes "Next." for a scrap of sound too (UNHEARD_WORDS).
            return weighed
        # A clear reading is only ever joined by another command whisper heard: its other
        # rules (no words, talk) were measured on doubtful readings alone.
        return transcript

    def _unheard(self, transcript: Transcript, audio: AudioChunk, lead: bytes | None) -> Transcript:
        """The primary heard no command in `audio` (no sentence, or one it rejected): when
        whisper wrote, sure of it, a sentence of the grammar of UNHEARD_WORDS or more, that is
        asked about (UNHEARD)."""
        commands = self._commands
        if commands is None:
            return transcript
        opinion = self._asked(audio, lead, None)
        if opinion is None:
            return transcript
        words = self._words(opinion.text)
        if not (opinion.sure and len(words) >= UNHEARD_WORDS and derives(commands.grammar, words)):
            return transcript
        logger.info("asr: only whisper heard a command: %r (the grammar's reading: %r)",
                    " ".join(words), transcript.rejected)  # fmt: skip
        return Transcript((Hypothesis(" ".join(words), UNHEARD),), rejected=transcript.rejected)

    def _asked(self, audio: AudioChunk, lead: bytes | None, early: _Early | None) -> Heard | None:
        """whisper's opinion of the utterance: the one begun at the pause (`early`), or now;
        None when it failed (logged: the primary's transcript then stands)."""
        try:
            if early is not None:
                logger.debug("asr: whisper's opinion from the pause")
                opinion = early.opinion.result()
            else:
                opinion = self._opinion(audio, lead)
        except AssistantError as exc:
            logger.warning("asr: no second opinion (%s)", exc)
            return None
        self.last_opinion = opinion.text
        return opinion

    def checked_so_far(self, *, wait: bool = False) -> SoFar | None:
        """The words at the last pause, once whisper's opinion there (see so_far) is in and
        agrees with them: at the confidence the two agreeing earn. None until then (`wait`:
        the opinion is waited for), and when it did not agree or failed (never raises)."""
        early = self._early
        if early is None or early.paused != self._paused:
            return None  # not asked, or about other audio than the last pause's
        if wait:
            futures.wait([early.opinion])
        if not early.opinion.done():
            return None
        if early.checked is None:
            try:
                opinion = early.opinion.result()
            except Exception as exc:  # whatever broke, the doubt stays
                logger.warning("asr: no second opinion at the pause (%s)", exc)
                early.checked = early.so_far
            else:
                heard = Transcript((Hypothesis(early.text, early.so_far.confidence or 0.0),))
                weighed = self._weigh(heard, opinion)
                same = weighed.text == early.text  # not whisper's other command, nor rejected
                early.checked = replace(early.so_far, confidence=weighed.confidence * same)
        agreed = (early.checked.confidence or 0.0) >= AGREED_CONFIDENCE
        return early.checked if agreed else None

    def _words(self, heard: str) -> list[str]:
        """whisper's words as the grammar's are spelt, its hums (FILLERS) left out."""
        return [w for w in self._normalize(heard).split() if w not in FILLERS]

    def _too_long(self, audio: AudioChunk, text: str) -> bool:
        """The speech in `audio` lasted longer than `text` can be said in (TOO_LONG)."""
        per_second, slack = TOO_LONG
        frame_s = 0.03
        samples = to_mono_int16(audio).astype(np.float64)
        frame = int(audio.rate * frame_s)
        frames = samples[: len(samples) // frame * frame].reshape(-1, frame)
        if not len(frames):
            return False
        energy = 10.0 * np.log10(np.mean(frames**2, axis=1) + 1.0)
        loud = np.flatnonzero(energy > np.percentile(energy, 10) + SPEECH_ABOVE_DB)
        if not len(loud):
            return False
        speech_s = (loud[-1] - loud[0] + 1) * frame_s
        allowed = len(sounds().words(self._normalize(text))) / per_second + slack
        if speech_s <= allowed:
            return False
        logger.info("asr: %.1f s of speech for %r (%.1f s at most): asked about", speech_s,
                    text, allowed)  # fmt: skip
        return True

    def _weigh(self, transcript: Transcript, opinion: Heard) -> Transcript:
        """The primary's doubtful `transcript` in the light of whisper's `opinion` of the
        same audio."""
        heard = opinion.text
        words = self._words(heard)
        reading = self._normalize(transcript.text)
        said = reading.split()
        similarity = fuzz.ratio(" ".join(words), reading)
        logger.info("asr: second opinion %r on %r: %.0f%% alike", heard, transcript.text,
                    similarity)  # fmt: skip
        if not any(c.isalnum() for c in heard):
            # whisper writes nothing, or only a full stop, for noise and for a scrap of sound
            # (the wake phrase's last syllable, decoded by the grammar as a doubtful "loop"),
            # and rarely for a command: 2 of 576 espeak and piper commands, clean and at
            # 10 dB; 20 of 20 noise floors and 16 of 24 wake-phrase tails. (A hum, "Mm-hmm.",
            # is a sound it could not place: the doubt stays, see FILLERS.)
            logger.info("asr: whisper heard no words: %r rejected", transcript.text)
            return Transcript((), rejected=transcript.text)
        best, commands = transcript.alternatives[0], self._commands
        if commands is not None and _another_command(words, said, commands):
            # Before the talk check below: whisper's sentence is a command, so the commands
            # explain what was said, even when it is much longer than the grammar's reading
            # (piper's "play songs to sing in the car" run on from the wake phrase, read as
            # "play for fifteen more", was rejected as talk).
            if not opinion.sure:
                return transcript
            # Both readings, whisper's first (it was the right one far more often): the
            # matcher pools them when they mean one action and asks between them when not.
            logger.info("asr: whisper heard another command: %r or %r", " ".join(words), best.text)
            half = RIVAL_CONFIDENCE / 2
            readings = (Hypothesis(" ".join(words), half), Hypothesis(best.text, half))
            return Transcript(readings, rejected=transcript.rejected)
        low_similarity, more_words = UNEXPLAINED
        extra = len(words) - len(said)
        if opinion.sure and similarity < low_similarity and extra >= more_words:
            logger.info("asr: %r does not explain what was said: rejected", transcript.text)
            return Transcript((), rejected=transcript.text)
        respelt = commands is not None and _sounds_the_same(words, said, commands)
        if similarity < AGREE and not respelt:
            return transcript
        agreed = Hypothesis(best.text, max(best.confidence, AGREED_CONFIDENCE))
        return Transcript((agreed,), rejected=transcript.rejected)


def _mono(chunk: AudioChunk, rate: int) -> AudioChunk:
    """`chunk` as mono int16 at `rate`."""
    mono = AudioChunk(to_mono_int16(chunk).tobytes(), chunk.rate, timestamp=chunk.timestamp)
    if chunk.rate == rate:
        return mono
    resampler = Resampler(rate_in=chunk.rate, rate_out=rate)
    samples = resampler.process(mono).samples + resampler.flush().samples
    return AudioChunk(samples, rate, timestamp=chunk.timestamp)


def _doubtful(confidence: float) -> bool:
    """A confidence whisper is asked about (DOUBT)."""
    low, high = DOUBT
    return low <= confidence < high


def _another_command(heard: list[str], reading: list[str], commands: _Commands) -> bool:
    """whisper's words are a sentence of the grammar other than the reading."""
    return heard != reading and derives(commands.grammar, heard)


def _sounds_the_same(heard: list[str], reading: list[str], commands: _Commands) -> bool:
    """whisper's words are the reading's respelt: each stretch it changed or added holds no
    word of the commands, none of a name, and is at most one sound away; and the sentences
    sound alike."""
    say = sounds()
    for tag, h1, h2, r1, r2 in SequenceMatcher(None, heard, reading, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if any(w in commands.words for w in heard[h1:h2]):
            return False  # a word of a rival reading ("on" for "off")
        if any(w in commands.names for w in reading[r1:r2]):
            return False  # a name: "Matt" may be another than "Mac"
        ours, theirs = say.words(" ".join(reading[r1:r2])), say.words(" ".join(heard[h1:h2]))
        if Levenshtein.distance(ours, theirs) > 1:
            return False
    return fuzz.ratio(say.words(" ".join(heard)), say.words(" ".join(reading))) >= SOUNDS_AGREE
