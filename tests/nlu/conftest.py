"""A matcher over the generated fixture library, scanned into a real catalogue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.app import build_matcher
from assistant.config import Config, load_config
from assistant.library.store import Catalogue
from assistant.nlu.matcher import Matcher
from tests.fixtures.generate import FixtureLibrary
from tests.fixtures.library_spec import RADIO


def write_config(root: Path, library: FixtureLibrary) -> Path:
    stations = "\n".join(f"    - {{name: {name!r}, url: {url!r}}}" for name, url in RADIO.items())
    path = root / "config.yaml"
    path.write_text(
        f"""\
library:
  music_dirs: [{library.music_dir}]
  playlist_dirs: [{library.playlist_dir}]
  podcast_dirs: [{library.podcast_dir}]
radio:
  stations:
{stations}
state_dir: {root / "state"}
player:
  audio_output: "null"
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="session")
def library_config(
    tmp_path_factory: pytest.TempPathFactory, fixture_library: FixtureLibrary
) -> Config:
    return load_config(write_config(tmp_path_factory.mktemp("nlu"), fixture_library))


@pytest.fixture(scope="session")
def matcher(library_config: Config) -> Iterator[Matcher]:
    catalogue = Catalogue(path=library_config.catalogue_path)
    lib = library_config.library
    catalogue.scan(
        music_dirs=lib.music_dirs, playlist_dirs=lib.playlist_dirs, podcast_dirs=lib.podcast_dirs
    )
    yield build_matcher(library_config, catalogue)
    catalogue.close()
