"""The wake phrase by microWakeWord: a small neural model per phrase (pymicro-wakeword's bundled
"okay nabu", "hey jarvis", "hey mycroft", "alexa"). The only module importing pymicro_wakeword
and pymicro_features.

Each 30 ms of audio gives the model's probability that the phrase has just been said; the mean
of the last few is compared with a cutoff. bench/bench_wake.py measures hits and false wakes
per phrase and cutoff beside the pocketsphinx keyphrase spotter.

The models learnt the phrase followed by a pause. Said straight into a command ("alexa play
...") the probability rises only part way (alexa: 0.1-0.4), and the command goes unheard. So
where it rises from PROBE_FROM, the detector asks a second copy of the model what it would say
had the speaker paused there: the last PROBE_CONTEXT_S of audio up to FIRE_LAG_S ago (where the
phrase ended, as the model's probability peaks that long after it), then a quiet room.
If that copy is sure (the cutoff), the phrase may have been said, ending at that cut: but a
command's first sounds, cut there, are as sure ("play s|ome music" sounds like "-lexa"). Such a
wake is run_on (WakeEvent.run_on): the daemon acts on it only once the recogniser has heard the
phrase before the command (asr.base.ConfirmsWake).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import numpy as np

from assistant.asr.base import WakeEvent
from assistant.asr.pcm import PcmAdapter
from assistant.audio.base import AudioChunk
from assistant.errors import EngineError

logger = logging.getLogger(__name__)

RATE = 16000
_STEP = RATE // 100  # the feature frontend takes 10 ms at a time

MICRO_PHRASES: dict[str, str] = {
    "okay nabu": "okay_nabu",
    "hey jarvis": "hey_jarvis",
    "hey mycroft": "hey_mycroft",
    "alexa": "alexa",
}
"""The phrases with a bundled model (as `wake.phrase` says them) and the model's name."""

CUTOFFS = {"okay_nabu": 0.85, "hey_jarvis": 0.97, "hey_mycroft": 0.95, "alexa": 0.95}
"""The probability cutoff when wake.micro_threshold is empty: the model's own, but for alexa
0.95 where it ships 0.9 (bench/bench_wake.py: the same hits, 41 of 42 at 10 dB, and 3 wakes
in three hours of talk instead of 6; on two later renderings of the talk, 1 and 2 wakes at
both, 42 and 41 of 42 hits at 10 dB, and 7-12 of 42 fired in time for a command said in the
same breath). At 0.97: 0 and 1 wakes, but 41 and 40 of 42 at 10 dB, 39 and 40 in music."""

FIRE_LAG_S = {"okay_nabu": 0.3, "hey_jarvis": 0.12, "hey_mycroft": 0.08, "alexa": 0.3}
"""How long after the phrase ended each model fires (bench/bench_wake_delay.py, the median on
piper's voices: 310, 118, 82 and 316 ms). The reported phrase end is this much before the
firing: a command in the same breath is decoded from there, and starting a little early (into
the phrase's last sound) loses nothing, while starting late cuts a word."""


PROBE_FROM = {"alexa": 0.1}
"""The smoothed probability from which the detector probes (see the module's docstring), for
the models that need it: hey mycroft fires in time for a command in the same breath on its own
(41 of 42, bench/bench_wake.py), alexa on 7 of 42."""
PROBE_CONTEXT_S = 1.5
"""Audio the probe hears before its cut: the phrase and the room before it."""
PROBE_HOLD_S = 0.3
"""A probe's wake is held this long: the phrase said before a real pause reaches the cutoff
by then, as a wake of its own (on "alexa" said alone, the probe fired first and its wake,
unconfirmed with no command after it, cost 11 of 42 hits, bench/bench_wake.py)."""
PROBE_PAUSE_S = 0.45
"""The quiet room after the cut: the models fire within FIRE_LAG_S of a pause's start."""


def micro_model(phrase: str) -> str | None:
    """The bundled model for `phrase` (any case and spacing), or None."""
    return MICRO_PHRASES.get(" ".join(phrase.lower().split()))


class MicroProbabilities:
    """The model's smoothed probability, one per 30 ms step, for a continuous 16 kHz stream."""

    def __init__(self, model: str) -> None:
        try:
            from pymicro_features import MicroFrontend
            from pymicro_wakeword import MicroWakeWord, Model
        except ImportError as exc:
            raise EngineError(
                f"pymicro-wakeword is not usable ({exc}): "
                "install it with `pip install pymicro-wakeword`"
            ) from exc
        self._model: Any = MicroWakeWord.from_builtin(Model(model))
        self._frontend: Any = MicroFrontend()
        self.default_cutoff = float(self._model.probability_cutoff)
        """The cutoff the model ships with."""
        self._pending = b""
        self._stride = int(self._model.stride)
        self._features = 0

    def process(self, pcm: bytes) -> Iterator[tuple[int, float]]:
        """Feed 16 kHz mono int16; each new probability with the bytes of `pcm` left after
        the audio it covers (0: it ends with `pcm`)."""
        audio = self._pending + pcm
        done = 0
        while done + 2 * _STEP <= len(audio):
            result = self._frontend.process_samples(audio[done : done + 2 * _STEP])
            done += 2 * result.samples_read
            if not result.features:
                continue
            probability = self._model.process_streaming_prob(_as_features(result.features))
            self._features += 1
            # The model answers once per stride of features (3: 30 ms); in between it says 0.
            if probability is not None and self._features % self._stride == 0:
                yield len(audio) - done, float(probability)
        self._pending = audio[done:]

    def reset(self) -> None:
        self._pending = b""
        self._features = 0
        self._frontend.reset()
        self._model.reset()  # reloads the model: its recurrent state is otherwise kept


