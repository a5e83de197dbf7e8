"""Triangulation across the returns of one system at one stage (the last kind of validation rule).

Pure functions over the numbers validation stored (organisation × measure × period): no database,
so every rule can be tested at its band edges with plain figures. What is compared (which returns,
sheets and measures) comes from the round's definition as a `TriangulationPlan`; the bands come
from the round.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

PROVIDER, COMMISSIONER, SYSTEM = "provider", "ccg", "system"
WARNING = "warning"


@dataclass(frozen=True)
class Bands:
    """How far apart, in percentage points, two growths (or commissioner and provider activity,
    in percent) may be before a warning."""

    workforce: float
    cost: float
    pay: float
    commissioner: float


@dataclass(frozen=True)
class Number:
    organisation_code: str
    organisation_kind: str  # the own block's kind ("self"), "provider" or "ccg"
    measure: str
    period: str
    is_baseline: bool
    value: float


@dataclass(frozen=True)
class ReturnNumbers:
    """One return's current checked version and the numbers the checks read from it."""

    collection_code: str
    version_id: int
    numbers: Sequence[Number]


@dataclass(frozen=True)
class TriFinding:
    rule: str
    organisation_code: str
    message: str
    figures: list[tuple[str, str]]
    collections: tuple[str, ...]
    severity: str = WARNING


# organisation code -> measure -> period (None for the baseline) -> value
Series = dict[str, dict[str | None, float]]


@dataclass
class _Return:
    code: str
    providers: dict[str, Series] = field(default_factory=dict)
    commissioners: dict[str, Series] = field(default_factory=dict)

    def system(self) -> Series:
        # The providers' sum is the system on the same footing in every return: the financial plan's
        # own total also counts the CCGs' spending, which pays for the same activity.
        total: Series = {}
        for series in self.providers.values():
            for measure, values in series.items():
                into = total.setdefault(measure, {})
                for period, value in values.items():
                    into[period] = into.get(period, 0.0) + value
        return total


def _index(numbers: ReturnNumbers) -> _Return:
    found = _Return(code=numbers.collection_code)
    baseline_counts: dict[tuple[int, str, str], int] = {}
    for number in numbers.numbers:
        if number.organisation_kind == PROVIDER:
            blocks = found.providers
        elif number.organisation_kind == COMMISSIONER:
            blocks = found.commissioners
        else:
            continue
        values = blocks.setdefault(number.organisation_code, {}).setdefault(number.measure, {})
        if not number.is_baseline:
            values[number.period] = number.value
            continue
        # A baseline month for each period: growth is against their average month.
        key = (id(blocks), number.organisation_code, number.measure)
        count = baseline_counts.get(key, 0)
        values[None] = (values.get(None, 0.0) * count + number.value) / (count + 1)
        baseline_counts[key] = count + 1
    return found


def _months(series: Series, measures: Iterable[str]) -> set[str]:
    """The months every one of the measures has a figure for."""
    months: set[str] | None = None
    for measure in measures:
        have = {period for period in series.get(measure, {}) if period is not None}
        months = have if months is None else months & have
    return months or set()


def growth(series: Series, measures: Sequence[str], months: Iterable[str]) -> float | None:
    """The average month of `months` against the baseline, as a percentage change of the measures'
    sum; None when a figure is missing or the baseline is not positive."""
    months = list(months)
    if not months:
        return None
    try:
        baseline = sum(series[measure][None] for measure in measures)
        planned = sum(series[measure][month] for measure in measures for month in months)
    except KeyError:
        return None
    if baseline <= 0:
        return None
    return (planned / len(months) / baseline - 1) * 100


def _beyond(gap: float, allowed: float) -> bool:
    # Rounded so that a gap exactly at the band's edge is inside it despite binary fractions.
    return round(abs(gap), 6) > allowed


def _percent(value: float) -> str:
    return f"{value:+.1f}%"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _points(value: float) -> str:
    return f"{value:.1f} percentage point{'s' if round(value, 1) != 1 else ''}"


@dataclass(frozen=True)
class Side:
    """One return's part of a comparison: its collection, sheet and measures (a sum)."""

    collection: str
    sheet: str
    name: str  # e.g. "workforce return"
    what: str  # e.g. "workforce (total WTE)"
    basis: str  # what the growth is measured against
    measures: tuple[str, ...]
    labels: tuple[str, ...]  # each measure as a reader names it, e.g. "elective spells"


