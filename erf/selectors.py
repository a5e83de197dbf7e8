"""National ERF figures as the server holds them: the scheme of a round and the baselines loaded by
national admins."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from planning.definitions import round_definition
from planning.models import Collection, Organisation, PlanningRound
from workbooks.definition import ERF_BASELINE, ErfScheme, erf_row_code
from workbooks.erf_calendar import working_day_ratio_against

from .models import EstimateRefresh, NationalBaseline, RefreshStatus


def baselines_of(*, organisation: Organisation, scheme: ErfScheme) -> dict[str, Decimal]:
    """The system's baseline for each month of the scheme, by scheme month (absent: not loaded)."""
    wanted = {scheme.base_month(month): month for month in scheme.month_names}
    rows = NationalBaseline.objects.filter(organisation=organisation, month__in=wanted).values_list(
        "month", "value"
    )
    return {wanted[month]: value for month, value in rows}


def national_values_for(
    *, collection: Collection, organisation: Organisation
) -> tuple[tuple[str, str, float], ...]:
    """The locked national figures the organisation's template of `collection` shows."""
    definition = round_definition(planning_round=collection.planning_round)
    if definition is None or definition.erf is None or definition.erf_collection != collection.code:
        return ()
    return tuple(
        (erf_row_code(month), ERF_BASELINE, float(value))
        for month, value in sorted(
            baselines_of(organisation=organisation, scheme=definition.erf).items()
        )
    )


def baselines_summary() -> dict[str, int]:
    """How many systems and months the portal holds baselines for."""
    rows = NationalBaseline.objects.values_list("organisation_id", "month")
    return {
        "systems": len({organisation for organisation, _month in rows}),
        "months": len({month for _organisation, month in rows}),
        "rows": len(rows),
    }


def estimate_refresh_pending() -> int:
    """How many estimates are waiting to be worked out again with new baselines: each version
    once, though imports in a row each queue it."""
    pending = EstimateRefresh.objects.filter(
        status__in=[RefreshStatus.QUEUED, RefreshStatus.RUNNING]
    ).values_list("version_ids", flat=True)
    return len({version_id for version_ids in pending for version_id in version_ids})


def erf_scheme_covering(*, months: list[str], round_name: str | None = None) -> ErfScheme | None:
    """The ERF scheme of the newest round whose months include all of `months` (of the named round
    only, when one is named); None when no round's scheme covers them."""
    rounds = PlanningRound.objects.exclude(definition={}).order_by("-starts_on")
    if round_name:
        rounds = rounds.filter(name=round_name)
    for planning_round in rounds:
        definition = round_definition(planning_round=planning_round)
        if definition.erf and set(months) <= set(definition.erf.month_names):
            return definition.erf
    return None


@dataclass(frozen=True)
class SchemeDefaults:
    """What a scheme supplies to the calculator where a request leaves a figure out."""

    scheme: ErfScheme | None

    def month_defaults(self, *, month: str) -> dict:
        if self.scheme is None:
            return {}
        threshold = next(item.threshold_pct for item in self.scheme.months if item.month == month)
        return {
            "threshold_pct": threshold,
            "working_day_ratio": working_day_ratio_against(
                month=month, base_year=self.scheme.working_day_base_year
            ),
        }

    @property
    def estimate_arguments(self) -> dict:
        if self.scheme is None:
            return {}
        return {
            "upper_pct": self.scheme.upper_threshold_pct,
            "rate_between": self.scheme.rate_between,
            "rate_above_upper": self.scheme.rate_above_upper,
        }


def scheme_defaults(*, scheme: ErfScheme | None) -> SchemeDefaults:
    return SchemeDefaults(scheme=scheme)
