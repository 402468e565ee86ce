"""Command line: argument parsing only; each subcommand calls into assistant.app."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import ClassVar

from assistant import __version__, app
from assistant.errors import AssistantError
from assistant.listen import DEFAULT_MAX_SECONDS
from assistant.logsafe import SafeMessages

DESCRIPTION = (
    "An offline, voice-controlled smart speaker: it wakes on a phrase, understands music "
    "commands and plays your own library, radio and podcasts. Start it with `assistant run`; "
    "`assistant doctor` checks the installation."
)


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        type=Path,
        help="config file (default ./config.yaml, then ~/.config/assistant/config.yaml)",
    )
    common.add_argument("-v", "--verbose", action="store_true", help="log debug messages")

    parser = argparse.ArgumentParser(prog="assistant", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"assistant {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    library = sub.add_parser("library", help="the music catalogue").add_subparsers(
        dest="library_command", required=True
    )
    library.add_parser("scan", parents=[common], help="scan music, playlists and podcasts")

    history = sub.add_parser("history", help="listening history").add_subparsers(
        dest="history_command", required=True
    )
    history_import = history.add_parser(
        "import", parents=[common], help="add listens from a ListenBrainz export or JSON lines"
    )
    history_import.add_argument("file", type=Path, help="a JSON array or JSON lines of listens")

    recommend = sub.add_parser(
        "recommend", parents=[common], help="print the queue the taste model would play"
    )
    recommend.add_argument("mode", choices=["mix", "discover", "similar", "concept"])
    recommend.add_argument("--name", help="the concept playlist (its name or an alias)")
    recommend.add_argument("--seed", help='the track for similar, "ARTIST - TITLE"')
    recommend.add_argument("--limit", type=_positive, help="print at most this many tracks")
    recommend.add_argument("--json", action="store_true", help="one JSON object per track")

    parse = sub.add_parser("parse", parents=[common], help="understand typed commands")
    parse.add_argument("--json", action="store_true", help="print one JSON object per command")
    parse.add_argument("text", nargs="?", help="the command; without it, one per line on stdin")

    listen = sub.add_parser("listen", parents=[common], help="recognise WAV files or the mic")
    listen.add_argument("--json", action="store_true", help="print one JSON object per file")
    listen.add_argument("files", nargs="*", type=Path, help="WAV files; none: the microphone")
    listen.add_argument(
        "--max-seconds",
        type=_positive_seconds,
        default=DEFAULT_MAX_SECONDS,
        help=f"hear at most this much of each file (default {DEFAULT_MAX_SECONDS:g})",
    )

    console = sub.add_parser(
        "console", parents=[common], help="type commands and hear them played (one per line)"
    )
    console.add_argument("--json", action="store_true", help="print one JSON object per command")

    ctl_common = argparse.ArgumentParser(add_help=False, parents=[common])
    ctl_common.add_argument(
        "--timeout", type=float, default=30.0, help="seconds to wait for the answer (default 30)"
    )
    ctl_common.add_argument("--json", action="store_true", help="print the reply as JSON")
    ctl = sub.add_parser("ctl", help="control the running assistant").add_subparsers(
        dest="ctl_command", required=True
    )
    ctl.add_parser("status", parents=[ctl_common], help="what the assistant is doing")
    say = ctl.add_parser("say", parents=[ctl_common], help="give a command as text")
    say.add_argument("text", help='the command, e.g. "play something by the beatles"')
    announce = ctl.add_parser(
        "announce", parents=[ctl_common], help="speak a text over ducked music (not a command)"
    )
    announce.add_argument("text", help='what to say, e.g. "Dinner is ready"')
    ctl.add_parser("listen", parents=[ctl_common], help="listen for a command now (no wake word)")
    ctl.add_parser("stop", parents=[ctl_common], help='stop playback and speech (like "stop")')
    ctl.add_parser(
        "shutdown", parents=[ctl_common], help="stop the assistant itself (like SIGTERM)"
    )

    sub.add_parser("doctor", parents=[common], help="check the installation, one line per part")
    sub.add_parser("run", parents=[common], help="the always-on assistant (a daemon)")

    models = sub.add_parser("models", help="vosk speech models").add_subparsers(
        dest="models_command", required=True
    )
    install = models.add_parser(
        "install", parents=[common], help="install a vosk model beside asr.vosk_model"
    )
    install.add_argument("source", metavar="URL-or-ZIP", help="an http(s) URL or a local .zip")
    install.add_argument("--force", action="store_true", help="replace a model of the same name")
    models.add_parser("list", parents=[common], help="the installed models and the one in use")
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1, got {text!r}")
    return value


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"must be seconds, over 0 and at most 3600, got {text!r}")
    return value


_PLAIN = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")


class JournalFormatter(logging.Formatter):
    """Lines journald understands: a <priority> prefix, no timestamp (journald adds one)."""

    _PRIORITY: ClassVar[dict[int, int]] = {
        logging.DEBUG: 7,
        logging.INFO: 6,
        logging.WARNING: 4,
        logging.ERROR: 3,
    }

    def format(self, record: logging.LogRecord) -> str:
        priority = self._PRIORITY.get(record.levelno, 2)
        text = f"{record.name}: {record.getMessage()}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return "\n".join(f"<{priority}>{line}" for line in text.splitlines())


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JournalFormatter() if os.environ.get("JOURNAL_STREAM") else _PLAIN)
    # One line per message, whatever text from outside it carries (see logsafe).
    handler.addFilter(SafeMessages())
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, handlers=[handler])
    try:
        if args.command == "doctor":
            return app.run_doctor(args.config)
        if args.command == "run":
            return app.run_daemon(args.config)
        config = app.load(args.config)
        if args.command == "library":
            return app.scan_library(config)
        if args.command == "history":
            return app.import_history(config, args.file)
        if args.command == "recommend":
            return app.recommend(
                config, args.mode, name=args.name, seed=args.seed, limit=args.limit,
                as_json=args.json,
            )  # fmt: skip
        if args.command == "parse":
            return app.parse_commands(config, text=args.text, as_json=args.json)
        if args.command == "listen":
            return app.run_listen(
                config, files=args.files, as_json=args.json, max_seconds=args.max_seconds
            )
        if args.command == "console":
            return app.run_console(config, as_json=args.json)
        if args.command == "ctl":
            return app.run_ctl(config, args)
        if args.command == "models":
            return app.run_models(config, args)
    except AssistantError as exc:
        print(f"assistant: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    raise AssertionError(f"unhandled command {args.command}")


if __name__ == "__main__":
    sys.exit(main())
