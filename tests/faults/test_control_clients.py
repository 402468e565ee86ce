"""Fault suite: hostile and careless control-socket clients, over real Unix sockets.

The server answers through a real `forwarding_handler` and a loop thread, as in the daemon:
a slow or silent client, or many at once, must never keep the owner's `ctl status` out, and
odd request text (deep nesting, lone surrogates) gets a clear reply.
"""

from __future__ import annotations

import json
import os
import queue
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant import control
from assistant.control import ControlServer, PendingRequest, forwarding_handler, request
from assistant.errors import ControlError

REPO = Path(__file__).resolve().parents[2]
WAIT = 30.0
"""Client timeout: generous on a busy machine; a healthy server answers at once."""
DEADLINE_S = 1.0
"""The server's per-request deadline in these tests (the daemon's is 5 s)."""


class Loop:
    """The daemon's loop in miniature: one thread answers every request, in order."""

    def __init__(self) -> None:
        self.events: queue.Queue[PendingRequest | None] = queue.Queue()
        self.last_heard = ""
        self.seen: list[str] = []
        self._thread = threading.Thread(target=self._run, name="loop")

    def _run(self) -> None:
        while (pending := self.events.get()) is not None:
            req = pending.request
            self.seen.append(req.cmd)
            if req.cmd == "say":
                self.last_heard = req.text
                pending.answer(heard=req.text, response=f"I didn't understand {req.text}")
            else:
                pending.answer(state="idle", last={"heard": self.last_heard})

    def __enter__(self) -> Loop:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.events.put(None)
        self._thread.join(WAIT)


@pytest.fixture
def loop() -> Iterator[Loop]:
    with Loop() as running:
        yield running


@pytest.fixture
def path(tmp_path: Path, loop: Loop) -> Iterator[Path]:
    sock_path = control.socket_path(tmp_path / "s")
    handler = forwarding_handler(loop.events.put, timeout=WAIT)
    with ControlServer(path=sock_path, handler=handler, connection_timeout=DEADLINE_S):
        yield sock_path


def connect(path: Path) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(WAIT)
    sock.connect(str(path))
    return sock


def raw_reply(path: Path, data: bytes) -> tuple[bytes, dict[str, Any]]:
    with connect(path) as sock:
        sock.sendall(data)
        reply = sock.makefile("rb").readline()
    return reply, json.loads(reply)


def test_a_slow_drip_client_is_cut_off_and_does_not_block_others(path: Path) -> None:
    hung_up = threading.Event()
    give_up = threading.Event()

    def drip() -> None:
        # A newline a few times per deadline: each read is quick, the request never comes.
        with connect(path) as sock:
            while not give_up.is_set():
                try:
                    sock.sendall(b"\n")
                except OSError:
                    hung_up.set()
                    return
                readable, _, _ = select.select([sock], [], [], DEADLINE_S / 4)
                if readable and sock.recv(100) == b"":
                    hung_up.set()
                    return

    dripper = threading.Thread(target=drip)
    dripper.start()
    try:
        assert request(path, {"cmd": "status"}, timeout=WAIT)["ok"] is True
        # Twenty deadlines: had blank lines bought time, it would still be connected.
        assert hung_up.wait(20 * DEADLINE_S)
    finally:
        give_up.set()
        dripper.join(WAIT)


def test_a_request_trickled_in_slower_than_the_deadline_is_refused(path: Path) -> None:
    with connect(path) as sock:
        reply = b""
        for byte in b'{"cmd": "status"}\n':
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                break
            readable, _, _ = select.select([sock], [], [], DEADLINE_S / 4)
            if readable:
                reply = sock.makefile("rb").readline()
                break
    assert json.loads(reply) == {"ok": False, "error": "timed out waiting for the end of the line"}


@pytest.mark.parametrize("silent", [12, control.WORKERS + 8])
def test_status_is_answered_while_silent_clients_hold_connections(
    path: Path, loop: Loop, silent: int
) -> None:
    sockets = [connect(path) for _ in range(silent)]
    try:
        assert request(path, {"cmd": "status"}, timeout=WAIT)["ok"] is True
    finally:
        for sock in sockets:
            sock.close()
    assert loop.seen == ["status"]


