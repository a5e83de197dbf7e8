"""The ERF estimate of an activity return, read from the ERF sheet of its workbook (SPEC §7)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.cache import cache
from workbooks.reader import read_sheets
from workbooks.types import RejectedFile

from submissions.models import VersionStatus

from .calculator import ErfInputError, Estimate, MonthInput, estimate

ERF_SHEET = "ERF"
# The ERF sheet is six months by ten columns; this is read in a web request (once per version), so
# a sheet padded far beyond that is not read at all.
ERF_MAX_AREA = 10_000
# Columns of the ERF sheet as the template lays them out (workbooks.catalogue._erf_sheet):
# code, month, baseline, threshold %, working-day ratio, counting-and-coding adjustment, activity.
CODE, BASELINE, THRESHOLD_PCT, RATIO, ADJUSTMENT, ACTIVITY = 0, 2, 3, 4, 5, 6


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def erf_estimate_of_workbook(*, data: bytes) -> Estimate | None:
    """The estimate from a checked activity workbook, or None when it has no complete ERF sheet."""
    try:
        sheets = read_sheets(data=data, names=[ERF_SHEET], max_area=ERF_MAX_AREA)
    except RejectedFile:
        return None
    if ERF_SHEET not in sheets:
        return None
    months = []
    for row in sheets[ERF_SHEET]:
        code = str(row[CODE]) if row else ""
        if not code.startswith("ERF-") or len(row) <= ACTIVITY:
            continue
        baseline, activity = _decimal(row[BASELINE]), _decimal(row[ACTIVITY])
        if baseline is None or activity is None:
            return None
        months.append(
            MonthInput(
                month=f"2021-{code.removeprefix('ERF-')}",
                baseline=baseline,
                activity=activity,
                threshold_pct=_decimal(row[THRESHOLD_PCT]),
                working_day_ratio=_decimal(row[RATIO]),
                counting_coding_adjustment=_decimal(row[ADJUSTMENT]) or Decimal(0),
            )
        )
    if not months:
        return None
    try:
        return estimate(months=months)
    except ErfInputError:
        return None


ERF_COLLECTION = "ACT"
ESTIMATE_CACHE_SECONDS = 7 * 24 * 3600


def erf_estimate_of_version(*, version) -> Estimate | None:
    """The estimate shown with an activity return's version, once the version has been checked.
    Validation stored its total; a version without one has no complete ERF sheet to break down."""
    if (
        version is None
        or version.status not in VersionStatus.CHECKED
        or version.erf_total is None
    ):
        return None
    # A version's file never changes, so its breakdown is read once and kept for every later page view.
    return cache.get_or_set(
        f"erf-estimate:{version.pk}:{version.sha256}",
        lambda: _estimate_from_file(version),
        timeout=ESTIMATE_CACHE_SECONDS,
    )


def _estimate_from_file(version) -> Estimate | None:
    with version.file.open("rb") as stream:
        return erf_estimate_of_workbook(data=stream.read())
