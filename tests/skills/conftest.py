"""A fresh assistant (own state dir, real mpv with ao=null) for each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.config import write_config
from tests.fixtures.generate import FixtureLibrary
from tests.skills.support import Rig, rig_config


@pytest.fixture
def rig(tmp_path: Path, fixture_library: FixtureLibrary) -> Iterator[Rig]:
    rig = Rig(rig_config(write_config(tmp_path, fixture_library)))
    try:
        yield rig
    finally:
        rig.close()
