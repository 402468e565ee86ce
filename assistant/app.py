"""Composition root: builds the rooms from a Config and runs each subcommand's work."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant import control, doctor, models, private_dirs
from assistant.asr.base import Recognizer, WakeDetector
from assistant.asr.engines import make_recognizer, with_second_opinion
from assistant.asr.second_opinion import SecondOpinion
from assistant.audio.endpoint import Endpointer
from assistant.audio.microphone import MicrophoneSource
from assistant.audio.vad import create_vad
from assistant.config import Config, changed_settings, describe_source, intents_dir, load_config
from assistant.dialogue import Decision, Dialogue, decide
from assistant.errors import ControlError, EngineError
from assistant.library.indexer import NEVER_SCANNED
from assistant.library.models import ScanProgress, ScanReport
from assistant.library.store import Catalogue
from assistant.listen import first_utterance, hear, heard_line, listen_files
from assistant.nlu.base import IntentResult
from assistant.nlu.grammar import build_grammar
from assistant.nlu.library_entities import build_entities
from assistant.nlu.matcher import Matcher
from assistant.nlu.normalize import normalize
from assistant.nlu.templates import IntentSet, load_intents
from assistant.player.base import ClipPlayer
from assistant.player.mpv_engine import MpvPlayer
from assistant.skills.base import plural
from assistant.skills.registry import Skills
from assistant.tts.base import SpeechEventSink, Synthesizer
from assistant.tts.earcons import Earcons
from assistant.tts.output import VoiceOutput
from assistant.tts.speaker import Speaker

logger = logging.getLogger(__name__)

LIVE_SETTINGS = ("library.", "radio.", "concepts")
"""Settings a reload (SIGHUP) applies; every other change waits for a restart."""


def load(path: Path | None) -> Config:
    config = load_config(path)
    logger.debug("config from %s", config.source or "built-in defaults")
    # A shared state_dir (/tmp) means a folder of our own inside it: see private_dirs.
    return dataclasses.replace(config, state_dir=private_dirs.state_dir(config.state_dir))


@contextmanager
def open_catalogue(config: Config, *, scan_if_new: bool = True) -> Iterator[Catalogue]:
    """The catalogue in the state dir; scanned first when no scan of it ever finished (a new or
    empty file, or a scan that was killed half-way), with a warning unless it is simply new."""
    path = config.catalogue_path
    emptied = path.is_file() and path.stat().st_size == 0
    catalogue = Catalogue(path=path)
    try:
        unfinished = catalogue.unfinished()
        if emptied:
            unfinished = f"the library database {path} was empty (0 bytes)"
        if scan_if_new and unfinished is not None:
            if unfinished == NEVER_SCANNED and catalogue.generation() == 0:
                logger.info("no catalogue yet: scanning the library first")
            elif catalogue.recovered_from is None:  # a corrupt file was reported already
                logger.warning("%s: scanning the library again", unfinished)
            scan(config, catalogue)
        yield catalogue
    finally:
        catalogue.close()


def scan(config: Config, catalogue: Catalogue) -> ScanReport:
    lib = config.library
    return catalogue.scan(
        music_dirs=lib.music_dirs,
        playlist_dirs=lib.playlist_dirs,
        podcast_dirs=lib.podcast_dirs,
        on_progress=_progress_line(),
    )


def _progress_line() -> Callable[[ScanProgress], None] | None:
    """A scan's counts rewritten in place on a terminal; nothing when stderr is not one (a
    service, a pipe): a log full of carriage returns helps nobody."""
    if not sys.stderr.isatty():
        return None

    def show(p: ScanProgress) -> None:
        print(
            f"\rscanning: {plural(p.files, 'file')}, {p.added} new, {p.failed} unreadable, "
            f"{plural(p.playlists, 'playlist')}\x1b[K",
            end="",
            file=sys.stderr,
            flush=True,
        )

    return show


def scan_library(config: Config) -> int:
    """`assistant library scan`: bring the catalogue up to date and say what changed; 1 when a
    configured folder is missing (what it held is kept, but nothing could be scanned there)."""
    with open_catalogue(config, scan_if_new=False) as catalogue:
        unfinished = catalogue.unfinished()
        if unfinished is not None and unfinished != NEVER_SCANNED:
            logger.warning("%s: scanning the library again", unfinished)
        report = scan(config, catalogue)
        tracks = len(catalogue.tracks())
    entries = "entry" if len(report.dangling) == 1 else "entries"
    if sys.stderr.isatty():
        print(file=sys.stderr)  # end the progress line
    print(
        f"{plural(tracks, 'track')}, {plural(report.playlists, 'playlist')}: "
        f"{report.added} added, {report.updated} updated, "
        f"{report.removed} removed, {report.unchanged} unchanged, "
        f"{len(report.failed)} unreadable, "
        f"{len(report.dangling)} dangling playlist {entries} "
        f"({report.seconds:.1f} s)"
    )
    missing = _missing_folders(config)
    for key, folder in missing:
        print(f"assistant: {key}: {folder} does not exist; nothing scanned there", file=sys.stderr)
    return 1 if missing else 0


def _missing_folders(config: Config) -> list[tuple[str, Path]]:
    lib = config.library
    kinds = (
        ("library.music_dirs", lib.music_dirs),
        ("library.playlist_dirs", lib.playlist_dirs),
        ("library.podcast_dirs", lib.podcast_dirs),
    )
    return [(key, d) for key, dirs in kinds for d in dirs if not d.expanduser().is_dir()]


def import_history(config: Config, path: Path) -> int:
    """`assistant history import FILE`: matched, unknown and malformed listens, by line."""
    from assistant.learn.finder import TrackFinder
    from assistant.learn.importer import import_history as run_import
    from assistant.library.history import History

    with open_catalogue(config) as catalogue:
        finder = TrackFinder(catalogue.tracks())
        report = run_import(path, finder=finder, history=History(catalogue=catalogue))
    for line in report.lines(str(path)):
        print(line)
    return 0


def recommend(
    config: Config,
    mode: str,
    *,
    name: str | None,
    seed: str | None,
    limit: int | None,
    as_json: bool,
) -> int:
    """`assistant recommend MODE`: the queue the taste model would play, one track a line."""
    import random

    from assistant.errors import LearnError
    from assistant.learn import select
    from assistant.learn.concepts import find_concept
    from assistant.learn.model import TasteModel
    from assistant.library.history import History

    rng = random.Random()
    with open_catalogue(config) as catalogue:
        model = TasteModel(catalogue=catalogue, history=History(catalogue=catalogue))
        model.refresh()
        if mode == "mix":
            picks = select.mix(model, rng)
        elif mode == "discover":
            picks = select.discover(model, rng) or select.rediscover(model, rng)
        elif mode == "similar":
            if not seed:
                raise LearnError('recommend similar needs --seed "ARTIST - TITLE"')
            track = model.find_track(seed)
            if track is None:
                raise LearnError(f"no track in the library for --seed {seed!r}")
            picks = select.similar(model, track, rng)
        else:
            if not name:
                raise LearnError("recommend concept needs --name NAME")
            concept = find_concept(config.concepts, name)
            if concept is None:
                known = ", ".join(c.name for c in config.concepts) or "none in the config"
                raise LearnError(f"no concept called {name!r} (concepts: {known})")
            pool = model.pool(concept)
            for missing in pool.missing:
                print(f"assistant: concept {concept.name}: nothing for {missing}", file=sys.stderr)
            picks = select.concept(model, concept, pool, rng)
    if not picks:
        print(
            f"assistant: nothing to recommend for {mode} yet: play some music, or bring in what "
            "you played elsewhere with `assistant history import FILE`",
            file=sys.stderr,
        )
    for pick in picks[:limit]:
        track = pick.track
        if as_json:
            fields = {"artist": track.artist, "title": track.title, "album": track.album,
                      "path": track.path, "reason": pick.reason}  # fmt: skip
            print(json.dumps(fields, ensure_ascii=False))
        else:
            print(f"{track.artist} - {track.title} ({track.album}): {pick.reason}")
    return 0


def build_matcher(
    config: Config, catalogue: Catalogue, intents: IntentSet | None = None
) -> Matcher:
    """The matcher with name indexes built from the catalogue; rebuild on a new generation.

    Concept playlists are playlists to the matcher: their names and aliases say PlayPlaylist.
    """
    entities = build_entities(
        tracks=catalogue.tracks(),
        playlists=[p.name for p in catalogue.playlists()] + [c.name for c in config.concepts],
        podcasts=catalogue.shows(),
        stations=[s.name for s in config.radio.stations],
        playlist_aliases={c.name: c.aliases for c in config.concepts},
    )
    return Matcher(intents=intents or load_intents(intents_dir(config)), entities=entities)


def result_json(text: str, result: IntentResult | None, decision: Decision) -> dict[str, Any]:
    """The `assistant parse --json` object for one utterance."""
    if result is None:
        return {"text": text, "intent": None, "slots": {}, "confidence": 0.0, "unresolved": {},
                "decision": decision}  # fmt: skip
    out: dict[str, Any] = {
        "text": text,
        "intent": result.intent,
        "slots": dict(result.slots),
        "confidence": result.confidence,
        "unresolved": dict(result.unresolved),
    }
    if result.choices:
        out["choices"] = [dict(c) for c in result.choices]
    out["decision"] = decision
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
            decision = decide(result, config.nlu)
            print(json.dumps(result_json(line, result, decision), ensure_ascii=False), flush=True)
        else:
            print(describe(line, result), flush=True)
    return 0


def run_ctl(config: Config, args: argparse.Namespace) -> int:
    """`assistant ctl CMD`: one request to the running daemon; 1 if it is not running or fails."""
    obj: dict[str, Any] = {"cmd": args.ctl_command}
    if args.ctl_command in control.WITH_TEXT:
        obj["text"] = args.text
    path = control.socket_path(config.state_dir)
    try:
        reply = control.request(path, obj, timeout=args.timeout)
    except ControlError as exc:
        print(f"assistant: {exc}", file=sys.stderr)
        return 1
    if not reply.get("ok"):
        error = str(reply.get("error", "the assistant refused the request"))
        print(f"assistant: {control.printable(error)}", file=sys.stderr)
        if args.json:
            print(control.json_line(reply))
        return 1
    if args.json:
        print(control.json_line(reply))
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
    """`assistant doctor`: check each part of the installation; non-zero if anything needs
    fixing (see doctor.run). Takes the
    config path, not a Config: a config that does not load is one of the findings."""
    return doctor.run(config_path)


@dataclass(frozen=True)
class Core:
    """What acting on commands takes: the catalogue, understanding, the player and the skills."""

    catalogue: Catalogue
    matcher: Matcher
    player: MpvPlayer
    skills: Skills
    dialogue: Dialogue


@contextmanager
def open_core(config: Config) -> Iterator[Core]:
    """Build the core in order; close it in reverse, recording the player's last events."""
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
            # Built now, with the name indexes, so the first "play my mix" does not wait for it.
            skills.context.taste.refresh()
            dialogue = Dialogue(matcher=matcher, skills=skills, config=config)
            yield Core(catalogue, matcher, player, skills, dialogue)
            skills.context.recorder.save_position_now()
        finally:
            player.close()
            # Events the player sent while closing (the last TrackEnded) still reach history.
            events.process_pending()


