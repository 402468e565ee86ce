"""Speech synthesis with pyttsx3 driving espeak-ng: the only module that imports pyttsx3.

pyttsx3's `say()` is unreliable on Linux (it shells out to `aplay`, drops queued sentences and
returns before the audio ends), so sentences are synthesised to WAV files with
`save_to_file()` + `runAndWait()` and played through the assistant's own ClipPlayer.
"""

from __future__ import annotations

import contextlib
import difflib
import importlib
import io
import logging
import queue
import sys
import threading
import time
import wave
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO, TypeVar

import numpy as np

from assistant.errors import EngineError

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEBIAN_PACKAGES = "espeak-ng libespeak-ng1"

MIN_PEAK = 64
"""A WAV whose loudest 16-bit sample is below this (about -54 dBFS) counts as silent."""


@dataclass(frozen=True)
class VoiceInfo:
    """One espeak-ng voice as pyttsx3 lists it."""

    id: str
    """espeak-ng's identifier, e.g. gmw/en-us."""
    name: str
    """e.g. English (America)."""
    languages: tuple[str, ...]
    """e.g. ("en-us",)."""


def resolve_voice(wanted: str, voices: Sequence[VoiceInfo]) -> VoiceInfo | None:
    """The voice the owner meant by `wanted`, or None.

    Tried in order, ignoring case: the full id (gmw/en-us), the id's last part (en-us), the
    name (English (America)), a language code (en-gb), and a language or family name
    (english, en). A family picks its shortest id, which is espeak-ng's main voice for it
    (english -> gmw/en, British English).
    """
    want = wanted.strip().casefold().replace("_", "-")
    if not want:
        return None
    tests: list[Callable[[VoiceInfo], bool]] = [
        lambda v: v.id.casefold() == want,
        lambda v: v.id.casefold().rsplit("/", 1)[-1] == want,
        lambda v: v.name.casefold() == want,
        lambda v: want in (lang.casefold() for lang in v.languages),
        lambda v: (
            v.name.casefold().split(" (")[0] == want
            or any(lang.casefold().startswith(want + "-") for lang in v.languages)
        ),
    ]
    for test in tests:
        found = [v for v in voices if test(v)]
        if found:
            return min(found, key=lambda v: len(v.id))
    return None


def describe_voices(wanted: str, voices: Sequence[VoiceInfo], limit: int = 8) -> str:
    """A short list for an error message: close matches first, then English voices."""
    short = {v.id.rsplit("/", 1)[-1]: v for v in voices}
    close = difflib.get_close_matches(wanted.casefold(), list(short), n=limit, cutoff=0.5)
    english = [k for k, v in short.items() if v.name.startswith("English")]
    picked = list(dict.fromkeys([*close, *english]))[:limit]
    return ", ".join(f"{k} ({short[k].name})" for k in picked)


class _DropSaveNotices(io.TextIOBase):
    """pyttsx3 prints "Audio saved to <path>" for every file; that is no output for a daemon
    or a CLI whose stdout is for answers. Everything else passes through."""

    def __init__(self, inner: TextIO) -> None:
        self._inner = inner
        self._dropping = False

    def write(self, s: str) -> int:
        if s.startswith("Audio saved to "):
            self._dropping = True
            return len(s)
        if self._dropping and s == "\n":
            self._dropping = False
            return len(s)
        self._dropping = False
        return self._inner.write(s)

    def flush(self) -> None:
        self._inner.flush()


