"""The local control socket: JSON lines over a Unix socket, used by `assistant ctl ...`.

Protocol: the client sends one JSON object per line, `{"cmd": "status"|"say"|"listen"|"stop"}`
(`say` also carries `"text"`, 1 byte to 4 KiB of UTF-8), and reads one reply object per line:
`{"ok": true, ...}` or `{"ok": false, "error": "message"}`. Keys other than `cmd` and `text`
are ignored. What the daemon puts in a successful reply:

- status: `state`, `player`, `engine`, `uptime_s` (and whatever else it finds useful);
- say: `response`, the text of the assistant's answer;
- listen: `heard` (the transcript) and `response`;
- stop: nothing more; it stops speech and playback, like saying "stop" (the daemon itself is
  stopped by its service manager, SIGTERM).

Safety: the socket lives in the state dir (made 0700) and is itself 0600, so only the owner
can connect; there is no network listener. The path is bound while the dir is private and
chmod-ed before listen(), and nobody can connect to a socket that is not listening yet, so
there is no window with looser permissions (and no process-wide umask change, which other
threads would see).

Threads: the server accepts on its own thread and serves one connection at a time. Each read
waits at most `connection_timeout` seconds, so a silent client cannot hold the socket. The
handler runs on the server thread; the daemon's handler should only hand the request to its
loop and wait for the answer (`forwarding_handler`), never touch engines itself.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import selectors
import socket
import stat
import threading
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

from assistant.errors import AssistantError, ControlError

logger = logging.getLogger(__name__)

SOCKET_NAME = "control.sock"
LOCK_NAME = "control.lock"
MAX_LINE_BYTES = 64 * 1024
"""A request line longer than this is refused and the connection closed."""
MAX_TEXT_BYTES = 4 * 1024
"""The longest `say` text, in UTF-8 bytes."""
COMMANDS = ("listen", "say", "status", "stop")
_MAX_PATH_BYTES = 107
"""Linux's limit for a Unix socket path (108 bytes with the terminating NUL)."""

Command = Literal["status", "say", "listen", "stop"]


def socket_path(state_dir: Path) -> Path:
    """Where the daemon with this state dir listens."""
    return state_dir / SOCKET_NAME


@dataclass(frozen=True)
class ControlRequest:
    """One validated request: `text` is set for `say` only."""

    cmd: Command
    text: str = ""


class RequestError(ControlError):
    """A request line that is not a valid request; the message goes back to the client."""


def parse_request(line: bytes) -> ControlRequest:
    """Validate one request line (without its newline); raises RequestError saying why not."""
    try:
        decoded = line.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestError("the request is not UTF-8 text") from None
    try:
        obj = json.loads(decoded)
    except json.JSONDecodeError as exc:
        raise RequestError(
            f"the request is not valid JSON: {exc.msg} at column {exc.colno}"
        ) from None
    if not isinstance(obj, dict):
        raise RequestError("the request must be a JSON object")
    cmd = obj.get("cmd")
    if cmd not in COMMANDS:
        shown = "missing" if cmd is None else repr(cmd)
        raise RequestError(f"unknown cmd {shown}: expected one of {', '.join(COMMANDS)}")
    if cmd != "say":
        return ControlRequest(cmd=cast(Command, cmd))
    text = obj.get("text")
    if not isinstance(text, str):
        raise RequestError("say needs a string 'text'")
    if not text.strip():
        raise RequestError("say needs a non-empty 'text'")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_TEXT_BYTES:
        raise RequestError(f"say 'text' is longer than {MAX_TEXT_BYTES} bytes")
    return ControlRequest(cmd="say", text=text)


def _encode(reply: dict[str, Any]) -> bytes:
    return json.dumps(reply, ensure_ascii=False).encode("utf-8") + b"\n"


def error_reply(message: str) -> dict[str, Any]:
    return {"ok": False, "error": message}


Handler = Callable[[ControlRequest], dict[str, Any]]