@dataclass(frozen=True)
class TriangulationPlan:
    """What the round compares: activity, workforce, expenditure and pay (the last two may be of
    one return)."""

    activity: Side
    workforce: Side
    expenditure: Side
    pay: Side

    @property
    def sides(self) -> tuple[Side, ...]:
        return (self.activity, self.workforce, self.expenditure, self.pay)

    @property
    def collections(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(side.collection for side in self.sides))

    @property
    def sheets(self) -> dict[str, str]:
        return {side.collection: side.sheet for side in self.sides}

    @property
    def measures(self) -> dict[str, tuple[str, ...]]:
        found: dict[str, tuple[str, ...]] = {}
        for side in self.sides:
            found[side.collection] = tuple(
                dict.fromkeys(found.get(side.collection, ()) + side.measures)
            )
        return found

    @property
    def return_names(self) -> dict[str, str]:
        return {side.collection: side.name for side in self.sides}


def plan_from_data(data: dict | None) -> TriangulationPlan | None:
    """The plan from a definition's `triangulation` section (None: the round compares nothing)."""
    if not data:
        return None

    def side(item: dict) -> Side:
        return Side(
            collection=item["collection"],
            sheet=item["sheet"],
            name=item["name"],
            what=item["what"],
            basis=item["basis"],
            measures=tuple(measure["code"] for measure in item["measures"]),
            labels=tuple(measure["label"] for measure in item["measures"]),
        )

    return TriangulationPlan(
        **{key: side(data[key]) for key in ("activity", "workforce", "expenditure", "pay")}
    )


@dataclass(frozen=True)
class _Comparison:
    rule: str
    left: Side
    right: Side
    band: str  # the field of Bands that bounds the gap
    advice: str


def _comparisons(plan: TriangulationPlan) -> tuple[_Comparison, ...]:
    return (
        _Comparison(
            "TRI.WF.001",
            plan.activity,
            plan.workforce,
            "workforce",
            "Check that the workforce plan is for the activity planned: more staff with little "
            "more "
            "activity, or more activity without the staff to deliver it, needs putting right or "
            "explaining.",
        ),
        _Comparison(
            "TRI.FIN.001",
            plan.activity,
            plan.expenditure,
            "cost",
            "Check that the financial plan pays for the activity planned: costs growing much "
            "faster "
            "or slower than activity need putting right or explaining.",
        ),
        _Comparison(
            "TRI.FIN.002",
            plan.workforce,
            plan.pay,
            "pay",
            "Check that the pay budget matches the workforce planned, including bank and agency "
            "staff.",
        ),
    )


def _compare(
    comparison: _Comparison,
    left: _Return,
    right: _Return,
    *,
    bands: Bands,
    names: dict[str, str],
    system_code: str,
) -> list[TriFinding]:
    allowed = getattr(bands, comparison.band)
    one, other = comparison.left, comparison.right
    pairs = [
        (code, left.providers[code], right.providers[code])
        for code in sorted(left.providers.keys() & right.providers.keys())
    ]
    pairs.append((system_code, left.system(), right.system()))
    found = []
    for code, left_series, right_series in pairs:
        months = sorted(_months(left_series, one.measures) & _months(right_series, other.measures))
        left_growth = growth(left_series, one.measures, months)
        right_growth = growth(right_series, other.measures, months)
        if left_growth is None or right_growth is None:
            continue
        gap = right_growth - left_growth
        if not _beyond(gap, allowed):
            continue
        whole = " (the providers together)" if code == system_code else ""
        found.append(
            TriFinding(
                rule=comparison.rule,
                organisation_code=code,
                message=(
                    f"{names.get(code, code)}{whole}: {other.what} changes by "
                    f"{_percent(right_growth)} on {other.basis} in the {other.name} but "
                    f"{one.what} by {_percent(left_growth)} on {one.basis} in the {one.name}, "
                    f"{_points(abs(gap))} apart over the same {len(months)} months; the round "
                    f"allows {_points(allowed)}. {comparison.advice}"
                ),
                figures=[
                    (f"{_capital(one.what)} against {one.basis}", _percent(left_growth)),
                    (f"{_capital(other.what)} against {other.basis}", _percent(right_growth)),
                    ("Gap", _points(abs(gap))),
                    ("Allowed", _points(allowed)),
                ],
                collections=(one.collection, other.collection),
            )
        )
    return found


