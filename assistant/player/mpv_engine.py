"""The mpv engine (libmpv through python-mpv): the music player and the clip player.

This is the only module that imports `mpv`, and only when a player is built.

Volume: our 0..100 percent is mpv's own `volume` (capped at 100, so never a software boost).
mpv's curve is cubic, amplitude = (percent / 100) ** 3: 50 % is about -18 dB and every
10-point step sounds roughly equally large, which is what a voice "turn it down" wants.
Ducking sets the output to `duck_volume` percent of the current volume on that same scale,
so the amplitude falls by (duck_volume / 100) ** 3 (30 % gives about -31 dB). A fade back
steps mpv's volume linearly on that scale every FADE_STEP_S, which sounds like an even rise.

Threads: mpv calls back on its own event thread. That callback only copies the event into a
queue; a worker thread of ours advances the queue, loads files and reports our events, so no
mpv call ever runs on mpv's event thread.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.config import PlayerConfig
from assistant.errors import EngineError, PlayerError
from assistant.logsafe import shown
from assistant.player.base import (
    ClipPlayer,
    EndReason,
    EventSink,
    PlaybackError,
    Player,
    PlayerStatus,
    PlayState,
    QueueItem,
    RepeatMode,
    TrackEnded,
    TrackStarted,
)
from assistant.player.playqueue import PlayQueue

logger = logging.getLogger(__name__)

RESTART_THRESHOLD_S = 3.0
"""previous() further into a track than this restarts it instead of going back."""

_AO_FAILED = "audio output initialization failed"
"""mpv's end-file error when the sound output cannot be opened."""

FADE_STEP_S = 0.02
"""How often a fade moves mpv's volume: steps this short are not heard as steps."""

_FADE_STEP = {"event": b"fade-step"}
"""Our own worker event: move a fade on (or start waiting for its music)."""

_WANTED_EVENTS = {b"start-file", b"file-loaded", b"end-file", b"log-message", b"shutdown"}


def _import_mpv() -> Any:
    try:
        import mpv
    except OSError as exc:
        raise EngineError("libmpv not found: install the Debian package libmpv2") from exc
    return mpv


def _new_mpv(
    *,
    audio_output: str,
    audio_device: str,
    client_name: str,
    network_timeout: float,
    volume: int,
    log_level: str | None = None,
    log_handler: Any = None,
) -> Any:
    mpv = _import_mpv()
    options: dict[str, Any] = {
        "video": False,
        "idle": True,
        # No youtube-dl hook or Lua scripts: they spawn processes and slow every URL down.
        "ytdl": False,
        "load_scripts": False,
        "input_default_bindings": False,
        "audio_client_name": client_name,
        # The default 60 s would keep a dead radio station "loading" for a minute.
        "network_timeout": f"{network_timeout:g}",
        # mpv's default read-ahead (150 MiB) is a large part of a small board's memory.
        "demuxer_max_bytes": "32MiB",
        "demuxer_max_back_bytes": "4MiB",
        "volume_max": 100,
        "volume": volume,
    }
    if audio_output != "auto":
        options["ao"] = audio_output
    if audio_device != "auto":
        options["audio_device"] = audio_device
    try:
        return mpv.MPV(log_handler=log_handler, loglevel=log_level, **options)
    except (ValueError, TypeError, AttributeError, RuntimeError, SystemError) as exc:
        raise EngineError(
            f"mpv could not start with ao={audio_output!r} audio-device={audio_device!r}: {exc}"
        ) from exc


def _loadfile(player: Any, location: str, start: float) -> int:
    """Replace mpv's playlist with `location`; returns mpv's playlist entry id for it."""
    options = f"start={start:.3f}" if start > 0 else ""
    if player.mpv_version_tuple >= (0, 38, 0):
        # mpv 0.38 put an insertion index before the options.
        reply = player.command("loadfile", location, "replace", -1, options)
    else:
        reply = player.command("loadfile", location, "replace", options)
    return int(reply["playlist_entry_id"])


