"""Fit the pocketsphinx engine's confidence to what bench_spoken.py measured.

The engine's confidence in a sentence is acceptance(margin, word margin) times the sentence's
share against its one-word rivals, exp(-d / T) for a rival d score units behind
(pocketsphinx_engine.ACCEPT_* and RIVAL_TEMPERATURE). This reads the per-clip results of a
bench_spoken run (its "chosen" mode, which records those features), fits the three acceptance
weights for each temperature on a grid by maximum likelihood (label: the heard sentence
means what was said; out-of-domain clips are never right), and prints the best fit with a
reliability table on voices held out of the fit.

    python3 bench/bench_spoken.py --seed 11 ...     # a corpus other than the reported one
    python3 bench/fit_confidence.py bench/out/spoken/last-full.json
"""

from __future__ import annotations

import argparse
import json
import math
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
TEMPERATURES = (50.0, 100.0, 200.0, 300.0, 400.0, 600.0, 900.0, 1400.0, 2000.0, math.inf)
BINS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.01)

Array = npt.NDArray[np.float64]


def samples(dump: Path) -> tuple[list[dict[str, Any]], dict[str, C.Item]]:
    results = json.loads(dump.read_text(encoding="utf-8"))
    chosen = results["chosen"]
    items = {i.id: i for i in C.load_items(Path(chosen["folder"]))}
    rows = [r for r in chosen["rows"] if items[r["id"]].kind in ("command", "ood")
            and r.get("margin") is not None and r.get("word_margin") is not None]  # fmt: skip
    return rows, items


def share(rows: list[dict[str, Any]], temperature: float) -> Array:
    """Each heard sentence's share against its rivals at `temperature`."""
    out = []
    for r in rows:
        diffs = list(r["rivals"].values())
        if math.isinf(temperature):
            out.append(1.0)
            continue
        out.append(1.0 / (1.0 + sum(math.exp(min(30.0, d / temperature)) for d in diffs)))
    return np.array(out)


def fit(x: Array, y: Array, s: Array, steps: int = 4000) -> tuple[Array, float]:
    """Weights w minimising the log loss of p = sigmoid(x @ w) * s (gradient descent with
    a step that shrinks when the loss grows)."""
    w = np.array([5.0, 1.0, 0.0])
    lr = 0.05

    def loss(w: Array) -> float:
        p = np.clip(1 / (1 + np.exp(-np.clip(x @ w, -30, 30))) * s, 1e-6, 1 - 1e-6)
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))

    current = loss(w)
    for _ in range(steps):
        z = np.clip(x @ w, -30, 30)
        sig = 1 / (1 + np.exp(-z))
        p = np.clip(sig * s, 1e-6, 1 - 1e-6)
        # d loss / d z = -(y / p - (1 - y) / (1 - p)) * s * sig * (1 - sig)
        g = -(y / p - (1 - y) / (1 - p)) * s * sig * (1 - sig)
        step = w - lr * (x.T @ g) / len(y)
        new = loss(step)
        if new <= current:
            w, current, lr = step, new, lr * 1.1
        else:
            lr *= 0.5
    return w, current


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dump", type=Path, help="a bench_spoken per-clip results file")
    args = parser.parse_args()
    rows, items = samples(args.dump)
    voices = np.array([items[r["id"]].voice in HELD_OUT for r in rows])
    x = np.array([[1.0, r["margin"] / 5, r["word_margin"] / 50] for r in rows])
    y = np.array([1.0 if r["heard_right"] else 0.0 for r in rows])
    train = ~voices
    print(f"# {len(rows)} clips ({int(train.sum())} to fit, {int((~train).sum())} held out; "
          f"{int(y.sum())} heard right)")  # fmt: skip
    print("| T | log loss (fit) | log loss (held out) | bias | per margin | per word margin |")
    print("|---|---|---|---|---|---|")
    best: tuple[float, float, Array] | None = None
    for t in TEMPERATURES:
        s = share(rows, t)
        w, fitted = fit(x[train], y[train], s[train])
        p = np.clip(1 / (1 + np.exp(-(x[~train] @ w))) * s[~train], 1e-6, 1 - 1e-6)
        held = float(-np.mean(y[~train] * np.log(p) + (1 - y[~train]) * np.log(1 - p)))
        # The features were scaled (margin / 5, word margin / 50): report raw weights.
        print(f"| {t:g} | {fitted:.4f} | {held:.4f} | {w[0]:.3f} | {w[1] / 5:.4f} | "
              f"{w[2] / 50:.5f} |")  # fmt: skip
        if best is None or fitted < best[1]:
            best = (t, fitted, w)
    assert best is not None
    t, _, w = best
    print(
        f"\nchosen: RIVAL_TEMPERATURE = {t:g}, ACCEPT_BIAS = {w[0]:.3f}, "
        f"ACCEPT_MARGIN = {w[1] / 5:.4f}, ACCEPT_WORD_MARGIN = {w[2] / 50:.5f}"
    )
    p = 1 / (1 + np.exp(-(x @ w))) * share(rows, t)
    print("\n## Reliability of the fitted confidence on the held-out voices")
    print("| bin | n | right | mean confidence |")
    print("|---|---|---|---|")
    for lo, hi in pairwise(BINS):
        sel = (~train) & (p >= lo) & (p < hi)
        if sel.any():
            print(f"| {lo:.2f}-{min(hi, 1):.2f} | {int(sel.sum())} | "
                  f"{100 * y[sel].mean():.1f}% | {p[sel].mean():.3f} |")  # fmt: skip


if __name__ == "__main__":
    main()
