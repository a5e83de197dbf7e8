"""Triangulation across the returns of one system at one stage (SPEC §6, last kind of rule).

Pure functions over the numbers validation stored (organisation × measure × period): no database,
so every rule can be tested at its band edges with plain figures. The bands come from the round.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

ACTIVITY, WORKFORCE, FINANCE = "ACT", "WF", "FIN-SYS"
TRIANGULATED = (ACTIVITY, WORKFORCE, FINANCE)
SHEETS = {ACTIVITY: "Activity", WORKFORCE: "Workforce", FINANCE: "Income and expenditure"}
RETURN_NAMES = {
    ACTIVITY: "activity return",
    WORKFORCE: "workforce return",
    FINANCE: "system financial plan",
}

# The template measures each comparison reads (workbooks.catalogue).
ACTIVITY_MEASURES = ("EL-TOT", "OP-TOT", "DG-TOT")
WORKFORCE_MEASURES = ("WF-TOT",)
EXPENDITURE_MEASURES = ("EXP-TOT",)
PAY_MEASURES = ("EXP-PAY", "EXP-BANK", "EXP-AGENCY")
MEASURE_NAMES = {
    "EL-TOT": "elective spells",
    "OP-TOT": "outpatient attendances",
    "DG-TOT": "diagnostic tests",
}
MEASURES = {
    ACTIVITY: ACTIVITY_MEASURES,
    WORKFORCE: WORKFORCE_MEASURES,
    FINANCE: EXPENDITURE_MEASURES + PAY_MEASURES,
}

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
    organisation_kind: str  # "self", "provider" or "ccg"
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
    for number in numbers.numbers:
        if number.organisation_kind == PROVIDER:
            blocks = found.providers
        elif number.organisation_kind == COMMISSIONER:
            blocks = found.commissioners
        else:
            continue
        period = None if number.is_baseline else number.period
        blocks.setdefault(number.organisation_code, {}).setdefault(number.measure, {})[period] = (
            number.value
        )
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


def _points(value: float) -> str:
    return f"{value:.1f} percentage point{'s' if round(value, 1) != 1 else ''}"


@dataclass(frozen=True)
class _Side:
    collection: str
    measures: tuple[str, ...]
    what: str  # e.g. "workforce (total WTE)"
    basis: str  # what the growth is measured against


@dataclass(frozen=True)
class _Comparison:
    rule: str
    left: _Side
    right: _Side
    band: str  # the field of Bands that bounds the gap
    advice: str


# What each kind of check is called where people read the findings.
RULE_TITLES = {
    "TRI.PRV.001": "Providers missing from a return",
    "TRI.WF.001": "Workforce against activity",
    "TRI.FIN.001": "Expenditure against activity",
    "TRI.FIN.002": "Pay against workforce",
    "TRI.CCG.001": "Commissioners' activity against providers'",
}

_ACTIVITY_SIDE = _Side(
    ACTIVITY,
    ACTIVITY_MEASURES,
    "activity (elective, outpatients and diagnostics)",
    "the 2019/20 baseline",
)
_WORKFORCE_SIDE = _Side(WORKFORCE, WORKFORCE_MEASURES, "workforce (total WTE)", "March 2020")
COMPARISONS = (
    _Comparison(
        "TRI.WF.001",
        _ACTIVITY_SIDE,
        _WORKFORCE_SIDE,
        "workforce",
        "Check that the workforce plan is for the activity planned: more staff with little more activity, "
        "or more activity without the staff to deliver it, needs putting right or explaining.",
    ),
    _Comparison(
        "TRI.FIN.001",
        _ACTIVITY_SIDE,
        _Side(FINANCE, EXPENDITURE_MEASURES, "expenditure", "the 2019/20 H1 outturn"),
        "cost",
        "Check that the financial plan pays for the activity planned: costs growing much faster or slower "
        "than activity need putting right or explaining.",
    ),
    _Comparison(
        "TRI.FIN.002",
        _WORKFORCE_SIDE,
        _Side(
            FINANCE, PAY_MEASURES, "pay (substantive, bank and agency)", "the 2019/20 H1 outturn"
        ),
        "pay",
        "Check that the pay budget matches the workforce planned, including bank and agency staff.",
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
                    f"{names.get(code, code)}{whole}: {other.what} changes by {_percent(right_growth)} on "
                    f"{other.basis} ({other.collection}) but {one.what} by {_percent(left_growth)} on {one.basis} "
                    f"({one.collection}), {_points(abs(gap))} apart over the same {len(months)} months; the round "
                    f"allows {_points(allowed)}. {comparison.advice}"
                ),
                figures=[
                    (f"{one.collection}: {one.what} against {one.basis}", _percent(left_growth)),
                    (
                        f"{other.collection}: {other.what} against {other.basis}",
                        _percent(right_growth),
                    ),
                    ("Gap", _points(abs(gap))),
                    ("Allowed", _points(allowed)),
                ],
                collections=(one.collection, other.collection),
            )
        )
    return found


def _presence(returns: list[_Return], *, names: dict[str, str]) -> list[TriFinding]:
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
                    f"{name} has figures in the {_listed(having)} but none in the {_listed(missing)}. "
                    "Check whether the provider was left out of one plan, or should no longer be in the others: "
                    "the system's returns must cover the same providers."
                ),
                figures=[("Figures in", ", ".join(having)), ("No figures in", ", ".join(missing))],
                collections=tuple(r.code for r in returns),
            )
        )
    return found


def _listed(codes: list[str]) -> str:
    named = [f"{RETURN_NAMES[code]} ({code})" for code in codes]
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]


def _commissioners(
    activity: _Return, *, bands: Bands, names: dict[str, str], system_code: str
) -> list[TriFinding]:
    """TRI.CCG.001: the CCGs' planned activity against the sum of the providers', measure by measure."""
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
    for measure in ACTIVITY_MEASURES:
        months = sorted(_months(commissioned, (measure,)) & _months(provided, (measure,)))
        ccg_total = sum(commissioned[measure][month] for month in months) if months else 0.0
        provider_total = sum(provided[measure][month] for month in months) if months else 0.0
        if provider_total <= 0:
            continue
        gap = (ccg_total - provider_total) / provider_total * 100
        if not _beyond(gap, bands.commissioner):
            continue
        what = MEASURE_NAMES[measure]
        direction = "more" if gap > 0 else "fewer"
        found.append(
            TriFinding(
                rule="TRI.CCG.001",
                organisation_code=system_code,
                message=(
                    f"{names.get(system_code, system_code)}: the CCGs plan to commission {ccg_total:,.0f} {what} "
                    f"({measure}) over {len(months)} months but the providers plan to deliver {provider_total:,.0f}: "
                    f"{abs(gap):.1f}% {direction}, beyond the {bands.commissioner:g}% the round allows. Check that the "
                    "commissioner and provider rows of the activity return describe the same activity; patients from "
                    "outside the system or care bought elsewhere explain part of a gap, and should be in the narrative."
                ),
                figures=[
                    (f"CCGs' planned {what}", f"{ccg_total:,.0f}"),
                    (f"Providers' planned {what}", f"{provider_total:,.0f}"),
                    ("Gap", f"{gap:+.1f}%"),
                    ("Allowed", f"{bands.commissioner:g}%"),
                ],
                collections=(ACTIVITY,),
            )
        )
    return found


def check_system(
    *, returns: Sequence[ReturnNumbers], bands: Bands, names: dict[str, str], system_code: str
) -> list[TriFinding]:
    """Every triangulation finding of one system's returns at one stage. `returns` holds the checked
    returns there are (any of ACT, WF and FIN-SYS); rules needing a missing return are skipped."""
    indexed = {numbers.collection_code: _index(numbers) for numbers in returns}
    found = _presence([indexed[code] for code in TRIANGULATED if code in indexed], names=names)
    for comparison in COMPARISONS:
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
    if ACTIVITY in indexed:
        found += _commissioners(
            indexed[ACTIVITY], bands=bands, names=names, system_code=system_code
        )
    return found
