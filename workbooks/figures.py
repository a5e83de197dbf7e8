"""Key figures of a grid sheet: one headline number per measure, formed as the measure's kind in the
round's definition says, and its change against the sheet's baseline, all as a person reads them.

A flow (activity, money) adds up over the months; a rate or share is averaged, as adding up
monthly percentages means nothing; a snapshot (a waiting list, beds, staff in post) is what it is
at the last month. The baseline is formed the same way over the same months, so the two compare.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from .model import GridSheet, Measure

# How a figure in each unit is written: prefix, decimals, suffix and how many units it counts
# (a £000 figure is written in pounds).
_STYLES = {
    "count": ("", 0, "", 1),
    "wte": ("", 1, " WTE", 1),
    "gbp_k": ("£", 0, "", 1000),
    "gbp_k_signed": ("£", 0, "", 1000),
    "gbp": ("£", 0, "", 1),
    "gbp_signed": ("£", 0, "", 1),
    "percent": ("", 1, "%", 1),
    "ratio": ("", 2, "", 1),
}
_PLAIN = ("", 2, "", 1)


def figure_text(value: Decimal, *, unit: str) -> str:
    """12345.6 -> "12,346"; a percentage with a % sign; £000 figures in pounds: "£1,234,000"."""
    prefix, decimals, suffix, scale = _STYLES.get(unit, _PLAIN)
    number = f"{abs(value) * scale:,.{decimals}f}"
    sign = "-" if value < 0 and number.strip("0.,") else ""
    return f"{sign}{prefix}{number}{suffix}"


@dataclass(frozen=True)
class KeyFigure:
    code: str
    label: str
    unit: str
    kind: str  # "flow" | "rate" | "snapshot", from the round's definition
    plan: Decimal
    baseline: Decimal | None
    months: int
    last_period: str

    @property
    def basis(self) -> str:
        """How the plan figure was formed from the months, in words."""
        if self.kind == "flow":
            return f"total of {self.months} month{'s' if self.months != 1 else ''}"
        if self.kind == "rate":
            return f"average of {self.months} month{'s' if self.months != 1 else ''}"
        return f"at {self.last_period}"

    @property
    def plan_text(self) -> str:
        return figure_text(self.plan, unit=self.unit)

    @property
    def baseline_text(self) -> str:
        return "" if self.baseline is None else figure_text(self.baseline, unit=self.unit)

    @property
    def change(self) -> str:
        """The change against the baseline in words: "Up 4.2%", "Down 1.5 percentage points",
        "No change"; "" when there is no baseline to compare with."""
        if self.baseline is None:
            return ""
        difference = self.plan - self.baseline
        if not difference:
            return "No change"
        if self.unit == "percent":
            # A change in a percentage is told in points: 30% to 33% is up 3 points, not 10%.
            size, suffix = abs(difference), " percentage points"
        elif self.baseline:
            size, suffix = abs(100 * difference / self.baseline), "%"
        else:
            return "No baseline to compare"
        shown = f"{size:,.1f}{suffix}" if size >= Decimal("0.05") else f"less than 0.1{suffix}"
        return f"{'Up' if difference > 0 else 'Down'} {shown}"


def _formed(numbers: list[Decimal], *, kind: str) -> Decimal:
    if kind == "flow":
        return sum(numbers, Decimal(0))
    if kind == "rate":
        return sum(numbers, Decimal(0)) / len(numbers)
    return numbers[-1]


def _baseline(baselines: dict[int, Decimal], *, kind: str, months: list[int]) -> Decimal | None:
    """A monthly baseline is formed like the plan over the same months; a single baseline figure
    is one month's (or the position's): a flow's is counted once for each month of the plan."""
    if not baselines:
        return None
    if len(baselines) > 1:
        same = [baselines[month] for month in months if month in baselines]
        return _formed(same, kind=kind) if same else None
    (only,) = baselines.values()
    return only * len(months) if kind == "flow" else only


def _key_figure(
    *, measure: Measure, sheet: GridSheet, months: dict[int, Decimal], baselines: dict
) -> KeyFigure:
    # Months by their column, not their count: a month left blank must not shift the others.
    indexes = sorted(index - sheet.baseline_count for index in months)
    return KeyFigure(
        code=measure.code,
        label=measure.label,
        unit=measure.unit,
        kind=measure.kind,
        plan=_formed([months[index] for index in sorted(months)], kind=measure.kind),
        baseline=_baseline(baselines, kind=measure.kind, months=indexes),
        months=len(months),
        last_period=sheet.periods[indexes[-1]] if 0 <= indexes[-1] < len(sheet.periods) else "",
    )


def key_figures(
    *, sheet: GridSheet, values: Iterable[tuple[str, int, bool, Decimal]]
) -> list[KeyFigure]:
    """One figure per measure of `sheet` that has months, from its own block's values given as
    (measure code, column position, is baseline, value)."""
    months: dict[str, dict[int, Decimal]] = {}
    baselines: dict[str, dict[int, Decimal]] = {}
    for code, position, is_baseline, value in values:
        (baselines if is_baseline else months).setdefault(code, {})[position] = value
    return [
        _key_figure(
            measure=measure,
            sheet=sheet,
            months=months[measure.code],
            baselines=baselines.get(measure.code, {}),
        )
        for measure in sheet.measures
        if months.get(measure.code)
    ]


def baseline_name(*, sheet: GridSheet) -> str:
    """What the sheet's baseline is, for a column heading: its label, or the span of its months."""
    if sheet.baseline_periods:
        return f"{sheet.baseline_periods[0]} to {sheet.baseline_periods[-1]}"
    return sheet.baseline_label
