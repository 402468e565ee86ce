"""Shared fixtures: a virtual sound server for tests that need real audio I/O."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests import virtual_audio

pytest_plugins = ["tests.fixtures.plugin"]


@pytest.fixture(scope="session")
def pulse_env() -> Iterator[dict[str, str]]:
    """A running private PulseAudio; its variables are also set in this process's environment.

    Import sounddevice only after this fixture: PortAudio lists devices when it starts.
    """
    if not virtual_audio.available():
        pytest.fail("pulseaudio is not installed: run the README's test set-up command")
    with virtual_audio.virtual_audio() as env:
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            yield env
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