def run_console(config: Config, as_json: bool) -> int:
    """`assistant console`: typed commands from stdin through dialogue, skills and the player."""
    from assistant import console

    with open_core(config) as core:
        if sys.stdin.isatty():
            print("Type a command; :help for help, :quit to leave.", file=sys.stderr, flush=True)
        lines = (line.rstrip("\n") for line in sys.stdin)
        return console.run(
            dialogue=core.dialogue, skills=core.skills, lines=lines, out=sys.stdout, as_json=as_json
        )


# --- hearing: microphone, end of speech, recognition ------------------------------------


def build_endpointer(config: Config) -> Endpointer:
    vad = config.vad
    return Endpointer(
        vad=create_vad(vad.engine),
        trailing_silence_ms=vad.trailing_silence_ms,
        complete_silence_ms=vad.complete_silence_ms,
        max_utterance_s=vad.max_utterance_s,
        threshold=vad.threshold,
        pre_roll_ms=vad.pre_roll_ms,
        floor_margin_db=vad.floor_margin_db,
    )


def build_wake(config: Config) -> WakeDetector | None:
    """The wake phrase detector wake.engine names (None for push-to-talk only)."""
    wake = config.wake
    if wake.mode == "none":
        return None
    if wake.chosen_engine == "micro":
        from assistant.asr.micro_wake import MicroWakeDetector

        return MicroWakeDetector(phrase=wake.phrase, threshold=wake.micro_threshold)
    from assistant.asr.wake import KeyphraseWakeDetector

    return KeyphraseWakeDetector(phrase=wake.phrase, threshold=wake.threshold)


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
    wake = config.wake
    # Only microWakeWord's probe reports run-on wakes, which need confirming (ConfirmsWake).
    run_on = wake.mode == "phrase" and wake.chosen_engine == "micro"
    recognizer = make_recognizer(config.asr, grammar, wake_phrase=wake.phrase if run_on else None)
    return with_second_opinion(config.asr, recognizer, normalize, grammar)


