"""FileSource on the WAV encodings sox writes, and on files that are not WAV at all."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from assistant.audio.files import FileSource
from assistant.errors import AudioError


def _sox_sine(path: Path, *, rate: int, channels: int, encoding: list[str]) -> Path:
    # Two channels carry the same sine, so the mono mix has the same amplitude (0.5 FS).
    subprocess.run(
        ["sox", "-D", "-n", "-r", str(rate), "-c", str(channels), *encoding, str(path),
         "synth", "0.5", "sine", "440", "vol", "0.5"],
        check=True, capture_output=True,
    )  # fmt: skip
    return path


@pytest.mark.parametrize(
    ("rate", "channels", "encoding"),
    [
        (8000, 1, ["-b", "8", "-e", "unsigned-integer"]),
        (16000, 1, ["-b", "16"]),
        (22050, 2, ["-b", "16"]),
        (44100, 2, ["-b", "24"]),
        (48000, 1, ["-b", "32", "-e", "signed-integer"]),
        (48000, 2, ["-b", "32", "-e", "floating-point"]),
    ],
)
def test_reads_wav_encodings_as_mono_int16(
    tmp_path: Path, rate: int, channels: int, encoding: list[str]
) -> None:
    source = FileSource(_sox_sine(tmp_path / "sine.wav", rate=rate, channels=channels,
                                  encoding=encoding))  # fmt: skip
    chunks = list(source.chunks())
    assert {c.rate for c in chunks} == {rate}
    assert all(c.channels == 1 and c.width == 2 for c in chunks)
    x = np.frombuffer(b"".join(c.samples for c in chunks), dtype="<i2").astype(np.float64)
    assert len(x) == rate // 2
    # sox's own decoding of the file (first channel, as float) is the truth; ours rounds it.
    truth = subprocess.run(
        ["sox", "-D", str(source.path), "-t", "f32", "-", "remix", "1"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    expected = np.frombuffer(truth, dtype="<f4").astype(np.float64) * 32768
    assert np.max(np.abs(x - expected)) <= 1.0
    assert np.max(np.abs(x)) > 15000  # the signal really is there (0.5 full scale)
    # Timestamps run on without gaps.
    ends = [c.timestamp + c.seconds for c in chunks]
    assert [c.timestamp for c in chunks[1:]] == pytest.approx(ends[:-1])


def test_stereo_channels_are_averaged(tmp_path: Path) -> None:
    path = tmp_path / "lr.wav"
    subprocess.run(
        ["sox", "-D", "-n", "-r", "16000", "-c", "2", "-b", "16", str(path),
         "synth", "0.1", "sine", "440", "sine", "440", "remix", "1", "2v0"],
        check=True, capture_output=True,
    )  # fmt: skip
    left_only = np.frombuffer(FileSource(path).read_all().samples, dtype="<i2")
    # Full-scale sine in the left channel, silence in the right: half scale in the mix.
    assert 16000 < np.max(np.abs(left_only.astype(np.int32))) < 16500


def test_not_a_wav_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "notes.wav"
    path.write_text("shopping list: milk, eggs")
    with pytest.raises(AudioError, match=r"notes\.wav.*RIFF"):
        FileSource(path)


def test_other_audio_format_is_refused(tmp_path: Path) -> None:
    flac = tmp_path / "song.flac"
    subprocess.run(["sox", "-n", "-r", "16000", str(flac), "synth", "0.1", "sine", "440"],
                   check=True, capture_output=True)  # fmt: skip
    renamed = tmp_path / "song.wav"
    renamed.write_bytes(flac.read_bytes())
    with pytest.raises(AudioError, match=r"song\.wav"):
        FileSource(renamed)


def test_truncated_header_is_refused(tmp_path: Path) -> None:
    good = _sox_sine(tmp_path / "a.wav", rate=16000, channels=1, encoding=["-b", "16"])
    cut = tmp_path / "cut.wav"
    cut.write_bytes(good.read_bytes()[:30])
    with pytest.raises(AudioError, match=r"cut\.wav"):
        FileSource(cut)


def test_data_shorter_than_its_header_says_is_refused_as_truncated(tmp_path: Path) -> None:
    good = _sox_sine(tmp_path / "a.wav", rate=16000, channels=1, encoding=["-b", "16"])
    cut = tmp_path / "cut.wav"
    cut.write_bytes(good.read_bytes()[: 44 + 2000 + 1])  # half a sample at the end
    with pytest.raises(AudioError, match=r"cut\.wav.*truncated.*promises 0\.50 s.*holds 0\.06 s"):
        FileSource(cut)


def test_streaming_writer_sizes_mean_to_the_end_of_the_file(tmp_path: Path) -> None:
    good = _sox_sine(tmp_path / "a.wav", rate=16000, channels=1, encoding=["-b", "16"])
    raw = bytearray(good.read_bytes()[: 44 + 2000 + 1])
    assert raw[36:40] == b"data"
    for size in (b"\x00\x00\x00\x00", b"\xff\xff\xff\xff"):
        raw[40:44] = size
        path = tmp_path / "live.wav"
        path.write_bytes(bytes(raw))
        assert len(FileSource(path).read_all().samples) == 2000


def test_compressed_wav_encoding_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "alaw.wav"
    subprocess.run(["sox", "-n", "-r", "8000", "-e", "a-law", str(path), "synth", "0.1", "sine",
                    "440"], check=True, capture_output=True)  # fmt: skip
    with pytest.raises(AudioError, match=r"alaw\.wav.*unsupported encoding"):
        FileSource(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match=r"nothing\.wav"):
        FileSource(tmp_path / "nothing.wav")
