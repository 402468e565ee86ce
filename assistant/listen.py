"""`assistant listen`: recognise and understand WAV files, or one command from the microphone.

A file is heard whole, as one utterance, up to `max_seconds` (a command takes a few seconds;
decoding costs time and memory in proportion: ten minutes of noise took a minute and 541 MB).
What went wrong with a file goes to stderr, naming it; stdout keeps one line per file.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from assistant.asr.base import Recognizer, Transcript
from assistant.audio.base import AudioChunk
from assistant.audio.endpoint import Endpointer, Utterance
from assistant.audio.files import FileSource
from assistant.config import NluConfig
from assistant.dialogue import decide
from assistant.errors import AssistantError
from assistant.nlu.base import IntentResult
from assistant.nlu.matcher import Matcher

DEFAULT_MAX_SECONDS = 30.0
"""How much of each file `assistant listen` hears unless --max-seconds says otherwise."""


@dataclass(frozen=True)
class Heard:
    """One recognised and understood recording."""

    source: str
    transcript: Transcript
    result: IntentResult | None
    audio_seconds: float
    processing_seconds: float
    """CPU-side wall time from the first chunk given to the recogniser to the intent."""

    def as_json(self) -> dict[str, Any]:
        result = self.result
        return {
            "file": self.source,
            "transcript": self.transcript.text,
            "alternatives": [
                {"text": h.text, "confidence": round(h.confidence, 3)}
                for h in self.transcript.alternatives
            ],
            "intent": result.intent if result else None,
            "slots": dict(result.slots) if result else {},
            "confidence": result.confidence if result else 0.0,
            "unresolved": dict(result.unresolved) if result else {},
            "audio_seconds": round(self.audio_seconds, 3),
            "processing_seconds": round(self.processing_seconds, 3),
        }

    def describe(self) -> str:
        result = self.result
        understood = f"{result.intent} {dict(result.slots)}" if result else "no match"
        return f"{self.source}: {self.transcript.text!r} -> {understood}"


def hear(
    chunks: Iterable[AudioChunk], *, source: str, recognizer: Recognizer, matcher: Matcher
) -> Heard:
    """Recognise the chunks as one utterance and match the alternatives."""
    audio_seconds = 0.0
    processing = 0.0
    for chunk in chunks:
        audio_seconds += chunk.seconds
        start = time.perf_counter()
        recognizer.accept(chunk)
        processing += time.perf_counter() - start
    start = time.perf_counter()
    transcript = recognizer.finish()
    hypotheses = [(h.text, h.confidence) for h in transcript.alternatives if h.text]
    result = matcher.match_alternatives(hypotheses)
    processing += time.perf_counter() - start
    return Heard(source, transcript, result, audio_seconds, processing)


def heard_line(heard: Heard, nlu: NluConfig, *, as_json: bool) -> str:
    """The output line for one recording, with what the dialogue would do with it."""
    decision = decide(heard.result, nlu)
    if as_json:
        return json.dumps({**heard.as_json(), "decision": decision}, ensure_ascii=False)
    return f"{heard.describe()} [{decision}]"


def listen_files(
    paths: Iterable[Path],
    *,
    recognizer: Recognizer,
    matcher: Matcher,
    nlu: NluConfig,
    max_seconds: float = DEFAULT_MAX_SECONDS,
    out: TextIO,
    err: TextIO,
    as_json: bool,
) -> int:
    """One line per file on `out`; 1 if any file could not be used (the rest go on)."""
    status = 0
    for path in paths:
        try:
            source = FileSource(path, max_seconds=max_seconds)
            heard = hear(source.chunks(), source=str(path), recognizer=recognizer, matcher=matcher)
        except AssistantError as exc:
            recognizer.finish()  # what was fed before the failure is no part of the next file
            status = 1
            print(f"assistant: {exc}", file=err, flush=True)
            if as_json:
                line = json.dumps({"file": str(path), "error": str(exc)}, ensure_ascii=False)
                print(line, file=out, flush=True)
            continue
        if source.capped:
            cap = f"{max_seconds:g} s"
            print(f"assistant: {path}: longer than {cap}: only the first {cap} were heard "
                  "(--max-seconds)", file=err, flush=True)  # fmt: skip
        if not heard.transcript.alternatives:
            rejected = heard.transcript.rejected
            why = f" (the nearest command, {rejected!r}, did not fit well)" if rejected else ""
            print(f"assistant: {path}: no speech recognised in it{why}", file=err, flush=True)
        print(heard_line(heard, nlu, as_json=as_json), file=out, flush=True)
    return status


def first_utterance(chunks: Iterable[AudioChunk], endpointer: Endpointer) -> Utterance | None:
    """The first complete utterance in a stream (the microphone), or None if it ends first."""
    for chunk in chunks:
        for event in endpointer.process(chunk):
            if isinstance(event, Utterance):
                return event
    for event in endpointer.flush():
        if isinstance(event, Utterance):
            return event
    return None
