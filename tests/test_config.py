"""Config loading: defaults, every error at once with key path and line, path handling."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import Config, find_config, load_config, parse_config
from assistant.errors import ConfigError


def test_example_config_loads() -> None:
    config = load_config(Path(__file__).resolve().parent.parent / "config.yaml")
    assert isinstance(config, Config)
    assert config.wake.phrase == Config().wake.phrase == "alexa"
    assert config.wake.chosen_engine == "micro"


def test_empty_file_gives_defaults(tmp_path: Path) -> None:
    config = parse_config("", source=tmp_path / "c.yaml")
    assert config.player.volume == Config().player.volume
    assert config.state_dir.is_absolute()


def test_all_errors_reported_with_lines(tmp_path: Path) -> None:
    text = (
        "player:\n"
        "  volume: 150\n"
        "  volme_step: 3\n"
        "radio:\n"
        "  stations:\n"
        "    - {name: Jazz, url: 'http://x'}\n"
        "    - {name: X}\n"
        "wake:\n"
        "  mode: sometimes\n"
        "speech: [1, 2]\n"
    )
    with pytest.raises(ConfigError) as err:
        parse_config(text, source=tmp_path / "c.yaml")
    message = str(err.value)
    assert "line 2: player.volume: must be 0..100, got 150" in message
    assert "line 3: player.volme_step: unknown key (did you mean 'volume_step'?)" in message
    assert "line 7: radio.stations[1]: missing required key 'url'" in message
    assert "line 9: wake.mode: must be one of phrase, none, got 'sometimes'" in message
    assert "line 10: speech: must be a mapping of keys" in message


def test_the_short_silence_of_a_finished_command(tmp_path: Path) -> None:
    assert Config().vad.complete_silence_ms == 200
    off = parse_config("vad:\n  complete_silence_ms: 0\n", source=tmp_path / "c.yaml")
    assert off.vad.complete_silence_ms == 0
    with pytest.raises(ConfigError) as err:
        parse_config("vad:\n  complete_silence_ms: -5\n  complet_silence_ms: 1\n",
                     source=tmp_path / "c.yaml")  # fmt: skip
    message = str(err.value)
    assert "line 2: vad.complete_silence_ms: must be 0..5000, got -5" in message
    assert "did you mean 'complete_silence_ms'?" in message


def test_not_yaml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid YAML"):
        parse_config("player: [unclosed\n", source=tmp_path / "c.yaml")


def test_relative_paths_are_relative_to_the_config(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config.yaml"
    path.parent.mkdir()
    path.write_text("state_dir: state\nlibrary:\n  music_dirs: [~/Tunes, music]\n")
    config = load_config(path)
    assert config.state_dir == tmp_path / "sub" / "state"
    assert config.library.music_dirs == (Path("~/Tunes").expanduser(), tmp_path / "sub" / "music")
    assert config.source == path


def test_find_config_prefers_explicit_then_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert find_config(None) is None
    (tmp_path / "config.yaml").write_text("")
    assert find_config(None) == Path("config.yaml")
    assert find_config(tmp_path / "other.yaml") == tmp_path / "other.yaml"


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path / "nope.yaml")


def test_concepts_load_as_the_issue_spells_them(tmp_path: Path) -> None:
    text = (
        "concepts:\n"
        "  - name: Songs to Sing in the Car\n"
        "    aliases: [car songs, sing along songs]\n"
        "    pool:\n"
        "      genres: [Pop, Rock]\n"
        "      artists: [Queen, ABBA]\n"
        "      years: [1970, 1999]\n"
        "      playlists: [Road Trip]\n"
        '      tracks: ["Queen - Bohemian Rhapsody"]\n'
        "    size: 25\n"
        "    mode: conservative\n"
        "  - name: Fresh\n"
    )
    car, fresh = parse_config(text, source=tmp_path / "c.yaml").concepts
    assert car.aliases == ("car songs", "sing along songs")
    assert car.pool.years == (1970, 1999) and car.pool.tracks == ("Queen - Bohemian Rhapsody",)
    assert (fresh.size, fresh.mode, fresh.pool.genres) == (25, "conservative", ())


def test_concept_errors_name_key_and_line(tmp_path: Path) -> None:
    text = (
        "concepts:\n"
        "  - name: Car\n"
        "    pool:\n"
        "      years: [1999, 1970]\n"
        "      tracks: [Bohemian Rhapsody]\n"
        "      genre: [Pop]\n"
        "    size: 0\n"
        "    mode: wild\n"
        "  - aliases: [x]\n"
        "  - name: ''\n"
        "  - {name: Road, pool: {years: [1970]}}\n"
    )
    with pytest.raises(ConfigError) as err:
        parse_config(text, source=tmp_path / "c.yaml")
    message = str(err.value)
    assert (
        "line 4: concepts[0].pool.years: must be [first, last] with first <= last, got [1999, 1970]"
        in message
    )
    assert (
        "line 5: concepts[0].pool.tracks[0]: must be \"ARTIST - TITLE\", got 'Bohemian Rhapsody'"
        in message
    )
    assert "line 6: concepts[0].pool.genre: unknown key (did you mean 'genres'?)" in message
    assert "line 7: concepts[0].size: must be 1..500, got 0" in message
    assert (
        "line 8: concepts[0].mode: must be one of conservative, exploratory, got 'wild'" in message
    )
    assert "line 9: concepts[1]: missing required key 'name'" in message
    assert "line 10: concepts[2].name: must not be empty" in message
    assert "line 11: concepts[3].pool.years: must be [first, last]" in message


def test_one_name_for_two_concepts_is_an_error(tmp_path: Path) -> None:
    text = "concepts:\n  - {name: Car Songs}\n  - name: Road Trip\n    aliases: [Car Songs!]\n"
    with pytest.raises(ConfigError) as err:
        parse_config(text, source=tmp_path / "c.yaml")
    assert "line 3: concepts[1]: 'car songs' already names concepts[0] (Car Songs)" in str(
        err.value
    )


def test_wake_engine_micro_needs_a_bundled_phrase(tmp_path: Path) -> None:
    text = "wake:\n  engine: micro\n  threshold: 1.0e-30\n  phrase: hey jarvs\n"
    with pytest.raises(ConfigError) as err:
        parse_config(text, source=tmp_path / "c.yaml")
    message = str(err.value)
    assert "line 4: wake.phrase: wake.engine micro has no model for 'hey jarvs'" in message
    assert "(did you mean 'hey jarvis'?)" in message
    assert "okay nabu, hey jarvis, hey mycroft, alexa" in message


def test_wake_engine_auto_follows_the_phrase(tmp_path: Path) -> None:
    def engine(text: str) -> str:
        return parse_config(text, source=tmp_path / "c.yaml").wake.chosen_engine

    # A config written before wake.engine existed keeps its keyphrase spotter.
    assert engine("wake:\n  phrase: hey speaker\n  threshold: 1.0e-30\n") == "pocketsphinx"
    assert engine("wake:\n  phrase: Hey Jarvis\n") == "micro"
    assert engine("wake:\n  engine: pocketsphinx\n  phrase: hey jarvis\n") == "pocketsphinx"
    config = parse_config(
        "wake:\n  phrase: alexa\n  micro_threshold: 0.9\n", source=tmp_path / "c.yaml"
    )
    assert config.wake.micro_threshold == 0.9


def test_wake_micro_threshold_is_a_probability(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"line 2: wake.micro_threshold: must be 0.0..1.0, got 5"):
        parse_config("wake:\n  micro_threshold: 5\n", source=tmp_path / "c.yaml")
    with pytest.raises(ConfigError, match=r"wake.engine: must be one of auto, pocketsphinx, micro"):
        parse_config("wake:\n  engine: snowboy\n", source=tmp_path / "c.yaml")
