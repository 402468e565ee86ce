"""The local control socket: JSON lines over a Unix socket, used by `assistant ctl ...`.

Protocol: the client sends one JSON object per line, `{"cmd": "status"|"say"|"announce"|
"listen"|"stop"|"shutdown"}` (`say` and `announce` also carry `"text"`, 1 byte to 4 KiB of
UTF-8), and reads one reply object per line: `{"ok": true, ...}` or `{"ok": false, "error":
"message"}`. Keys other than `cmd` and `text` are ignored. What the daemon puts in a successful
reply:

- status: `state`, `player`, `engine`, `uptime_s` (and whatever else it finds useful);
- say: runs the text as a command; `response`, the text of the assistant's answer ("" when
  the command was carried out without words, such as "turn it down");
- announce: speaks the text as it is, over ducked music, once the assistant is idle (never
  run as a command); answered when it has been spoken: `announced`, `interrupted`;
- listen: listens for one command now, no wake word; `heard` (the transcript) and
  `response`; an error when there is no microphone;
- stop: stops playback and speech, like saying "stop"; `response`;
- shutdown: stops the daemon itself (exit 0, like SIGTERM: a service manager that restarts
  only on failure leaves it stopped).

Safety: the socket lives in the state dir (made 0700 when we make it; see private_dirs) and is
itself 0600, so only the owner can connect; there is no network listener. The socket is
chmod-ed before listen(), and nobody can connect to a socket that is not listening yet, so
there is no window with looser permissions (and no process-wide umask change, which other
threads would see).

Threads: one thread accepts and hands each connection to a fixed pool of workers (queued
when all are busy), so a slow client holds one worker, never the socket. A client has
`connection_timeout` seconds for each whole request line, however it trickles it in. The
handler runs on a worker; the daemon's handler only hands the request to its loop and waits
for the answer (`forwarding_handler`), never touching engines itself.

Replies are always valid UTF-8 JSON: a lone surrogate (which JSON text may carry as
`\\udXXX`) is sent back escaped the same way, never as bytes that cannot be encoded.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import queue
import selectors
import socket
import stat
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

from assistant.errors import AssistantError, ControlError
from assistant.private_dirs import ensure_private

logger = logging.getLogger(__name__)

SOCKET_NAME = "control.sock"
LOCK_NAME = "control.lock"
MAX_LINE_BYTES = 64 * 1024
"""A request line longer than this is refused and the connection closed."""
MAX_TEXT_BYTES = 4 * 1024
"""The longest `say` or `announce` text, in UTF-8 bytes."""
COMMANDS = ("announce", "listen", "say", "shutdown", "status", "stop")
WITH_TEXT = ("announce", "say")
WORKERS = 16
"""Connections served at once; more wait their turn in the queue."""
MAX_WAITING = 1024
"""Accepted connections waiting for a worker; beyond this a client is told to try again."""
BACKLOG = 256
"""The kernel's queue of connections not yet accepted (the accept thread drains it fast)."""
_MAX_PATH_BYTES = 107
"""Linux's limit for a Unix socket path (108 bytes with the terminating NUL)."""
REFUSED_WAIT_S = 2.0
"""How long a client keeps trying a socket that refuses connections (a daemon restarting)."""

Command = Literal["announce", "status", "say", "listen", "stop", "shutdown"]


def socket_path(state_dir: Path) -> Path:
    """Where the daemon with this state dir listens."""
    return state_dir / SOCKET_NAME


@dataclass(frozen=True)
class ControlRequest:
    """One validated request: `text` is set for `say` and `announce` only."""

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
    except RecursionError:
        raise RequestError("the request is nested too deeply to read") from None
    if not isinstance(obj, dict):
        raise RequestError("the request must be a JSON object")
    cmd = obj.get("cmd")
    if cmd not in COMMANDS:
        shown = "missing" if cmd is None else repr(cmd)
        raise RequestError(f"unknown cmd {shown}: expected one of {', '.join(COMMANDS)}")
    if cmd not in WITH_TEXT:
        return ControlRequest(cmd=cast(Command, cmd))
    text = obj.get("text")
    if not isinstance(text, str):
        raise RequestError(f"{cmd} needs a string 'text'")
    if not text.strip():
        raise RequestError(f"{cmd} needs a non-empty 'text'")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_TEXT_BYTES:
        raise RequestError(f"{cmd} 'text' is longer than {MAX_TEXT_BYTES} bytes")
    return ControlRequest(cmd=cast(Command, cmd), text=text)


