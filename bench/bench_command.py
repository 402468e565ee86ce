"""Command to music: from a typed command handed to Dialogue to mpv starting and to sound.

Runs the whole text path (matcher over the fixture library, dialogue, skills, catalogue,
history, MpvPlayer with ao=pulse) on a private PulseAudio (tests.virtual_audio) and prints:

  started   handle_text("play bohemian rapsody by queen") -> TrackStarted (mpv file-loaded)
  audible   the same call -> the first 10 ms block above silence on `spk.monitor`
  understand  handle_text's own duration (matching, the skill, the player's play() call)

next to a baseline measured in the same run: a fresh `mpv` command-line process playing the
same file (start of the process -> audible). Peak RSS is this process's high-water mark
(python + catalogue + matcher + libmpv), or the baseline process's own.

    python3 bench/bench_command.py [--runs 30]
"""

from __future__ import annotations

import argparse
import os
import queue
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_player import Monitor, bench_command, peak_rss_mb, percentile, print_latency_table

from assistant.app import build_matcher
from assistant.config import load_config
from assistant.dialogue import Dialogue
from assistant.library.history import History
from assistant.library.store import Catalogue
from assistant.player.base import PlayerEvent, TrackStarted
from assistant.player.mpv_engine import MpvPlayer
from assistant.skills.events import EventPump
from assistant.skills.registry import build_skills
from tests.fixtures.config import write_config
from tests.fixtures.generate import make_library
from tests.virtual_audio import virtual_audio

COMMAND = "play bohemian rapsody by queen"


def bench_dialogue(
    monitor: Monitor, config_path: Path, runs: int
) -> tuple[list[float], list[float], list[float], float, str]:
    config = load_config(config_path)
    catalogue = Catalogue(path=config.catalogue_path)
    lib = config.library
    catalogue.scan(
        music_dirs=lib.music_dirs, playlist_dirs=lib.playlist_dirs, podcast_dirs=lib.podcast_dirs
    )
    rss_scanned = peak_rss_mb()
    matcher = build_matcher(config, catalogue)
    rss_matcher = peak_rss_mb()
    started: queue.Queue[float] = queue.Queue()
    events = EventPump()

    def on_event(event: PlayerEvent) -> None:
        if isinstance(event, TrackStarted):
            started.put(time.perf_counter())
        events.on_event(event)

    player = MpvPlayer(config=config.player, on_event=on_event)
    to_start, to_sound, understand = [], [], []
    try:
        skills = build_skills(
            player=player,
            events=events,
            catalogue=catalogue,
            history=History(catalogue=catalogue),
            intents=matcher.intents,
            config=config,
        )
        dialogue = Dialogue(
            matcher=matcher,
            skills=skills,
            config=config,
        )
        path = ""
        for _ in range(runs):
            monitor.wait_silence()
            monitor.drain()
            t0 = time.perf_counter()
            turn = dialogue.handle_text(COMMAND)
            understand.append(time.perf_counter() - t0)
            if turn.response.outcome != "ok":
                raise RuntimeError(f"{COMMAND!r} was answered {turn.response.text!r}")
            to_sound.append(monitor.wait_sound(t0))
            to_start.append(started.get(timeout=10) - t0)
            status = player.status()
            path = status.current.location if status.current else ""
            player.stop()
            skills.tick()  # the loop's share: history rows for the stopped play
        rss = peak_rss_mb()
        print(
            f"peak RSS MB: scanned {rss_scanned:.0f}, matcher {rss_matcher:.0f}, playing {rss:.0f}"
        )
    finally:
        player.close()
        events.process_pending()
        catalogue.close()
    return to_start, to_sound, understand, rss, path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, virtual_audio() as env:
        os.environ.update(env)
        root = Path(tmp)
        library = make_library(root / "lib")
        config_path = write_config(root, library, player="  volume: 100")
        text = config_path.read_text().replace('audio_output: "null"', "audio_output: pulse")
        config_path.write_text(text)
        monitor = Monitor()
        try:
            rss_before = peak_rss_mb()
            started, audible, understand, rss, path = bench_dialogue(
                monitor, config_path, args.runs
            )
            mpv_cli, mpv_rss = bench_command(
                monitor,
                lambda: ["mpv", "--no-config", "--no-video", "--ao=pulse", "--really-quiet", path],
                args.runs,
            )
        finally:
            monitor.close()

    base95 = percentile(mpv_cli, 95)
    rows = [
        ("handle_text() returns (understand + act)", understand, f"{rss:.0f}"),
        ("handle_text() -> TrackStarted", started, f"{rss:.0f}"),
        ("handle_text() -> audible", audible, f"{rss:.0f}"),
        ("baseline: mpv CLI process -> audible", mpv_cli, f"{mpv_rss:.0f} (that process)"),
    ]
    print(f"\ncommand to audio, {args.runs} runs each: {COMMAND!r} -> {Path(path).name}")
    print(f"python with the library modules loaded, before the player: {rss_before:.0f} MB\n")
    print_latency_table(rows, base95)
    print("\ntargets: p95 command -> audible under 150 ms; peak RSS under 120 MB")


if __name__ == "__main__":
    main()
