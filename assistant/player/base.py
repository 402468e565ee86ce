"""Playback: the values, events and Protocols the rest of the assistant uses to play sound.

The engine behind them (mpv) lives in `mpv_engine.py`; nothing else imports it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

ItemKind = Literal["track", "radio", "episode"]
EndReason = Literal["finished", "skipped", "stopped", "error"]


@dataclass(frozen=True)
class QueueItem:
    """One thing to play: a catalogue track, a radio stream or a podcast episode."""

    location: str
    """A file path or a URL (http(s) for radio streams and remote episodes)."""
    title: str = ""
    artist: str = ""
    album: str = ""
    kind: ItemKind = "track"
    track_id: int | None = None
    """The catalogue's id for a library track; None for radio, episodes and loose files."""
    start: float = 0.0
    """Seconds into the item to start at (podcast resume)."""
    duration: float | None = None
    """Seconds, when known beforehand (from tags); None for streams."""

    @property
    def label(self) -> str:
        """A short human description for logs and answers."""
        if self.title and self.artist:
            return f"{self.title} by {self.artist}"
        return self.title or self.location


class PlayState(enum.Enum):
    PLAYING = "playing"
    PAUSED = "paused"
    STOPPED = "stopped"


class RepeatMode(enum.Enum):
    OFF = "off"
    ONE = "one"
    """Play the current item again when it finishes (next() still moves on)."""
    ALL = "all"
    """Start the queue again after its last item."""


@dataclass(frozen=True)
class PlayerStatus:
    """A snapshot of the player, for "what's playing" and the control socket."""

    state: PlayState
    current: QueueItem | None
    position: float
    """Seconds into the current item (0 when stopped)."""
    duration: float | None
    """Seconds, None when unknown (live streams)."""
    index: int | None
    """Position of the current item in play order (shuffled order when shuffle is on)."""
    queue_length: int
    volume: int
    """0..100, the owner's volume, whether or not ducked or muted."""
    muted: bool
    ducked: bool
    shuffle: bool
    repeat: RepeatMode


@dataclass(frozen=True)
class TrackStarted:
    """An item started playing: its file was opened and audio is about to come out."""

    item: QueueItem
    at: float
    """Wall-clock time (time.time())."""


@dataclass(frozen=True)
class TrackEnded:
    """An item stopped playing, for whatever reason; the history learns from `reason`."""

    item: QueueItem
    reason: EndReason
    """finished: played to the end; skipped: next()/previous() moved away; stopped: stop() or a
    new play() replaced it; error: it could not be played (a PlaybackError came before)."""
    position: float
    """Seconds into the item when it ended."""
    at: float
    """Wall-clock time (time.time())."""


@dataclass(frozen=True)
class PlaybackError:
    """An item could not be played (missing, corrupt, a stream that does not answer)."""

    item: QueueItem
    message: str


PlayerEvent = TrackStarted | TrackEnded | PlaybackError
EventSink = Callable[[PlayerEvent], None]
"""Receives player events on the engine's own thread: it must only enqueue them."""


class Player(Protocol):
    """A play queue with the controls a voice command can reach.

    Methods return at once; what happens later is reported through events. Bad requests
    (an empty queue, an index out of range) raise PlayerError.
    """

    def play(self, items: Sequence[QueueItem], start_index: int = 0) -> None:
        """Replace the queue with `items` and start playing `items[start_index]`."""
        ...

    def enqueue(self, items: Sequence[QueueItem]) -> None:
        """Add items after the queue (among the upcoming items when shuffled)."""
        ...

    def pause(self) -> None: ...

    def resume(self) -> None:
        """Continue after pause(); after stop() or the end of the queue, play the current item."""
        ...

    def stop(self) -> None:
        """Stop playing; the queue is kept."""
        ...

    def next(self) -> None:
        """Play the next item; at the end of the queue stop (or wrap with repeat all)."""
        ...

    def previous(self) -> None:
        """Restart the item when more than a few seconds in, else play the one before it."""
        ...

    def seek(self, seconds: float, relative: bool = False) -> None: ...

    def set_volume(self, percent: int) -> None:
        """Set the volume, 0..100 (clamped)."""
        ...

    def change_volume(self, delta: int) -> None:
        """Add `delta` percent points to the volume (clamped to 0..100)."""
        ...

    def mute(self) -> None: ...

    def unmute(self) -> None: ...

    def set_shuffle(self, on: bool) -> None:
        """Shuffle the items after the current one; off restores the queue's order."""
        ...

    def set_repeat(self, mode: RepeatMode) -> None: ...

    def duck(self) -> None:
        """Lower the output while the assistant listens or speaks (idempotent)."""
        ...

    def unduck(self, fade_s: float = 0.0) -> None:
        """Restore the output after duck() (idempotent). With `fade_s`, rise to it over that
        many seconds, counted from the first sound of the item playing (a file just asked for
        starts at the ducked level); with nothing playing, at once."""
        ...

    def status(self) -> PlayerStatus: ...

    def close(self) -> None:
        """Stop and release the engine; the player cannot be used afterwards."""
        ...


class ClipPlayer(Protocol):
    """Short sounds beside the music: spoken answers (WAV files) and earcons."""

    def play(self, path: Path) -> None:
        """Start playing `path` and return at once; replaces any clip still playing."""
        ...

    def stop(self) -> None: ...

    def wait(self, timeout: float) -> bool:
        """Block until the clip ends; True when it ended (or none was playing), False on timeout."""
        ...

    @property
    def is_playing(self) -> bool: ...

    def close(self) -> None: ...
