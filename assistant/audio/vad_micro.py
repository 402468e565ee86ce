"""The pymicro-vad neural voice activity detector (the only module importing pymicro_vad)."""

from __future__ import annotations

from typing import Any

from assistant.audio.base import VAD_RATE
from assistant.errors import EngineError

_FRAME = VAD_RATE // 100  # the engine takes exactly 10 ms at a time


class MicroVad:
    """microWakeWord's VAD model: 10 ms frames, a smoothed speech probability."""

    def __init__(self) -> None:
        try:
            from pymicro_vad import MicroVad as _Engine
        except ImportError as exc:
            raise EngineError(
                f"pymicro-vad is not usable ({exc}): install it with `pip install pymicro-vad`"
            ) from exc
        self._engine: Any = _Engine()

    @property
    def name(self) -> str:
        return "micro"

    @property
    def frame_samples(self) -> int:
        return _FRAME

    def probability(self, frame: bytes) -> float:
        value = float(self._engine.process_10ms(frame))
        # The model answers -1 until its feature window is full (the first ~0.75 s).
        return max(0.0, value)

    def reset(self) -> None:
        self._engine.reset()
