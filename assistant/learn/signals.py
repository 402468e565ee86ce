"""What one play says about taste, and running tallies of it that fade with time.

A finished play is a vote for the track; a skip is a vote against it, worth more the earlier
it came (a skip after ten seconds says more than one a minute before the end); stopping the
music says little about the track. Old votes fade with a half-life, so what the owner plays
now outweighs what they played years ago.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.library.history import Play

HALF_LIFE_S = 120 * 86400.0
"""Four months: a vote this old counts half."""
SKIP_COST = 1.5
"""A skip outweighs a completion: being wrong costs more than being right gains."""
PRIOR = 1.0
"""Votes a tally needs before it says much: one completion gives 0.5, ten give 0.9."""
TYPICAL_TRACK_S = 240.0
"""The length assumed when a play does not say (an imported listen of an unknown length)."""
LATE_SKIP = 0.1
"""The least a skip weighs, even in the last seconds of a track."""


def fade(seconds: float) -> float:
    """How much of a vote is left after `seconds`."""
    return float(0.5 ** (max(0.0, seconds) / HALF_LIFE_S))


def votes(play: Play) -> tuple[float, float] | None:
    """(for, against) from one play; None for a play nothing was heard of (an error)."""
    if play.ended == "error":
        return None
    length = play.duration or TYPICAL_TRACK_S
    heard = min(1.0, play.seconds_played / length) if length > 0 else 1.0
    if play.ended == "finished":
        return 1.0, 0.0
    if play.ended == "skipped":
        return 0.0, max(LATE_SKIP, 1.0 - heard)
    return 0.5 * heard, 0.0  # stopped: the moment ended, not necessarily the liking


@dataclass
class Tally:
    """Faded votes for and against one thing (a track, an artist, a genre)."""

    good: float = 0.0
    bad: float = 0.0
    at: float = 0.0
    """The time `good` and `bad` are faded to: the latest vote's."""
    starts: int = 0
    finishes: int = 0

    def add(self, at: float, good: float, bad: float, *, finished: bool = False) -> None:
        # Votes may arrive out of order (an import of last year's listens): an older vote is
        # faded to the tally's time instead of the tally to the vote's.
        if at >= self.at:
            left = fade(at - self.at)
            self.good, self.bad, self.at = self.good * left + good, self.bad * left + bad, at
        else:
            left = fade(self.at - at)
            self.good += good * left
            self.bad += bad * left
        self.starts += 1
        self.finishes += finished

    def affinity(self, now: float, *, extra_good: float = 0.0, extra_bad: float = 0.0) -> float:
        """-SKIP_COST..1: how much this is liked now; 0 knows nothing, old votes tend to 0."""
        left = fade(now - self.at)
        good = self.good * left + extra_good
        bad = self.bad * left + extra_bad
        return (good - SKIP_COST * bad) / (good + bad + PRIOR)

    def rejected(self) -> bool:
        """Skipped more than finished, over two starts or more (one skip is not a pattern)."""
        return self.starts >= 2 and self.bad > self.good
