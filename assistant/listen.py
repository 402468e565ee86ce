"""`assistant listen`: recognise and understand WAV files, or one command from the microphone."""

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
from assistant.errors import AssistantError
from assistant.nlu.base import IntentResult
from assistant.nlu.matcher import Matcher


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


def listen_files(
    paths: Iterable[Path],
    *,
    recognizer: Recognizer,
    matcher: Matcher,
    out: TextIO,
    as_json: bool,
) -> int:
    """One line per file; an unreadable file gets an error line and the rest go on."""
    status = 0
    for path in paths:
        try:
            heard = hear(
                FileSource(path).chunks(), source=str(path), recognizer=recognizer, matcher=matcher
            )
        except AssistantError as exc:
            status = 1
            line = json.dumps({"file": str(path), "error": str(exc)}) if as_json else str(exc)
            print(line, file=out, flush=True)
            continue
        print(json.dumps(heard.as_json(), ensure_ascii=False) if as_json else heard.describe(),
              file=out, flush=True)  # fmt: skip
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
