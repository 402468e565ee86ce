"""The control socket over a real Unix socket, and `assistant ctl` against it."""

from __future__ import annotations

import json
import os
import queue
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant import control
from assistant.control import (
    MAX_TEXT_BYTES,
    ControlRequest,
    ControlServer,
    PendingRequest,
    forwarding_handler,
    request,
)
from assistant.errors import AssistantError, ControlError

REPO = Path(__file__).resolve().parents[1]
WAIT = 30.0
"""Generous client timeout: the machine may be busy; a healthy server answers at once."""


class Recorder:
    """A handler that records what it was given and answers like a small daemon would."""

    def __init__(self) -> None:
        self.calls: list[ControlRequest] = []

    def __call__(self, req: ControlRequest) -> dict[str, Any]:
        self.calls.append(req)
        if req.cmd == "status":
            return {
                "state": "idle",
                "player": {"state": "playing", "title": "Blue"},
                "uptime_s": 3723,
            }
        if req.cmd == "say":
            if req.text == "explode":
                raise RuntimeError("boom")
            if req.text == "refuse":
                raise AssistantError("I can't do that")
            return {"response": f"you said {req.text}"}
        if req.cmd == "listen":
            return {"heard": "play jazz", "response": "playing jazz"}
        if req.cmd == "announce":
            return {"announced": req.text, "interrupted": False}
        if req.cmd == "stop":
            return {"response": "Nothing is playing."}
        return {}


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    # Unix socket paths are limited to 107 bytes: keep this one short.
    return tmp_path / "s"


@pytest.fixture
def served(state_dir: Path) -> Iterator[tuple[ControlServer, Recorder]]:
    handler = Recorder()
    server = ControlServer(
        path=control.socket_path(state_dir), handler=handler, connection_timeout=2.0
    )
    with server:
        yield server, handler


