"""Precision and recall of scored pairs at every threshold, and the chart of them.

Pairwise over the candidate pairs each tool scores (before clustering): at threshold t, the
pairs at or above t are the predicted ones; recall is over every true pair of the file, so
a pair the blocking never brought together counts as missed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

THRESHOLDS = (
    0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999,
)  # fmt: skip
Pair = tuple[str, str, float]


def true_pair_count(truth: Mapping[str, str]) -> int:
    sizes: dict[str, int] = {}
    for person in truth.values():
        sizes[person] = sizes.get(person, 0) + 1
    return sum(size * (size - 1) // 2 for size in sizes.values())


def points(pairs: Sequence[Pair], truth: Mapping[str, str]) -> list[dict[str, float]]:
    """Precision, recall and F1 of the pairs at or above each threshold."""
    total = true_pair_count(truth)
    marked = sorted(((p, truth[a] == truth[b]) for a, b, p in pairs), reverse=True)
    found = []
    for threshold in THRESHOLDS:
        kept = [same for p, same in marked if p >= threshold]
        correct = sum(kept)
        precision = correct / len(kept) if kept else 1.0
        recall = correct / total if total else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        found.append(
            {
                "threshold": threshold,
                "pairs": len(kept),
                "precision": round(precision, 4),
                "recall": round(recall, 4),
                "f1": round(f1, 4),
            }
        )
    return found


_W, _H, _PAD = 520, 380, 50
_COLOURS = {"homeward": "#1f6f43", "baseline": "#b5452b", "baseline_names": "#3b5bab"}
_NAMES = {
    "homeward": "Homeward",
    "baseline": "plain Splink",
    "baseline_names": "plain Splink, one name column",
}


def _x(recall: float) -> float:
    return _PAD + recall * (_W - 2 * _PAD)


def _y(precision: float) -> float:
    return _H - _PAD - precision * (_H - 2 * _PAD)


def svg(curves: Mapping[str, Sequence[Mapping[str, Any]]], marks: Mapping[str, float]) -> str:
    """A precision-recall chart: one line per tool, a dot at the threshold it clusters at."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" '
        f'viewBox="0 0 {_W} {_H}" font-family="sans-serif" font-size="12">',
        f'<rect width="{_W}" height="{_H}" fill="white"/>',
        f'<text x="{_W / 2}" y="20" text-anchor="middle" font-size="14">'
        "Real name variants: precision and recall of scored pairs</text>",
    ]
    for tick in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0):
        parts += [
            f'<line x1="{_x(tick)}" y1="{_y(0)}" x2="{_x(tick)}" y2="{_y(1)}" stroke="#ddd"/>',
            f'<line x1="{_x(0)}" y1="{_y(tick)}" x2="{_x(1)}" y2="{_y(tick)}" stroke="#ddd"/>',
            f'<text x="{_x(tick)}" y="{_y(0) + 16}" text-anchor="middle">{tick:.1f}</text>',
            f'<text x="{_x(0) - 8}" y="{_y(tick) + 4}" text-anchor="end">{tick:.1f}</text>',
        ]
    parts += [
        f'<text x="{_W / 2}" y="{_H - 12}" text-anchor="middle">recall</text>',
        f'<text x="14" y="{_H / 2}" text-anchor="middle" '
        f'transform="rotate(-90 14 {_H / 2})">precision</text>',
    ]
    for row, (tool, curve) in enumerate(curves.items()):
        colour = _COLOURS.get(tool, "#333")
        line = " ".join(f"{_x(p['recall']):.1f},{_y(p['precision']):.1f}" for p in curve)
        parts.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>')
        mark = marks.get(tool)
        at = next((p for p in curve if p["threshold"] == mark), None)
        label = escape(_NAMES.get(tool, tool))
        if at is not None:
            parts.append(
                f'<circle cx="{_x(at["recall"]):.1f}" cy="{_y(at["precision"]):.1f}" r="5" '
                f'fill="{colour}"/>'
            )
            label += f" (dot: its threshold {mark:g})"
        y = _y(0.3) + 18 * row
        parts += [
            f'<line x1="{_x(0.2)}" y1="{y - 4}" x2="{_x(0.25)}" y2="{y - 4}" stroke="{colour}" '
            'stroke-width="2"/>',
            f'<text x="{_x(0.27)}" y="{y}">{label}</text>',
        ]
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def write(
    path: Path, curves: Mapping[str, Sequence[Mapping[str, Any]]], marks: Mapping[str, float]
) -> None:
    path.write_text(svg(curves, marks), encoding="utf-8")
