"""pocketsphinx: the embedded English recogniser, grammar-constrained, and keyphrase spotting.

The only module that imports pocketsphinx. The model is the one inside the pocketsphinx wheel
(`en-us`, 16 kHz), so this engine works with nothing installed beyond the package.

Out-of-grammar rejection: a JSGF search always returns some path, so a second decoder runs a
phone loop (the wheel's phone bigram) over the same audio. Speech the grammar explains scores
close to, or better than, the free phone loop; other speech scores much worse per frame. An
utterance is rejected when the grammar's best path is not a whole sentence of the grammar or
when its score per frame trails the phone loop's by more than `reject_margin`.

Confidence is a probability (acceptance()): of sentences kept at 0.8, about 8 in 10 mean what
was said, measured on bench/bench_spoken.py. It weighs the sentence's margin and its worst
word's: a sentence can fit well overall while one word was forced onto other speech ("turn
off the [oven] in ten minutes" heard as a sleep timer).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from assistant.asr.base import Grammar, Hypothesis, SoFar, Transcript
from assistant.asr.completion import GrammarWalk
from assistant.asr.fsg import WordGraph, compile_grammar, with_prefix
from assistant.asr.g2p import pronunciations
from assistant.asr.grammars import derives
from assistant.asr.jsgf import jsgf_word
from assistant.asr.pcm import PcmAdapter
from assistant.audio.base import AudioChunk
from assistant.errors import EngineError

logger = logging.getLogger(__name__)

RATE = 16000
FRAMES_PER_S = 100
"""pocketsphinx's feature frames (10 ms) per second."""
DEFAULT_REJECT_MARGIN = -9.0
"""Grammar minus phone-loop score per 10 ms frame (log base 1.0001) below which speech is
rejected. On bench/bench_spoken.py's library grammar, commands heard right and other speech
overlap widely: -9 keeps 1 in 4 of the out-of-domain sentences, -5 only 1 in 9 but also
drops a third of the commands at 20 dB SNR that were heard exactly right."""
LEAD_IN_S = 0.3
"""Quiet put before an utterance in which the search found no sentence (see _transcribe): as
much of the room as the endpointer's pre-roll gives every utterance that begins in it (0.1 s
of it was not enough)."""
_LOG_BASE = math.log(1.0001)  # pocketsphinx's log base: its Python API returns base**score
_NBEST_TEMPERATURE = 150.0
"""Score units (log base 1.0001) that make one n-best entry e times likelier than the next."""
_NBEST_SCAN = 200
NBEST_MAX_TRANSITIONS = 1000
"""Word graphs larger than this give only the best sentence: the lattice behind n-best costs
more than the decoding itself past it (bench/bench_asr.py)."""


ACCEPT_BIAS = 1.659
ACCEPT_MARGIN = 0.3277
ACCEPT_WORD_MARGIN = 0.0175
"""acceptance(): the probability that a whole sentence the grammar matched means what was
said, logistic in the sentence's margin over the phone loop and its worst word's. Fitted by
bench/fit_confidence.py on a bench_spoken corpus (seed 11: 300 espeak and 450 neural-voice
commands, 360 out-of-domain clips) other than the one the bench reports on (seed 7)."""


def acceptance(margin: float, word_margin: float) -> float:
    """P(the heard sentence is right) from its margins (see ACCEPT_BIAS)."""
    x = ACCEPT_BIAS + ACCEPT_MARGIN * margin + ACCEPT_WORD_MARGIN * word_margin
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, x))))


def _ps() -> Any:
    try:
        import pocketsphinx
    except ImportError as exc:  # the wheel bundles its C library, so only pip can fix this
        raise EngineError(
            f"pocketsphinx cannot be loaded ({exc}): install it with `pip install pocketsphinx`"
        ) from exc
    return pocketsphinx


def model_dir() -> Path:
    """The en-us model folder inside the pocketsphinx wheel."""
    return Path(_ps().get_model_path()) / "en-us"


