"""Composition root: builds the rooms from a Config and runs each subcommand's work."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from assistant import control, doctor, models
from assistant.asr.base import Recognizer
from assistant.asr.engines import make_recognizer
from assistant.audio.endpoint import Endpointer
from assistant.audio.microphone import MicrophoneSource
from assistant.audio.vad import create_vad
from assistant.config import Config, intents_dir, load_config
from assistant.errors import ControlError
from assistant.library.models import ScanReport
from assistant.library.store import Catalogue
from assistant.listen import first_utterance, hear, listen_files
from assistant.nlu.base import IntentResult
from assistant.nlu.grammar import build_grammar
from assistant.nlu.library_entities import build_entities
from assistant.nlu.matcher import Matcher
from assistant.nlu.templates import IntentSet, load_intents

logger = logging.getLogger(__name__)


def load(path: Path | None) -> Config:
    config = load_config(path)
    logger.debug("config from %s", config.source or "built-in defaults")
    return config


@contextmanager
def open_catalogue(config: Config, *, scan_if_new: bool = True) -> Iterator[Catalogue]:
    """The catalogue in the state dir; scanned first when it has never been scanned."""
    new = not config.catalogue_path.exists()
    catalogue = Catalogue(path=config.catalogue_path)
    try:
        if scan_if_new and (new or catalogue.recovered_from is not None):
            logger.info("no catalogue yet: scanning the library first")
            _log_report(scan(config, catalogue))
        yield catalogue
    finally:
        catalogue.close()


def scan(config: Config, catalogue: Catalogue) -> ScanReport:
    lib = config.library
    return catalogue.scan(
        music_dirs=lib.music_dirs, playlist_dirs=lib.playlist_dirs, podcast_dirs=lib.podcast_dirs
    )


def scan_library(config: Config) -> int:
    """`assistant library scan`: bring the catalogue up to date and say what changed."""
    with open_catalogue(config, scan_if_new=False) as catalogue:
        report = scan(config, catalogue)
        _log_report(report)
        tracks = len(catalogue.tracks())
    print(
        f"{tracks} tracks: {report.added} added, {report.updated} updated, "
        f"{report.removed} removed, {report.unchanged} unchanged, "
        f"{len(report.failed)} unreadable, {len(report.dangling)} dangling playlist entries "
        f"({report.seconds:.1f} s)"
    )
    return 0


def _log_report(report: ScanReport) -> None:
    for path, reason in report.failed:
        logger.warning("unreadable, skipped: %s (%s)", path, reason)
    for playlist, entry in report.dangling:
        logger.warning("playlist %s: entry not in the library: %s", playlist, entry)


def build_matcher(
    config: Config, catalogue: Catalogue, intents: IntentSet | None = None
) -> Matcher:
    """The matcher with name indexes built from the catalogue; rebuild on a new generation."""
    entities = build_entities(
        tracks=catalogue.tracks(),
        playlists=[p.name for p in catalogue.playlists()],
        podcasts=catalogue.shows(),
        stations=[s.name for s in config.radio.stations],
    )
    return Matcher(intents=intents or load_intents(intents_dir(config)), entities=entities)


def result_json(text: str, result: IntentResult | None) -> dict[str, Any]:
    """The `assistant parse --json` object for one utterance."""
    if result is None:
        return {"text": text, "intent": None, "slots": {}, "confidence": 0.0, "unresolved": {}}
    out: dict[str, Any] = {
        "text": text,
        "intent": result.intent,
        "slots": dict(result.slots),
        "confidence": result.confidence,
        "unresolved": dict(result.unresolved),
    }
    if result.choices:
        out["choices"] = [dict(c) for c in result.choices]
    return out


def describe(text: str, result: IntentResult | None) -> str:
    """One readable line for `assistant parse` without --json."""
    if result is None:
        return f"{text!r}: no match"
    slots = " ".join(f"{k}={v!r}" for k, v in result.slots.items())
    extra = "".join(f" {k}=?{v!r}" for k, v in result.unresolved.items())
    if result.choices:
        extra += " (which: " + " / ".join(", ".join(map(str, c.values())) for c in result.choices)
        extra += ")"
    return f"{text!r}: {result.intent} {slots}{extra} [{result.confidence:.2f}]".replace("  ", " ")


def parse_commands(config: Config, *, text: str | None, as_json: bool) -> int:
    """`assistant parse`: understand one command, or one per line of stdin."""
    with open_catalogue(config) as catalogue:
        matcher = build_matcher(config, catalogue)
    lines = [text] if text is not None else (line.rstrip("\n") for line in sys.stdin)
    for line in lines:
        if text is None and not line.strip():
            continue
        result = matcher.match(line)
        if as_json:
            print(json.dumps(result_json(line, result), ensure_ascii=False), flush=True)
        else:
            print(describe(line, result), flush=True)
    return 0


def run_ctl(config: Config, args: argparse.Namespace) -> int:
    """`assistant ctl CMD`: one request to the running daemon; 1 if it is not running or fails."""
    obj: dict[str, Any] = {"cmd": args.ctl_command}
    if args.ctl_command == "say":
        obj["text"] = args.text
    path = control.socket_path(config.state_dir)
    try:
        reply = control.request(path, obj, timeout=args.timeout)
    except ControlError as exc:
        print(f"assistant: {exc}", file=sys.stderr)
        return 1
    if not reply.get("ok"):
        print(
            f"assistant: {reply.get('error', 'the assistant refused the request')}", file=sys.stderr
        )
        return 1
    if getattr(args, "json", False):
        print(json.dumps(reply, ensure_ascii=False))
        return 0
    for line in control.describe_reply(args.ctl_command, reply):
        print(line)
    return 0


def run_models(config: Config, args: argparse.Namespace) -> int:
    """`assistant models install|list`: vosk models live in the folder of asr.vosk_model."""
    models_dir = config.asr.vosk_model.parent
    if args.models_command == "install":
        path = models.install_model(args.source, models_dir, force=args.force)
        print(f"installed {path}")
        if path != config.asr.vosk_model:
            where = config.source or "config.yaml"
            print(f"to use it, set asr.vosk_model: {path} in {where}")
        return 0
    found = models.list_models(models_dir)
    if not found:
        print(f"no models in {models_dir}")
    for info in found:
        state = "ok" if info.valid else f"not usable: {info.reason}"
        used = " (asr.vosk_model)" if info.path == config.asr.vosk_model else ""
        print(f"{info.name}: {info.size / 1e6:.0f} MB, {state}{used}")
    return 0


def run_doctor(config_path: Path | None) -> int:
    """`assistant doctor`: check each part of the installation; 1 if anything failed. Takes the
    config path, not a Config: a config that does not load is one of the findings."""
    return doctor.run(config_path)


def run_console(config: Config, as_json: bool) -> int:
    """`assistant console`: typed commands from stdin through dialogue, skills and the player."""
    from assistant import console
    from assistant.dialogue import Dialogue
    from assistant.library.history import History
    from assistant.player.mpv_engine import MpvPlayer
    from assistant.skills.events import EventPump
    from assistant.skills.registry import build_skills

    with open_catalogue(config) as catalogue:
        intents = load_intents(intents_dir(config))
        matcher = build_matcher(config, catalogue, intents)
        history = History(catalogue=catalogue)
        events = EventPump()
        player = MpvPlayer(config=config.player, on_event=events.on_event)
        try:
            skills = build_skills(
                player=player,
                events=events,
                catalogue=catalogue,
                history=history,
                intents=intents,
                config=config,
            )
            dialogue = Dialogue(matcher=matcher, skills=skills, config=config)
            lines = (line.rstrip("\n") for line in sys.stdin)
            return console.run(
                dialogue=dialogue, skills=skills, lines=lines, out=sys.stdout, as_json=as_json
            )
        finally:
            player.close()
            # Events the player sent while closing (the last TrackEnded) still reach history.
            events.process_pending()


# --- hearing: microphone, end of speech, recognition ------------------------------------


def build_endpointer(config: Config) -> Endpointer:
    vad = config.vad
    return Endpointer(
        vad=create_vad(vad.engine),
        trailing_silence_ms=vad.trailing_silence_ms,
        max_utterance_s=vad.max_utterance_s,
        threshold=vad.threshold,
        pre_roll_ms=vad.pre_roll_ms,
        floor_margin_db=vad.floor_margin_db,
    )


def build_microphone(config: Config) -> MicrophoneSource:
    audio = config.audio
    return MicrophoneSource(
        device=audio.device,
        sample_rate=audio.sample_rate,
        block_ms=audio.block_ms,
        stall_timeout_s=audio.stall_timeout_s,
    )


def build_recognizer(config: Config, matcher: Matcher) -> Recognizer:
    """The configured engine, constrained to what the matcher understands in this library."""
    grammar = build_grammar(matcher.intents, matcher.entities)
    return make_recognizer(config.asr, grammar)


def run_listen(config: Config, *, files: list[Path], as_json: bool) -> int:
    """`assistant listen`: WAV files, or one command from the microphone (no wake word)."""
    with open_catalogue(config) as catalogue:
        matcher = build_matcher(config, catalogue)
    recognizer = build_recognizer(config, matcher)
    if files:
        return listen_files(files, recognizer=recognizer, matcher=matcher, out=sys.stdout,
                            as_json=as_json)  # fmt: skip
    microphone = build_microphone(config)
    try:
        microphone.open()
        print("Listening: say a command.", file=sys.stderr, flush=True)
        utterance = first_utterance(microphone.chunks(), build_endpointer(config))
    finally:
        microphone.close()
    if utterance is None:
        print("assistant: the microphone stopped before a command was heard", file=sys.stderr)
        return 1
    heard = hear([utterance.audio], source="microphone", recognizer=recognizer, matcher=matcher)
    print(json.dumps(heard.as_json(), ensure_ascii=False) if as_json else heard.describe())
    return 0
