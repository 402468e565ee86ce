"""Spoken answers: the Synthesizer Protocol and the events a Speaker reports.

The engine behind the Protocol (pyttsx3 driving espeak-ng) lives in `pyttsx3_engine.py`; nothing
else imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


class Synthesizer(Protocol):
    """Turns a sentence into a WAV file."""

    @property
    def settings_key(self) -> str:
        """Everything besides the text that changes the audio (voice, rate, volume): two
        synthesizers with equal keys give the same speech for the same text."""
        ...

    def synthesize(self, text: str, path: Path) -> Path:
        """Write `text` spoken as a mono 16-bit WAV at `path` and return `path`.

        Raises EngineError when the engine fails or produces no audio; never returns silence
        for text that should have been spoken.
        """
        ...


@dataclass(frozen=True)
class SpeechStarted:
    """The speaker took up a sentence: its audio is about to be made and played (duck now)."""

    text: str


@dataclass(frozen=True)
class SpeechFinished:
    """The sentence taken up by the last SpeechStarted is over (restore the music now).

    Exactly one comes after each SpeechStarted, with the same text, before the next one.
    """

    text: str
    interrupted: bool
    """interrupt() or close() cut it short."""
    failed: bool = False
    """It could not be synthesised or played; the reason was logged."""


SpeechEvent = SpeechStarted | SpeechFinished
SpeechEventSink = Callable[[SpeechEvent], None]
"""Receives speech events on the speaker's own thread: it must only enqueue them."""
