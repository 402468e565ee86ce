"""vosk: a Kaldi recogniser with an installed model folder, constrained by a phrase list.

The only module that imports vosk. vosk crashes the whole process (segfault) on a malformed
grammar, says nothing when fed audio at the wrong rate, and tries the network when asked for a
model by language: so grammars are validated here, audio always goes through a PcmAdapter, and
models are only ever loaded from a folder.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.asr.base import Grammar, Hypothesis, SoFar, Transcript
from assistant.asr.completion import GrammarWalk
from assistant.asr.grammars import UNKNOWN, derives, phrase_list
from assistant.asr.pcm import PcmAdapter
from assistant.audio.base import AudioChunk
from assistant.errors import EngineError, ModelError

logger = logging.getLogger(__name__)

INSTALL_HINT = (
    "install one with `assistant models install URL-or-zip` "
    "(vosk models: https://alphacephei.com/vosk/models) and set asr.vosk_model to its folder"
)


def _vosk() -> Any:
    try:
        import vosk
    except (ImportError, OSError) as exc:  # OSError: the bundled libvosk.so failed to load
        raise EngineError(
            f"vosk cannot be loaded ({exc}): install it with `pip install vosk`"
        ) from exc
    vosk.SetLogLevel(-1)
    return vosk


def validate_phrases(phrases: object) -> list[str]:
    """The phrase list if vosk can take it safely; ValueError saying what is wrong otherwise."""
    if not isinstance(phrases, (list, tuple)) or not phrases:
        raise ValueError("a vosk grammar must be a non-empty list of phrases")
    for i, phrase in enumerate(phrases):
        if not isinstance(phrase, str) or not phrase.strip():
            raise ValueError(f"vosk grammar phrase {i} is not a non-empty string: {phrase!r}")
    return [" ".join(p.split()) for p in phrases]


def load_model(path: Path) -> Any:
    """A vosk.Model from a folder; ModelError naming the folder if it is not a usable model."""
    if not path.is_dir():
        raise ModelError(f"no vosk model at {path}: {INSTALL_HINT}")
    vosk = _vosk()
    try:
        return vosk.Model(str(path))
    except Exception as exc:  # vosk raises a bare Exception("Failed to create a model")
        raise ModelError(f"{path} is not a usable vosk model ({exc}): {INSTALL_HINT}") from exc


class VoskRecognizer:
    """Streaming recogniser on a vosk model; grammar mode gives vosk the grammar's phrases."""

    def __init__(
        self,
        *,
        model_path: Path,
        grammar: Grammar | None = None,
        alternatives: int = 5,
        max_sentences: int = 5000,
        model: Any = None,
    ) -> None:
        """`model` is an already loaded vosk.Model for `model_path` (models take seconds and
        hundreds of MB to load, so one can be shared)."""
        self._vosk = _vosk()
        self._path = model_path
        self._model = model if model is not None else load_model(model_path)
        self._rate = self._model_rate(model_path)
        self._adapter = PcmAdapter(rate=self._rate)
        self._alternatives = alternatives
        self._max_sentences = max_sentences
        self._grammar: Grammar | None = None
        self._walk: GrammarWalk | None = None
        self._phrases: list[str] | None = None
        self._sentences = False
        self._warned: set[str] = set()
        self._rec: Any = None
        self._active = False
        self._pending: list[dict[str, Any]] = []
        """Results of segments vosk ended itself (at a pause) within the current utterance."""
        self.set_grammar(grammar)

    @staticmethod
    def _model_rate(path: Path) -> int:
        """The sample rate the model was trained at (conf/mfcc.conf), 16 kHz if not stated."""
        conf = path / "conf" / "mfcc.conf"
        try:
            for line in conf.read_text(encoding="utf-8").splitlines():
                if line.strip().startswith("--sample-frequency="):
                    return int(float(line.split("=", 1)[1]))
        except (OSError, ValueError):
            pass
        return 16000

    @property
    def name(self) -> str:
        if self._phrases is None:
            mode = "free dictation"
        else:
            count = sum(1 for p in self._phrases if p != UNKNOWN)
            mode = f"grammar of {count} {'sentences' if self._sentences else 'words'}"
        return f"vosk {self._path.name} ({mode})"

    def set_grammar(self, grammar: Grammar | None) -> None:
        phrases: list[str] | None = None
        if grammar is not None:
            plist = phrase_list(grammar, max_sentences=self._max_sentences)
            phrases = self._known(validate_phrases(list(plist.phrases)))
            self._sentences = plist.sentences
        self._grammar = grammar
        self._walk = GrammarWalk.of(grammar) if grammar is not None else None
        self._phrases = phrases
        self._rec = self._new_recognizer()
        self._active = False
        self._pending = []
        logger.info("asr: %s", self.name)

    def _known(self, phrases: Sequence[str]) -> list[str]:
        """Phrases without words the model lacks (vosk would warn and never produce them)."""
        words = {w for p in phrases for w in p.split() if w != UNKNOWN}
        # FindWord returns -1 for a word not in the model's vocabulary.
        missing = {w for w in words if self._model.vosk_model_find_word(w) < 0}
        new = missing - self._warned
        if new:
            self._warned |= new
            logger.warning(
                "asr: %d words are unknown to the vosk model and were dropped: %s",
                len(new),
                ", ".join(sorted(new)[:30]),
            )
        kept = [p for p in phrases if not (set(p.split()) & missing)]
        if self._model.vosk_model_find_word(UNKNOWN) < 0:
            # Some models (the small Korean one) have no [unk]: rejection then rests on the
            # check that the result is a sentence of the grammar.
            kept = [p for p in kept if p != UNKNOWN]
        if not any(p != UNKNOWN for p in kept):
            raise EngineError(f"none of the grammar's phrases can be said with {self._path}")
        return validate_phrases(kept)

    def _new_recognizer(self) -> Any:
        if self._phrases is None:
            rec = self._vosk.KaldiRecognizer(self._model, self._rate)
        else:
            grammar_json = json.dumps(self._phrases, ensure_ascii=False)
            rec = self._vosk.KaldiRecognizer(self._model, self._rate, grammar_json)
        rec.SetMaxAlternatives(self._alternatives)
        rec.SetWords(False)
        return rec

    def accept(self, chunk: AudioChunk) -> str:
        data = self._adapter.convert(chunk)
        self._active = True
        if data and self._rec.AcceptWaveform(data):
            # vosk found an endpoint inside the utterance; keep going, the caller decides.
            self._pending.append(json.loads(self._rec.Result()))
        partial = json.loads(self._rec.PartialResult()).get("partial", "")
        return str(partial)

    def accept_silence(self, chunk: AudioChunk) -> None:
        # vosk decodes as audio comes: silence costs nothing more at finish().
        self.accept(chunk)

    def so_far(self) -> SoFar | None:
        """vosk decodes as audio comes: what it has so far is its partial result (and the
        segments it ended itself at pauses)."""
        if self._walk is None or not self._active:
            return None
        said = [_texts(r)[0][0] for r in self._pending if _texts(r)]
        said.append(str(json.loads(self._rec.PartialResult()).get("partial", "")))
        words = " ".join(said).split()
        if not words or UNKNOWN in words:
            return SoFar(text=" ".join(words), complete=False, longer=None)
        return self._walk.after(words)

    def finish(self) -> Transcript:
        if not self._active:
            return Transcript(())
        tail = self._adapter.flush()
        if tail:
            self._rec.AcceptWaveform(tail)
        results = [*self._pending, json.loads(self._rec.FinalResult())]
        self._pending.clear()
        self._active = False
        self._rec.Reset()
        return self._transcript(results)

    def _transcript(self, results: list[dict[str, Any]]) -> Transcript:
        """Join segment results; alternatives come from the last segment with speech."""
        spoken = [r for r in results if _texts(r)]
        if not spoken:
            return Transcript(())
        prefix = " ".join(_texts(r)[0][0] for r in spoken[:-1])
        ranked = [
            (" ".join(f"{prefix} {text}".split()), score) for text, score in _texts(spoken[-1])
        ]
        heard: dict[str, float] = {}
        rejected = ""
        for text, score in ranked:
            words = [w for w in text.split() if w != UNKNOWN]
            clean = " ".join(words)
            if not clean or UNKNOWN in text.split():
                rejected = rejected or text
                continue
            if self._grammar is not None and not derives(self._grammar, words):
                # vosk can join phrase words into a sequence that is in no phrase.
                rejected = rejected or text
                continue
            heard.setdefault(clean, score)
        if not heard:
            return Transcript((), rejected=rejected)
        top = max(heard.values())
        weights = {t: math.exp(min(0.0, s - top)) for t, s in heard.items()}
        total = sum(weights.values())
        return Transcript(
            tuple(Hypothesis(t, w / total) for t, w in sorted(weights.items(), key=lambda i: -i[1]))
        )


def _texts(result: dict[str, Any]) -> list[tuple[str, float]]:
    """(text, log-score) pairs of one vosk result, best first, empty texts dropped."""
    if "alternatives" in result:
        pairs = [
            (str(a.get("text", "")), float(a.get("confidence", 0.0)))
            for a in result["alternatives"]
        ]
    else:
        pairs = [(str(result.get("text", "")), 0.0)]
    return [(t.strip(), s) for t, s in pairs if t.strip()]
