"""Folders we write into that someone else made, can write into, or filled with symlinks."""

from __future__ import annotations

import os
import queue
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import app, private_dirs
from assistant.errors import UnsafeFolderError
from assistant.library.store import Catalogue
from assistant.player.mpv_engine import MpvClipPlayer
from assistant.tts.base import SpeechEvent, SpeechFinished
from assistant.tts.cache import CachedSynthesizer
from assistant.tts.earcons import Earcons
from assistant.tts.pyttsx3_engine import Pyttsx3Synthesizer
from assistant.tts.speaker import Speaker

NOBODY = 65534
TIMEOUT = 60.0

needs_root = pytest.mark.skipif(
    os.geteuid() != 0, reason="making a folder another user owns needs root (CI runs as root)"
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture
def no_runtime_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """XDG_RUNTIME_DIR unset and the temporary folder a shared one (1777) of the test's own."""
    shared = tmp_path / "tmp"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("TMPDIR", str(shared))
    monkeypatch.setattr("tempfile.tempdir", None)  # read TMPDIR again
    return shared


@pytest.fixture
def clips() -> Iterator[MpvClipPlayer]:
    player = MpvClipPlayer(audio_output="null", audio_device="auto")
    yield player
    player.close()


def _speak(speaker: Speaker, events: queue.Queue[SpeechEvent], text: str) -> SpeechFinished:
    speaker.say(text)
    while True:
        event = events.get(timeout=TIMEOUT)
        if isinstance(event, SpeechFinished):
            return event


def test_the_speech_folder_is_made_private_when_there_is_no_runtime_dir(
    no_runtime_dir: Path,
) -> None:
    made = private_dirs.runtime_dir()
    assert made == no_runtime_dir / f"assistant-{os.geteuid()}"
    assert _mode(made) == 0o700 and os.lstat(made).st_uid == os.geteuid()
    assert private_dirs.runtime_dir() == made  # ours: used again


@needs_root
def test_a_squatted_speech_folder_full_of_symlinks_is_not_written_through(
    no_runtime_dir: Path, tmp_path: Path, clips: MpvClipPlayer
) -> None:
    """The daemon's own wiring (build_voice) with no XDG_RUNTIME_DIR, run as root, after another
    user made the speech folder and filled it with symlinks to a root-owned file."""
    victim = tmp_path / "victim.conf"
    victim.write_text("precious\n")
    for squat in (no_runtime_dir / "assistant", no_runtime_dir / f"assistant-{os.geteuid()}"):
        squat.mkdir()
        for name in [f"speech-{n}.wav" for n in range(4)] + ["earcon-wake.wav"]:
            os.symlink(victim, squat / name)
        os.chmod(squat, 0o777)
        os.chown(squat, NOBODY, NOBODY)

    events: queue.Queue[SpeechEvent] = queue.Queue()
    config = app.load(_config(tmp_path, tmp_path / "state"))
    voice = app.build_voice(config, clips, events.put)
    try:
        for _ in range(2):  # the second time from the speech cache, copied into the folder
            voice.say("Playing Queen.")
            while not isinstance(finished := events.get(timeout=TIMEOUT), SpeechFinished):
                pass
            assert not finished.failed
        voice.earcon("wake")
    finally:
        voice.interrupt()
    assert victim.read_text() == "precious\n"


@pytest.mark.parametrize("problem", ["mode", "symlink", *(["owner"] if os.geteuid() == 0 else [])])
def test_unsafe_folders_are_refused(tmp_path: Path, problem: str) -> None:
    target = tmp_path / "work"
    if problem == "mode":
        target.mkdir()
        os.chmod(target, 0o755)
    elif problem == "symlink":
        (tmp_path / "elsewhere").mkdir(mode=0o700)
        os.symlink(tmp_path / "elsewhere", target)
    else:
        target.mkdir(mode=0o700)
        os.chown(target, NOBODY, NOBODY)
    with pytest.raises(UnsafeFolderError, match="refusing"):
        private_dirs.ensure_private(target)


def test_deleting_the_speech_folder_does_not_silence_the_speaker(
    tmp_path: Path, clips: MpvClipPlayer
) -> None:
    work = tmp_path / "speech"
    events: queue.Queue[SpeechEvent] = queue.Queue()
    speaker = Speaker(
        synthesizer=Pyttsx3Synthesizer(voice="en-us", rate=200, volume=1.0),
        clips=clips,
        work_dir=work,
        on_event=events.put,
    )
    earcons = Earcons(clips=clips, work_dir=work)
    try:
        assert not _speak(speaker, events, "One.").failed
        for leftover in work.iterdir():
            leftover.unlink()
        work.rmdir()
        assert not _speak(speaker, events, "Two.").failed
        assert _mode(work) == 0o700
        work_again = earcons.path("wake")
        for leftover in work.iterdir():
            leftover.unlink()
        work.rmdir()
        earcons.play("wake")
        assert work_again.is_file()
    finally:
        speaker.close()


def _config(tmp_path: Path, state_dir: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        f"library:\n  music_dirs: []\n  playlist_dirs: []\n  podcast_dirs: []\n"
        f"state_dir: {state_dir}\n"
    )
    return path


def test_a_shared_state_dir_keeps_its_mode_and_gets_a_folder_of_ours(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    config = app.load(_config(tmp_path, shared))
    assert config.state_dir == shared / f"assistant-{os.geteuid()}"
    assert _mode(config.state_dir) == 0o700
    assert _mode(shared) == 0o1777
    with Catalogue(path=config.catalogue_path):
        pass
    assert _mode(shared) == 0o1777


@needs_root
def test_a_shared_state_dir_with_a_squatted_folder_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    squat = shared / f"assistant-{os.geteuid()}"
    squat.mkdir(mode=0o777)
    os.chown(squat, NOBODY, NOBODY)
    with pytest.raises(UnsafeFolderError, match="another user"):
        app.load(_config(tmp_path, shared))


def test_database_files_are_private(tmp_path: Path) -> None:
    db = tmp_path / "state" / "assistant.sqlite3"
    with Catalogue(path=db) as cat:
        cat.scan(music_dirs=[], playlist_dirs=[], podcast_dirs=[])
        for suffix in ("", "-wal", "-shm"):
            assert _mode(Path(f"{db}{suffix}")) == 0o600, suffix
    old = tmp_path / "old.sqlite3"
    sqlite3.connect(old).execute("CREATE TABLE x (y)").connection.close()
    os.chmod(old, 0o644)
    with Catalogue(path=old):
        assert _mode(old) == 0o600


def test_a_symlink_in_place_of_the_database_is_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    (tmp_path / "state").mkdir()
    os.symlink(victim, tmp_path / "state" / "assistant.sqlite3")
    with pytest.raises(Exception, match="cannot open the library database"):
        Catalogue(path=tmp_path / "state" / "assistant.sqlite3")
    assert victim.read_text() == "precious\n"


def test_a_cached_sentence_is_not_copied_through_a_symlink(tmp_path: Path) -> None:
    cache = CachedSynthesizer(
        synthesizer=Pyttsx3Synthesizer(voice="en-us", rate=200, volume=1.0),
        cache_dir=tmp_path / "cache",
    )
    cache.synthesize("Nothing is playing.", tmp_path / "first.wav")
    victim = tmp_path / "victim.conf"
    victim.write_text("precious\n")
    os.symlink(victim, tmp_path / "planted.wav")
    again = cache.synthesize("Nothing is playing.", tmp_path / "planted.wav")
    assert cache.hits == 1
    assert not again.is_symlink() and again.read_bytes()[:4] == b"RIFF"
    assert victim.read_text() == "precious\n"
    assert _mode(tmp_path / "cache") == 0o700
