"""Live microphone capture through PortAudio (the only module importing sounddevice).

The PortAudio callback only copies the block onto a bounded queue; everything else (mixing to
mono, counting overflows, noticing a dead device and re-opening it) happens on the thread that
iterates `chunks()`. A device that vanishes (a USB microphone pulled out, the sound server
restarting) is closed and re-opened with back-off while `chunks()` keeps waiting, so the daemon
rides through it.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from assistant.audio.base import AudioChunk
from assistant.errors import AudioError, EngineError

logger = logging.getLogger(__name__)

_CLOSE_TIMEOUT_S = 3.0
"""A stream on a dead backend can hang in close(); after this it is abandoned."""


def _sounddevice() -> ModuleType:
    try:
        import sounddevice
    except OSError as exc:  # sounddevice raises OSError when libportaudio is missing
        raise EngineError(
            f"PortAudio is not available ({exc}): install the Debian package libportaudio2"
        ) from exc
    except ImportError as exc:
        raise EngineError(f"sounddevice is not installed ({exc}): pip install sounddevice") from exc
    module: ModuleType = sounddevice
    return module


@dataclass(frozen=True)
class InputDevice:
    index: int
    name: str
    channels: int
    default_rate: int


def list_input_devices() -> list[InputDevice]:
    """The capture devices PortAudio knows about right now."""
    sd = _sounddevice()
    devices: Any = sd.query_devices()
    return [
        InputDevice(i, str(d["name"]), int(d["max_input_channels"]), int(d["default_samplerate"]))
        for i, d in enumerate(devices)
        if int(d["max_input_channels"]) > 0
    ]


def _describe(devices: list[InputDevice]) -> str:
    if not devices:
        return "none (is a microphone plugged in, or the sound server running?)"
    return ", ".join(f"{d.index}: {d.name!r} ({d.default_rate} Hz)" for d in devices)


def find_input_device(device: str) -> InputDevice:
    """Resolve "default", an index, or a (case-insensitive) name substring to an input device."""
    sd = _sounddevice()
    devices = list_input_devices()
    wanted = device.strip()
    if wanted in ("", "default"):
        index = int(sd.default.device[0])
        chosen = [d for d in devices if d.index == index]
    elif wanted.isdigit():
        chosen = [d for d in devices if d.index == int(wanted)]
    else:
        chosen = [d for d in devices if d.name == wanted] or [
            d for d in devices if wanted.lower() in d.name.lower()
        ]
    if not chosen:
        raise AudioError(
            f"no audio input device matches {device!r}; available input devices: "
            f"{_describe(devices)}"
        )
    return chosen[0]


@dataclass(frozen=True)
class _Block:
    generation: int
    data: bytes
    overflow: bool


@dataclass(frozen=True)
class _StreamFinished:
    generation: int


class MicrophoneSource:
    """Int16 mono chunks from a capture device, at the rate the device offers."""

    def __init__(
        self,
        *,
        device: str = "default",
        sample_rate: int = 0,
        block_ms: int = 30,
        queue_blocks: int = 100,
        stall_timeout_s: float = 2.0,
        retry_initial_s: float = 0.5,
        retry_max_s: float = 10.0,
    ) -> None:
        """
        device: "default", a PortAudio device index, or a name substring.
        sample_rate: capture rate in Hz; 0 uses the device's default rate.
        queue_blocks: blocks held for a slow consumer before new ones are dropped.
        stall_timeout_s: no audio for this long means the device is gone.
        retry_initial_s, retry_max_s: back-off between attempts to re-open a lost device.
        """
        self.device = device
        self.requested_rate = sample_rate
        self.block_ms = block_ms
        self.stall_timeout_s = stall_timeout_s
        self.retry_initial_s = retry_initial_s
        self.retry_max_s = retry_max_s
        self._queue: queue.Queue[_Block | _StreamFinished] = queue.Queue(maxsize=queue_blocks)
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._stream: Any = None
        self._generation = 0
        self._rate = 0
        self._channels = 1
        self._started_at = time.monotonic()
        self._stream_base = 0.0  # source time (s) of the first sample of the current stream
        self._stream_samples = 0
        self._dropped = 0  # blocks lost because the queue was full (counted in the callback)
        self._overflows = 0  # blocks PortAudio flagged as overflowed
        self._reported_losses = 0
        self._last_loss_log = 0.0
        self.reopen_count = 0

    @property
    def rate(self) -> int:
        """Sample rate of the chunks being delivered (0 before the first open)."""
        return self._rate

    @property
    def dropped_blocks(self) -> int:
        return self._dropped

    @property
    def overflow_blocks(self) -> int:
        return self._overflows

    def open(self) -> None:
        """Open the device now, so a bad name or a missing PortAudio fails at start-up."""
        with self._lock:
            if self._stream is None:
                self._open_stream()

    def chunks(self) -> Iterator[AudioChunk]:
        """Chunks until close(); survives the device going away and coming back."""
        self.open()
        last_data = time.monotonic()
        while not self._closed.is_set():
            if self._stream is None:
                if not self._reopen_with_backoff():
                    return
                last_data = time.monotonic()
            try:
                item = self._queue.get(timeout=0.1)
            except queue.Empty:
                if time.monotonic() - last_data > self.stall_timeout_s:
                    self._lose(f"no audio for {self.stall_timeout_s:.1f} s")
                continue
            if item.generation != self._generation:
                continue  # left over from a stream already closed
            if isinstance(item, _StreamFinished):
                self._lose("the stream stopped")
                continue
            last_data = time.monotonic()
            if item.overflow:
                self._overflows += 1
            self._report_losses()
            chunk = self._to_chunk(item.data)
            if chunk is not None:
                yield chunk

    def close(self) -> None:
        """Stop capture; chunks() returns soon after. Safe from any thread, more than once."""
        self._closed.set()
        with self._lock:
            self._close_stream()

    # -- stream handling (consumer thread) -------------------------------------------------

    def _open_stream(self) -> None:
        sd = _sounddevice()
        info = find_input_device(self.device)
        rate, channels = self._pick_format(sd, info)
        self._generation += 1
        generation = self._generation
        block = max(1, rate * self.block_ms // 1000)

        def callback(indata: Any, frames: int, time_info: Any, status: Any) -> None:
            # Runs on PortAudio's thread: copy and enqueue, nothing else.
            try:
                self._queue.put_nowait(
                    _Block(generation, bytes(indata), bool(status.input_overflow))
                )
            except queue.Full:
                self._dropped += 1

        def finished() -> None:
            # If the queue is full the stall timeout notices instead.
            with contextlib.suppress(queue.Full):
                self._queue.put_nowait(_StreamFinished(generation))

        try:
            stream = sd.RawInputStream(
                device=info.index,
                samplerate=rate,
                channels=channels,
                dtype="int16",
                blocksize=block,
                callback=callback,
                finished_callback=finished,
            )
            stream.start()
        except Exception as exc:  # PortAudioError and whatever the host API raises
            raise AudioError(f"cannot open audio input {info.name!r} at {rate} Hz: {exc}") from exc
        self._stream = stream
        self._rate = rate
        self._channels = channels
        self._stream_base = time.monotonic() - self._started_at
        self._stream_samples = 0
        logger.info(
            "microphone %r open: %d Hz, %d channel(s), %d ms blocks",
            info.name,
            rate,
            channels,
            self.block_ms,
        )

    def _pick_format(self, sd: ModuleType, info: InputDevice) -> tuple[int, int]:
        """The requested rate if the device takes it, else its default; mono if it can."""
        rates = [r for r in (self.requested_rate, info.default_rate) if r > 0]
        for channels in dict.fromkeys((1, min(2, info.channels))):
            for rate in rates:
                try:
                    sd.check_input_settings(
                        device=info.index, channels=channels, dtype="int16", samplerate=rate
                    )
                except Exception:
                    continue
                if self.requested_rate and rate != self.requested_rate:
                    logger.warning(
                        "microphone %r does not take %d Hz: using its default %d Hz",
                        info.name,
                        self.requested_rate,
                        rate,
                    )
                return rate, channels
        return rates[0], 1  # let opening report the real error

    def _close_stream(self) -> None:
        stream, self._stream = self._stream, None
        self._generation += 1
        if stream is None:
            return

        def close() -> None:
            try:
                stream.abort(ignore_errors=True)
                stream.close(ignore_errors=True)
            except Exception as exc:
                logger.debug("closing the audio input failed: %s", exc)

        closer = threading.Thread(target=close, name="mic-close", daemon=True)
        closer.start()
        closer.join(_CLOSE_TIMEOUT_S)
        if closer.is_alive():
            logger.warning(
                "the audio input did not close within %.0f s: abandoned", _CLOSE_TIMEOUT_S
            )

    def _lose(self, reason: str) -> None:
        logger.warning("microphone lost (%s): re-opening", reason)
        with self._lock:
            self._close_stream()

    def _reopen_with_backoff(self) -> bool:
        """Retry until the device opens (True) or close() is called (False)."""
        delay = self.retry_initial_s
        lost_at = time.monotonic()
        attempts = 0
        while not self._closed.wait(delay):
            attempts += 1
            try:
                with self._lock:
                    if self._closed.is_set():
                        return False
                    self._reinitialise()
                    self._open_stream()
            except (AudioError, EngineError) as exc:
                if attempts == 1:
                    logger.warning("microphone still unavailable, retrying: %s", exc)
                else:
                    logger.debug("microphone re-open attempt %d failed: %s", attempts, exc)
                delay = min(delay * 2, self.retry_max_s)
                continue
            self.reopen_count += 1
            logger.warning(
                "microphone back after %.1f s (%d attempt(s))", time.monotonic() - lost_at, attempts
            )
            return True
        return False

    def _reinitialise(self) -> None:
        """Make PortAudio enumerate devices afresh: a re-plugged USB device gets a new index."""
        sd = _sounddevice()
        try:
            sd._terminate()
            sd._initialize()
        except Exception as exc:
            raise AudioError(f"PortAudio could not restart: {exc}") from exc

    def _report_losses(self) -> None:
        lost = self._dropped + self._overflows
        now = time.monotonic()
        if lost != self._reported_losses and now - self._last_loss_log >= 10.0:
            logger.warning(
                "microphone: %d block(s) dropped (consumer too slow), %d overflowed so far",
                self._dropped,
                self._overflows,
            )
            self._reported_losses = lost
            self._last_loss_log = now

    def _to_chunk(self, data: bytes) -> AudioChunk | None:
        samples = np.frombuffer(data, dtype=np.int16)
        if self._channels > 1:
            usable = len(samples) // self._channels * self._channels
            samples = (
                samples[:usable].reshape(-1, self._channels).mean(axis=1).round().astype(np.int16)
            )
        if len(samples) == 0:
            return None
        timestamp = self._stream_base + self._stream_samples / self._rate
        self._stream_samples += len(samples)
        return AudioChunk(samples=samples.tobytes(), rate=self._rate, timestamp=timestamp)