def run_listen(config: Config, *, files: list[Path], as_json: bool, max_seconds: float) -> int:
    """`assistant listen`: WAV files (the first `max_seconds` of each), or one command from
    the microphone (no wake word)."""
    with open_catalogue(config) as catalogue:
        matcher = build_matcher(config, catalogue)
    recognizer = build_recognizer(config, matcher)
    if files:
        return listen_files(
            files,
            recognizer=recognizer,
            matcher=matcher,
            nlu=config.nlu,
            max_seconds=max_seconds,
            out=sys.stdout,
            err=sys.stderr,
            as_json=as_json,
        )
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
    print(heard_line(heard, config.nlu, as_json=as_json))
    return 0


# --- the daemon ---------------------------------------------------------------------------


def build_voice(config: Config, clips: ClipPlayer, on_event: SpeechEventSink) -> VoiceOutput:
    """Speech (pyttsx3 to WAV, cached) and earcons over `clips`, as the config asks."""
    from assistant.tts.cache import CachedSynthesizer
    from assistant.tts.pyttsx3_engine import Pyttsx3Synthesizer

    speech = config.speech
    work_dir = private_dirs.runtime_dir()
    speaker = None
    if speech.enabled:
        try:
            synthesizer: Synthesizer = Pyttsx3Synthesizer(
                voice=speech.voice, rate=speech.rate, volume=speech.volume
            )
        except EngineError as exc:
            # A wrong voice name must not keep the assistant from starting.
            logger.error("speech: %s; using the default voice", exc)
            synthesizer = Pyttsx3Synthesizer(voice="", rate=speech.rate, volume=speech.volume)
        if speech.cache_entries:
            synthesizer = CachedSynthesizer(
                synthesizer=synthesizer,
                cache_dir=config.state_dir / "tts-cache",
                max_entries=speech.cache_entries,
            )
        speaker = Speaker(
            synthesizer=synthesizer, clips=clips, work_dir=work_dir, on_event=on_event
        )
    earcons = None
    if speech.earcons:
        earcons = Earcons(clips=clips, work_dir=work_dir, volume=speech.earcon_volume)
    return VoiceOutput(speaker=speaker, earcons=earcons, on_event=on_event)


