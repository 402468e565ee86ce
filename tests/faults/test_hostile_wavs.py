"""WAV files made to hurt: absurd headers, FIFOs and devices, files far longer than a command.

Each was found to hang `assistant listen` or eat memory (a 1 Hz header: past 120 s and 1.6 GB;
a FIFO: blocked forever; ten minutes of noise: a minute and 541 MB). Every one must be
refused with a message naming it, or heard only up to the cap, and the next file still heard.
"""

from __future__ import annotations

import os
import struct
import threading
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from assistant.audio.files import FileSource
from assistant.errors import AudioError
from tests.audio import wav_files as W
from tests.fixtures.config import write_config
from tests.fixtures.generate import FixtureLibrary


def wav_bytes(
    *,
    rate: int = 16000,
    channels: int = 1,
    bits: int = 16,
    tag: int = 1,
    data: bytes = bytes(3200),
    data_size: int | None = None,
    fmt_size: int = 16,
) -> bytes:
    """A RIFF/WAVE file whose header says whatever it is told to."""
    block = channels * bits // 8
    fmt = struct.pack(
        "<HHIIHH", tag, channels, rate, (rate * block) % (1 << 32), block % 65536, bits
    )
    size = len(data) if data_size is None else data_size
    body = (b"WAVE" + b"fmt " + struct.pack("<I", fmt_size) + fmt
            + b"data" + struct.pack("<I", size) + data)  # fmt: skip
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _refused(path: Path, message: str) -> None:
    with pytest.raises(AudioError, match=message) as raised:
        FileSource(path)
    assert str(path) in str(raised.value)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ({"rate": 1}, r"sample rate 1 Hz is outside 4000\.\.192000 Hz"),
        ({"rate": 0}, r"sample rate 0 Hz"),
        ({"rate": 1_000_000}, r"sample rate 1000000 Hz"),
        ({"channels": 0}, r"0 channels \(1 to 8"),
        ({"channels": 9}, r"9 channels"),
        ({"channels": 65535}, r"65535 channels"),
        ({"bits": 12}, r"unsupported sample size 12 bits"),
        ({"data_size": 0xFFFFFFF0}, r"truncated: the header promises 134217.73 s"),
        ({"data": b""}, r"no audio in it"),
        ({"fmt_size": 0xFFFFFFF0}, r"no data chunk"),
    ],
)
def test_absurd_headers_are_refused(
    tmp_path: Path, header: dict[str, int | bytes], message: str
) -> None:
    path = tmp_path / "hostile.wav"
    path.write_bytes(wav_bytes(**header))
    _refused(path, message)


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    path.touch()
    _refused(path, r"empty file \(0 bytes\)")


def _with_timeout(make: Callable[[], None]) -> None:
    """Runs make() in a thread; a hang becomes a failure instead of a stuck test run."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            make()
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(60)
    assert not worker.is_alive(), "blocked"
    if errors:
        raise errors[0]


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "x.wav"
    os.mkfifo(fifo)
    link = tmp_path / "link.wav"
    link.symlink_to(fifo)
    for path in (fifo, link):
        _with_timeout(lambda p=path: _refused(p, r"not a regular file \(a FIFO"))


def test_folders_and_devices_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "folder.wav"
    folder.mkdir()
    _refused(folder, r"is a folder, not a WAV file")
    _with_timeout(lambda: _refused(Path("/dev/zero"), r"not a regular file"))


def test_a_long_file_is_read_in_blocks_up_to_the_cap(tmp_path: Path) -> None:
    path = tmp_path / "long.wav"
    rate, seconds = 8000, 600  # ten minutes of noise
    noise = np.random.default_rng(0).integers(-3000, 3000, rate * seconds, dtype=np.int16)
    path.write_bytes(wav_bytes(rate=rate, data=noise.astype("<i2").tobytes()))
    source = FileSource(path, max_seconds=30.0)
    sizes = [len(c.samples) // 2 for c in source.chunks()]
    assert sum(sizes) == 30 * rate and source.capped
    assert max(sizes) <= rate * source.block_ms // 1000  # never more than a block at a time
    whole = FileSource(path)
    assert sum(len(c.samples) // 2 for c in whole.chunks()) == seconds * rate
    assert not whole.capped


# --- through `assistant listen` ---------------------------------------------------------


@pytest.fixture
def config(tmp_path: Path, fixture_library: FixtureLibrary) -> Path:
    return write_config(tmp_path, fixture_library)


def test_listen_refuses_hostile_files_by_name_and_hears_the_rest(
    tmp_path: Path, config: Path
) -> None:
    one_hz = tmp_path / "one-hz.wav"
    one_hz.write_bytes(wav_bytes(rate=1, data=bytes(1_000_000)))
    fifo = tmp_path / "fifo.wav"
    os.mkfifo(fifo)
    cut = tmp_path / "cut.wav"
    cut.write_bytes(wav_bytes(data=bytes(3200), data_size=3_200_000))
    good = W.piper(tmp_path / "good.wav", "pause")
    done = W.listen(config, "--json", one_hz, fifo, tmp_path, cut, good)
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("assistant: ")]
    assert errors == [
        f"assistant: {one_hz}: not a usable WAV file: sample rate 1 Hz is outside 4000..192000 Hz",
        f"assistant: {fifo}: not a regular file (a FIFO, socket or device): refused",
        f"assistant: {tmp_path}: is a folder, not a WAV file",
        f"assistant: {cut}: not a usable WAV file: truncated: the header promises 100.00 s of "
        "audio, the file holds 0.10 s",
    ]
    *refused, heard = W.json_lines(done)
    assert [r["file"] for r in refused] == [str(p) for p in (one_hz, fifo, tmp_path, cut)]
    assert all(set(r) == {"file", "error"} for r in refused)
    assert heard["intent"] == "Pause"


def test_listen_stops_at_the_cap_and_says_so(tmp_path: Path, config: Path) -> None:
    with wave.open(str(W.piper(tmp_path / "command.wav", "pause"))) as w:
        rate = w.getframerate()
        command = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    # The command, then ten minutes of faint noise.
    x = np.concatenate([command, np.zeros(rate * 600, dtype="<i2")]).astype(np.float64)
    x += np.random.default_rng(1).normal(0.0, 100.0, len(x))
    noisy = tmp_path / "noisy.wav"
    with wave.open(str(noisy), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.clip(np.round(x), -32768, 32767).astype("<i2").tobytes())
    done = W.listen(config, "--json", noisy)
    assert done.returncode == 0, done.stderr
    [heard] = W.json_lines(done)
    assert heard["audio_seconds"] == 30.0
    assert f"{noisy}: longer than 30 s: only the first 30 s were heard" in done.stderr
    assert heard["intent"] == "Pause"
    # A shorter cap when asked for one.
    done = W.listen(config, "--json", "--max-seconds", "2.5", noisy)
    [heard] = W.json_lines(done)
    assert heard["audio_seconds"] == 2.5 and "only the first 2.5 s were heard" in done.stderr


@pytest.mark.parametrize("value", ["0", "-1", "soon", "7200"])
def test_max_seconds_must_be_sensible(tmp_path: Path, config: Path, value: str) -> None:
    done = W.listen(config, "--max-seconds", value, tmp_path / "any.wav")
    assert done.returncode == 2 and "--max-seconds" in done.stderr