def raw(path: Path, data: bytes, *, shut: bool = False) -> dict[str, Any]:
    """Send raw bytes and read one reply line."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(WAIT)
        sock.connect(str(path))
        sock.sendall(data)
        if shut:
            sock.shutdown(socket.SHUT_WR)
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
    result: dict[str, Any] = json.loads(reply)
    return result


def test_each_command_round_trips(served: tuple[ControlServer, Recorder]) -> None:
    server, handler = served
    status = request(server.path, {"cmd": "status"}, timeout=WAIT)
    assert status == {
        "ok": True,
        "state": "idle",
        "player": {"state": "playing", "title": "Blue"},
        "uptime_s": 3723,
    }
    say = request(server.path, {"cmd": "say", "text": "play some jazz"}, timeout=WAIT)
    assert say == {"ok": True, "response": "you said play some jazz"}
    assert request(server.path, {"cmd": "listen"}, timeout=WAIT)["heard"] == "play jazz"
    stop = request(server.path, {"cmd": "stop"}, timeout=WAIT)
    assert stop == {"ok": True, "response": "Nothing is playing."}
    announce = request(server.path, {"cmd": "announce", "text": "Dinner"}, timeout=WAIT)
    assert announce == {"ok": True, "announced": "Dinner", "interrupted": False}
    assert request(server.path, {"cmd": "shutdown"}, timeout=WAIT) == {"ok": True}
    assert handler.calls == [
        ControlRequest("status"),
        ControlRequest("say", "play some jazz"),
        ControlRequest("listen"),
        ControlRequest("stop"),
        ControlRequest("announce", "Dinner"),
        ControlRequest("shutdown"),
    ]


def test_several_requests_on_one_connection(served: tuple[ControlServer, Recorder]) -> None:
    server, handler = served
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(WAIT)
        sock.connect(str(server.path))
        sock.sendall(b'{"cmd": "shutdown"}\n{"cmd": "say", "text": "hi"}\r\n')
        data = b""
        while data.count(b"\n") < 2:
            data += sock.recv(65536)
    first, second = (json.loads(line) for line in data.splitlines())
    assert first == {"ok": True}
    assert second == {"ok": True, "response": "you said hi"}
    assert [c.cmd for c in handler.calls] == ["shutdown", "say"]


MALFORMED = [
    (b"not json\n", "not valid JSON"),
    (b"[1, 2]\n", "must be a JSON object"),
    (b'"status"\n', "must be a JSON object"),
    (b"{}\n", "unknown cmd missing"),
    (b'{"cmd": "dance"}\n', "unknown cmd 'dance'"),
    (b'{"cmd": 3}\n', "unknown cmd 3"),
    (b'{"cmd": "say"}\n', "string 'text'"),
    (b'{"cmd": "say", "text": 5}\n', "string 'text'"),
    (b'{"cmd": "say", "text": "   "}\n', "non-empty 'text'"),
    (b'{"cmd": "announce"}\n', "announce needs a string 'text'"),
    (
        json.dumps({"cmd": "say", "text": "é" * (MAX_TEXT_BYTES // 2 + 1)}).encode() + b"\n",
        "longer than 4096 bytes",
    ),
    (b"\xff\xfe\x00\x01garbage\x80\n", "not UTF-8"),
    (b"a" * (70 * 1024), "longer than 65536"),
    (b"x" * (70 * 1024) + b"\n", "longer than 65536"),
]


@pytest.mark.parametrize(("data", "message"), MALFORMED)
def test_malformed_requests_get_an_error_and_the_server_goes_on(
    served: tuple[ControlServer, Recorder], data: bytes, message: str
) -> None:
    server, handler = served
    reply = raw(server.path, data)
    assert reply["ok"] is False
    assert message in reply["error"]
    assert handler.calls == []
    assert request(server.path, {"cmd": "status"}, timeout=WAIT)["ok"] is True
    assert [c.cmd for c in handler.calls] == ["status"]


def test_longest_allowed_text_is_accepted(served: tuple[ControlServer, Recorder]) -> None:
    server, handler = served
    text = "é" * (MAX_TEXT_BYTES // 2)
    assert request(server.path, {"cmd": "say", "text": text}, timeout=WAIT)["ok"] is True
    assert handler.calls == [ControlRequest("say", text)]


def test_client_leaving_mid_line_gets_an_error(served: tuple[ControlServer, Recorder]) -> None:
    server, handler = served
    reply = raw(server.path, b'{"cmd": "sta', shut=True)
    assert reply["ok"] is False
    assert "not valid JSON" in reply["error"]
    # A complete last line without its newline still counts.
    assert raw(server.path, b'{"cmd": "shutdown"}', shut=True) == {"ok": True}
    assert [c.cmd for c in handler.calls] == ["shutdown"]


def test_client_gone_before_reading_does_not_stop_the_server(
    served: tuple[ControlServer, Recorder],
) -> None:
    server, handler = served
    for _ in range(3):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(str(server.path))
            sock.sendall(b'{"cmd": "listen"}\n')
    assert request(server.path, {"cmd": "status"}, timeout=WAIT)["ok"] is True
    # Served concurrently: the abandoned requests may be handled before or after it.
    assert ControlRequest("status") in handler.calls


def test_handler_errors_become_error_replies(served: tuple[ControlServer, Recorder]) -> None:
    server, _ = served
    refused = request(server.path, {"cmd": "say", "text": "refuse"}, timeout=WAIT)
    assert refused == {"ok": False, "error": "I can't do that"}
    crashed = request(server.path, {"cmd": "say", "text": "explode"}, timeout=WAIT)
    assert crashed["ok"] is False
    assert "internal error" in crashed["error"]
    assert request(server.path, {"cmd": "status"}, timeout=WAIT)["ok"] is True


def test_a_reply_that_is_not_json_becomes_an_error(state_dir: Path) -> None:
    path = control.socket_path(state_dir)
    with ControlServer(path=path, handler=lambda _: {"when": object()}):
        reply = request(path, {"cmd": "status"}, timeout=WAIT)
    assert reply["ok"] is False
    assert "could not be encoded" in reply["error"]


def test_socket_and_state_dir_are_private(served: tuple[ControlServer, Recorder]) -> None:
    server, _ = served
    assert stat.S_ISSOCK(server.path.stat().st_mode)
    assert stat.S_IMODE(server.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(server.path.parent.stat().st_mode) == 0o700


def test_an_existing_state_dir_keeps_its_mode_and_the_files_are_private(state_dir: Path) -> None:
    # Not made by us: chmod-ing it could lock others out of a folder they use (issue 12).
    state_dir.mkdir(mode=0o755)
    os.chmod(state_dir, 0o755)
    with ControlServer(path=control.socket_path(state_dir), handler=Recorder()) as server:
        assert stat.S_IMODE(state_dir.stat().st_mode) == 0o755
        assert stat.S_IMODE(server.path.stat().st_mode) == 0o600
        assert stat.S_IMODE((state_dir / control.LOCK_NAME).stat().st_mode) == 0o600


def test_close_removes_the_socket(state_dir: Path) -> None:
    path = control.socket_path(state_dir)
    server = ControlServer(path=path, handler=Recorder())
    server.start()
    assert path.exists()
    server.close()
    assert not path.exists()
    with pytest.raises(ControlError, match="not running"):
        request(path, {"cmd": "status"}, timeout=WAIT)


def _leave_stale_socket(path: Path) -> None:
    """What a crashed daemon leaves: a socket file nobody listens on."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    sock.close()