def test_two_hundred_concurrent_clients_are_all_answered(path: Path, loop: Loop) -> None:
    count = 200
    start = threading.Barrier(count)
    replies: list[dict[str, Any] | str] = []
    lock = threading.Lock()

    def client() -> None:
        start.wait()
        try:
            outcome: dict[str, Any] | str = request(path, {"cmd": "status"}, timeout=WAIT)
        except ControlError as exc:
            outcome = str(exc)
        with lock:
            replies.append(outcome)

    threads = [threading.Thread(target=client) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(2 * WAIT)
    failed = [r for r in replies if not isinstance(r, dict) or r.get("ok") is not True]
    assert failed == []
    assert len(replies) == count
    assert loop.seen == ["status"] * count


@pytest.mark.parametrize("depth", [5_000, 30_000])
def test_deeply_nested_json_gets_a_clear_error(path: Path, loop: Loop, depth: int) -> None:
    data = b'{"cmd": "say", "text": ' + b"[" * depth + b"]" * depth + b"}\n"
    _, reply = raw_reply(path, data)
    assert reply == {"ok": False, "error": "the request is nested too deeply to read"}
    assert request(path, {"cmd": "status"}, timeout=WAIT)["ok"] is True
    assert loop.seen == ["status"]


def test_a_lone_surrogate_is_answered_and_later_status_still_works(path: Path, loop: Loop) -> None:
    # JSON text may carry a lone surrogate as an escape; UTF-8 cannot.
    data, reply = raw_reply(path, b'{"cmd": "say", "text": "play \\ud800 now"}\n')
    data.decode("utf-8")  # the reply is valid UTF-8
    assert reply == {
        "ok": True,
        "heard": "play \ud800 now",
        "response": "I didn't understand play \ud800 now",
    }
    status = request(path, {"cmd": "status"}, timeout=WAIT)
    assert status["ok"] is True
    assert status["last"] == {"heard": "play \ud800 now"}
    assert loop.seen == ["say", "status"]


def test_ctl_say_with_bytes_that_are_not_utf8(path: Path, tmp_path: Path) -> None:
    # A shell passes bytes; Python turns the undecodable ones into lone surrogates.
    config = tmp_path / "config.yaml"
    config.write_text(f"state_dir: {path.parent}\n")
    base = [sys.executable, "-m", "assistant.cli", "ctl"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def ctl(*args: str | bytes) -> subprocess.CompletedProcess[str]:
        argv = [*base, *args, "--config", str(config)]
        return subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True,
                              timeout=120, check=False)  # fmt: skip

    said = ctl("say", os.fsdecode(b"play caf\xe9"))
    assert said.returncode == 0, said.stderr
    assert said.stdout == "I didn't understand play caf\\udce9\n"
    as_json = ctl("say", "--json", os.fsdecode(b"play caf\xe9"))
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)["heard"] == "play caf\udce9"
    status = ctl("status")
    assert status.returncode == 0, status.stderr
    assert "last.heard: play caf\\udce9" in status.stdout.splitlines()


def test_closing_the_server_with_clients_waiting_returns(tmp_path: Path, loop: Loop) -> None:
    sock_path = control.socket_path(tmp_path / "s")
    server = ControlServer(
        path=sock_path, handler=forwarding_handler(loop.events.put, timeout=WAIT),
        connection_timeout=DEADLINE_S, workers=2,
    )  # fmt: skip
    server.start()
    sockets = [connect(sock_path) for _ in range(10)]
    began = time.monotonic()
    server.close()
    for sock in sockets:
        sock.close()
    assert not sock_path.exists()
    assert time.monotonic() - began < WAIT


def test_the_client_waits_while_the_listen_queue_is_full(tmp_path: Path) -> None:
    """A daemon too busy to accept for a moment (full listen queue: EAGAIN) is waited for."""
    sock_path = tmp_path / "busy.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(sock_path))
    listener.listen(0)
    fillers: list[socket.socket] = []
    while True:  # fill the queue until the kernel refuses the next one
        filler = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        filler.setblocking(False)
        try:
            filler.connect(str(sock_path))
        except BlockingIOError:
            filler.close()
            break
        fillers.append(filler)

    def serve_later() -> None:
        time.sleep(0.5)  # long enough for a client that does not wait to have failed
        listener.settimeout(WAIT)
        for _ in range(len(fillers) + 1):
            try:
                conn, _ = listener.accept()
            except OSError:
                return  # the client gave up (the test fails on its own)
            with conn:
                conn.settimeout(WAIT)
                data = conn.recv(65536)
                if data:
                    conn.sendall(b'{"ok": true, "state": "idle"}\n')

    server = threading.Thread(target=serve_later, daemon=True)
    server.start()
    try:
        for filler in fillers:
            filler.close()  # read as empty connections by the server, in queue order
        assert request(sock_path, {"cmd": "status"}, timeout=WAIT) == {"ok": True, "state": "idle"}
    finally:
        server.join(WAIT)
        listener.close()
