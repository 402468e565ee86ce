"""End-of-speech detection: turns a stream of chunks into utterances with a VAD.

An utterance starts when enough of the recent frames are speech (with pre-roll kept so the
first phoneme is not cut), ends after a stretch of trailing silence, and is cut off at a
maximum length. A shorter silence is reported as a pause: the caller, who can tell whether
the words so far are a finished command, may end the utterance there (`end_here`). Besides
the VAD, a frame must stand out above the room's noise floor, which adapts to steady sounds
(music playing, a fan), so a steady background never holds an utterance open.
"""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from enum import Enum

import numpy as np

from assistant.audio.base import VAD_RATE, AudioChunk, Vad
from assistant.audio.dither import DITHER_POWER
from assistant.audio.resample import Resampler

logger = logging.getLogger(__name__)

_GAP_S = 0.25
"""A jump in chunk timestamps bigger than this is a gap in capture (e.g. a re-opened device)."""
_ONSET_LOOKBACK_S = 0.6
"""How far before the VAD's decision the energy onset of the speech is looked for: neural
detectors need a few frames of context, so their probability rises after the first phoneme."""
_ONSET_MARGIN_DB = 3.0
"""How far above the noise floor a frame counts as part of the onset: well clear of the frame
to frame spread of steady noise (under 1 dB for 10 ms of white noise)."""
_MAX_SWING_DB = 6.0
"""The most a swinging background raises the speech margin to (the old fixed margin)."""
_END_RUN = 3
"""Consecutive speech frames above the floor that move an utterance's end: a lone 10-30 ms
burst of pink noise or music can pass both tests."""
_ONSET_GAP_S = 0.2
"""Quiet stretch that still belongs to the onset (a plosive closure, a weak syllable)."""
_QUIETEST_FLOOR_DB = 10.0 * math.log10(DITHER_POWER + 1.0)
"""The noise floor is never put below the dither every recogniser hears anyway (frame energy
in dB, as `Endpointer._classify` measures it). Digital silence (a clean file, an idle virtual
device) is no room: a floor of 0 dB made the faintest hiss after it stand out as speech."""


@dataclass(frozen=True)
class SpeechStarted:
    """Speech began (the daemon ducks music now)."""

    start: float
    """Source time of the first speech frame, in seconds."""
    detected_at: float
    """time.monotonic() when the start was decided."""


@dataclass(frozen=True)
class Utterance:
    """One stretch of speech, 16 kHz mono int16, with pre-roll before and silence after."""

    audio: AudioChunk
    start: float
    """Source time of the first speech frame, in seconds."""
    end: float
    """Source time just after the last speech frame, in seconds."""
    capped: bool
    """True if cut off at the maximum length rather than ended by silence."""
    ended_at: float
    """time.monotonic() when the end was decided (trailing silence after `end`)."""
    early: bool = False
    """Ended at a pause (`complete_silence_ms`) because the words made a finished command,
    not after the whole trailing silence."""

    @property
    def speech_end_monotonic(self) -> float:
        """When the speaker stopped, on the time.monotonic() clock (live sources only):
        the reference for end-of-speech-to-response latency."""
        decided_source_time = self.audio.timestamp + self.audio.seconds
        return self.ended_at - max(0.0, decided_source_time - self.end)


@dataclass(frozen=True)
class Paused:
    """The speaker has been silent for `complete_silence_ms`: the utterance may be over.

    Nothing after this moment has been heard yet when the event is returned, so the caller
    can end the utterance exactly here (Endpointer.end_here) or let it go on."""

    audio: AudioChunk
    """The utterance so far (pre-roll included), 16 kHz mono int16."""
    end: float
    """Source time just after the last speech frame, in seconds."""
    detected_at: float
    """time.monotonic() when the pause was heard."""


EndpointEvent = SpeechStarted | Paused | Utterance


class _State(Enum):
    IDLE = "idle"
    SPEECH = "speech"
    COOLDOWN = "cooldown"
    """After a capped utterance: wait for silence before listening for a new one."""