def _room_quiet(pcm: bytes, seconds: float) -> bytes:
    """`seconds` of noise at the level of the quietest tenth of `pcm`'s 30 ms frames (int16
    at RATE): the room between words, never digital silence."""
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    frame = RATE * 3 // 100
    frames = samples[: len(samples) // frame * frame].reshape(-1, frame)
    level = float(np.percentile(np.sqrt(np.mean(frames**2, axis=1)), 10)) if len(frames) else 0.0
    rng = np.random.default_rng(len(pcm))  # the same decode for the same audio
    quiet = rng.normal(0.0, max(level, 1.0), int(seconds * RATE))
    return np.clip(np.round(quiet), -32768, 32767).astype("<i2").tobytes()


def _raw_score(value: float) -> float:
    """pocketsphinx's integer log score back from the probability its Python API returns."""
    return math.log(value) / _LOG_BASE if value > 0 else -1e12


class PocketsphinxRecognizer:
    """Recogniser on the embedded en-us model; grammar mode rejects other speech.

    The transcript comes from one pass over the whole utterance at finish(): the model's
    cepstral mean normalisation is per utterance ("batch"), and streaming with a running mean
    instead lost most first commands after start-up. With `partials` the audio is also decoded
    as it comes so accept() returns partial text, at about twice the CPU.
    """

    def __init__(
        self,
        *,
        grammar: Grammar | None = None,
        alternatives: int = 5,
        reject_margin: float = DEFAULT_REJECT_MARGIN,
        model: Path | None = None,
        partials: bool = False,
        wake_phrase: str | None = None,
    ) -> None:
        """`wake_phrase`: the phrase wake_phrase_end() listens for (None: it hears none)."""
        ps = _ps()
        self._model = model or model_dir()
        self._dict_path = self._model / "cmudict-en-us.dict"
        self._alternatives = alternatives
        self._reject_margin = reject_margin
        try:
            # No dictionary: set_grammar adds just the grammar's words. The full CMUdict costs
            # ~22 MB per decoder (28 MB against 6 MB), and the engine runs five.
            self._decoder, self._phones = self._pair(ps)
            # so_far() decodes on a pair of its own: a decoder's result depends on what it
            # decoded before (the same clip twice: confidence 0.944, then 0.951), so deciding
            # at a pause must not change what finish() hears in the utterances that go on.
            self._early_decoder, self._early_phones = self._pair(ps)
        except (RuntimeError, ValueError) as exc:
            raise EngineError(
                f"pocketsphinx could not load its model {self._model}: {exc}"
            ) from exc
        self._adapter = PcmAdapter(rate=RATE)
        self._grammar: Grammar | None = None
        self._spelling: dict[str, str] = {}
        self._searches = 0
        self._search = ""
        self._wake_words = tuple(jsgf_word(w) for w in (wake_phrase or "").lower().split())
        self._wake_search = ""
        """The grammar with the wake phrase allowed in front, on the early decoder only."""
        self._graph = WordGraph(start=0, final=1)
        self._in_utterance = False
        self._partials = partials
        self._streaming = False
        self._partial = ""
        self._buffer = bytearray()
        self._walk: GrammarWalk | None = None
        self._ahead: _Ahead | None = None
        """so_far()'s decode, for a finish() with no audio accepted since."""
        self.graph_size: tuple[int, int, int] = (0, 0, 0)
        """States, transitions and null transitions of the active grammar's word graph."""
        self.last_margin: float | None = None
        """Grammar minus phone-loop score per frame of the last utterance (None: incomplete)."""
        self.last_word_margin: float | None = None
        """The worst word's margin over the phone loop in the last utterance (None: none)."""
        self.set_grammar(grammar)

    def _pair(self, ps: Any) -> tuple[Any, Any]:
        """A grammar decoder and the phone loop it is measured against."""
        grammar = ps.Decoder(
            ps.Config(
                hmm=str(self._model / "en-us"),
                dict=None,
                lm=None,
                # The FSG search's "bestpath" rescoring builds a word lattice from every word
                # exit (quadratic in them: minutes on a library's grammar) and takes its best
                # path to whatever word ended last, ignoring the grammar's final state, so it
                # returned fragments ("play the we"). The Viterbi backtrace it replaces only
                # ends on the final state.
                bestpath=False,
                loglevel="FATAL",
            )
        )
        phones = ps.Decoder(
            ps.Config(
                hmm=str(self._model / "en-us"),
                dict=None,
                lm=None,
                allphone=str(self._model / "en-us-phone.lm.bin"),
                loglevel="FATAL",
            )
        )
        return grammar, phones

    @property
    def name(self) -> str:
        mode = f"grammar of {len(self._spelling)} words" if self._grammar else "language model"
        return f"pocketsphinx {self._model.name} ({mode})"

    def set_grammar(self, grammar: Grammar | None) -> None:
        if self._in_utterance:
            self.finish()
        search = f"s{self._searches}"
        self._searches += 1
        try:
            if grammar is None:
                # The language model's 130,000 words need the whole dictionary.
                for decoder in (self._decoder, self._early_decoder):
                    decoder.load_dict(str(self._dict_path))
                    decoder.add_lm_file(search, str(self._model / "en-us.lm.bin"))
                self._spelling = {}
                self._walk = None
            else:
                self._spelling = self._add_words(grammar.words())
                self._add_graph(search, grammar)
            for decoder in (self._decoder, self._early_decoder):
                decoder.activate_search(search)
                # current_search() crashes on a decoder with no search yet: track the name.
                if self._search:
                    decoder.remove_search(self._search)
            if self._wake_search:
                self._early_decoder.remove_search(self._wake_search)
                self._wake_search = ""
            self._search = search
            if grammar is not None and self._wake_words:
                self._add_wake_graph(f"{search}-wake")
        except (RuntimeError, ValueError) as exc:
            raise EngineError(f"pocketsphinx rejected the grammar: {exc}") from exc
        self._grammar = grammar
        logger.info("asr: %s", self.name)

    def _add_graph(self, search: str, grammar: Grammar) -> None:
        """The grammar as a word graph (see assistant.asr.fsg for why not add_jsgf_string)."""
        start = time.perf_counter()
        graph = compile_grammar(grammar, jsgf_word)
        # create_fsg takes a null transition as a 3-tuple (a None word is refused).
        transitions = [t if t[3] is not None else t[:3] for t in graph.transitions]
        for decoder in (self._decoder, self._early_decoder):
            fsg = decoder.create_fsg(search, graph.start, graph.final, transitions)
            decoder.add_fsg(search, fsg)
        self.graph_size = (graph.states, len(graph.transitions), graph.null_transitions)
        self._graph = graph
        spelling = self._spelling
        self._walk = GrammarWalk(graph, spoken=lambda w: spelling.get(w, w))
        logger.info(
            "asr: grammar of %d states, %d transitions (%d null) built in %.2f s",
            *self.graph_size,
            time.perf_counter() - start,
        )

    def _add_wake_graph(self, search: str) -> None:
        """The active grammar with the wake phrase allowed in front, for wake_phrase_end()."""
        spelled = {w: w for w in self._wake_words if self._early_decoder.lookup_word(w) is None}
        if spelled:
            add_words(self._early_decoder, spelled, self._dict_path)
        graph = with_prefix(self._graph, self._wake_words)
        transitions = [t if t[3] is not None else t[:3] for t in graph.transitions]
        fsg = self._early_decoder.create_fsg(search, graph.start, graph.final, transitions)
        self._early_decoder.add_fsg(search, fsg)
        self._wake_search = search

    def _add_words(self, words: set[str]) -> dict[str, str]:
        """Give every grammar word a dictionary entry; returns JSGF spelling -> grammar word."""
        spelling = {jsgf_word(w): w for w in words if w}
        new = {s: w for s, w in spelling.items() if self._decoder.lookup_word(s) is None}
        if new:
            for decoder in (self._decoder, self._early_decoder):
                add_words(decoder, new, self._dict_path)
        return spelling

    def pronunciation(self, word: str) -> str | None:
        """The phones the decoder uses for `word` (for tests and `assistant doctor`)."""
        phones: str | None = self._decoder.lookup_word(jsgf_word(word))
        return phones

    def accept(self, chunk: AudioChunk) -> str:
        data = self._adapter.convert(chunk)
        self._in_utterance = True
        self._buffer.extend(data)
        if not self._partials or not data:
            return self._partial
        if not self._streaming:
            self._decoder.start_utt()
            self._streaming = True
        self._decoder.process_raw(data, False, False)
        hyp = self._decoder.hyp()
        self._partial = self._words(hyp.hypstr) if hyp is not None else ""
        return self._partial

    def _decode(self, decoder: Any, pcm: bytes, open_end: list[str] | None = None) -> Any:
        """One whole-utterance pass: batch cepstral mean normalisation needs all the audio.

        `open_end` gets the best path ending anywhere in the grammar, not only at the end of
        a sentence (the search's partial hypothesis, before the utterance is closed)."""
        decoder.start_utt()
        decoder.process_raw(pcm, False, True)
        if open_end is not None:
            partial = decoder.hyp()
            open_end.append(self._words(partial.hypstr) if partial is not None else "")
        decoder.end_utt()
        return decoder.hyp()

    def _words(self, hypstr: str) -> str:
        return " ".join(self._spelling.get(w, w) for w in hypstr.split())

    def finish(self) -> Transcript:
        if not self._in_utterance:
            return Transcript(())
        pcm = bytes(self._buffer) + self._adapter.flush()
        ahead, self._ahead = self._ahead, None
        self._buffer.clear()
        self._in_utterance = False
        self._partial = ""
        if self._streaming:
            self._decoder.end_utt()
            self._streaming = False
        if ahead is not None and ahead.pcm_bytes == len(pcm):
            self.last_margin, self.last_word_margin = ahead.margin, ahead.word_margin
            return ahead.transcript
        return self._transcribe(pcm, self._decoder, self._phones)

    def so_far(self) -> SoFar | None:
        """The audio accepted so far, decoded as finish() would (phone loop and worst word
        included) on a decoder pair of its own: the decode is kept, and a finish() with no
        audio accepted since returns it without decoding again."""
        if self._walk is None or not self._in_utterance or self._streaming:
            return None  # streaming: the decoder is inside the utterance already
        pcm_bytes = len(self._buffer)
        if self._ahead is None or self._ahead.pcm_bytes != pcm_bytes:
            open_end: list[str] = []
            transcript = self._transcribe(
                bytes(self._buffer), self._early_decoder, self._early_phones, open_end
            )
            self._ahead = _Ahead(pcm_bytes, transcript, self.last_margin, self.last_word_margin,
                                 open_end[0] if open_end else "")  # fmt: skip
        ahead = self._ahead
        text = ahead.transcript.text
        if not text or ahead.open_end != text:
            # The best path overall stops inside a sentence ("set the volume to"): the search
            # forced the audio into a whole one ("set the volume at two"). Not finished.
            return SoFar(text=text or ahead.transcript.rejected, complete=False, longer=None)
        return replace(self._walk.after(text.split()), confidence=ahead.transcript.confidence)

    @property
    def wake_phrase(self) -> str:
        return " ".join(self._wake_words)

    def wake_phrase_end(self, audio: AudioChunk) -> float | None:
        """Seconds into `audio` at which the wake phrase ended, when the grammar's best path
        through it, with the phrase allowed in front and ending anywhere (the audio may stop
        mid-command), begins with the phrase; None when it does not.

        A run-on wake is either the phrase said straight into a command or a command's first
        sounds ("play s|ome music") that the wake model took for the phrase. Either way the
        audio holds a command: the grammar decides whether the phrase before it explains the
        sounds best. Decoded on the early pair, away from finish()'s decoder."""
        if not self._wake_search:
            return None
        pcm = PcmAdapter(rate=RATE).convert(audio)
        decoder = self._early_decoder
        try:
            decoder.activate_search(self._wake_search)
            decoder.start_utt()
            decoder.process_raw(pcm, False, True)
            # Before end_utt: the best path ending anywhere, not only at a sentence's end.
            spans = [(seg.word.split("(")[0], seg.end_frame) for seg in decoder.seg()]
            decoder.end_utt()
        except (RuntimeError, ValueError) as exc:
            raise EngineError(f"pocketsphinx could not decode: {exc}") from exc
        finally:
            decoder.activate_search(self._search)
        spoken = [(w, end) for w, end in spans if w and not w.startswith(("<", "["))]
        words = tuple(w for w, _ in spoken)
        said = words[: len(self._wake_words)] == self._wake_words
        logger.info("asr: %r before the command? %s (heard %r)", " ".join(self._wake_words),
                    "yes" if said else "no", self._words(" ".join(words)))  # fmt: skip
        return (spoken[len(self._wake_words) - 1][1] + 1) / FRAMES_PER_S if said else None

    def accept_silence(self, chunk: AudioChunk) -> None:
        """The rest of the trailing silence after so_far(): left out, so that finish() returns
        the decode made there instead of decoding the same words again with more silence
        (the whole decode is ~0.3 s of an answer's wait here). Accepted as usual when there
        is no such decode of all the audio so far."""
        ahead = self._ahead
        if ahead is None or ahead.pcm_bytes != len(self._buffer):
            self.accept(chunk)

    def _transcribe(
        self, pcm: bytes, decoder: Any, phones: Any, open_end: list[str] | None = None
    ) -> Transcript:
        """One utterance's transcript from all its audio, by a grammar decoder and its phone
        loop (sets last_margin, last_word_margin); `open_end` as for _decode."""
        self.last_margin = None
        self.last_word_margin = None
        if len(pcm) < RATE // 10:  # under 50 ms: nothing to decode
            return Transcript(())
        hyp = self._decode(decoder, pcm, open_end)
        if self._grammar is not None and (hyp is None or not hyp.hypstr):
            # Begun mid-speech (a command straight on from the wake phrase, where listening
            # starts), the search may find no sentence at all: 2 of 12 of piper's "alexa
            # play songs to sing in the car" in one breath, heard right after the room's
            # quiet, which every utterance that begins in the room has (its pre-roll).
            pcm = _room_quiet(pcm, LEAD_IN_S) + pcm
            if open_end is not None:
                open_end.clear()
            hyp = self._decode(decoder, pcm, open_end)
        if self._grammar is None:
            return self._free_transcript(hyp)
        if hyp is None or not hyp.hypstr:
            return Transcript(())
        phone_hyp = self._decode(phones, pcm)
        text = self._words(hyp.hypstr)
        frames = max(decoder.n_frames(), 1)
        phone_score = _raw_score(phone_hyp.score) if phone_hyp is not None else -1e12
        margin = (_raw_score(hyp.score) - phone_score) / frames
        complete = derives(self._grammar, text.split())
        self.last_margin = margin if complete else None
        if not complete or margin < self._reject_margin:
            logger.info("asr: rejected %r (complete=%s, margin %.2f)", text, complete, margin)
            return Transcript((), rejected=text)
        self.last_word_margin = self._min_word_margin(self._word_spans(decoder), phones)
        accept = acceptance(margin, self.last_word_margin)
        return Transcript(self._nbest(text, hyp.score, accept, decoder))

    def _word_spans(self, decoder: Any) -> list[tuple[str, int, int, float]]:
        """(decoder word, first frame, last frame, acoustic score) of each word of the best
        path; silences and fillers left out, pronunciation variants ("on(2)") as the word."""
        spans = []
        for seg in decoder.seg():
            word = seg.word.split("(")[0]  # null arcs are "(NULL)"
            if not word or word.startswith(("<", "[")):  # silence and fillers
                continue
            spans.append((word, seg.start_frame, seg.end_frame, _raw_score(seg.ascore)))
        return spans

    def _min_word_margin(self, spans: list[tuple[str, int, int, float]], phone_loop: Any) -> float:
        """The worst word's acoustic score per frame minus the phone loop's over the same frames.

        The whole-sentence margin averages: a sentence whose words fit well except one that
        was forced onto other speech ("turn off the [oven] in ten minutes") still scores
        well. The worst word shows it.
        """
        phones = [(seg.start_frame, seg.end_frame, _raw_score(seg.ascore))
                  for seg in phone_loop.seg()]  # fmt: skip
        worst = math.inf
        for _, first, last, score in spans:
            loop = 0.0
            for start, end, phone_score in phones:
                overlap = min(end, last) - max(start, first) + 1
                if overlap > 0:
                    loop += phone_score * overlap / (end - start + 1)
            worst = min(worst, (score - loop) / (last - first + 1))
        return worst if spans else 0.0

    def _nbest(
        self, best: str, best_score: float, accept: float, decoder: Any
    ) -> tuple[Hypothesis, ...]:
        """Up to `alternatives` distinct whole sentences, confidences summing to `accept`."""
        scored: dict[str, float] = {best: _raw_score(best_score)}
        assert self._grammar is not None  # only called in grammar mode
        # nbest() builds the search's word lattice, quadratic in its word exits: cheap on a
        # small grammar, seconds per utterance on a library's (bench/bench_asr.py).
        if self._alternatives > 1 and self.graph_size[1] <= NBEST_MAX_TRANSITIONS:
            self._scan_nbest(scored, decoder)
        top = max(scored.values())
        weights = {t: math.exp((s - top) / _NBEST_TEMPERATURE) for t, s in scored.items()}
        total = sum(weights.values())
        ranked = sorted(weights.items(), key=lambda item: -item[1])
        return tuple(Hypothesis(t, accept * w / total) for t, w in ranked)

    def _scan_nbest(self, scored: dict[str, float], decoder: Any) -> None:
        assert self._grammar is not None
        for i, entry in enumerate(decoder.nbest()):
            if i >= _NBEST_SCAN or len(scored) >= self._alternatives:
                break
            if entry is None:
                continue
            text = self._words(entry.hypstr)
            if text and text not in scored and derives(self._grammar, text.split()):
                scored[text] = _raw_score(entry.score)

    def _free_transcript(self, hyp: Any) -> Transcript:
        if hyp is None or not hyp.hypstr:
            return Transcript(())
        return Transcript((Hypothesis(hyp.hypstr, min(1.0, max(0.0, hyp.prob))),))


@dataclass(frozen=True)
class _Ahead:
    """A decode of the utterance so far, and how much audio it heard."""

    pcm_bytes: int
    transcript: Transcript
    margin: float | None
    word_margin: float | None
    open_end: str
    """The best path ending anywhere in the grammar (see _decode)."""


def add_words(decoder: Any, words: Mapping[str, str], cmudict: Path) -> None:
    """Add `words` (decoder spelling -> written word) to a decoder's dictionary, with every
    CMUdict pronunciation ("the": DH AH and DH IY) or a guess for words it lacks."""
    entries, guessed = pronunciations(words, cmudict=cmudict)
    flat = [
        (spelling if i == 0 else f"{spelling}({i + 1})", phones)
        for spelling, variants in entries.items()
        for i, phones in enumerate(variants)
    ]
    for i, (name, phones) in enumerate(flat):
        # Rebuilding the search structures once, after the last word, is much faster.
        decoder.add_word(name, phones, i == len(flat) - 1)
    if guessed:
        logger.info(
            "asr: %d words not in the dictionary were given pronunciations: %s",
            len(guessed),
            ", ".join(sorted(guessed)[:20]),
        )


@dataclass(frozen=True)
class Keyphrase:
    """The spotted phrase: its detection score (0..1) and how long before the end of the audio
    fed so far the phrase itself ended."""

    score: float
    ended_ago_s: float


class KeyphraseSpotter:
    """pocketsphinx keyphrase search over a continuous 16 kHz stream."""

    def __init__(self, *, phrase: str, threshold: float, model: Path | None = None) -> None:
        ps = _ps()
        self._model = model or model_dir()
        self.phrase = " ".join(phrase.lower().split())
        try:
            self._decoder = ps.Decoder(
                ps.Config(
                    hmm=str(self._model / "en-us"),
                    dict=None,
                    lm=None,
                    kws_threshold=threshold,
                    loglevel="FATAL",
                )
            )
            words = {jsgf_word(w): w for w in self.phrase.split()}
            add_words(self._decoder, words, self._model / "cmudict-en-us.dict")
            self._decoder.add_keyphrase("wake", " ".join(words))
            self._decoder.activate_search("wake")
        except (RuntimeError, ValueError) as exc:
            raise EngineError(f"pocketsphinx could not spot {phrase!r}: {exc}") from exc
        self._in_utterance = False
        self._fed_samples = 0

    def process(self, pcm: bytes) -> Keyphrase | None:
        """Feed 16 kHz mono int16; the detection if the phrase was just recognised."""
        if not self._in_utterance:
            self._decoder.start_utt()
            self._in_utterance = True
            self._fed_samples = 0
        self._decoder.process_raw(pcm, False, False)
        self._fed_samples += len(pcm) // 2
        hyp = self._decoder.hyp()
        if hyp is None:
            return None
        # The search confirms the phrase some frames after it ended; its segment says where.
        ends = [seg.end_frame for seg in self._decoder.seg()]
        fed_s = self._fed_samples / RATE
        ended_ago = fed_s - (max(ends) + 1) / FRAMES_PER_S if ends else 0.0
        found = Keyphrase(score=float(hyp.score), ended_ago_s=min(max(ended_ago, 0.0), fed_s))
        self.reset()
        return found

    def reset(self) -> None:
        if self._in_utterance:
            self._decoder.end_utt()
            self._in_utterance = False
