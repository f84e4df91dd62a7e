"""A waterfall chart of one pair's match weights, as geometry for an inline SVG drawn by the
template (no script: the officer pages keep a strict CSP). The prior bar starts at zero, each
comparison moves the running total up (evidence for) or down (evidence against), and the last
bar is the final match weight, labelled with its probability."""

from __future__ import annotations

import math
from dataclasses import dataclass

from homeward.linkage.model import PairScore

ROW = 22
"""Height of one bar's row, in SVG units."""
LABEL_WIDTH = 210
PLOT_WIDTH = 360
VALUE_WIDTH = 70
PADDING = 6
CLAMP = 40.0
"""Weights beyond ±40 (a probability indistinguishable from 0 or 1) are drawn at the edge."""


@dataclass(frozen=True)
class Bar:
    label: str
    detail: str
    weight: float
    x: float
    y: float
    width: float
    kind: str
    """`prior`, `for`, `against`, `none` (no evidence either way) or `final`."""

    @property
    def text(self) -> str:
        return f"{self.weight:+.2f}"


@dataclass(frozen=True)
class Waterfall:
    bars: list[Bar]
    width: int
    height: int
    zero_x: float
    plot_left: int
    plot_right: int
    probability: float
    match_weight: float

    @property
    def value_x(self) -> int:
        return self.plot_right + PADDING


def _clamp(value: float) -> float:
    if not math.isfinite(value):
        return math.copysign(CLAMP, value)
    return max(-CLAMP, min(CLAMP, value))


def waterfall(score: PairScore) -> Waterfall:
    """The bars of one pair's score, laid out: the running total of prior + evidence."""
    steps: list[tuple[str, str, float, float, str]] = []  # label, detail, start, end, kind
    total = _clamp(score.prior_weight)
    steps.append(("prior", "before any evidence", 0.0, total, "prior"))
    for evidence in score.evidence:
        start, total = total, _clamp(total + evidence.weight)
        if evidence.weight > 0:
            kind = "for"
        elif evidence.weight < 0:
            kind = "against"
        else:
            kind = "none"
        label = evidence.comparison.replace("_", " ")
        steps.append((label, evidence.level, start, total, kind))
    final = _clamp(score.match_weight)
    steps.append(("match weight", f"probability {score.probability:.1%}", 0.0, final, "final"))
    low = min(0.0, *(min(s[2], s[3]) for s in steps))
    high = max(0.0, *(max(s[2], s[3]) for s in steps))
    span = (high - low) or 1.0
    scale = PLOT_WIDTH / span
    left = LABEL_WIDTH

    def x_of(value: float) -> float:
        return round(left + (value - low) * scale, 2)

    weights = [score.prior_weight, *(e.weight for e in score.evidence), score.match_weight]
    bars = []
    for row, ((label, detail, start, end, kind), weight) in enumerate(
        zip(steps, weights, strict=True)
    ):
        x0, x1 = sorted((x_of(start), x_of(end)))
        bars.append(
            Bar(label, detail, weight, x0, row * ROW + PADDING, max(round(x1 - x0, 2), 1.0), kind)
        )
    return Waterfall(
        bars=bars,
        width=LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH,
        height=len(bars) * ROW + 2 * PADDING,
        zero_x=x_of(0.0),
        plot_left=left,
        plot_right=left + PLOT_WIDTH,
        probability=score.probability,
        match_weight=score.match_weight,
    )
