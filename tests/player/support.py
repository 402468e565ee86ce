"""Test helpers for the player: an event log that tests wait on, and signal analysis."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np

from assistant.player.base import PlaybackError, PlayerEvent, TrackEnded, TrackStarted

TIMEOUT = 30.0
"""Generous: two slow cores shared with other test runs."""


class EventLog:
    """Collects player events (any thread) and lets a test wait for one to arrive."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.events: list[PlayerEvent] = []

    def __call__(self, event: PlayerEvent) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def wait_for(
        self, match: Callable[[PlayerEvent], bool], *, count: int = 1, timeout: float = TIMEOUT
    ) -> list[PlayerEvent]:
        with self._cond:
            ok = self._cond.wait_for(
                lambda: sum(1 for e in self.events if match(e)) >= count, timeout
            )
            found = [e for e in self.events if match(e)]
        if not ok:
            raise AssertionError(f"waited {timeout} s for {count} event(s); got {self.events}")
        return found

    def started(self, title: str, count: int = 1) -> list[PlayerEvent]:
        return self.wait_for(
            lambda e: isinstance(e, TrackStarted) and e.item.title == title, count=count
        )

    def ended(self, title: str, reason: str, count: int = 1) -> list[PlayerEvent]:
        return self.wait_for(
            lambda e: isinstance(e, TrackEnded) and e.item.title == title and e.reason == reason,
            count=count,
        )

    def summary(self) -> list[tuple[str, str, str]]:
        """(kind, title, reason) for each event so far, in order."""
        with self._cond:
            out = []
            for e in self.events:
                if isinstance(e, TrackStarted):
                    out.append(("started", e.item.title, ""))
                elif isinstance(e, TrackEnded):
                    out.append(("ended", e.item.title, e.reason))
                elif isinstance(e, PlaybackError):
                    out.append(("error", e.item.title, e.message))
            return out


def wait_until(condition: Callable[[], bool], timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(0.05)


def rms(samples: bytes) -> float:
    data = np.frombuffer(samples, dtype="<i2").astype(np.float64)
    return float(np.sqrt(np.mean(data**2))) if data.size else 0.0


def dominant_frequency(samples: bytes, rate: int = 16000) -> float:
    data = np.frombuffer(samples, dtype="<i2").astype(np.float64)
    spectrum = np.abs(np.fft.rfft(data * np.hanning(data.size)))
    freqs = np.fft.rfftfreq(data.size, 1 / rate)
    spectrum[freqs < 50] = 0
    return float(freqs[int(np.argmax(spectrum))])


def band_level(samples: bytes, freq: float, rate: int = 16000, width: float = 20.0) -> float:
    """Spectral magnitude around `freq` (relative units, for comparing recordings)."""
    data = np.frombuffer(samples, dtype="<i2").astype(np.float64)
    spectrum = np.abs(np.fft.rfft(data * np.hanning(data.size))) / max(data.size, 1)
    freqs = np.fft.rfftfreq(data.size, 1 / rate)
    return float(spectrum[(freqs > freq - width) & (freqs < freq + width)].max())
