"""Library tests use the generated fixture library (until tests/conftest.py registers it)."""

from tests.fixtures.plugin import fixture_library

__all__ = ["fixture_library"]