def _presence(
    returns: list[_Return], *, names: dict[str, str], plan: TriangulationPlan
) -> list[TriFinding]:
    """TRI.PRV.001: every provider with figures in one return has them in the others."""
    if len(returns) < 2:
        return []
    everyone = sorted(set().union(*(set(found.providers) for found in returns)))
    found = []
    for code in everyone:
        having = [r.code for r in returns if code in r.providers]
        missing = [r.code for r in returns if code not in r.providers]
        if not missing:
            continue
        name = names.get(code, code)
        found.append(
            TriFinding(
                rule="TRI.PRV.001",
                organisation_code=code,
                message=(
                    f"{name} has figures in the {_listed(having, plan)} but none in the "
                    f"{_listed(missing, plan)}. "
                    "Check whether the provider was left out of one plan, or should no longer be "
                    "in the others: "
                    "the system's returns must cover the same providers."
                ),
                figures=[
                    ("Figures in", _capital(_listed(having, plan))),
                    ("No figures in", _capital(_listed(missing, plan))),
                ],
                collections=tuple(r.code for r in returns),
            )
        )
    return found


def _listed(codes: list[str], plan: TriangulationPlan) -> str:
    named = [plan.return_names[code] for code in codes]
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]


def _commissioners(
    activity: _Return,
    *,
    bands: Bands,
    names: dict[str, str],
    system_code: str,
    side: Side,
) -> list[TriFinding]:
    """TRI.CCG.001: the CCGs' planned activity against the sum of the providers', measure by
    measure."""
    if not activity.commissioners or not activity.providers:
        return []
    commissioned: Series = {}
    for series in activity.commissioners.values():
        for measure, values in series.items():
            into = commissioned.setdefault(measure, {})
            for period, value in values.items():
                into[period] = into.get(period, 0.0) + value
    provided = activity.system()
    found = []
    for measure, what in zip(side.measures, side.labels, strict=True):
        months = sorted(_months(commissioned, (measure,)) & _months(provided, (measure,)))
        ccg_total = sum(commissioned[measure][month] for month in months) if months else 0.0
        provider_total = sum(provided[measure][month] for month in months) if months else 0.0
        if provider_total <= 0:
            continue
        gap = (ccg_total - provider_total) / provider_total * 100
        if not _beyond(gap, bands.commissioner):
            continue
        direction = "more" if gap > 0 else "fewer"
        found.append(
            TriFinding(
                rule="TRI.CCG.001",
                organisation_code=system_code,
                message=(
                    f"{names.get(system_code, system_code)}: the CCGs plan to commission "
                    f"{ccg_total:,.0f} {what} "
                    f"over {len(months)} months but the providers plan to deliver "
                    f"{provider_total:,.0f}: "
                    f"{abs(gap):.1f}% {direction}, beyond the {bands.commissioner:g}% the round "
                    f"allows. Check that the "
                    "commissioner and provider rows of the activity return describe the same "
                    "activity; patients from "
                    "outside the system or care bought elsewhere explain part of a gap, and "
                    "should be in the narrative."
                ),
                figures=[
                    (f"CCGs' planned {what}", f"{ccg_total:,.0f}"),
                    (f"Providers' planned {what}", f"{provider_total:,.0f}"),
                    ("Gap", f"{gap:+.1f}%"),
                    ("Allowed", f"{bands.commissioner:g}%"),
                ],
                collections=(side.collection,),
            )
        )
    return found


def check_system(
    *,
    returns: Sequence[ReturnNumbers],
    bands: Bands,
    names: dict[str, str],
    system_code: str,
    plan: TriangulationPlan,
) -> list[TriFinding]:
    """Every triangulation finding of one system's returns at one stage. `returns` holds the checked
    returns there are (any of the plan's); rules needing a missing return are skipped."""
    indexed = {numbers.collection_code: _index(numbers) for numbers in returns}
    found = _presence(
        [indexed[code] for code in plan.collections if code in indexed], names=names, plan=plan
    )
    for comparison in _comparisons(plan):
        left, right = comparison.left.collection, comparison.right.collection
        if left in indexed and right in indexed:
            found += _compare(
                comparison,
                indexed[left],
                indexed[right],
                bands=bands,
                names=names,
                system_code=system_code,
            )
    if plan.activity.collection in indexed:
        found += _commissioners(
            indexed[plan.activity.collection],
            bands=bands,
            names=names,
            system_code=system_code,
            side=plan.activity,
        )
    return found
