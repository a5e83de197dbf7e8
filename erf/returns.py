"""The ERF estimate of a return, worked out on the server (2021/22 implementation guidance, section
3).

National figures are national: the threshold, upper threshold, payment rates and working-day ratios
come from the round's ERF scheme (its definition), the baseline from what national admins loaded
(`NationalBaseline`); only the planned activity and the counting-and-coding adjustment are read
from the return. Cells of the template that show national figures are locked, and validation
refuses a file where they were changed, so the file and this estimate agree.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from planning.definitions import round_definition
from workbooks.definition import ERF_ACTIVITY, ERF_ADJUSTMENT, ErfScheme, erf_row_code
from workbooks.erf_calendar import working_day_ratio_against
from workbooks.model import TableSheet, TemplateSpec
from workbooks.reader import read_sheets
from workbooks.types import RejectedFile

from .calculator import ErfInputError, Estimate, MonthInput, estimate
from .selectors import baselines_of

# The ERF sheet is a few months by ten columns; it may be read in a web request (once per version),
# so a sheet padded far beyond that is not read at all.
ERF_MAX_AREA = 10_000


def _decimal(value) -> Decimal | None:
    if value in (None, "") or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def erf_sheet(spec: TemplateSpec) -> TableSheet | None:
    return next(
        (
            sheet
            for sheet in spec.sheets
            if isinstance(sheet, TableSheet)
            and ERF_ACTIVITY in (column.header for column in sheet.columns)
        ),
        None,
    )


def planned_activity(
    *, data: bytes, sheet: TableSheet
) -> dict[str, tuple[Decimal, Decimal]] | None:
    """(planned activity, counting-and-coding adjustment) by row code, from the return's ERF sheet;
    None when the sheet is missing or a month has no planned activity."""
    try:
        sheets = read_sheets(data=data, names=[sheet.name], max_area=ERF_MAX_AREA)
    except RejectedFile:
        return None
    if sheet.name not in sheets:
        return None
    activity_col = sheet.headers.index(ERF_ACTIVITY)
    adjustment_col = sheet.headers.index(ERF_ADJUSTMENT)
    wanted = {row.code for row in sheet.rows}
    found = {}
    for row in sheets[sheet.name]:
        code = str(row[0]) if row else ""
        if code not in wanted or len(row) <= activity_col:
            continue
        activity = _decimal(row[activity_col])
        if activity is None:
            return None
        found[code] = (activity, _decimal(row[adjustment_col]) or Decimal(0))
    return found if len(found) == len(wanted) else None


def scheme_estimate(
    *,
    scheme: ErfScheme,
    baselines: dict[str, Decimal],
    planned: dict[str, tuple[Decimal, Decimal]],
) -> Estimate | None:
    """The estimate from national figures and planned activity; None without every baseline."""
    months = []
    for item in scheme.months:
        baseline = baselines.get(item.month)
        if baseline is None or erf_row_code(item.month) not in planned:
            return None
        activity, adjustment = planned[erf_row_code(item.month)]
        months.append(
            MonthInput(
                month=item.month,
                baseline=baseline,
                activity=activity,
                threshold_pct=item.threshold_pct,
                working_day_ratio=working_day_ratio_against(
                    month=item.month, base_year=scheme.working_day_base_year
                ),
                counting_coding_adjustment=adjustment,
            )
        )
    try:
        return estimate(
            months=months,
            upper_pct=scheme.upper_threshold_pct,
            rate_between=scheme.rate_between,
            rate_above_upper=scheme.rate_above_upper,
        )
    except ErfInputError:
        return None


def erf_estimate_of_return(*, submission, data: bytes, spec: TemplateSpec) -> Estimate | None:
    """The server's estimate for a return of the round's ERF collection, or None for any other."""
    definition = round_definition(planning_round=submission.collection.planning_round)
    if definition is None or definition.erf is None:
        return None
    if definition.erf_collection != submission.collection.code:
        return None
    sheet = erf_sheet(spec)
    planned = planned_activity(data=data, sheet=sheet) if sheet else None
    if planned is None:
        return None
    baselines = baselines_of(organisation=submission.organisation, scheme=definition.erf)
    return scheme_estimate(scheme=definition.erf, baselines=baselines, planned=planned)