class ControlServer:
    """Accepts control connections on `path` and answers each request line with `handler`.

    `handler` gets a validated ControlRequest and returns the reply's fields (`"ok": true` is
    added); an AssistantError it raises becomes an error reply with its message, anything
    else is logged and answered "internal error". Use as a context manager or start()/close().
    """

    def __init__(self, *, path: Path, handler: Handler, connection_timeout: float = 5.0) -> None:
        self._path = path
        self._handler = handler
        self._timeout = connection_timeout
        self._sock: socket.socket | None = None
        self._lock_fd: int | None = None
        self._thread: threading.Thread | None = None
        self._wake_r, self._wake_w = socket.socketpair()
        self._closing = threading.Event()

    @property
    def path(self) -> Path:
        return self._path

    def start(self) -> None:
        """Bind and listen; AssistantError if another daemon owns this socket."""
        if len(os.fsencode(self._path)) > _MAX_PATH_BYTES:
            raise ControlError(
                f"control socket path is too long for a Unix socket ({self._path}): "
                "choose a shorter state_dir"
            )
        _private_dir(self._path.parent)
        self._lock_fd = _take_lock(self._path.parent / LOCK_NAME)
        try:
            _remove_stale(self._path)
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.bind(str(self._path))
                os.chmod(self._path, 0o600)
                sock.listen(8)
            except OSError as exc:
                sock.close()
                raise ControlError(f"cannot listen on {self._path}: {exc.strerror}") from exc
        except BaseException:
            os.close(self._lock_fd)
            self._lock_fd = None
            raise
        self._sock = sock
        self._thread = threading.Thread(target=self._run, args=(sock,), name="control", daemon=True)
        self._thread.start()
        logger.info("control socket at %s", self._path)

    def close(self) -> None:
        """Stop accepting, wait for the current request, remove the socket file."""
        if self._closing.is_set():
            return
        self._closing.set()
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")
        if self._thread is not None:
            self._thread.join(timeout=self._timeout + 5.0)
        if self._sock is not None:
            self._sock.close()
            # Only our own socket: if close() hung past a restart, don't delete the new one's.
            with contextlib.suppress(OSError):
                self._path.unlink()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
        self._wake_r.close()
        self._wake_w.close()

    def __enter__(self) -> ControlServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, sock: socket.socket) -> None:
        with selectors.DefaultSelector() as sel:
            sel.register(sock, selectors.EVENT_READ)
            sel.register(self._wake_r, selectors.EVENT_READ)
            while not self._closing.is_set():
                ready = {key.fileobj for key, _ in sel.select()}
                if self._wake_r in ready or self._closing.is_set():
                    return
                try:
                    conn, _ = sock.accept()
                except OSError as exc:  # e.g. the client gave up in between; keep serving
                    logger.debug("control accept failed: %s", exc)
                    continue
                try:
                    self._serve(conn)
                except Exception:  # nothing a client does may stop the server
                    logger.exception("control connection failed")
                finally:
                    conn.close()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(self._timeout)
        buffer = bytearray()
        while not self._closing.is_set():
            newline = buffer.find(b"\n")
            if newline < 0:
                if len(buffer) > MAX_LINE_BYTES:
                    self._send(conn, error_reply(f"request line longer than {MAX_LINE_BYTES} B"))
                    return
                try:
                    data = conn.recv(65536)
                except TimeoutError:
                    if buffer:
                        self._send(conn, error_reply("timed out waiting for the end of the line"))
                    return
                except OSError as exc:
                    logger.debug("control client went away: %s", exc)
                    return
                if data:
                    buffer += data
                    continue
                # The client closed its side: a last line without a newline still counts.
                if buffer.strip():
                    self._send(conn, self._answer(bytes(buffer)))
                return
            line, buffer = bytes(buffer[:newline]), buffer[newline + 1 :]
            if len(line) > MAX_LINE_BYTES:
                self._send(conn, error_reply(f"request line longer than {MAX_LINE_BYTES} B"))
                return
            if line.strip() and not self._send(conn, self._answer(line)):
                return

    def _answer(self, line: bytes) -> dict[str, Any]:
        try:
            request = parse_request(line.rstrip(b"\r"))
        except RequestError as exc:
            logger.info("control: bad request: %s", exc)
            return error_reply(str(exc))
        try:
            reply = self._handler(request)
        except AssistantError as exc:
            return error_reply(str(exc))
        except Exception as exc:  # a handler bug must not kill the socket
            logger.exception("control handler failed on %s", request)
            return error_reply(f"internal error: {exc}")
        return {"ok": True, **reply}

    def _send(self, conn: socket.socket, reply: dict[str, Any]) -> bool:
        try:
            data = _encode(reply)
        except (TypeError, ValueError) as exc:
            logger.error("control reply is not JSON (%s): %r", exc, reply)
            data = _encode(error_reply("internal error: the reply could not be encoded"))
        try:
            conn.sendall(data)
        except OSError as exc:  # the client left without reading: its loss, not ours
            logger.debug("control reply not delivered: %s", exc)
            return False
        return True


def _private_dir(directory: Path) -> None:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    mode = stat.S_IMODE(directory.stat().st_mode)
    if mode & 0o077:
        # The socket's own 0600 already keeps others out; the dir is belt and braces.
        logger.info("state dir %s was %o: making it private (700)", directory, mode)
        os.chmod(directory, 0o700)