def test_stale_socket_is_replaced(state_dir: Path) -> None:
    path = control.socket_path(state_dir)
    _leave_stale_socket(path)
    with pytest.raises(ControlError, match="not running"):
        request(path, {"cmd": "status"}, timeout=WAIT)
    handler = Recorder()
    with ControlServer(path=path, handler=handler):
        assert request(path, {"cmd": "status"}, timeout=WAIT)["ok"] is True
    assert handler.calls == [ControlRequest("status")]


def test_second_server_is_refused_while_the_first_is_live(
    served: tuple[ControlServer, Recorder],
) -> None:
    server, handler = served
    second = ControlServer(path=server.path, handler=Recorder())
    with pytest.raises(AssistantError, match="already running"):
        second.start()
    # The refused one must not have touched the live one's socket.
    assert request(server.path, {"cmd": "status"}, timeout=WAIT)["ok"] is True
    assert handler.calls == [ControlRequest("status")]


def test_a_live_listener_without_the_lock_is_not_replaced(state_dir: Path) -> None:
    path = control.socket_path(state_dir)
    state_dir.mkdir(mode=0o700)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as other:
        other.bind(str(path))
        other.listen(1)
        with pytest.raises(AssistantError, match="already running"):
            ControlServer(path=path, handler=Recorder()).start()
        assert path.exists()


def test_something_else_at_the_path_is_not_deleted(state_dir: Path) -> None:
    path = control.socket_path(state_dir)
    state_dir.mkdir(mode=0o700)
    path.write_text("mine")
    with pytest.raises(ControlError, match="not a socket"):
        ControlServer(path=path, handler=Recorder()).start()
    assert path.read_text() == "mine"


def test_client_without_a_server(state_dir: Path) -> None:
    path = control.socket_path(state_dir)
    with pytest.raises(ControlError, match=r"not running \(no socket at .*control.sock\)"):
        request(path, {"cmd": "status"}, timeout=WAIT)


def test_a_silent_client_does_not_block_the_next(served: tuple[ControlServer, Recorder]) -> None:
    server, handler = served
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as silent:
        silent.settimeout(WAIT)
        silent.connect(str(server.path))
        half = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        half.settimeout(WAIT)
        half.connect(str(server.path))
        half.sendall(b'{"cmd": "st')
        # Served at once by another worker, while the two above are still connected.
        assert request(server.path, {"cmd": "status"}, timeout=WAIT)["ok"] is True
        assert silent.recv(100) == b""  # the server hung up on the silent one
        timed_out = json.loads(half.recv(65536))
        half.close()
    assert timed_out["ok"] is False
    assert "timed out" in timed_out["error"]
    assert handler.calls == [ControlRequest("status")]


def test_forwarding_handler_waits_for_the_loop(state_dir: Path) -> None:
    events: queue.Queue[PendingRequest] = queue.Queue()

    def loop() -> None:
        while True:
            pending = events.get()
            if pending.request.cmd == "stop":
                return  # never answered: the client must get a timeout error
            pending.answer(state="idle", seen_on=threading.current_thread().name)

    thread = threading.Thread(target=loop, name="loop")
    thread.start()
    path = control.socket_path(state_dir)
    handler = forwarding_handler(events.put, timeout=1.0)
    with ControlServer(path=path, handler=handler):
        status = request(path, {"cmd": "status"}, timeout=WAIT)
        assert status == {"ok": True, "state": "idle", "seen_on": "loop"}
        stopped = request(path, {"cmd": "stop"}, timeout=WAIT)
    thread.join(WAIT)
    assert stopped["ok"] is False
    assert "did not answer within 1 s" in stopped["error"]


def test_pending_request_answered_after_the_client_gave_up_is_ignored() -> None:
    handler_queue: queue.Queue[PendingRequest] = queue.Queue()
    handler = forwarding_handler(handler_queue.put, timeout=0.01)
    with pytest.raises(ControlError):
        handler(ControlRequest("status"))
    late = handler_queue.get_nowait()
    late.answer(state="idle")  # must not raise on the loop thread
    late.fail("too late")


