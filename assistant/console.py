"""`assistant console`: typed commands through the whole path (dialogue, skills, real player).

One command per line; each prints one line (the answer, `(ok)` for one carried out without
words, or with --json one object). Lines starting with `:` are the console's own (HELP lists
them): `:wait SECONDS` lets time pass while player events are handled (music plays, history is
written), `:quit` ends. Empty lines and `# comments` are skipped. At the end of input playback
stops and the last events are recorded before the caller closes everything.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Iterable
from typing import Any, TextIO

from assistant.control import SILENT_ANSWER
from assistant.dialogue import Dialogue, Turn
from assistant.player.base import PlayerStatus
from assistant.skills.base import SOMETHING_WENT_WRONG, Response
from assistant.skills.registry import Skills

logger = logging.getLogger(__name__)

HELP = """\
Type a command as you would say it ("play something by the beatles", "turn it down").
  :wait SECONDS   let the music play for a while (0..3600)
  :help           this text
  :quit           stop the music and leave (end of input does the same)"""

TICK_S = 0.05
SETTLE_S = 0.5
"""After the final stop, how long to wait for the player's last TrackEnded to be recorded."""


def status_json(status: PlayerStatus) -> dict[str, Any]:
    item = status.current
    track = None
    if item is not None:
        track = {
            "title": item.title,
            "artist": item.artist,
            "album": item.album,
            "path": item.location,
            "kind": item.kind,
        }
    return {
        "state": status.state.value,
        "track": track,
        "queue_length": status.queue_length,
        "volume": status.volume,
        "shuffle": status.shuffle,
        "repeat": status.repeat.value,
        "muted": status.muted,
        "position": round(status.position, 3),
        "index": status.index,
    }


def turn_json(turn: Turn, status: PlayerStatus) -> dict[str, Any]:
    result = turn.result
    return {
        "text": turn.text,
        "intent": result.intent if result else None,
        "slots": dict(result.slots) if result else {},
        "response": turn.response.text,
        "outcome": turn.response.outcome,
        "follow_up": turn.follow_up,
        "player": status_json(status),
        "decision": turn.decision,
    }


def announce(skills: Skills, out: TextIO, as_json: bool) -> None:
    """Print what the skills found out since the last command (a station that never answered).

    With --json they go to stderr: the JSON stream stays one line per command.
    """
    for response in skills.context.announcements.take():
        stream = sys.stderr if as_json else out
        print(("announcement: " if as_json else "") + response.text, file=stream)
        stream.flush()


def wait(skills: Skills, seconds: float, out: TextIO | None = None, as_json: bool = False) -> None:
    """Let `seconds` pass while handling player events and timers (printing announcements)."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        skills.context.events.process_pending(timeout=min(TICK_S, left))
        skills.tick()
        if out is not None:
            announce(skills, out, as_json)


def run(
    *, dialogue: Dialogue, skills: Skills, lines: Iterable[str], out: TextIO, as_json: bool
) -> int:
    """Process every line; returns the exit status (0)."""
    player = skills.context.player
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        skills.tick()
        announce(skills, out, as_json)
        if line.startswith(":wait"):
            _wait_command(skills, line, out, as_json)
            continue
        if line in (":quit", ":q", ":exit"):
            break
        if line.startswith(":"):
            # Help goes where announcements go: --json's stdout stays one object per command.
            stream = sys.stderr if as_json else out
            if line not in (":help", ":h", ":?"):
                print(f"unknown console command {line.split()[0]!r}", file=stream)
            print(HELP, file=stream)
            stream.flush()
            continue
        try:
            turn = dialogue.handle_text(line)
        except Exception:
            # The dialogue itself failing on one line must not end the session.
            logger.exception("console: failed on %r", line)
            failed = Response(SOMETHING_WENT_WRONG, "error")
            turn = Turn(line, None, failed, follow_up=False, decision="ignore")
        skills.tick()
        if as_json:
            print(json.dumps(turn_json(turn, player.status()), ensure_ascii=False), file=out)
        else:
            print(turn.response.text or SILENT_ANSWER, file=out)
        out.flush()
    skills.context.sleep.cancel()
    skills.context.recorder.save_position_now()
    player.stop()
    wait(skills, SETTLE_S)
    return 0


def _wait_command(skills: Skills, line: str, out: TextIO, as_json: bool) -> None:
    parts = line.split()
    try:
        seconds = float(parts[1]) if len(parts) == 2 else -1.0
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 3600:
        logger.warning("console: %r: expected ':wait SECONDS' (0..3600)", line)
        return
    wait(skills, seconds, out, as_json)
