"""What a new owner meets in the first hour: the README's commands as root and as a user, the
config's documented values, clear errors naming the file, `--help`, the console's own commands.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import doctor
from assistant.config import Config, describe_source, load_config, parse_config
from assistant.errors import ConfigError
from assistant.library.store import Catalogue
from tests.fixtures.config import write_config
from tests.fixtures.generate import FixtureLibrary

REPO = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text()
    return re.findall(r"^```sh\n(.*?)\n```$", text, flags=re.M | re.S)


def fake_tools(bin_dir: Path, uid: int, calls: Path) -> None:
    """`id`, `sudo`, `apt-get` and `python3` stand-ins that record what they were asked to do;
    `python3` fails, so the command stops after its apt part."""
    bin_dir.mkdir()
    scripts = {
        "id": f'[ "$1" = -u ] && echo {uid}',
        "sudo": f'echo "sudo $*" >> {calls}; exec "$@"',
        "apt-get": f'echo "apt-get $1" >> {calls}',
        "python3": f'echo "python3 $*" >> {calls}; exit 1',
    }
    for name, body in scripts.items():
        path = bin_dir / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(stat.S_IRWXU)


@pytest.mark.parametrize(("uid", "sudo_used"), [(0, False), (1000, True)])
def test_the_readme_commands_work_as_root_without_sudo_and_as_a_user_with_it(
    tmp_path: Path, uid: int, sudo_used: bool
) -> None:
    commands = readme_commands()
    assert len(commands) == 2
    for n, command in enumerate(commands):
        calls = tmp_path / f"calls-{n}"
        bin_dir = tmp_path / f"bin-{n}"
        fake_tools(bin_dir, uid, calls)
        # Only the fakes and the shell's basics: a root container has no sudo at all.
        path = f"{bin_dir}:/usr/bin:/bin" if sudo_used else f"{bin_dir}:/bin"
        if not sudo_used:
            (bin_dir / "sudo").unlink()
        subprocess.run(["/bin/sh", "-c", command], cwd=REPO, env={"PATH": path},
                       capture_output=True, timeout=60, check=False)  # fmt: skip
        recorded = calls.read_text().splitlines()
        apt = ["apt-get update", "apt-get install"]
        if sudo_used:
            assert recorded[:4] == [
                "sudo apt-get update", "apt-get update", f"sudo apt-get install -y {packages()}",
                "apt-get install",
            ]  # fmt: skip
        else:
            assert recorded[:2] == apt
        assert recorded[-1] == "python3 -m venv .venv"


def packages() -> str:
    return " ".join((REPO / ".ci" / "apt-packages").read_text().split())


def test_ci_runs_the_readmes_test_command_as_written() -> None:
    ci = (REPO / ".ci" / "run").read_text()
    test_command = readme_commands()[1]
    assert test_command.endswith(".venv/bin/python -m pytest")
    # .ci/run takes the command out of the README and runs it; check what it takes.
    extract = re.search(r"test_command=\$\((awk .*?)\)\n", ci)
    assert extract is not None
    taken = subprocess.run(["/bin/bash", "-c", extract.group(1)], cwd=REPO, capture_output=True,
                           text=True, timeout=30, check=True)  # fmt: skip
    assert taken.stdout.strip() == test_command
    assert 'bash -euo pipefail -c "$test_command"' in ci


def test_yaml_null_is_the_silent_audio_output(tmp_path: Path) -> None:
    config = parse_config("player:\n  audio_output: null\n", source=tmp_path / "c.yaml")
    assert config.player.audio_output == "null"
    tilde = parse_config("player:\n  audio_output: ~\n", source=tmp_path / "c.yaml")
    assert tilde.player.audio_output == "null"
    with pytest.raises(ConfigError, match=r"audio_device: must be a string \(quote it"):
        parse_config("player:\n  audio_device: null\n", source=tmp_path / "c.yaml")


def test_the_example_configs_documented_null_works(tmp_path: Path) -> None:
    example = (REPO / "config.yaml").read_text()
    assert "or null (silent)" in example
    silent = example.replace("audio_output: auto", "audio_output: null", 1)
    assert silent != example
    config = tmp_path / "config.yaml"
    config.write_text(silent)
    assert load_config(config).player.audio_output == "null"


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("player:\n  volume: [unclosed\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert "<unicode string>" not in message
    assert f'in "{path}", line 3' in message


def test_a_config_that_is_not_utf8_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_bytes(b"speech:\n  voice: en\nwake:\n  phrase: hey caf\xe9\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == f"{path}:4: not UTF-8 text (byte 0xe9): save the file as UTF-8"


def test_run_says_where_its_settings_come_from(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("")
    assert describe_source(load_config(path)) == f"config: {path}"
    defaults = describe_source(Config())
    assert defaults.startswith("config: no file found (looked for config.yaml, ")
    assert defaults.endswith("using the built-in defaults")


def assistant(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args],
        cwd=REPO,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def test_help_opens_with_what_the_program_does() -> None:
    shown = assistant("--help")
    assert shown.returncode == 0
    description = shown.stdout.split("\n\n")[1]
    assert description.startswith("An offline, voice-controlled smart speaker")
    assert "argument parsing" not in shown.stdout


def test_console_help_and_quit(tmp_path: Path, fixture_library: FixtureLibrary) -> None:
    config = write_config(tmp_path, fixture_library)
    script = "turn it down\n:help\n:dance\n:quit\nplay queen\n"
    done = assistant("console", "--config", str(config), stdin=script)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "(ok)"
    assert "  :quit           stop the music and leave (end of input does the same)" in lines
    assert "unknown console command ':dance'" in lines
    assert "Playing Queen." not in lines  # nothing after :quit is run


def test_doctor_counts_in_the_singular(tmp_path: Path, fixture_library: FixtureLibrary) -> None:
    music = tmp_path / "music"
    music.mkdir()
    one = next(p for p in fixture_library.tracks.values() if p.suffix == ".mp3")
    shutil.copy(one, music / one.name)
    path = tmp_path / "config.yaml"
    path.write_text(
        f"state_dir: {tmp_path / 'state'}\nlibrary:\n  music_dirs: [{music}]\n"
        f"  playlist_dirs: []\n  podcast_dirs: []\n"
    )
    config = load_config(path)
    with Catalogue(path=config.catalogue_path) as catalogue:
        catalogue.scan(music_dirs=(music,), playlist_dirs=(), podcast_dirs=())
    (finding,) = doctor.check_catalogue(config)
    assert finding.message.startswith("1 track, 0 playlists, 0 podcasts; last written ")
