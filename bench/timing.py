"""Figures the benchmarks print: percentiles of timed runs, in seconds."""

from __future__ import annotations

import statistics


def p50(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    """The nearest-rank 95th percentile (with 20 runs: the 19th fastest)."""
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]