def _take_lock(path: Path) -> int:
    """Hold an exclusive lock for the server's lifetime: two daemons racing to start would
    otherwise both see a stale socket and delete each other's."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EACCES):
            raise AssistantError(f"the assistant is already running (it holds {path})") from None
        raise ControlError(f"cannot lock {path}: {exc.strerror}") from exc
    return fd


def _remove_stale(path: Path) -> None:
    """Remove a socket left by a crashed daemon; refuse if something still answers on it."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(mode):
        raise ControlError(f"{path} exists and is not a socket: move it away")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(2.0)
    try:
        probe.connect(str(path))
    except OSError:
        logger.info("removing stale control socket %s", path)
        path.unlink(missing_ok=True)
        return
    finally:
        probe.close()
    raise AssistantError(f"the assistant is already running (it answers on {path})")


@dataclass(frozen=True)
class PendingRequest:
    """A control request handed to the daemon's loop; the loop calls answer() or fail()."""

    request: ControlRequest
    reply: Future[dict[str, Any]]

    def answer(self, **fields: Any) -> None:
        with contextlib.suppress(InvalidStateError):  # the client already gave up
            self.reply.set_result(fields)

    def fail(self, message: str) -> None:
        with contextlib.suppress(InvalidStateError):
            self.reply.set_exception(ControlError(message))


def forwarding_handler(submit: Callable[[PendingRequest], None], *, timeout: float) -> Handler:
    """A handler that gives each request to the loop (e.g. `events.put`) and waits up to
    `timeout` seconds for its answer, so engines are only ever touched on the loop thread."""

    def handle(request: ControlRequest) -> dict[str, Any]:
        pending = PendingRequest(request=request, reply=Future())
        submit(pending)
        try:
            return pending.reply.result(timeout=timeout)
        except FutureTimeout:
            pending.reply.cancel()
            raise ControlError(f"the assistant did not answer within {timeout:g} s") from None

    return handle


class ControlClient:
    """Sends requests to a running daemon; every failure is a ControlError for the user."""

    def __init__(self, path: Path, *, timeout: float = 30.0) -> None:
        self._path = path
        self._timeout = timeout

    def request(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Send one request object and return the reply object (which may say ok: false)."""
        not_running = f"the assistant is not running (no socket at {self._path})"
        if not self._path.exists():
            raise ControlError(not_running)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self._timeout)
        try:
            try:
                sock.connect(str(self._path))
            except (FileNotFoundError, ConnectionRefusedError):
                raise ControlError(
                    f"the assistant is not running (nothing answers on {self._path})"
                ) from None
            sock.sendall(_encode(obj))
            line = _read_line(sock)
        except TimeoutError:
            raise ControlError(f"the assistant did not answer within {self._timeout:g} s") from None
        except OSError as exc:
            raise ControlError(f"cannot talk to the assistant at {self._path}: {exc}") from exc
        finally:
            sock.close()
        try:
            reply = json.loads(line)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ControlError(
                f"the assistant sent a reply that is not JSON: {line[:200]!r}"
            ) from None
        if not isinstance(reply, dict) or not isinstance(reply.get("ok"), bool):
            raise ControlError(f"the assistant sent an unexpected reply: {reply!r}")
        return reply


def _read_line(sock: socket.socket) -> bytes:
    data = bytearray()
    while b"\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            if not data:
                raise ControlError("the assistant closed the connection without answering")
            break
        data += chunk
    return bytes(data.split(b"\n", 1)[0])


def request(path: Path, obj: dict[str, Any], timeout: float = 30.0) -> dict[str, Any]:
    """One request to the daemon listening on `path`; see ControlClient.request."""
    return ControlClient(path, timeout=timeout).request(obj)


def describe_reply(cmd: str, reply: dict[str, Any]) -> list[str]:
    """Readable lines for a successful reply, as `assistant ctl` prints them without --json."""
    fields = {k: v for k, v in reply.items() if k != "ok"}
    if cmd == "say":
        return [str(fields.get("response") or "(no answer)")]
    if cmd == "stop":
        return ["stopped"]
    lines: list[str] = []
    if cmd == "listen":
        lines.append(f"heard: {fields.pop('heard', '') or '(nothing)'}")
        lines.append(f"response: {fields.pop('response', '') or '(no answer)'}")
    for key, value in fields.items():
        lines.extend(_field_lines(key, value))
    return lines


def _field_lines(key: str, value: Any) -> list[str]:
    if isinstance(value, dict):
        return [line for k, v in value.items() for line in _field_lines(f"{key}.{k}", v)]
    if key.endswith("uptime_s") and isinstance(value, int | float):
        return [f"{key.removesuffix('_s')}: {_duration(float(value))}"]
    if isinstance(value, list):
        return [f"{key}: {', '.join(map(str, value)) or '(none)'}"]
    return [f"{key}: {'' if value is None else value}"]


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [(days, "d"), (hours, "h"), (minutes, "min")]
    shown = [f"{n} {unit}" for n, unit in parts if n] + [f"{secs} s"]
    return " ".join(shown)
