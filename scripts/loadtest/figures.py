"""Latency figures of a run: pure functions over recorded samples, no Django, no network."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Sample:
    """One request the driver sent: which endpoint, when (seconds since the surge began), how long
    it took and the HTTP status (0 when the connection itself failed)."""

    endpoint: str
    started: float
    seconds: float
    status: int
    error: str = ""  # the exception when there was no answer

    @property
    def is_page(self) -> bool:
        """A page a person opens in the browser: not the API, not a form post, not the result panel
        the page itself polls every second while a check runs."""
        return (
            self.endpoint.startswith("GET /")
            and not self.endpoint.startswith("GET /api/")
            and not self.endpoint.endswith("/panel/")
        )

    @property
    def is_server_error(self) -> bool:
        return self.status >= 500 or self.status == 0


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank percentile: the smallest value with at least p% of the values at or below
    it."""
    if not values:
        raise ValueError("no values")
    if not 0 < p <= 100:
        raise ValueError("p must be in (0, 100]")
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


@dataclass(frozen=True)
class EndpointFigures:
    endpoint: str
    count: int
    per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    server_errors: int


def endpoint_figures(samples: Iterable[Sample], *, elapsed: float) -> list[EndpointFigures]:
    """Per endpoint: how many, how fast they came, and latency percentiles in milliseconds."""
    by_endpoint: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_endpoint[sample.endpoint].append(sample)
    rows = []
    for endpoint, group in sorted(by_endpoint.items()):
        millis = [sample.seconds * 1000 for sample in group]
        rows.append(
            EndpointFigures(
                endpoint=endpoint,
                count=len(group),
                per_second=len(group) / elapsed if elapsed > 0 else 0.0,
                p50_ms=percentile(millis, 50),
                p95_ms=percentile(millis, 95),
                p99_ms=percentile(millis, 99),
                max_ms=max(millis),
                server_errors=sum(sample.is_server_error for sample in group),
            )
        )
    return rows


def endpoint_table(rows: Sequence[EndpointFigures]) -> str:
    width = max([len("endpoint"), *(len(row.endpoint) for row in rows)])
    lines = [
        f"{'endpoint':<{width}}  {'count':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} "
        f"{'max ms':>8} {'5xx':>4}"
    ]
    lines += [
        f"{row.endpoint:<{width}}  {row.count:>6} {row.per_second:>7.2f} {row.p50_ms:>8.0f} "
        f"{row.p95_ms:>8.0f} "
        f"{row.p99_ms:>8.0f} {row.max_ms:>8.0f} {row.server_errors:>4}"
        for row in rows
    ]
    return "\n".join(lines)


def failures(samples: Iterable[Sample]) -> dict[str, int]:
    """Server errors and unanswered requests, counted by endpoint and what went wrong."""
    counts: dict[str, int] = defaultdict(int)
    for sample in samples:
        if sample.is_server_error:
            counts[f"{sample.endpoint}: {sample.error or sample.status}"] += 1
    return dict(sorted(counts.items()))


def spread(values: Sequence[float]) -> str:
    """p50/p95/max of durations in seconds, as one line."""
    if not values:
        return "none"
    return (
        f"p50 {percentile(values, 50):.2f} s, p95 {percentile(values, 95):.2f} s, "
        f"max {max(values):.2f} s (n={len(values)})"
    )