class _Engine:
    """The process's one pyttsx3 engine and the errors it reported through its callback."""

    def __init__(self) -> None:
        try:
            import pyttsx3
        except ImportError as e:
            raise EngineError(f"pyttsx3 is not installed ({e}): pip install pyttsx3") from e
        try:
            self.engine: Any = pyttsx3.init()
            # pyttsx3's ctypes binding of libespeak-ng, for the one call its engine lacks.
            self._espeak: Any = importlib.import_module("pyttsx3.drivers._espeak")
        except (ImportError, RuntimeError, OSError) as e:
            raise EngineError(
                f"espeak-ng could not be loaded ({e}): install the Debian packages "
                f"{DEBIAN_PACKAGES}"
            ) from e
        self.default_voice: str = self.engine.getProperty("voice") or ""
        self.errors: list[str] = []
        self.finished = threading.Event()
        self.cancelled = False
        self.engine.connect("error", self._on_error)
        self.engine.connect("finished-utterance", self._on_finished)
        # A new engine counts itself busy and holds every setProperty() until a run loop has
        # started once; an empty run releases it. Started while espeak-ng is still busy with
        # the driver's own settings, that run would leave a pending cancel for our first
        # sentence.
        deadline = time.monotonic() + 5.0
        while self._espeak.IsPlaying() and time.monotonic() < deadline:
            time.sleep(0.001)
        self.engine.runAndWait()

    def _on_error(self, name: object = None, exception: object = None) -> None:
        self.errors.append(str(exception))

    def _on_finished(self, name: object = None, completed: object = None) -> None:
        # Called on espeak-ng's own thread once the WAV is written (or the sentence cancelled).
        if not completed:
            self.cancelled = True
        self.finished.set()

    def apply(self, voice: str, rate: int, volume: float, timeout: float) -> None:
        """Set the voice, rate and volume, and return once espeak-ng really uses them.

        pyttsx3 hands rate and volume to espeak-ng's command queue, and its run loop cancels
        that queue when it is not yet empty (espeak_Cancel), silently dropping the new
        values; so they are read back, and set again until they stick.
        """
        deadline = time.monotonic() + timeout
        while True:
            self.engine.setProperty("voice", voice)
            self.engine.setProperty("rate", rate)
            self.engine.setProperty("volume", volume)
            retry_at = min(deadline, time.monotonic() + 0.2)
            while time.monotonic() < retry_at:
                if self._applied(voice, rate, volume):
                    return
                time.sleep(0.001)
            if time.monotonic() >= deadline:
                raise EngineError(
                    f"espeak-ng did not take voice {voice}, rate {rate}, volume {volume:g} "
                    f"within {timeout:g} s"
                )

    def _applied(self, voice: str, rate: int, volume: float) -> bool:
        e = self.engine
        return bool(
            e.getProperty("voice") == voice
            and e.getProperty("rate") == rate
            and abs(e.getProperty("volume") - volume) < 0.006
            # The run loop cancels whatever espeak-ng is still busy with when it starts, which
            # would be our own sentence: start only once espeak-ng is idle.
            and not self._espeak.IsPlaying()
        )

    def voices(self) -> list[VoiceInfo]:
        return [
            VoiceInfo(
                id=str(v.id),
                name=str(v.name),
                languages=tuple(str(lang) for lang in (v.languages or ())),
            )
            for v in self.engine.getProperty("voices")
        ]


class _EngineThread:
    """The one thread that ever touches pyttsx3.

    libespeak-ng can be initialised once per process and pyttsx3 shares one engine per driver
    without locks, so every Pyttsx3Synthesizer in the process hands its work to this thread
    instead of calling the engine from whichever thread it runs on.
    """

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[tuple[Callable[[_Engine], Any], Future[Any]]] = (
            queue.SimpleQueue()
        )
        self._engine: _Engine | None = None
        # A daemon thread: a native engine that hangs must not keep the process from exiting.
        self._thread = threading.Thread(target=self._run, name="pyttsx3-engine", daemon=True)
        self._thread.start()

    def call(self, job: Callable[[_Engine], T], timeout: float) -> T:
        future: Future[T] = Future()
        self._jobs.put((job, future))
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise EngineError(f"espeak-ng did not answer within {timeout:g} s") from None

    def _run(self) -> None:
        while True:
            job, future = self._jobs.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                if self._engine is None:
                    self._engine = _Engine()
                future.set_result(job(self._engine))
            except BaseException as e:  # handed to the caller's thread, raised there
                future.set_exception(e)


_owner: _EngineThread | None = None
_owner_lock = threading.Lock()


def _engine_thread() -> _EngineThread:
    global _owner
    with _owner_lock:
        if _owner is None:
            _owner = _EngineThread()
        return _owner


def list_voices(timeout: float = 30.0) -> list[VoiceInfo]:
    """Every voice espeak-ng offers here."""
    return _engine_thread().call(lambda e: e.voices(), timeout)