@dataclass
class _Fade:
    """Music rising from `start` percent to the owner's volume, once it is heard."""

    start: float
    seconds: float
    began: float | None = None
    """time.monotonic() of the music's first sound; None while the file is still opening."""

    def level(self, target: float, now: float) -> float | None:
        """The output now, or None when the fade is over."""
        if self.began is None:
            return self.start
        done = (now - self.began) / self.seconds
        return None if done >= 1.0 else self.start + (target - self.start) * max(0.0, done)


class MpvPlayer:
    """The music player: a queue in Python, one file at a time in mpv. See `Player`."""

    def __init__(
        self,
        *,
        config: PlayerConfig,
        on_event: EventSink,
        rng: random.Random | None = None,
    ) -> None:
        self._config = config
        self._on_event = on_event
        self._lock = threading.RLock()
        self._inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._queue = PlayQueue(rng=rng or random.Random())
        self._state = PlayState.STOPPED
        self._repeat = RepeatMode.OFF
        self._volume = max(0, min(100, config.volume))
        self._muted = False
        self._ducked_output: float | None = None
        self._fade: _Fade | None = None
        # The mpv playlist entry carrying the current item; events of other entries are stale.
        self._entry: int | None = None
        self._started = False
        self._redirected = False
        self._last_start_entry: int | None = None
        self._duration: float | None = None
        self._errors_in_row = 0
        self._closed = False
        self._mpv = self._new_core()
        self.restarts = 0
        """How often mpv's core died and was replaced."""
        self._worker = threading.Thread(target=self._run, name="player-events", daemon=True)
        self._worker.start()

    def _new_core(self) -> Any:
        config = self._config
        core = _new_mpv(
            audio_output=config.audio_output,
            audio_device=config.audio_device,
            client_name="assistant",
            network_timeout=config.network_timeout,
            volume=self._volume,
            log_level="warn",
            log_handler=self._on_mpv_log,
        )
        core.register_event_callback(self._on_mpv_event)
        return core

    def _core_died(self) -> None:
        """mpv's core shut down under us: start a new one and carry on with the queue."""
        logger.error("player: mpv stopped unexpectedly; restarting it")
        item = self._queue.current
        was_playing = self._state is PlayState.PLAYING
        if item is not None and self._entry is not None and self._started:
            self._emit(TrackEnded(item=item, reason="error", position=0.0, at=time.time()))
        self._entry = None
        with contextlib.suppress(Exception):
            self._mpv.terminate()
        self._mpv = self._new_core()
        self.restarts += 1
        self._apply_volume()
        self._mpv.mute = self._muted
        if was_playing:
            self._start_current()
        else:
            self._state = PlayState.STOPPED

    # -- mpv's event thread: copy and enqueue only ------------------------------------------

    def _on_mpv_event(self, event: Any) -> None:
        data = event.as_dict()
        if data.get("event") in _WANTED_EVENTS:
            self._inbox.put(data)

    def _on_mpv_log(self, level: str, prefix: str, text: str) -> None:
        self._inbox.put({"event": b"log", "level": level, "prefix": prefix, "text": text})

    # -- our worker thread -------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            try:
                # Read without the lock: a fade set meanwhile sends an event that wakes us.
                data = self._inbox.get(timeout=FADE_STEP_S if self._fade is not None else None)
            except queue.Empty:
                data = _FADE_STEP
            if data is None:
                return
            try:
                with self._lock:
                    self._handle(data)
            except Exception:
                # One bad event must not end playback control for good.
                logger.exception("player: failed to handle mpv event %r", data.get("event"))

    def _handle(self, data: dict[str, Any]) -> None:
        kind = data["event"]
        if kind == b"fade-step":
            self._apply_volume()
        elif kind == b"log":
            logger.info("mpv %s: %s", data["prefix"], shown(str(data["text"]).rstrip()))
        elif kind == b"start-file":
            entry = data.get("playlist_entry_id")
            self._last_start_entry = entry
            if self._redirected:
                # A playlist URL (.m3u/.pls radio) was expanded: its first entry is our item.
                self._redirected = False
                self._entry = entry
        elif kind == b"file-loaded":
            if self._last_start_entry == self._entry and not self._started:
                self._file_loaded()
        elif kind == b"end-file" and data.get("playlist_entry_id") == self._entry:
            self._file_ended(data.get("reason", b""), data.get("file_error", b""))
        elif kind == b"shutdown" and not self._closed:
            self._core_died()

    def _file_loaded(self) -> None:
        item = self._queue.current
        if item is None:
            return
        self._started = True
        self._errors_in_row = 0
        if self._fade is not None and self._fade.began is None:
            self._fade.began = time.monotonic()
        duration = self._get("duration")
        self._duration = float(duration) if duration else item.duration
        logger.info("player: playing %s", shown(item.label))
        self._emit(TrackStarted(item=item, at=time.time()))

    def _file_ended(self, reason: bytes, file_error: bytes) -> None:
        item = self._queue.current
        if item is None:
            return
        if reason == b"redirect":
            self._redirected = True
            return
        if reason == b"quit":
            return  # mpv's core is going away under us: the shutdown event restarts it
        if reason == b"error":
            message = file_error.decode("utf-8", "replace") or "playback failed"
            logger.warning(
                "player: cannot play %s (%s): %s", shown(item.label), shown(item.location), message
            )
            self._emit(PlaybackError(item=item, message=message))
            self._emit(TrackEnded(item=item, reason="error", position=0.0, at=time.time()))
            self._entry = None
            self._errors_in_row += 1
            if message == _AO_FAILED:
                # Not this track's fault: every other one would fail the same way.
                logger.error(
                    "player: audio output ao=%s audio-device=%s does not work; stopping",
                    self._config.audio_output,
                    self._config.audio_device,
                )
                self._set_stopped()
            elif self._errors_in_row >= len(self._queue):
                logger.warning("player: nothing in the queue could be played; stopping")
                self._set_stopped()
            elif self._queue.advance(wrap=self._repeat is RepeatMode.ALL):
                self._start_current()
            else:
                self._set_stopped()
            return
        if reason == b"eof":
            position = self._duration or 0.0
            self._emit(TrackEnded(item=item, reason="finished", position=position, at=time.time()))
            self._entry = None
            if self._repeat is RepeatMode.ONE or self._queue.advance(
                wrap=self._repeat is RepeatMode.ALL
            ):
                self._start_current()
            else:
                self._set_stopped()
            return
        # stop/quit that we did not ask for (we forget our entry before stopping mpv ourselves).
        self._emit(TrackEnded(item=item, reason="stopped", position=0.0, at=time.time()))
        self._entry = None
        self._set_stopped()

    # -- helpers (lock held) -----------------------------------------------------------------

    def _emit(self, event: TrackStarted | TrackEnded | PlaybackError) -> None:
        try:
            self._on_event(event)
        except Exception:
            logger.exception("player: event consumer failed on %s", type(event).__name__)

    def _get(self, name: str) -> Any:
        try:
            return self._mpv._get_property(name)
        except (AttributeError, RuntimeError, TypeError, ValueError):
            return None

    def _position(self) -> float:
        if self._entry is None:
            return 0.0
        value = self._get("time-pos")
        return float(value) if value is not None else 0.0

    def _start_current(self) -> None:
        """Load the queue's current item into mpv and play it."""
        item = self._queue.current
        if item is None:
            self._set_stopped()
            return
        self._mpv.pause = False
        self._started = False
        self._redirected = False
        self._duration = item.duration
        try:
            self._entry = _loadfile(self._mpv, item.location, item.start)
        except (SystemError, RuntimeError, ValueError, TypeError) as exc:
            # mpv reports nearly every problem through end-file; this is for the rest.
            logger.warning("player: mpv refused %s: %s", shown(item.location), exc)
            self._entry = None
            self._emit(PlaybackError(item=item, message=str(exc)))
            self._set_stopped()
            return
        self._state = PlayState.PLAYING

    def _end_current(self, reason: EndReason) -> None:
        """Report the current item as ended by a request of ours (if it had started)."""
        item = self._queue.current
        if item is not None and self._entry is not None and self._started:
            self._emit(
                TrackEnded(item=item, reason=reason, position=self._position(), at=time.time())
            )
        self._entry = None

    def _set_stopped(self) -> None:
        self._entry = None
        self._started = False
        self._state = PlayState.STOPPED
        self._mpv.command("stop")
        if self._fade is not None:  # no music to rise with: the next item plays at its volume
            self._fade = None
            self._apply_volume()

    def _apply_volume(self) -> None:
        output: float = self._volume
        if self._ducked_output is not None:
            output = self._ducked_output
        elif self._fade is not None:
            level = self._fade.level(self._volume, time.monotonic())
            if level is None:
                self._fade = None
            else:
                output = level
        self._mpv.volume = output

    # -- the Player protocol -----------------------------------------------------------------

    def play(self, items: Sequence[QueueItem], start_index: int = 0) -> None:
        if not items:
            raise PlayerError("There is nothing to play.")
        if not 0 <= start_index < len(items):
            raise PlayerError(f"Cannot start at item {start_index + 1} of {len(items)}.")
        with self._lock:
            self._end_current("stopped")
            self._queue.replace(items, start_index)
            self._errors_in_row = 0
            self._start_current()

    def enqueue(self, items: Sequence[QueueItem]) -> None:
        with self._lock:
            self._queue.extend(items)

    def pause(self) -> None:
        with self._lock:
            if self._state is PlayState.PLAYING:
                self._mpv.pause = True
                self._state = PlayState.PAUSED

    def resume(self) -> None:
        with self._lock:
            if self._state is PlayState.PAUSED:
                self._mpv.pause = False
                self._state = PlayState.PLAYING
            elif self._state is PlayState.STOPPED and self._queue.current is not None:
                self._errors_in_row = 0
                self._start_current()

    def stop(self) -> None:
        with self._lock:
            self._end_current("stopped")
            self._set_stopped()

    def next(self) -> None:
        with self._lock:
            if self._queue.current is None:
                return
            was_stopped = self._state is PlayState.STOPPED
            self._end_current("skipped")
            self._errors_in_row = 0
            if self._queue.advance(wrap=self._repeat is RepeatMode.ALL):
                self._start_current()
            elif not was_stopped:
                self._set_stopped()

    def previous(self) -> None:
        with self._lock:
            if self._queue.current is None:
                return
            self._errors_in_row = 0
            active = self._entry is not None and self._started
            if active and self._position() > RESTART_THRESHOLD_S:
                self._restart()
            elif self._queue.position:
                self._end_current("skipped")
                self._queue.back()
                self._start_current()
            elif active:
                self._restart()
            else:
                self._start_current()

    def _restart(self) -> None:
        try:
            self._mpv.command("seek", 0, "absolute")
        except (SystemError, RuntimeError):
            self._end_current("skipped")
            self._start_current()
            return
        self._mpv.pause = False
        self._state = PlayState.PLAYING

    def seek(self, seconds: float, relative: bool = False) -> None:
        with self._lock:
            if self._entry is None or not self._started:
                return
            target = seconds if not relative else self._position() + seconds
            try:
                self._mpv.command("seek", max(0.0, target), "absolute")
            except (SystemError, RuntimeError) as exc:
                logger.info("player: cannot seek in %s: %s", self._queue.current, exc)

    def set_volume(self, percent: int) -> None:
        with self._lock:
            self._volume = max(0, min(100, int(percent)))
            self._apply_volume()

    def change_volume(self, delta: int) -> None:
        with self._lock:
            self.set_volume(self._volume + delta)

    def mute(self) -> None:
        with self._lock:
            self._muted = True
            self._mpv.mute = True

    def unmute(self) -> None:
        with self._lock:
            self._muted = False
            self._mpv.mute = False

    def set_shuffle(self, on: bool) -> None:
        with self._lock:
            self._queue.set_shuffle(on)

    def set_repeat(self, mode: RepeatMode) -> None:
        with self._lock:
            self._repeat = RepeatMode(mode)

    def duck(self) -> None:
        with self._lock:
            if self._ducked_output is None:
                self._fade = None
                self._ducked_output = self._volume * self._config.duck_volume / 100
                self._apply_volume()

    def unduck(self, fade_s: float = 0.0) -> None:
        with self._lock:
            if self._ducked_output is None:
                return
            if fade_s > 0 and self._state is PlayState.PLAYING:
                began = time.monotonic() if self._started else None
                self._fade = _Fade(self._ducked_output, fade_s, began)
                self._inbox.put(_FADE_STEP)
            self._ducked_output = None
            self._apply_volume()

    def status(self) -> PlayerStatus:
        with self._lock:
            current = self._queue.current
            playing = self._state is not PlayState.STOPPED
            duration = self._get("duration") if playing and self._started else None
            return PlayerStatus(
                state=self._state,
                current=current,
                position=self._position() if playing and self._started else 0.0,
                duration=float(duration) if duration else (current.duration if current else None),
                index=self._queue.position,
                queue_length=len(self._queue),
                volume=self._volume,
                muted=self._muted,
                ducked=self._ducked_output is not None,
                shuffle=self._queue.shuffled,
                repeat=self._repeat,
            )

    def queue_items(self) -> list[QueueItem]:
        """The queue in play order (shuffled order when shuffle is on)."""
        with self._lock:
            return self._queue.in_play_order()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._end_current("stopped")
        self._inbox.put(None)
        self._worker.join(timeout=5)
        self._mpv.terminate()