def _as_features(values: list[float]) -> Any:
    return np.array(values, dtype=np.float32).reshape((1, 1, len(values)))


class MicroWakeDetector:
    """WakeDetector for the phrases in MICRO_PHRASES."""

    def __init__(
        self,
        *,
        phrase: str = "alexa",
        threshold: float | None = None,
        probe_from: float | None = None,
    ) -> None:
        """`threshold` is the probability cutoff, 0..1: higher wakes less often (None: the
        phrase's entry in CUTOFFS). `probe_from`: the probability from which it probes (see
        the module's docstring; None: the phrase's PROBE_FROM, if any; at `threshold` or
        above: it never does)."""
        model = micro_model(phrase)
        if model is None:
            raise EngineError(
                f"microWakeWord has no model for {phrase!r}: one of {', '.join(MICRO_PHRASES)}"
            )
        self.phrase = " ".join(phrase.lower().split())
        self._probabilities = MicroProbabilities(model)
        self._lag = FIRE_LAG_S[model]
        self.threshold = CUTOFFS[model] if threshold is None else threshold
        self.probe_from = PROBE_FROM.get(model, 1.0) if probe_from is None else probe_from
        probing = self.probe_from < self.threshold
        self._prober = MicroProbabilities(model) if probing else None
        self._history = b""
        """The latest audio, as the model heard it: what a probe is cut from."""
        self._held: WakeEvent | None = None
        """A probe's wake, held for PROBE_HOLD_S (its `when`: the step it was heard at)."""
        self._adapter = PcmAdapter(rate=RATE)
        self._fired = False
        logger.info("wake: %s", self.name)

    @property
    def name(self) -> str:
        probing = f", probing from {self.probe_from:g}" if self._prober is not None else ""
        return f"microWakeWord {self.phrase!r} (threshold {self.threshold:g}{probing})"

    def process(self, chunk: AudioChunk) -> WakeEvent | None:
        if not any(chunk.samples):
            # Exact digital silence (a muted or idle virtual device) holds no phrase: not run.
            # (Fed to the model it would be harmless: the adapter's dither is a quiet room.)
            return None
        pcm = self._adapter.convert(chunk)
        when = chunk.timestamp + chunk.seconds
        keep = 2 * int((PROBE_CONTEXT_S + self._lag) * RATE) + len(pcm)
        self._history = (self._history + pcm)[-keep:] if self._prober is not None else b""
        found: WakeEvent | None = None
        for left, probability in self._probabilities.process(pcm):
            # Once per rise: the mean stays high for a few steps after, and after a probe
            # fired it may still rise past the cutoff as the command goes on.
            if probability < min(self.probe_from, self.threshold):
                self._fired = False
            fired = when - left / (2 * RATE)
            held = self._held
            if found is not None:
                continue
            if held is not None:
                # A probe's wake waits PROBE_HOLD_S: if a pause follows after all, the model
                # hears the phrase itself, and that wake needs no confirming.
                if probability > self.threshold:
                    self._held = None
                    found = WakeEvent(when=when, score=probability, phrase_end=held.phrase_end)
                elif fired >= held.when + PROBE_HOLD_S:
                    self._held = None
                    found = replace(held, when=when)
                continue
            if self._fired:
                continue
            if probability > self.threshold:
                found = WakeEvent(
                    when=when, score=probability, phrase_end=max(fired - self._lag, 0.0)
                )
            elif self._prober is not None and probability >= self.probe_from:
                cut = len(self._history) - left - 2 * int(self._lag * RATE)
                paused = self._probe(cut)
                if paused > self.threshold:
                    end = max(fired - self._lag, 0.0)
                    self._held = WakeEvent(when=fired, score=paused, phrase_end=end, run_on=True)
            self._fired = found is not None or self._held is not None
        if found is not None:
            logger.info(
                "wake: heard %r ending at %.2f s, at %.2f s (probability %.3f%s)",
                self.phrase,
                found.phrase_end,
                when,
                found.score,
                ", run on into speech: to be confirmed" if found.run_on else "",
            )
        return found

    def _probe(self, cut: int) -> float:
        """The model's probability had the speaker paused `cut` bytes into the history: its
        last PROBE_CONTEXT_S, then PROBE_PAUSE_S of the room's own quiet."""
        assert self._prober is not None
        start = max(0, cut - 2 * int(PROBE_CONTEXT_S * RATE))
        heard = np.frombuffer(self._history[start:cut], dtype="<i2")
        if len(heard) < RATE // 2:
            return 0.0  # too little to have held the phrase
        self._prober.reset()
        probabilities = [p for _, p in self._prober.process(heard.tobytes() + _quiet(heard))]
        return max(probabilities, default=0.0)

    def reset(self) -> None:
        self._probabilities.reset()
        self._adapter.flush()
        self._history = b""
        self._held = None
        self._fired = False


def _quiet(heard: np.ndarray) -> bytes:
    """PROBE_PAUSE_S of a pause in the room `heard` was recorded in: noise at the level of its
    quietest 30 ms frames (a tenth of them), as a room sounds between words."""
    frame = RATE * 3 // 100
    frames = heard[: len(heard) // frame * frame].astype(np.float64).reshape(-1, frame)
    level = float(np.percentile(np.sqrt(np.mean(frames**2, axis=1)), 10))
    rng = np.random.default_rng(len(heard))  # the same pause for the same audio
    pause = rng.normal(0.0, max(level, 1.0), int(PROBE_PAUSE_S * RATE))
    return np.clip(np.round(pause), -32768, 32767).astype("<i2").tobytes()