def test_describe_reply() -> None:
    status = {
        "ok": True,
        "state": "idle",
        "player": {"state": "playing", "muted": False, "shuffle": True, "track": None},
        "uptime_s": 3723,
        "restart_needed": [],
    }
    assert control.describe_reply("status", status) == [
        "state: idle",
        "player.state: playing",
        "player.muted: no",
        "player.shuffle: yes",
        "player.track: (none)",
        "uptime: 1 h 2 min 3 s",
        "restart_needed: (none)",
    ]
    assert control.describe_reply("say", {"ok": True, "response": "ok"}) == ["ok"]
    # A command carried out without words reads as the console shows it.
    assert control.describe_reply("say", {"ok": True, "response": ""}) == ["(ok)"]
    assert control.describe_reply("stop", {"ok": True, "response": "Stopped."}) == ["Stopped."]
    announced = {"ok": True, "announced": "Dinner is ready", "interrupted": False}
    assert control.describe_reply("announce", announced) == ["announced: Dinner is ready"]
    assert control.describe_reply("listen", {"ok": True, "heard": "x", "response": "y"}) == [
        "heard: x",
        "response: y",
    ]


# --- `assistant ctl` as the owner runs it --------------------------------------------------


def ctl(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", "ctl", *args, "--config", str(config)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


@pytest.fixture
def config_file(tmp_path: Path, state_dir: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(f"state_dir: {state_dir}\n")
    return path


def test_ctl_status_say_listen_stop(
    served: tuple[ControlServer, Recorder], config_file: Path
) -> None:
    _, handler = served
    status = ctl(config_file, "status")
    assert status.returncode == 0, status.stderr
    assert status.stdout.splitlines() == [
        "state: idle",
        "player.state: playing",
        "player.title: Blue",
        "uptime: 1 h 2 min 3 s",
    ]
    as_json = ctl(config_file, "status", "--json")
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)["player"] == {"state": "playing", "title": "Blue"}
    said = ctl(config_file, "say", "play something by the beatles")
    assert said.stdout == "you said play something by the beatles\n"
    listened = ctl(config_file, "listen")
    assert listened.stdout.splitlines() == ["heard: play jazz", "response: playing jazz"]
    stopped = ctl(config_file, "stop")
    assert stopped.returncode == 0
    assert stopped.stdout == "Nothing is playing.\n"
    announced = ctl(config_file, "announce", "Dinner is ready")
    assert announced.stdout == "announced: Dinner is ready\n"
    assert ctl(config_file, "shutdown").stdout == "the assistant is stopping\n"
    assert [c.cmd for c in handler.calls] == [
        "status", "status", "say", "listen", "stop", "announce", "shutdown"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "fields"),
    [
        (("status",), {"state": "idle"}),
        (("say", "hello"), {"response": "you said hello"}),
        (("listen",), {"heard": "play jazz"}),
        (("stop",), {"response": "Nothing is playing."}),
        (("announce", "Dinner"), {"announced": "Dinner"}),
        (("shutdown",), {}),
    ],
)
def test_every_ctl_subcommand_takes_json(
    served: tuple[ControlServer, Recorder],
    config_file: Path,
    args: tuple[str, ...],
    fields: dict[str, Any],
) -> None:
    done = ctl(config_file, *args, "--json")
    assert done.returncode == 0, done.stderr
    reply = json.loads(done.stdout)
    assert reply["ok"] is True
    assert fields.items() <= reply.items()


def test_ctl_json_error_reply_is_json_too(
    served: tuple[ControlServer, Recorder], config_file: Path
) -> None:
    refused = ctl(config_file, "say", "refuse", "--json")
    assert refused.returncode == 1
    assert json.loads(refused.stdout) == {"ok": False, "error": "I can't do that"}


def test_ctl_error_reply_exits_1(served: tuple[ControlServer, Recorder], config_file: Path) -> None:
    refused = ctl(config_file, "say", "refuse")
    assert refused.returncode == 1
    assert "I can't do that" in refused.stderr
    empty = ctl(config_file, "say", "  ")
    assert empty.returncode == 1
    assert "non-empty" in empty.stderr


def test_ctl_without_a_daemon_exits_1(config_file: Path, state_dir: Path) -> None:
    result = ctl(config_file, "status")
    assert result.returncode == 1
    assert "the assistant is not running" in result.stderr
    assert str(state_dir) in result.stderr
    assert result.stdout == ""
