"""WAV files as an audio source: any rate, 8/16/24/32-bit integer or float, mono or multichannel.

The RIFF header is parsed here rather than with the `wave` module, which rejects float and
WAVE_FORMAT_EXTENSIBLE files (what sox and many recorders write for anything above 16 bits).

A file is whatever someone hands over: it is opened without blocking (a FIFO named x.wav
would wait forever for a writer), only a regular file is read, a header is believed only
within sane limits (a claimed 1 Hz rate made the resampler produce 16,000 samples per input
sample, gigabytes), and it is read in blocks, never whole.
"""

from __future__ import annotations

import logging
import os
import stat
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from assistant.audio.base import AudioChunk
from assistant.errors import AudioError

logger = logging.getLogger(__name__)

_PCM = 1
_FLOAT = 3
_EXTENSIBLE = 0xFFFE
MIN_RATE = 4000
MAX_RATE = 192000
"""Sample rates outside these are refused as a broken header, not resampled (Hz)."""
MAX_CHANNELS = 8
_FMT_READ = 64
"""Bytes of a `fmt ` chunk worth reading; the rest of an oversized one is skipped."""


@dataclass(frozen=True)
class WavFormat:
    """What the `fmt ` chunk says, plus where the samples are."""

    rate: int
    channels: int
    bits: int
    is_float: bool
    data_offset: int
    data_bytes: int

    @property
    def frame_bytes(self) -> int:
        return self.channels * self.bits // 8

    @property
    def seconds(self) -> float:
        return self.data_bytes / (self.frame_bytes * self.rate)


def open_regular_file(path: Path) -> BinaryIO:
    """`path` opened for reading; AudioError (naming it) unless it is a regular file.

    The check is made on the opened file, so nothing swapped in between can slip past, and
    the open does not block: opening a FIFO for reading otherwise waits for a writer.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise AudioError(f"{path}: cannot read audio file: {exc.strerror}") from exc
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise AudioError(f"{path}: is a folder, not a WAV file")
        if not stat.S_ISREG(mode):
            raise AudioError(f"{path}: not a regular file (a FIFO, socket or device): refused")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_wav_format(path: Path) -> WavFormat:
    """Parse the header of a WAV file; AudioError (naming the file) if it is not a usable one."""
    with open_regular_file(path) as f:
        try:
            return _parse_header(f, path)
        except OSError as exc:
            raise AudioError(f"{path}: cannot read audio file: {exc.strerror}") from exc


def _parse_header(f: BinaryIO, path: Path) -> WavFormat:
    def bad(why: str) -> AudioError:
        return AudioError(f"{path}: not a usable WAV file: {why}")

    file_bytes = os.fstat(f.fileno()).st_size
    if file_bytes == 0:
        raise bad("empty file (0 bytes)")
    head = f.read(12)
    if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
        raise bad("no RIFF/WAVE header")
    fmt: tuple[int, int, int, int] | None = None
    while True:
        header = f.read(8)
        if len(header) < 8:
            raise bad("no data chunk" if fmt else "no fmt chunk")
        chunk_id, size = header[:4], struct.unpack("<I", header[4:])[0]
        if chunk_id == b"fmt ":
            body = f.read(min(size, _FMT_READ))
            if len(body) < 16:
                raise bad("fmt chunk too short")
            f.seek(size - len(body) + (size & 1), 1)
            tag, channels, rate, _, _, bits = struct.unpack("<HHIIHH", body[:16])
            if tag == _EXTENSIBLE:
                if len(body) < 26:
                    raise bad("extensible fmt chunk too short")
                tag = struct.unpack("<H", body[24:26])[0]  # first two bytes of the sub-format GUID
            fmt = (tag, channels, rate, bits)
        elif chunk_id == b"data":
            if fmt is None:
                raise bad("data chunk before fmt chunk")
            return _data_format(fmt, size, f.tell(), file_bytes, bad)
        else:
            f.seek(size + (size & 1), 1)  # RIFF chunks are padded to an even length


def _data_format(
    fmt: tuple[int, int, int, int],
    size: int,
    offset: int,
    file_bytes: int,
    bad: Callable[[str], AudioError],
) -> WavFormat:
    """The format of a data chunk of `size` bytes at `offset`, if its header is believable."""
    tag, channels, rate, bits = fmt
    if tag not in (_PCM, _FLOAT):
        raise bad(f"unsupported encoding (format tag {tag:#x}); only PCM and float")
    supported = (32, 64) if tag == _FLOAT else (8, 16, 24, 32)
    if bits not in supported:
        raise bad(f"unsupported sample size {bits} bits")
    if not MIN_RATE <= rate <= MAX_RATE:
        raise bad(f"sample rate {rate} Hz is outside {MIN_RATE}..{MAX_RATE} Hz")
    if not 1 <= channels <= MAX_CHANNELS:
        raise bad(f"{channels} channels (1 to {MAX_CHANNELS} are supported)")
    frame = channels * bits // 8
    available = max(0, file_bytes - offset)
    # Streaming writers leave the size at 0 or 0xFFFFFFFF (RF64 always): trust the file then.
    if size in (0, 0xFFFFFFFF):
        size = available
    elif size > available:
        per_second = frame * rate
        promised = f"the header promises {size / per_second:.2f} s of audio"
        raise bad(f"truncated: {promised}, the file holds {available / per_second:.2f} s")
    if size < frame:
        raise bad("no audio in it (0 samples)")
    return WavFormat(rate, channels, bits, tag == _FLOAT, offset, size // frame * frame)


def _to_int16(raw: bytes, fmt: WavFormat) -> npt.NDArray[np.int16]:
    """Decode interleaved frames to mono int16 (channels averaged)."""
    if fmt.is_float:
        dtype = "<f4" if fmt.bits == 32 else "<f8"
        values = np.frombuffer(raw, dtype=dtype).astype(np.float64) * 32768.0
    elif fmt.bits == 8:
        values = (np.frombuffer(raw, dtype=np.uint8).astype(np.float64) - 128.0) * 256.0
    elif fmt.bits == 16:
        values = np.frombuffer(raw, dtype="<i2").astype(np.float64)
    elif fmt.bits == 24:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        packed = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        values = (np.where(packed >= 1 << 23, packed - (1 << 24), packed) / 256.0).astype(
            np.float64
        )
    else:
        values = np.frombuffer(raw, dtype="<i4").astype(np.float64) / 65536.0
    if fmt.channels > 1:
        values = values.reshape(-1, fmt.channels).mean(axis=1)
    return np.clip(np.round(values), -32768, 32767).astype(np.int16)


class FileSource:
    """Reads a WAV file as mono int16 chunks at the file's own rate, block by block.

    With `max_seconds` it stops there; `capped` then says that the file went on.
    """

    def __init__(self, path: Path, *, block_ms: int = 30, max_seconds: float | None = None) -> None:
        self.path = Path(path)
        self.block_ms = block_ms
        self.format = read_wav_format(self.path)
        self.max_frames = None if max_seconds is None else int(max_seconds * self.format.rate)
        self.capped = False
        self._closed = False

    @property
    def rate(self) -> int:
        return self.format.rate

    def chunks(self) -> Iterator[AudioChunk]:
        fmt = self.format
        frames_per_block = max(1, fmt.rate * self.block_ms // 1000)
        wanted = fmt.data_bytes // fmt.frame_bytes
        if self.max_frames is not None and self.max_frames < wanted:
            wanted = self.max_frames
            self.capped = True
        position = 0  # frames delivered
        with open_regular_file(self.path) as f:
            try:
                f.seek(fmt.data_offset)
                while position < wanted and not self._closed:
                    frames = min(frames_per_block, wanted - position)
                    raw = f.read(frames * fmt.frame_bytes)
                    usable = len(raw) // fmt.frame_bytes * fmt.frame_bytes
                    if usable == 0:
                        # The file shrank since its header was read.
                        logger.warning("%s: file ended early (truncated?)", self.path)
                        self.capped = False
                        break
                    samples = _to_int16(raw[:usable], fmt)
                    yield AudioChunk(
                        samples=samples.astype("<i2").tobytes(),
                        rate=fmt.rate,
                        timestamp=position / fmt.rate,
                    )
                    position += len(samples)
            except OSError as exc:
                raise AudioError(f"{self.path}: cannot read audio file: {exc.strerror}") from exc

    def read_all(self) -> AudioChunk:
        """The whole file (up to `max_seconds`) as one chunk."""
        parts = [c.samples for c in self.chunks()]
        return AudioChunk(samples=b"".join(parts), rate=self.rate)

    def close(self) -> None:
        self._closed = True
