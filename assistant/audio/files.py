"""WAV files as an audio source: any rate, 8/16/24/32-bit integer or float, mono or multichannel.

The RIFF header is parsed here rather than with the `wave` module, which rejects float and
WAVE_FORMAT_EXTENSIBLE files (what sox and many recorders write for anything above 16 bits).
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Iterator
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


def read_wav_format(path: Path) -> WavFormat:
    """Parse the header of a WAV file; AudioError (naming the file) if it is not a usable one."""
    try:
        with path.open("rb") as f:
            return _parse_header(f, path)
    except OSError as exc:
        raise AudioError(f"{path}: cannot read audio file: {exc.strerror}") from exc


def _parse_header(f: BinaryIO, path: Path) -> WavFormat:
    def bad(why: str) -> AudioError:
        return AudioError(f"{path}: not a usable WAV file: {why}")

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
            body = f.read(size)
            if len(body) < 16:
                raise bad("fmt chunk too short")
            tag, channels, rate, _, _, bits = struct.unpack("<HHIIHH", body[:16])
            if tag == _EXTENSIBLE:
                if len(body) < 26:
                    raise bad("extensible fmt chunk too short")
                tag = struct.unpack("<H", body[24:26])[0]  # first two bytes of the sub-format GUID
            fmt = (tag, channels, rate, bits)
        elif chunk_id == b"data":
            if fmt is None:
                raise bad("data chunk before fmt chunk")
            tag, channels, rate, bits = fmt
            if tag not in (_PCM, _FLOAT):
                raise bad(f"unsupported encoding (format tag {tag:#x}); only PCM and float")
            supported = (32, 64) if tag == _FLOAT else (8, 16, 24, 32)
            if bits not in supported:
                raise bad(f"unsupported sample size {bits} bits")
            if channels < 1 or rate < 1:
                raise bad(f"{channels} channels at {rate} Hz")
            offset = f.tell()
            f.seek(0, 2)
            available = f.tell() - offset
            # Streaming writers leave the size at 0 or 0xFFFFFFFF: trust the file length then.
            data_bytes = available if size in (0, 0xFFFFFFFF) else min(size, available)
            frame = channels * bits // 8
            return WavFormat(
                rate, channels, bits, tag == _FLOAT, offset, data_bytes // frame * frame
            )
        else:
            f.seek(size + (size & 1), 1)  # RIFF chunks are padded to an even length


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
    """Reads a WAV file as mono int16 chunks at the file's own rate."""

    def __init__(self, path: Path, *, block_ms: int = 30) -> None:
        self.path = Path(path)
        self.block_ms = block_ms
        self.format = read_wav_format(self.path)
        self._closed = False

    @property
    def rate(self) -> int:
        return self.format.rate

    def chunks(self) -> Iterator[AudioChunk]:
        fmt = self.format
        frames_per_block = max(1, fmt.rate * self.block_ms // 1000)
        position = 0  # frames delivered
        try:
            with self.path.open("rb") as f:
                f.seek(fmt.data_offset)
                remaining = fmt.data_bytes
                while remaining > 0 and not self._closed:
                    raw = f.read(min(remaining, frames_per_block * fmt.frame_bytes))
                    if not raw:
                        logger.warning("%s: file ended early (truncated?)", self.path)
                        break
                    usable = len(raw) // fmt.frame_bytes * fmt.frame_bytes
                    remaining -= len(raw)
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
        """The whole file as one chunk."""
        parts = [c.samples for c in self.chunks()]
        return AudioChunk(samples=b"".join(parts), rate=self.rate)

    def close(self) -> None:
        self._closed = True