class Pyttsx3Synthesizer:
    """Synthesizer on pyttsx3 + espeak-ng; WAVs are 22050 Hz mono 16-bit.

    Safe to call from any thread: the engine itself only ever runs on one private thread
    (see _EngineThread), so calls from several threads or instances are serialised.
    The voice is checked here, at construction, so a wrong config fails at start-up.
    """

    def __init__(self, *, voice: str, rate: int, volume: float, timeout: float = 30.0) -> None:
        """`voice` as in SpeechConfig.voice ("" = espeak-ng's default), `rate` in words per
        minute, `volume` 0..1, `timeout` seconds one sentence may take before EngineError."""
        if not 0.0 <= volume <= 1.0:
            raise EngineError(f"speech volume must be 0..1, got {volume}")
        if rate <= 0:
            raise EngineError(f"speech rate must be positive words per minute, got {rate}")
        self._rate = rate
        self._volume = volume
        self._timeout = timeout
        self._thread = _engine_thread()
        self._voice_id = self._thread.call(lambda e: self._resolve(e, voice), timeout)
        logger.info("speech voice %s, %d wpm, volume %.2f", self._voice_id, rate, volume)

    @staticmethod
    def _resolve(engine: _Engine, wanted: str) -> str:
        if not wanted.strip():
            return engine.default_voice
        voices = engine.voices()
        found = resolve_voice(wanted, voices)
        if found is None:
            raise EngineError(
                f"unknown speech voice {wanted!r}; available voices include "
                f"{describe_voices(wanted, voices)} (all: espeak-ng --voices)"
            )
        return found.id

    @property
    def voice_id(self) -> str:
        """The espeak-ng voice the setting resolved to, e.g. gmw/en-us."""
        return self._voice_id

    @property
    def settings_key(self) -> str:
        return f"pyttsx3:{self._voice_id}:{self._rate}:{self._volume:g}"

    def synthesize(self, text: str, path: Path) -> Path:
        if not text.strip():
            raise EngineError("there is no text to speak")
        if not path.parent.is_dir():
            # pyttsx3 would fail inside espeak's callback, where the error cannot reach us.
            raise EngineError(f"cannot write speech to {path}: no such directory")
        # A file left from an earlier run must not pass for this sentence if espeak writes none.
        path.unlink(missing_ok=True)
        # The engine thread gives up after `timeout` itself; the margin lets its error through.
        try:
            self._thread.call(lambda e: self._synthesize(e, text, path), self._timeout + 5.0)
            check_wav(path, text=text, expect_sound=self._volume > 0)
        except EngineError:
            path.unlink(missing_ok=True)  # no half or silent WAV left for anyone to play
            raise
        return path

    def _synthesize(self, e: _Engine, text: str, path: Path) -> None:
        # pyttsx3's run loop can cancel the sentence it has just started (a stop it remembers
        # from an earlier loop); a cancelled sentence is simply tried again.
        for _ in range(3):
            if self._attempt(e, text, path):
                return
            logger.debug("espeak-ng cancelled %r; trying again", text)
        raise EngineError(f"espeak-ng cancelled {text!r} three times")

    def _attempt(self, e: _Engine, text: str, path: Path) -> bool:
        """Synthesise once; False when espeak-ng cancelled the sentence."""
        # The engine is shared by every instance in the process: set all of ours each time.
        e.apply(self._voice_id, self._rate, self._volume, self._timeout)
        e.errors.clear()
        e.finished.clear()
        e.cancelled = False
        path.unlink(missing_ok=True)
        e.engine.save_to_file(text, str(path))
        with contextlib.redirect_stdout(_DropSaveNotices(sys.stdout)):
            e.engine.runAndWait()
            # espeak-ng synthesises on its own thread and pyttsx3's first runAndWait() returns
            # before it is done; a sentence started before the last one ended gets the last
            # one's audio. So wait for the engine's own "written" notice every time.
            if not e.finished.wait(self._timeout):
                raise EngineError(f"espeak-ng did not finish {text!r} within {self._timeout:g} s")
        if e.errors:
            raise EngineError(f"espeak-ng failed to speak {text!r}: {'; '.join(e.errors)}")
        return not e.cancelled


def check_wav(path: Path, *, text: str, expect_sound: bool) -> None:
    """Raise EngineError unless `path` is a 16-bit WAV with audio (and sound, if expected)."""
    try:
        with wave.open(str(path), "rb") as w:
            width = w.getsampwidth()
            frames = w.readframes(w.getnframes())
    except (OSError, EOFError, wave.Error) as e:
        raise EngineError(f"espeak-ng wrote no usable WAV for {text!r}: {e}") from e
    if width != 2 or not frames:
        raise EngineError(f"espeak-ng wrote an empty or odd WAV for {text!r} ({width} B/sample)")
    if expect_sound:
        peak = int(np.abs(np.frombuffer(frames, "<i2").astype(np.int32)).max())
        if peak < MIN_PEAK:
            raise EngineError(f"espeak-ng produced silence for {text!r} (peak {peak})")
