"""Memory that grows with use: the daemon's heaps stay the same size answer after answer.

glibc's moving mmap threshold put mpv's ~10 MB buffers, one set per spoken answer, into the
heaps, which kept them (assistant.native_heap).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.config import write_config
from tests.fixtures.generate import FixtureLibrary
from tests.native_heaps import heap_bytes
from tests.test_daemon import RunningDaemon

WARM_UP = 5
ANSWERS = 20
MB = 1 << 20


@pytest.fixture
def daemon(
    tmp_path: Path, fixture_library: FixtureLibrary, pulse_env: dict[str, str]
) -> Iterator[RunningDaemon]:
    config = write_config(tmp_path, fixture_library, extra="audio:\n  device: pulse\n")
    running = RunningDaemon(config, env=pulse_env)
    yield running
    running.kill()


def test_spoken_answers_with_the_microphone_open_leave_nothing_in_the_heaps(
    daemon: RunningDaemon,
) -> None:
    for _ in range(WARM_UP):
        assert daemon.say("what's playing") == "Nothing is playing."
    before = heap_bytes(daemon.proc.pid)
    for _ in range(ANSWERS):
        assert daemon.say("what's playing") == "Nothing is playing."
    grown = heap_bytes(daemon.proc.pid) - before
    # It grew by about 10 MB an answer; what is left is the odd page of the loop's own work.
    assert grown < 10 * MB, f"{grown / MB:.0f} MB more in the heaps after {ANSWERS} answers"


SCRIPT = textwrap.dedent(
    """\
    import ctypes, sys
    from assistant.native_heap import fix_mmap_threshold
    if sys.argv[1] == "fixed":
        assert fix_mmap_threshold()
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = (ctypes.c_void_p,)
    class Mallinfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
            "uordblks", "fordblks", "keepcost")]
    libc.mallinfo2.restype = Mallinfo2
    libc.free(libc.malloc(10 << 20))  # a buffer like mpv's, freed
    kept = libc.malloc(9 << 20)  # the next one
    print(libc.mallinfo2().hblkhd)  # bytes held in mmaps of their own
    """
)


@pytest.mark.parametrize(("mode", "mapped"), [("fixed", True), ("glibc's default", False)])
def test_large_buffers_keep_mmaps_of_their_own(mode: str, mapped: bool) -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True,
                          check=True, timeout=60)  # fmt: skip
    assert (int(done.stdout) >= 9 * MB) is mapped
