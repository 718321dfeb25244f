"""Percentiles as the benchmarks print them."""

from __future__ import annotations

import statistics


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(samples: list[float]) -> str:
    if not samples:
        return "no samples"
    p50, p99, top = statistics.median(samples), percentile(samples, 0.99), max(samples)
    ms = [f"{label} {value * 1000:6.0f} ms" for label, value in (("p50", p50), ("p99", p99))]
    return f"{'  '.join(ms)}  max {top * 1000:6.0f} ms  (n={len(samples)})"