class MpvClipPlayer:
    """Short clips (spoken answers, earcons) on a second mpv beside the music. See `ClipPlayer`."""

    def __init__(self, *, audio_output: str, audio_device: str) -> None:
        self._cond = threading.Condition()
        self._entry: int | None = None
        self._ended: dict[int, bytes] = {}
        self._closed = False
        self._mpv = _new_mpv(
            audio_output=audio_output,
            audio_device=audio_device,
            client_name="assistant-clips",
            network_timeout=5.0,
            volume=100,
        )
        self._mpv.register_event_callback(self._on_mpv_event)

    def _on_mpv_event(self, event: Any) -> None:
        # mpv's event thread: record the ending and wake waiters, nothing else.
        data = event.as_dict()
        if data.get("event") == b"end-file":
            with self._cond:
                entry = int(data.get("playlist_entry_id", -1))
                self._ended[entry] = data.get("file_error") or data.get("reason", b"")
                self._cond.notify_all()

    def play(self, path: Path) -> None:
        if not path.is_file():
            logger.warning("clip player: no such file %s", path)
            self.stop()
            return
        with self._cond:
            self._ended.clear()
        entry = _loadfile(self._mpv, str(path.absolute()), 0.0)
        with self._cond:
            self._entry = entry
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._entry = None
            self._cond.notify_all()
        if not self._closed:
            self._mpv.command("stop")

    def _playing(self) -> bool:
        return self._entry is not None and self._entry not in self._ended

    @property
    def is_playing(self) -> bool:
        with self._cond:
            return self._playing()

    def wait(self, timeout: float) -> bool:
        with self._cond:
            done = self._cond.wait_for(lambda: not self._playing(), timeout)
            if done and self._entry is not None:
                outcome = self._ended.get(self._entry, b"")
                if outcome not in (b"eof", b"stop", b""):
                    logger.warning(
                        "clip player: clip failed: %s", outcome.decode("utf-8", "replace")
                    )
            return done

    def close(self) -> None:
        if self._closed:
            return
        self.stop()
        self._closed = True
        self._mpv.terminate()


if TYPE_CHECKING:
    # mypy proves the engines satisfy the Protocols the rest of the assistant is typed against.
    def _conforms(player: MpvPlayer, clips: MpvClipPlayer) -> tuple[Player, ClipPlayer]:
        return player, clips
