"""Fit the pocketsphinx engine's confidence to what bench_spoken.py measured.

The engine's confidence in a sentence is acceptance(margin, word margin), a logistic in the
sentence's score margin over the phone loop and its worst word's (pocketsphinx_engine.
ACCEPT_*). This reads the per-clip results of a bench_spoken run, fits the three weights by
maximum likelihood (label: the heard sentence means what was said; out-of-domain clips are
never right) on most voices, and prints them with a reliability table on the voices held out.
Fit on a corpus other than the one bench_spoken reports on:

    python3 bench/bench_spoken.py --seed 11 --commands 300 --piper 450
    python3 bench/fit_confidence.py bench/out/spoken/last-full.json
"""

from __future__ import annotations

import argparse
import json
import sys
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import corpus as C

HELD_OUT = ("piper:joe-high", "piper:joe-rough", "en-gb", "en+m3")
"""Voices left out of the fit and used to check it."""
BINS = (0.0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.01)
SCALE = np.array([1.0, 5.0, 50.0])
"""Typical sizes of the features (bias, margin, word margin): the descent works on scaled ones."""

Array = npt.NDArray[np.float64]


def samples(dump: Path) -> tuple[list[dict[str, Any]], dict[str, C.Item]]:
    grammar = json.loads(dump.read_text(encoding="utf-8"))["grammar"]
    items = {i.id: i for i in C.load_items(Path(grammar["folder"]))}
    rows = [r for r in grammar["rows"] if items[r["id"]].kind in ("command", "ood")
            and r.get("margin") is not None and r.get("word_margin") is not None]  # fmt: skip
    return rows, items


def log_loss(w: Array, x: Array, y: Array) -> float:
    p = np.clip(1 / (1 + np.exp(-np.clip(x @ w, -30, 30))), 1e-6, 1 - 1e-6)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def fit(x: Array, y: Array, steps: int = 200) -> Array:
    """Logistic regression by Newton's method (three weights: it converges in a few steps)."""
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(x @ w, -30, 30)))
        hessian = (x * (p * (1 - p))[:, None]).T @ x + 1e-6 * np.eye(x.shape[1])
        step = np.linalg.solve(hessian, x.T @ (p - y))
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return w


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dump", type=Path, help="a bench_spoken per-clip results file")
    args = parser.parse_args()
    rows, items = samples(args.dump)
    held = np.array([items[r["id"]].voice in HELD_OUT for r in rows])
    x = np.array([[1.0, r["margin"], r["word_margin"]] for r in rows]) / SCALE
    y = np.array([1.0 if r["heard_right"] else 0.0 for r in rows])
    print(f"# {len(rows)} clips ({int((~held).sum())} to fit, {int(held.sum())} held out; "
          f"{int(y.sum())} heard right)")  # fmt: skip
    w = fit(x[~held], y[~held])
    margin_only = fit(x[~held][:, :2], y[~held])
    print("| model | log loss (fit) | log loss (held out) |")
    print("|---|---|---|")
    print(f"| sentence margin only | {log_loss(margin_only, x[~held][:, :2], y[~held]):.4f} | "
          f"{log_loss(margin_only, x[held][:, :2], y[held]):.4f} |")  # fmt: skip
    print(f"| sentence + worst word margin | {log_loss(w, x[~held], y[~held]):.4f} | "
          f"{log_loss(w, x[held], y[held]):.4f} |")  # fmt: skip
    raw = w / SCALE
    print(
        f"\nACCEPT_BIAS = {raw[0]:.3f}, ACCEPT_MARGIN = {raw[1]:.4f}, "
        f"ACCEPT_WORD_MARGIN = {raw[2]:.5f}"
    )
    p = 1 / (1 + np.exp(-(x @ w)))
    print("\n## Reliability of the fitted confidence on the held-out voices")
    print("| bin | n | right | mean confidence |")
    print("|---|---|---|---|")
    for lo, hi in pairwise(BINS):
        sel = held & (p >= lo) & (p < hi)
        if sel.any():
            print(f"| {lo:.2f}-{min(hi, 1):.2f} | {int(sel.sum())} | "
                  f"{100 * y[sel].mean():.1f}% | {p[sel].mean():.3f} |")  # fmt: skip


if __name__ == "__main__":
    main()
