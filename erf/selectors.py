"""National ERF figures as the server holds them: the scheme of a round and the baselines loaded by
national admins."""

from __future__ import annotations

from decimal import Decimal

from planning.definitions import round_definition
from planning.models import Collection, Organisation
from workbooks.definition import ERF_BASELINE, ErfScheme, erf_row_code

from .models import NationalBaseline


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
