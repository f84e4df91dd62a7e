"""Latency figures every benchmark reports the same way."""

from __future__ import annotations


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def percentile(ordered: list[float], pct: float) -> float:
    """Nearest-rank percentile of an ascending list: p99 is an observed latency, not a blend."""
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50/p95/p99 by linear interpolation between closest ranks, and the max, in ms."""
    ordered = sorted(samples)

    def at(share: float) -> float:
        position = share * (len(ordered) - 1)
        low = int(position)
        high = min(low + 1, len(ordered) - 1)
        return ordered[low] + (ordered[high] - ordered[low]) * (position - low)

    return {
        "count": len(ordered),
        "p50_ms": round(at(0.50) * 1000, 1),
        "p95_ms": round(at(0.95) * 1000, 1),
        "p99_ms": round(at(0.99) * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }
