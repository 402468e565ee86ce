"""A matcher over the generated fixture library, scanned into a real catalogue."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant.app import build_matcher
from assistant.config import Config, load_config
from assistant.library.store import Catalogue
from assistant.nlu.matcher import Matcher
from tests.fixtures.config import write_config
from tests.fixtures.generate import FixtureLibrary


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
