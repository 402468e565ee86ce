"""Radio: the answer comes at once, and a station that does not answer is announced later.

Real mpv against local servers: one that accepts and never says a word, a closed port, one
that sends headers and then trickles bytes mpv keeps probing, and one serving a real stream.
"""

from __future__ import annotations

import functools
import http.server
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant.player.base import PlaybackError, PlayerEvent, PlayState, TrackEnded, TrackStarted
from assistant.skills.base import Response
from assistant.skills.radio import NoAnswer
from tests.fixtures.config import write_config
from tests.fixtures.generate import FixtureLibrary
from tests.skills.support import Rig, rig_config

FAILED = Response("Jazz FM isn't answering right now.", "error", "PlayRadio")


def _serve(talk: Callable[[socket.socket], None]) -> Iterator[str]:
    """An HTTP URL on a local server that hands each connection to `talk` on its own thread."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    done = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not done.is_set():
            try:
                conn = server.accept()[0]
            except OSError:
                continue
            held.append(conn)
            threading.Thread(target=talk, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/live"
    finally:
        done.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        server.close()


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections and never says a word."""
    yield from _serve(lambda conn: None)


@pytest.fixture
def trickling_server() -> Iterator[str]:
    """Answers 200 and then one byte every half second: mpv keeps probing, nothing plays."""

    def talk(conn: socket.socket) -> None:
        try:
            conn.recv(4096)
            conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: audio/mpeg\r\n\r\n")
            while True:
                conn.sendall(b"\0")
                time.sleep(0.5)
        except OSError:
            return

    yield from _serve(talk)


@pytest.fixture
def stream_server(tmp_path: Path) -> Iterator[str]:
    """A real HTTP server with a 60 s MP3 tone, long enough to keep playing."""
    served = tmp_path / "served"
    served.mkdir()
    subprocess.run(
        ["sox", "-n", "-r", "22050", "-c", "1", "-C", "32", str(served / "live.mp3"),
         "synth", "60", "sine", "440", "vol", "0.3"],
        check=True,
        capture_output=True,
    )  # fmt: skip

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/live.mp3"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def make_rig(tmp_path: Path, fixture_library: FixtureLibrary) -> Iterator[Callable[[str], Rig]]:
    rigs: list[Rig] = []

    def make(url: str) -> Rig:
        stations = {"Jazz FM": url}
        rigs.append(Rig(rig_config(write_config(tmp_path, fixture_library, stations=stations))))
        return rigs[-1]

    yield make
    for rig in rigs:
        rig.close()


def _station_events(rig: Rig, url: str) -> list[PlayerEvent]:
    return [e for e in rig.seen if e.item.location == url]


def _announcement(rig: Rig) -> Response:
    """The first announcement, handling player events until there is one."""
    said: list[Response] = []

    def announced() -> bool:
        said.extend(rig.skills.context.announcements.take())
        return bool(said)

    rig.until(announced)
    assert len(said) == 1, said
    return said[0]


def test_station_that_never_answers_leaves_the_loop_free_and_is_announced(
    make_rig: Callable[[str], Rig], silent_server: str
) -> None:
    rig = make_rig(silent_server)
    turn = rig.say("play jazz fm")
    assert turn.response == Response("Tuning in to Jazz FM.", "ok", "PlayRadio", starts_music=True)
    # The skill returned without waiting for the station: none of its events was handled.
    assert _station_events(rig, silent_server) == []
    turn = rig.say("turn it up")  # the next command is acted on while the station is silent
    assert turn.response.outcome == "ok"
    assert rig.player.status().volume > 50
    assert _station_events(rig, silent_server) == []
    assert rig.skills.context.announcements.take() == []

    assert _announcement(rig) == FAILED
    assert rig.player.status().state is PlayState.STOPPED
    assert not any(isinstance(e, TrackStarted) for e in rig.seen)
    assert rig.skills.context.radio.watching is None


def test_refused_connection_is_announced(make_rig: Callable[[str], Rig], closed_port: str) -> None:
    rig = make_rig(closed_port)
    assert rig.say("play jazz fm").response.text == "Tuning in to Jazz FM."
    assert _announcement(rig) == FAILED
    assert any(
        isinstance(e, PlaybackError) and not isinstance(e, NoAnswer)
        for e in _station_events(rig, closed_port)
    )  # the player's own report, not the watch's deadline
    assert rig.player.status().state is PlayState.STOPPED


def test_stream_that_never_starts_is_stopped_at_the_deadline(
    make_rig: Callable[[str], Rig], trickling_server: str
) -> None:
    rig = make_rig(trickling_server)
    rig.say("play jazz fm")
    assert _announcement(rig) == FAILED
    assert any(isinstance(e, NoAnswer) for e in rig.seen)
    assert rig.player.status().state is PlayState.STOPPED
    assert not any(isinstance(e, TrackStarted) for e in rig.seen)


def test_working_station_plays_without_an_announcement(
    make_rig: Callable[[str], Rig], stream_server: str
) -> None:
    rig = make_rig(stream_server)
    assert rig.say("play jazz fm").response.text == "Tuning in to Jazz FM."
    rig.started("Jazz FM")
    status = rig.player.status()
    assert status.state is PlayState.PLAYING
    assert status.current is not None and status.current.kind == "radio"
    assert rig.skills.context.radio.watching is None
    assert "Jazz FM" in rig.say("what's playing").response.text
    # Asked for again while it plays: the old stream's end is not taken for a failure.
    rig.say("play jazz fm")
    rig.wait_for(lambda e: isinstance(e, TrackEnded) and e.reason == "stopped")
    rig.until(lambda: sum(isinstance(e, TrackStarted) for e in rig.seen) == 2)
    assert rig.skills.context.radio.watching is None
    assert rig.skills.context.announcements.take() == []
    assert rig.player.status().state is PlayState.PLAYING


def test_stop_before_the_station_answers_says_nothing_later(
    make_rig: Callable[[str], Rig], trickling_server: str
) -> None:
    rig = make_rig(trickling_server)
    rig.say("play jazz fm")
    assert rig.say("stop").response.outcome == "ok"
    # The watch's deadline still comes; the owner stopped it, so it is not a failure.
    rig.wait_for(lambda e: isinstance(e, NoAnswer))
    assert rig.skills.context.radio.watching is None
    assert rig.skills.context.announcements.take() == []


def test_playing_something_else_before_the_station_answers_ends_the_watch(
    make_rig: Callable[[str], Rig], silent_server: str
) -> None:
    rig = make_rig(silent_server)
    rig.say("play jazz fm")
    rig.say("play songs to sing in the car")
    rig.started("Bohemian Rhapsody")
    assert rig.skills.context.radio.watching is None
    assert rig.skills.context.announcements.take() == []
    assert not any(isinstance(e, PlaybackError) for e in _station_events(rig, silent_server))
    assert rig.player.status().state is PlayState.PLAYING