def json_line(obj: Any) -> str:
    """`obj` as one line of JSON that is always valid UTF-8: lone surrogates (JSON allows
    them, UTF-8 cannot hold them) become their JSON escape `\\udXXX` instead of failing."""
    text = json.dumps(obj, ensure_ascii=False)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def printable(text: str) -> str:
    """`text` safe to print: lone surrogates shown as `\\udXXX`."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _encode(reply: dict[str, Any]) -> bytes:
    return json_line(reply).encode("utf-8") + b"\n"


def error_reply(message: str) -> dict[str, Any]:
    return {"ok": False, "error": message}


Handler = Callable[[ControlRequest], dict[str, Any]]


class ControlServer:
    """Accepts control connections on `path` and answers each request line with `handler`.

    `handler` gets a validated ControlRequest and returns the reply's fields (`"ok": true` is
    added); an AssistantError it raises becomes an error reply with its message, anything
    else is logged and answered "internal error". Use as a context manager or start()/close().

    `connection_timeout` is the time a client has to send each whole request line (blank
    lines do not count as progress), and after a reply, to start the next one.
    """

    def __init__(
        self,
        *,
        path: Path,
        handler: Handler,
        connection_timeout: float = 5.0,
        workers: int = WORKERS,
    ) -> None:
        self._path = path
        self._handler = handler
        self._timeout = connection_timeout
        self._workers_wanted = workers
        self._sock: socket.socket | None = None
        self._lock_fd: int | None = None
        self._thread: threading.Thread | None = None
        self._workers: list[threading.Thread] = []
        self._waiting: queue.Queue[socket.socket | None] = queue.Queue(maxsize=MAX_WAITING)
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
                sock.listen(BACKLOG)
            except OSError as exc:
                sock.close()
                raise ControlError(f"cannot listen on {self._path}: {exc.strerror}") from exc
        except BaseException:
            os.close(self._lock_fd)
            self._lock_fd = None
            raise
        self._sock = sock
        for n in range(self._workers_wanted):
            worker = threading.Thread(target=self._work, name=f"control-{n}", daemon=True)
            worker.start()
            self._workers.append(worker)
        self._thread = threading.Thread(target=self._run, args=(sock,), name="control", daemon=True)
        self._thread.start()
        logger.info("control socket at %s", self._path)

    def close(self) -> None:
        """Stop accepting, let the requests being served finish, remove the socket file."""
        if self._closing.is_set():
            return
        self._closing.set()
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")
        if self._thread is not None:
            self._thread.join(timeout=5.0)
        self._hang_up_waiting()
        for _ in self._workers:
            with contextlib.suppress(queue.Full):
                self._waiting.put_nowait(None)
        deadline = time.monotonic() + self._timeout + 5.0
        for worker in self._workers:
            worker.join(timeout=max(0.0, deadline - time.monotonic()))
        self._hang_up_waiting()
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
        """The accept thread: never waits for a client, only hands connections to workers."""
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
                    self._waiting.put_nowait(conn)
                except queue.Full:
                    logger.warning("control: %d connections waiting, refusing one", MAX_WAITING)
                    conn.settimeout(0.1)
                    self._send(conn, error_reply("the assistant is busy: try again"))
                    conn.close()

    def _work(self) -> None:
        while (conn := self._waiting.get()) is not None:
            try:
                if not self._closing.is_set():
                    self._serve(conn)
            except Exception:  # nothing a client does may stop the server
                logger.exception("control connection failed")
            finally:
                conn.close()

    def _hang_up_waiting(self) -> None:
        while True:
            try:
                conn = self._waiting.get_nowait()
            except queue.Empty:
                return
            if conn is not None:
                conn.close()

    def _serve(self, conn: socket.socket) -> None:
        deadline = time.monotonic() + self._timeout
        buffer = bytearray()
        while not self._closing.is_set():
            newline = buffer.find(b"\n")
            if newline < 0:
                if len(buffer) > MAX_LINE_BYTES:
                    self._send(conn, error_reply(f"request line longer than {MAX_LINE_BYTES} B"))
                    return
                left = deadline - time.monotonic()
                try:
                    if left <= 0:
                        raise TimeoutError
                    conn.settimeout(left)
                    data = conn.recv(65536)
                except TimeoutError:
                    if buffer.strip():
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
            if not line.strip():
                continue  # blank lines are allowed but buy no time
            if not self._send(conn, self._answer(line)):
                return
            deadline = time.monotonic() + self._timeout

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
            conn.settimeout(self._timeout)  # a client that never reads cannot hold a worker
            conn.sendall(data)
        except OSError as exc:  # the client left without reading: its loss, not ours
            logger.debug("control reply not delivered: %s", exc)
            return False
        return True


def _private_dir(directory: Path) -> None:
    # Made 0700 when we make it; an existing folder keeps its mode (chmod-ing a folder we did
    # not make could lock others out of it): the socket and the lock are 0600 themselves.
    if not directory.is_dir():
        ensure_private(directory)


def _take_lock(path: Path) -> int:
    """Hold an exclusive lock for the server's lifetime: two daemons racing to start would
    otherwise both see a stale socket and delete each other's."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
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
    """Sends requests to a running daemon; every failure is a ControlError for the user.

    A daemon busy with many clients may have a full listen queue (EAGAIN): the client keeps
    trying until its timeout. A socket that refuses connections (a daemon restarting, or a
    stale socket) is tried for up to REFUSED_WAIT_S.
    """

    def __init__(self, path: Path, *, timeout: float = 30.0) -> None:
        self._path = path
        self._timeout = timeout

    def request(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Send one request object and return the reply object (which may say ok: false)."""
        if not self._path.exists():
            raise ControlError(f"the assistant is not running (no socket at {self._path})")
        sock = self._connect()
        try:
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

    def _connect(self) -> socket.socket:
        start = time.monotonic()
        pause = 0.01
        while True:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self._timeout)
            try:
                sock.connect(str(self._path))
                return sock
            except (BlockingIOError, InterruptedError):
                sock.close()  # the listen queue is full: the daemon is busy, not gone
                if time.monotonic() - start + pause > self._timeout:
                    raise ControlError(
                        f"the assistant is too busy to accept a connection "
                        f"(tried for {self._timeout:g} s)"
                    ) from None
            except (FileNotFoundError, ConnectionRefusedError):
                sock.close()
                if time.monotonic() - start + pause > min(REFUSED_WAIT_S, self._timeout):
                    raise ControlError(
                        f"the assistant is not running (nothing answers on {self._path})"
                    ) from None
            except TimeoutError:
                sock.close()
                raise ControlError(
                    f"the assistant did not accept a connection within {self._timeout:g} s"
                ) from None
            except OSError as exc:
                sock.close()
                raise ControlError(
                    f"cannot connect to the assistant at {self._path}: {exc}"
                ) from exc
            time.sleep(pause)
            pause = min(pause * 2, 0.2)


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


SILENT_ANSWER = "(ok)"
"""How a command carried out without words is shown (`ctl say`, the console)."""


def describe_reply(cmd: str, reply: dict[str, Any]) -> list[str]:
    """Readable lines for a successful reply, as `assistant ctl` prints them without --json."""
    fields = {k: v for k, v in reply.items() if k != "ok"}
    if cmd in ("say", "stop"):
        return [printable(str(fields.get("response") or SILENT_ANSWER))]
    if cmd == "shutdown":
        return ["the assistant is stopping"]
    if cmd == "announce":
        cut = " (interrupted)" if fields.get("interrupted") else ""
        return [printable(f"announced: {fields.get('announced', '')}{cut}")]
    lines: list[str] = []
    if cmd == "listen":
        lines.append(f"heard: {fields.pop('heard', '') or '(nothing)'}")
        lines.append(f"response: {fields.pop('response', '') or SILENT_ANSWER}")
        fields = {k: v for k, v in fields.items() if k in ("intent", "slots") and v}
    for key, value in fields.items():
        lines.extend(_field_lines(key, value))
    return [printable(line) for line in lines]


def _field_lines(key: str, value: Any) -> list[str]:
    if isinstance(value, dict):
        return [line for k, v in value.items() for line in _field_lines(f"{key}.{k}", v)]
    if key.endswith("uptime_s") and isinstance(value, int | float):
        return [f"{key.removesuffix('_s')}: {_duration(float(value))}"]
    if isinstance(value, list):
        return [f"{key}: {', '.join(map(str, value)) or '(none)'}"]
    if isinstance(value, bool):
        return [f"{key}: {'yes' if value else 'no'}"]
    return [f"{key}: {'(none)' if value is None else value}"]


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [(days, "d"), (hours, "h"), (minutes, "min")]
    shown = [f"{n} {unit}" for n, unit in parts if n] + [f"{secs} s"]
    return " ".join(shown)