def run_daemon(config_path: Path | None) -> int:
    """`assistant run`: the always-on assistant until SIGTERM/SIGINT or `assistant ctl stop`;
    SIGHUP reloads the config and rescans the library."""
    from assistant.daemon import AudioFeed, Daemon
    from assistant.native_heap import fix_mmap_threshold
    from assistant.player.mpv_engine import MpvClipPlayer

    fix_mmap_threshold()  # or memory grows with every answer: see assistant.native_heap
    config = load(config_path)
    logger.info("%s", describe_source(config))
    with contextlib.ExitStack() as stack:
        core = stack.enter_context(open_core(config))
        recognizer = build_recognizer(config, core.matcher)
        if isinstance(recognizer, SecondOpinion):
            # On its own thread: the daemon listens meanwhile; a doubtful command waits for it.
            threading.Thread(target=recognizer.preload, name="preload", daemon=True).start()
        wake = build_wake(config)
        clips = MpvClipPlayer(
            audio_output=config.player.audio_output, audio_device=config.player.audio_device
        )
        stack.callback(clips.close)
        events_sink: list[Daemon] = []
        voice = build_voice(config, clips, lambda event: events_sink[0].on_speech_event(event))

        running = config

        def reload() -> list[str]:
            """Rescan, and apply what can change live: the library folders, the radio stations,
            the concept playlists and the intent files. Returns the other settings that changed
            (they need a restart)."""
            nonlocal running
            fresh = load(config.source)
            changed = changed_settings(running, fresh)
            waiting = [key for key in changed if not key.startswith(LIVE_SETTINGS)]
            running = dataclasses.replace(
                running, library=fresh.library, radio=fresh.radio, concepts=fresh.concepts
            )
            report = scan(running, core.catalogue)
            intents = load_intents(intents_dir(running))
            new_matcher = build_matcher(running, core.catalogue, intents)
            core.skills.reconfigure(config=running, intents=intents)
            core.skills.context.taste.refresh()  # a changed library: rebuilt here, not mid-command
            core.dialogue.use_matcher(new_matcher)
            recognizer.set_grammar(build_grammar(new_matcher.intents, new_matcher.entities))
            logger.info(
                "reloaded: %d tracks (%d added, %d removed), %d radio stations",
                len(core.catalogue.tracks()),
                report.added,
                report.removed,
                len(running.radio.stations),
            )
            if waiting:
                logger.warning(
                    "reload: %s changed: a restart is needed to apply %s",
                    ", ".join(waiting),
                    "it" if len(waiting) == 1 else "them",
                )
            return waiting

        daemon = Daemon(
            dialogue=core.dialogue,
            skills=core.skills,
            player=core.player,
            recognizer=recognizer,
            wake=wake,
            make_endpointer=lambda: build_endpointer(config),
            speech=voice,
            follow_up_s=config.daemon.follow_up_s,
            on_reload=reload,
            speech_on=config.speech.enabled,
            confirm=config.speech.confirm,
            fade_in_s=config.player.fade_in_ms / 1000,
        )
        events_sink.append(daemon)
        stack.callback(core.player.stop)
        server = control.ControlServer(
            path=control.socket_path(config.state_dir),
            handler=control.forwarding_handler(daemon.submit, timeout=60.0),
        )
        server.start()
        stack.callback(server.close)

        def open_microphone() -> MicrophoneSource:
            microphone = build_microphone(config)
            microphone.open()
            return microphone

        feed = AudioFeed(open_source=open_microphone, daemon=daemon)
        feed.start()
        stack.callback(feed.close)
        signal.signal(signal.SIGTERM, lambda *_: daemon.request_stop("SIGTERM"))
        signal.signal(signal.SIGINT, lambda *_: daemon.request_stop("SIGINT"))
        signal.signal(signal.SIGHUP, lambda *_: daemon.request_reload())
        logger.info(
            "assistant running: %s; wake %s; control socket %s",
            recognizer.name,
            wake.name if wake else "off (push-to-talk)",
            server.path,
        )
        daemon.run()
    return 0
