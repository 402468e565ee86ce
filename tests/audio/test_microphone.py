"""MicrophoneSource against a real (virtual) PulseAudio microphone: speech injected with paplay."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from assistant.audio.base import AudioChunk
from assistant.audio.endpoint import Endpointer, SpeechStarted, Utterance
from assistant.audio.microphone import MicrophoneSource, list_input_devices
from assistant.audio.resample import Resampler
from assistant.audio.vad import create_vad
from assistant.errors import AudioError
from tests import virtual_audio
from tests.audio import signals as S

WAIT_S = 60.0  # generous: two slow cores shared with other test runs


class Capture:
    """Reads a source on a thread, runs the endpointer, and lets the test wait for conditions."""

    def __init__(self, mic: MicrophoneSource) -> None:
        self.mic = mic
        self.chunks: list[AudioChunk] = []
        self.events: list[SpeechStarted | Utterance] = []
        self._endpointer = Endpointer(vad=create_vad("auto"), trailing_silence_ms=500)
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.error: BaseException | None = None

    def _run(self) -> None:
        try:
            for chunk in self.mic.chunks():
                events = self._endpointer.process(chunk)
                with self._changed:
                    self.chunks.append(chunk)
                    self.events += events
                    self._changed.notify_all()
        except BaseException as exc:  # surfaced to the test by wait_for
            self.error = exc
            with self._changed:
                self._changed.notify_all()

    def wait_for(self, what: str, condition: Callable[[], bool]) -> None:
        with self._changed:
            ok = self._changed.wait_for(lambda: self.error is not None or condition(), WAIT_S)
        if self.error is not None:
            raise AssertionError(f"capture failed while waiting for {what}") from self.error
        assert ok, f"timed out waiting for {what}"

    def utterances(self) -> list[Utterance]:
        return [e for e in self.events if isinstance(e, Utterance)]

    def __enter__(self) -> Capture:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.mic.close()
        self._thread.join(WAIT_S)
        assert not self._thread.is_alive(), "chunks() did not end after close()"


def _speech_file(tmp_path: Path) -> tuple[Path, S.Scene]:
    rng = np.random.default_rng(21)
    speech = S.speak("play something by the beatles", voice="en-gb")
    scene = S.scene([speech], gaps_s=[0.3, 0.3], rng=rng)
    return S.write_wav(tmp_path / "speech.wav", scene.audio), scene


def _inject(path: Path) -> None:
    subprocess.run(["paplay", "--device=micsink", str(path)], check=True, timeout=WAIT_S,
                   env=dict(os.environ))  # fmt: skip


def _best_correlation(recorded: S.Signal, clip: S.Signal) -> float:
    """Peak normalised cross-correlation of the clip anywhere in the recording."""
    n = len(recorded) + len(clip)
    size = 1 << (n - 1).bit_length()
    corr = np.fft.irfft(np.fft.rfft(recorded, size) * np.conj(np.fft.rfft(clip, size)), size)
    lag = int(np.argmax(corr))
    segment = recorded[lag : lag + len(clip)]
    if len(segment) < len(clip):
        return 0.0
    return float(np.dot(segment, clip) / (np.linalg.norm(segment) * np.linalg.norm(clip) + 1e-9))


def _as_16k(chunks: list[AudioChunk]) -> S.Signal:
    resampler = Resampler(rate_in=chunks[0].rate, rate_out=16000)
    parts = [resampler.process(c).samples for c in chunks] + [resampler.flush().samples]
    return np.frombuffer(b"".join(parts), dtype="<i2").astype(np.float64)


@pytest.mark.parametrize(("device", "rate"), [("pulse", 16000), ("default", 48000)])
def test_captures_injected_speech_and_finds_the_utterance(
    pulse_env: dict[str, str], tmp_path: Path, device: str, rate: int
) -> None:
    path, scene = _speech_file(tmp_path)
    clip = scene.audio
    with Capture(MicrophoneSource(device=device, sample_rate=rate, block_ms=30)) as cap:
        cap.wait_for("the first chunk", lambda: len(cap.chunks) > 0)
        _inject(path)
        cap.wait_for("the end of the utterance", lambda: len(cap.utterances()) > 0)
    assert {c.rate for c in cap.chunks} == {rate}
    assert all(c.channels == 1 and c.width == 2 for c in cap.chunks)
    # What was captured is the injected speech (bit-identical at 16 kHz; through PulseAudio's
    # and our resampler at 48 kHz).
    assert _best_correlation(_as_16k(cap.chunks), clip) > (0.99 if rate == 16000 else 0.95)
    started = [e for e in cap.events if isinstance(e, SpeechStarted)]
    assert len(started) == 1 and cap.events.index(started[0]) < cap.events.index(
        cap.utterances()[0]
    )
    u = cap.utterances()[0]
    utterance_audio = np.frombuffer(u.audio.samples, dtype="<i2").astype(np.float64)
    ((lo, hi),) = scene.segments
    assert _best_correlation(utterance_audio, clip[int(lo * 16000) : int(hi * 16000)]) > 0.95
    assert u.end - u.start == pytest.approx(hi - lo, abs=0.3)
    assert u.speech_end_monotonic <= u.ended_at


def test_default_rate_is_the_devices_own(pulse_env: dict[str, str]) -> None:
    (pulse,) = [d for d in list_input_devices() if d.name == "pulse"]
    with Capture(MicrophoneSource(device="pulse", sample_rate=0)) as cap:
        cap.wait_for("a chunk", lambda: len(cap.chunks) > 0)
    assert cap.mic.rate == pulse.default_rate
    assert cap.chunks[0].rate == pulse.default_rate


def test_unknown_device_lists_the_available_ones(pulse_env: dict[str, str]) -> None:
    mic = MicrophoneSource(device="Blue Yeti USB")
    with pytest.raises(AudioError, match=r"'Blue Yeti USB'.*available input devices:.*'pulse'"):
        mic.open()


@contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_source_reopens_when_the_sound_server_comes_back(tmp_path: Path) -> None:
    path, scene = _speech_file(tmp_path)
    first = virtual_audio.virtual_audio()
    env = first.__enter__()
    saved = {k: os.environ.get(k) for k in env}
    try:
        os.environ.update(env)
        mic = MicrophoneSource(
            device="pulse", sample_rate=16000, stall_timeout_s=1.0, retry_initial_s=0.2,
            retry_max_s=1.0,
        )  # fmt: skip
        with Capture(mic) as cap:
            cap.wait_for("the first chunk", lambda: len(cap.chunks) > 0)
            first.__exit__(None, None, None)  # the server dies under the open stream
            first = None
            with virtual_audio.virtual_audio() as second_env, _environment(second_env):
                cap.wait_for("the re-opened stream", lambda: mic.reopen_count >= 1)
                count = len(cap.chunks)
                cap.wait_for("chunks from the new stream", lambda: len(cap.chunks) > count + 5)
                _inject(path)
                cap.wait_for("the utterance after re-opening", lambda: len(cap.utterances()) > 0)
        recorded = _as_16k(cap.chunks[count:])
        assert _best_correlation(recorded, scene.audio) > 0.99
        # Timestamps keep counting across the gap.
        stamps = [c.timestamp for c in cap.chunks]
        assert stamps == sorted(stamps)
    finally:
        if first is not None:
            first.__exit__(None, None, None)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_slow_consumer_loses_blocks_but_capture_goes_on(pulse_env: dict[str, str]) -> None:
    mic = MicrophoneSource(device="pulse", sample_rate=16000, block_ms=10, queue_blocks=3)
    mic.open()
    try:
        # Nobody reads while the callback keeps delivering: the queue must overflow.
        deadline = time.monotonic() + WAIT_S
        while mic.dropped_blocks == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert mic.dropped_blocks > 0
        chunks = mic.chunks()
        got = [next(chunks) for _ in range(20)]
        assert all(len(c.samples) == 320 for c in got)
    finally:
        mic.close()


def test_missing_portaudio_names_the_debian_package(tmp_path: Path) -> None:
    # What sounddevice itself raises when libportaudio.so cannot be found.
    (tmp_path / "sounddevice.py").write_text("raise OSError('PortAudio library not found')\n")
    code = (
        "from assistant.audio.microphone import MicrophoneSource\n"
        "from assistant.errors import EngineError\n"
        "try:\n"
        "    MicrophoneSource(device='default').open()\n"
        "except EngineError as exc:\n"
        "    print('EngineError:', exc)\n"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=WAIT_S,
        env={**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{root}"},
    )  # fmt: skip
    assert "EngineError:" in result.stdout and "libportaudio2" in result.stdout, result.stderr
