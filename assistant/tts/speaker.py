"""The speaker: queues sentences, synthesises and plays them one by one on its own thread, and
stops at once when the owner talks over it (barge-in).
"""

from __future__ import annotations

import collections
import itertools
import logging
import threading
import time
import wave
from pathlib import Path

from assistant.errors import AssistantError, EngineError, UnsafeFolderError
from assistant.logsafe import shown
from assistant.player.base import ClipPlayer
from assistant.private_dirs import ensure_private
from assistant.tts.base import (
    SpeechEvent,
    SpeechEventSink,
    SpeechFinished,
    SpeechStarted,
    Synthesizer,
)

logger = logging.getLogger(__name__)


class Speaker:
    """Speaks sentences in the order given, through a ClipPlayer.

    All synthesis and playback happen on the speaker's worker thread, so say() and interrupt()
    return at once and a failing engine never raises into the caller. Each sentence taken up
    gives SpeechStarted then SpeechFinished on `on_event` (called on the worker thread: it must
    only enqueue). Sentences dropped by interrupt() before they were taken up give no events.

    The ClipPlayer is borrowed, not owned: close() leaves it open.
    """

    def __init__(
        self,
        *,
        synthesizer: Synthesizer,
        clips: ClipPlayer,
        work_dir: Path,
        on_event: SpeechEventSink | None = None,
        max_sentence_seconds: float = 120.0,
    ) -> None:
        """`work_dir` holds each sentence's WAV while it plays; `max_sentence_seconds` bounds
        how long a sentence may play before it is stopped and reported failed (a stuck player)."""
        try:
            ensure_private(work_dir)
        except UnsafeFolderError as e:
            raise EngineError(f"speech work directory: {e}") from e
        self._synth = synthesizer
        self._clips = clips
        self._work_dir = work_dir
        self._on_event = on_event
        self._max_seconds = max_sentence_seconds
        self._cond = threading.Condition()
        self._queue: collections.deque[tuple[int, str]] = collections.deque()
        self._generation = 0
        """Bumped by interrupt(): a sentence taken up under an older one is cut short."""
        self._pending = 0
        """Sentences said and not yet finished or dropped."""
        self._clip_playing = False
        self._closed = False
        self._names = itertools.count()
        self._thread = threading.Thread(target=self._run, name="speaker", daemon=True)
        self._thread.start()

    def say(self, text: str) -> None:
        """Queue `text` to be spoken after whatever is queued already."""
        text = " ".join(text.split())
        if not text:
            logger.warning("asked to say nothing; ignored")
            return
        with self._cond:
            if self._closed:
                logger.warning("speaker closed; not saying %r", text)
                return
            self._queue.append((self._generation, text))
            self._pending += 1
            self._cond.notify_all()

    def interrupt(self) -> None:
        """Stop the sentence being spoken and drop every queued one."""
        with self._cond:
            self._generation += 1
            self._pending -= len(self._queue)
            self._queue.clear()
            # Under the lock, so the worker cannot start a clip between our check and stop().
            if self._clip_playing:
                self._clips.stop()
            self._cond.notify_all()

    def wait(self, timeout: float) -> bool:
        """Block until everything said has been spoken (or dropped); False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: self._pending == 0, timeout)

    @property
    def speaking(self) -> bool:
        """True from say() until everything said has been spoken (or dropped)."""
        with self._cond:
            return self._pending > 0

    def close(self) -> None:
        """Stop speaking and end the worker thread (idempotent)."""
        with self._cond:
            self._closed = True
        self.interrupt()
        self._thread.join(timeout=30)
        if self._thread.is_alive():
            logger.warning("speaker thread did not stop within 30 s")

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._queue or self._closed)
                if self._closed:
                    return
                generation, text = self._queue.popleft()
            self._emit(SpeechStarted(text))
            interrupted, failed = self._speak(generation, text)
            self._emit(SpeechFinished(text, interrupted=interrupted, failed=failed))
            with self._cond:
                self._pending -= 1
                self._cond.notify_all()

    def _speak(self, generation: int, text: str) -> tuple[bool, bool]:
        """Synthesise and play one sentence; (interrupted, failed)."""
        target = self._work_dir / f"speech-{next(self._names)}.wav"
        try:
            # Made again if it was deleted (a cleaner of /tmp, the owner): speech must not stop
            # until a restart. Checked again too, since someone else may have made it meanwhile.
            ensure_private(self._work_dir)
            wav = self._synth.synthesize(text, target)
            seconds = _wav_seconds(wav)
            with self._cond:
                if generation != self._generation:
                    return True, False
                self._clips.play(wav)
                self._clip_playing = True
            started = time.monotonic()
            ended = self._clips.wait(seconds + self._max_seconds)
            with self._cond:
                self._clip_playing = False
                interrupted = generation != self._generation
            if not ended:
                self._clips.stop()
                logger.error("speech %r still playing after %.0f s; stopped", text, seconds)
                return interrupted, True
            played = time.monotonic() - started
            # A clip that ends long before its length was not heard (the player could not
            # open it, or something else replaced it). Players report the end of short clips
            # early by their output buffer (~0.2 s), hence the loose bound.
            if not interrupted and seconds > 1.0 and played < seconds / 4:
                logger.error("speech %r ended after %.2f s of %.2f s", text, played, seconds)
                return False, True
            return interrupted, False
        except AssistantError as e:
            logger.error("cannot speak %s: %s", shown(repr(text)), e)
            return False, True
        except Exception:
            logger.exception("cannot speak %s", shown(repr(text)))
            return False, True
        finally:
            target.unlink(missing_ok=True)

    def _emit(self, event: SpeechEvent) -> None:
        if self._on_event is None:
            return
        try:
            self._on_event(event)
        except Exception:
            logger.exception("speech event handler failed on %r", event)


def _wav_seconds(path: Path) -> float:
    try:
        with wave.open(str(path), "rb") as w:
            return w.getnframes() / w.getframerate()
    except (OSError, EOFError, wave.Error) as e:
        raise EngineError(f"speech WAV {path} unreadable: {e}") from e
