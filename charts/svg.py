"""Chart geometry for server-rendered SVG: plain numbers in, coordinates out. The templates draw
them; nothing here knows about the database, so the drawing can be tested on its own."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 720
HEIGHT = 320
# Room for the value axis labels on the left and the period labels underneath.
LEFT, RIGHT, TOP, BOTTOM = 72, 16, 16, 48


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    bars: tuple[Bar, ...]
    reference_y: float | None
    y_ticks: tuple[Tick, ...]


@dataclass(frozen=True)
class StepChart:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    path: str
    owed_y: float
    deadline_x: float
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10ⁿ at or above the value, so axis ticks are round numbers."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def number_label(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 or value == int(value) else f"{value:,.1f}"


def _value_ticks(
    *, top_value: float, top: float, bottom: float, count: int = 4
) -> tuple[Tick, ...]:
    return tuple(
        Tick(
            position=round(bottom - (bottom - top) * i / count, 1),
            label=number_label(top_value * i / count),
        )
        for i in range(count + 1)
    )


def bar_chart(
    *, labels: Sequence[str], values: Sequence[float], reference: float | None = None
) -> BarChart:
    """One bar per period, and an optional horizontal reference line (the baseline)."""
    top, bottom = TOP, HEIGHT - BOTTOM
    left, right = LEFT, WIDTH - RIGHT
    top_value = nice_ceiling(max([*values, reference or 0, 0]))
    scale = (bottom - top) / top_value
    slot = (right - left) / max(len(values), 1)
    bars = tuple(
        Bar(
            x=round(left + slot * i + slot * 0.15, 1),
            y=round(bottom - max(value, 0) * scale, 1),
            width=round(slot * 0.7, 1),
            height=round(max(value, 0) * scale, 1),
            label=label,
            value=value,
        )
        for i, (label, value) in enumerate(zip(labels, values, strict=True))
    )
    return BarChart(
        width=WIDTH,
        height=HEIGHT,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        bars=bars,
        reference_y=round(bottom - reference * scale, 1) if reference is not None else None,
        y_ticks=_value_ticks(top_value=top_value, top=top, bottom=bottom),
    )


def step_chart(
    *,
    points: Sequence[tuple[dt.date, int]],
    first_day: dt.date,
    last_day: dt.date,
    deadline_day: dt.date,
    owed: int,
) -> StepChart:
    """A cumulative count by day as a step line from zero, with the deadline day and the number
    owed."""
    top, bottom = TOP, HEIGHT - BOTTOM
    left, right = LEFT, WIDTH - RIGHT
    days = max((last_day - first_day).days + 1, 1)
    day_width = (right - left) / days
    top_value = nice_ceiling(max(owed, 1))
    scale = (bottom - top) / top_value

    def x_of(day: dt.date) -> float:
        return round(left + (day - first_day).days * day_width, 1)

    def y_of(count: int) -> float:
        return round(bottom - count * scale, 1)

    path = [f"M{left},{bottom}"]
    for day, cumulative in points:
        path.append(f"H{x_of(day)}V{y_of(cumulative)}")
    path.append(f"H{right}")
    step = max(days // 6, 1)
    x_ticks = tuple(
        Tick(
            position=round(x_of(first_day + dt.timedelta(days=i)) + day_width / 2, 1),
            label=(first_day + dt.timedelta(days=i)).strftime("%-d %b"),
        )
        for i in range(0, days, step)
    )
    return StepChart(
        width=WIDTH,
        height=HEIGHT,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        path="".join(path),
        owed_y=y_of(owed),
        deadline_x=round(x_of(deadline_day) + day_width, 1),
        y_ticks=_value_ticks(top_value=top_value, top=top, bottom=bottom),
        x_ticks=x_ticks,
    )