class NoiseFloor:
    """A low percentile of frame energies over the last few seconds, in dB, and how much the
    background (frames the VAD does not call speech) fluctuates above it."""

    def __init__(self, *, window_s: float, percentile: float, frame_s: float) -> None:
        size = max(1, int(window_s / frame_s))
        self._values: deque[float] = deque(maxlen=size)
        self._background: deque[float] = deque(maxlen=size)
        self._percentile = percentile
        self._min_frames = max(1, int(0.5 / frame_s))
        self._since_update = 0
        self._floor: float | None = None
        self._spread = 0.0

    def update(self, energy_db: float, *, background: bool) -> None:
        self._values.append(energy_db)
        if background:
            self._background.append(energy_db)
        self._since_update += 1
        if self._since_update >= 10 and len(self._values) >= self._min_frames:
            estimate = float(np.percentile(self._values, self._percentile))
            self._floor = max(estimate, _QUIETEST_FLOOR_DB)
            if len(self._background) >= self._min_frames:
                low, high = np.percentile(self._background, [self._percentile, 80.0])
                self._spread = float(high - low)
            self._since_update = 0

    @property
    def db(self) -> float | None:
        """None until half a second has been heard."""
        return self._floor

    @property
    def spread_db(self) -> float:
        """80th minus floor percentile of the background: small for a fan, large for music.
        Speech is left out: it would raise the bar for the next command and its quiet
        syllables."""
        return self._spread

    def clear(self) -> None:
        self._values.clear()
        self._background.clear()
        self._floor = None
        self._spread = 0.0
        self._since_update = 0


class Endpointer:
    """Feeds chunks (any rate, from a microphone or a file) to a VAD and finds utterances.

    Call `process(chunk)` for each chunk and act on the events it returns; `flush()` at the
    end of a finite source; or iterate `utterances(chunks)` when only utterances matter.
    """

    def __init__(
        self,
        *,
        vad: Vad,
        trailing_silence_ms: int = 700,
        complete_silence_ms: int = 0,
        max_utterance_s: float = 8.0,
        threshold: float = 0.5,
        pre_roll_ms: int = 300,
        min_speech_ms: int = 120,
        start_window_ms: int = 300,
        floor_margin_db: float = 3.0,
        floor_window_s: float = 4.0,
    ) -> None:
        """
        complete_silence_ms: silence after which a Paused event is returned (0: never), for
            a caller that ends a finished command sooner than `trailing_silence_ms`.
        threshold: VAD probability at or above which a frame may be speech.
        min_speech_ms: speech needed within the last `start_window_ms` to start an utterance.
        floor_margin_db: how far above the room's noise floor a speech frame must be, at
            least (more over a background that itself swings, such as music). 6 dB lost
            most commands at 5 dB SNR (bench/bench_spoken.py); steady noise spreads ~1 dB.
        floor_window_s: how much recent audio the noise floor is estimated from.
        """
        self.vad = vad
        self.trailing_silence_s = trailing_silence_ms / 1000.0
        self.complete_silence_s = complete_silence_ms / 1000.0
        self.max_utterance_s = max_utterance_s
        self.threshold = threshold
        self.floor_margin_db = floor_margin_db
        self._frame = vad.frame_samples
        frame_s = self._frame / VAD_RATE
        self._frame_s = frame_s
        self._pre_roll = max(1, round(pre_roll_ms / 1000.0 / frame_s))
        self._start_window = max(1, round(start_window_ms / 1000.0 / frame_s))
        self._min_speech = max(1, min(self._start_window, round(min_speech_ms / 1000.0 / frame_s)))
        self._lookback = round(_ONSET_LOOKBACK_S / frame_s)
        self._onset_gap = round(_ONSET_GAP_S / frame_s)
        self._powers: deque[float] = deque(maxlen=3)
        self._floor = NoiseFloor(window_s=floor_window_s, percentile=20.0, frame_s=frame_s)
        self._resampler: Resampler | None = None
        self._expected_ts: float | None = None
        self._warming = False
        self.reset()

    def reset(self) -> None:
        """Forget everything heard (the VAD too)."""
        self.vad.reset()
        self._floor.clear()
        self._powers.clear()
        self._resampler = None
        self._expected_ts = None
        self._restart_stream(0.0)
        self._to_idle()

    def _restart_stream(self, timestamp: float) -> None:
        self._pending = b""
        self._pending_ts = timestamp

    def _to_idle(self) -> None:
        self._state = _State.IDLE
        # (time, frame, is speech, stands out above the noise floor)
        self._recent: deque[tuple[float, bytes, bool, bool]] = deque(
            maxlen=self._pre_roll + self._lookback + self._start_window
        )
        self._audio: list[bytes] = []
        # The reported end: the last of _END_RUN speech frames in a row that also stand out
        # above the noise floor. A lone noise frame the VAD let through keeps the utterance
        # open a little longer but does not move its end.
        self._confirmed_end = 0.0
        self._loud_run = 0
        self._audio_start = 0.0
        self._start = 0.0
        self._last_speech_end = 0.0
        self._paused_at: float | None = None
        """time.monotonic() of the Paused event of the current silence (None: not paused)."""
        self._paused_frames = 0
        """Frames of the utterance heard at that Paused event."""

    def process(self, chunk: AudioChunk) -> list[EndpointEvent]:
        """Feed one chunk; returns what happened in it, in order."""
        events: list[EndpointEvent] = []
        if self._is_discontinuous(chunk):
            events += self._end_of_stream()
            self._resampler = None
        if self._resampler is None:
            self._resampler = Resampler(rate_in=chunk.rate, rate_out=VAD_RATE)
            self._restart_stream(chunk.timestamp)
        self._expected_ts = chunk.timestamp + chunk.seconds
        converted = self._resampler.process(chunk)
        events += self._consume(converted.samples)
        return events

    def warm_up(self, chunk: AudioChunk) -> None:
        """Hear audio from just before listening starts (the room, the wake phrase) for the
        noise floor and the VAD's context only: no utterance starts in it. Started cold, the
        floor takes half a second to settle and a neural VAD a few frames more, which lost
        the first words of a command said in the same breath as the wake phrase."""
        self._warming = True
        try:
            self.process(chunk)
        finally:
            self._warming = False

    def flush(self) -> list[EndpointEvent]:
        """End of the source: an utterance still going ends here."""
        events: list[EndpointEvent] = []
        if self._resampler is not None:
            events += self._consume(self._resampler.flush().samples)
        while len(self._pending) >= self._frame * 2:  # what a pause left unheard
            events += self._consume(b"")
        events += self._end_of_stream()
        self._resampler = None
        self._expected_ts = None
        return events

    def utterances(self, chunks: Iterable[AudioChunk]) -> Iterator[Utterance]:
        """Every utterance in a stream of chunks (a file, or a live source until it ends)."""
        for chunk in chunks:
            for event in self.process(chunk):
                if isinstance(event, Utterance):
                    yield event
        for event in self.flush():
            if isinstance(event, Utterance):
                yield event

    def _is_discontinuous(self, chunk: AudioChunk) -> bool:
        if self._resampler is None or self._expected_ts is None:
            return False
        if chunk.rate != self._resampler.rate_in:
            return True
        return abs(chunk.timestamp - self._expected_ts) > _GAP_S

    def _end_of_stream(self) -> list[EndpointEvent]:
        events: list[EndpointEvent] = []
        if self._state is _State.SPEECH:
            events.append(self._finish(capped=False))
        self._to_idle()
        return events

    def _consume(self, samples: bytes) -> list[EndpointEvent]:
        """Hear whole frames of `samples` after what is pending; at a pause, stop just after
        it (the rest waits for the next call) so the caller can end the utterance there."""
        events: list[EndpointEvent] = []
        data = self._pending + samples
        step = self._frame * 2
        usable = len(data) // step * step
        heard = 0
        while heard < usable:
            t = self._pending_ts + heard / 2 / VAD_RATE
            event = self._on_frame(t, data[heard : heard + step])
            heard += step
            if event is not None:
                events.append(event)
                if isinstance(event, Paused):
                    break
        self._pending = data[heard:]
        self._pending_ts += heard / 2 / VAD_RATE
        return events

    @property
    def paused(self) -> bool:
        """An utterance is under way and silent since its last Paused event."""
        return self._state is _State.SPEECH and self._paused_at is not None

    def end_here(self) -> Utterance | None:
        """End the utterance at the pause just returned, or later in the same silence (its
        words make a finished command): the Utterance, as if the whole trailing silence had
        been heard, marked `early`. None when no utterance is under way at a pause (speech
        came back, or it ended)."""
        if self._state is not _State.SPEECH or self._paused_at is None:
            return None
        # Ended later in the silence (a second opinion came in): decided as the last frame
        # was heard, which is now.
        later = len(self._audio) > self._paused_frames
        decided = time.monotonic() if later else self._paused_at
        utterance = replace(self._finish(capped=False), ended_at=decided, early=True)
        self._to_idle()
        return utterance

    def _classify(self, frame: bytes) -> tuple[bool, bool]:
        """(is speech, stands out above the room's noise floor) for one frame."""
        probability = self.vad.probability(frame)
        x = np.frombuffer(frame, dtype="<i2").astype(np.float64)
        power = float(np.mean(x * x))
        energy = float(10.0 * np.log10(power + 1.0))
        # Onsets and ends are judged on energy over 30 ms: single 10 ms frames of noise
        # (pink noise, music) jump by several dB.
        self._powers.append(power)
        smoothed = float(10.0 * np.log10(sum(self._powers) / len(self._powers) + 1.0))
        floor = self._floor.db
        self._floor.update(energy, background=probability < self.threshold)
        if floor is None:
            return probability >= self.threshold, False
        # A background that swings (music) raises the bar, but by a bounded amount: speech
        # the VAD has not yet flagged also widens the spread, and a high bar loses commands.
        swing = min(self._floor.spread_db, _MAX_SWING_DB)
        loud = smoothed >= floor + max(self.floor_margin_db, swing)
        # Onset frames must stand out from the background's own ups and downs.
        onset_margin = max(_ONSET_MARGIN_DB, swing + 1.0)
        return probability >= self.threshold and loud, smoothed >= floor + onset_margin

    def _onset(self, frames: list[tuple[float, bytes, bool, bool]], first_speech: int) -> int:
        """Index of where the speech really began: the VAD's first speech frame, moved back
        over frames that stand out above the noise floor (short gaps allowed)."""
        onset = first_speech
        gap = 0
        for i in range(first_speech - 1, max(-1, first_speech - 1 - self._lookback), -1):
            if frames[i][3]:
                onset, gap = i, 0
            else:
                gap += 1
                if gap > self._onset_gap:
                    break
        return onset

    def _on_frame(self, t: float, frame: bytes) -> EndpointEvent | None:
        speech, loud = self._classify(frame)
        if self._warming:
            return None
        frame_end = t + self._frame_s
        if self._state is _State.IDLE:
            self._recent.append((t, frame, speech, loud))
            recent = list(self._recent)
            window = recent[-self._start_window :]
            if sum(1 for item in window if item[2]) < self._min_speech:
                return None
            self._state = _State.SPEECH
            first_speech = len(recent) - len(window)
            while not recent[first_speech][2]:
                first_speech += 1
            onset = self._onset(recent, first_speech)
            self._start = recent[onset][0]
            kept = recent[max(0, onset - self._pre_roll) :]
            self._audio_start = kept[0][0]
            self._audio = [item[1] for item in kept]
            self._last_speech_end = frame_end
            self._confirmed_end = frame_end
            logger.debug("speech started at %.2f s", self._start)
            return SpeechStarted(start=self._start, detected_at=time.monotonic())
        if self._state is _State.SPEECH:
            self._audio.append(frame)
            self._loud_run = self._loud_run + 1 if speech and loud else 0
            if self._loud_run >= _END_RUN:
                self._confirmed_end = frame_end
            if speech:
                self._last_speech_end = frame_end
                self._paused_at = None
            silent_s = frame_end - self._last_speech_end
            if silent_s >= self.trailing_silence_s:
                event = self._finish(capped=False)
                self._to_idle()
                return event
            if frame_end - self._start >= self.max_utterance_s:
                event = self._finish(capped=True)
                self._to_idle()
                self._state = _State.COOLDOWN
                self._last_speech_end = frame_end
                return event
            if 0 < self.complete_silence_s <= silent_s and self._paused_at is None:
                self._paused_at = time.monotonic()
                self._paused_frames = len(self._audio)
                return Paused(audio=self._heard(), end=self._confirmed_end,
                              detected_at=self._paused_at)  # fmt: skip
            return None
        # COOLDOWN: a capped utterance is not followed by another until the speaker pauses.
        if speech:
            self._last_speech_end = frame_end
        elif frame_end - self._last_speech_end >= self.trailing_silence_s:
            self._to_idle()
        return None

    def _heard(self) -> AudioChunk:
        return AudioChunk(samples=b"".join(self._audio), rate=VAD_RATE, timestamp=self._audio_start)

    def _finish(self, *, capped: bool) -> Utterance:
        end = self._start + self.max_utterance_s if capped else self._confirmed_end
        audio = self._heard()
        logger.debug(
            "utterance %.2f-%.2f s%s",
            self._start,
            end,
            " (capped at maximum length)" if capped else "",
        )
        return Utterance(
            audio=audio, start=self._start, end=end, capped=capped, ended_at=time.monotonic()
        )
