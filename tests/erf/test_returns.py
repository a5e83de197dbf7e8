from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
from django.core.cache import cache
from django.urls import reverse

from erf import returns
from erf.calculator import MonthInput, estimate
from erf.models import NationalBaseline
from erf.returns import erf_estimate_of_return
from submissions import erf_estimates
from submissions.models import Version
from submissions.services import template_context, version_create
from submissions.validation import version_validate
from tests.returns_world import ERF_BASELINES
from tests.workbooks.conftest import edit_cells
from workbooks.erf_calendar import working_day_ratio_against


def _planned(data: bytes) -> dict[str, tuple[Decimal, Decimal]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data))["ERF"]
    return {
        row[0].value: (Decimal(str(row[6].value)), Decimal(str(row[5].value or 0)))
        for row in sheet.iter_rows(min_row=4)
        if str(row[0].value or "").startswith("ERF-")
    }


def _expected(data: bytes, *, threshold: dict[str, int]) -> Decimal:
    """The estimate by hand: national baselines and thresholds, the return's activity only."""
    planned = _planned(data)
    months = [
        MonthInput(
            month=f"2021-{month[5:]}",
            baseline=Decimal(ERF_BASELINES[month]),
            activity=planned[f"ERF-2021-{month[5:]}"][0],
            threshold_pct=Decimal(threshold[month[5:]]),
            working_day_ratio=working_day_ratio_against(month=f"2021-{month[5:]}", base_year=2019),
            counting_coding_adjustment=planned[f"ERF-2021-{month[5:]}"][1],
        )
        for month in ERF_BASELINES
    ]
    return estimate(months=months).total


THRESHOLDS_2021 = {"04": 70, "05": 75, "06": 80, "07": 85, "08": 85, "09": 85}


def _spec(act_world):
    return template_context(submission=act_world.submission).specs[-1]


def test_erf_estimate_of_return_uses_national_figures_and_planned_activity(act_world):
    data = act_world.sample()
    found = erf_estimate_of_return(
        submission=act_world.submission, data=data, spec=_spec(act_world)
    )
    assert (len(found.months), found.total) == (6, _expected(data, threshold=THRESHOLDS_2021))


def test_erf_estimate_ignores_a_threshold_typed_into_the_file(act_world):
    data = act_world.sample()
    edited = edit_cells(data, "ERF", {"D5": 10})
    spec = _spec(act_world)
    assert (
        erf_estimate_of_return(submission=act_world.submission, data=edited, spec=spec).total
        == erf_estimate_of_return(submission=act_world.submission, data=data, spec=spec).total
    )


def test_erf_estimate_is_none_without_national_baselines(act_world):
    NationalBaseline.objects.filter(month="2019-06").delete()
    data = act_world.sample()
    assert (
        erf_estimate_of_return(submission=act_world.submission, data=data, spec=_spec(act_world))
        is None
    )


def test_erf_estimate_of_a_workbook_without_the_sheet_is_none(act_world):
    workbook = openpyxl.load_workbook(io.BytesIO(act_world.sample()))
    del workbook["ERF"]
    stream = io.BytesIO()
    workbook.save(stream)
    estimate_found = erf_estimate_of_return(
        submission=act_world.submission, data=stream.getvalue(), spec=_spec(act_world)
    )
    assert estimate_found is None


def test_erf_estimate_is_shown_on_the_return_page(client, act_world):
    data = act_world.sample()
    version = version_create(
        submission=act_world.submission,
        user=act_world.lead,
        stream=io.BytesIO(data),
        filename="act.xlsx",
    ).version
    version_validate(version_id=version.pk)
    client.force_login(act_world.lead)
    page = client.get(
        reverse("submissions:detail", kwargs={"pk": act_world.submission.pk})
    ).content.decode()
    total = _expected(data, threshold=THRESHOLDS_2021)
    assert "Elective Recovery Fund estimate" in page
    assert f"£{total:,.0f}" in page
    stored = Version.objects.get(pk=version.pk)
    assert (stored.status, stored.erf_total) == ("valid", total)


def test_erf_estimate_of_version_reads_the_file_once_and_only_with_a_stored_total(
    act_world, monkeypatch
):
    data = act_world.sample()
    version = version_create(
        submission=act_world.submission,
        user=act_world.lead,
        stream=io.BytesIO(data),
        filename="act.xlsx",
    ).version
    version_validate(version_id=version.pk)
    version = Version.objects.select_related("submission__collection").get(pk=version.pk)
    cache.clear()
    reads = []
    real = returns.erf_estimate_of_return
    monkeypatch.setattr(
        erf_estimates,
        "erf_estimate_of_return",
        lambda **kwargs: reads.append(kwargs) or real(**kwargs),
    )
    found = [erf_estimates.erf_estimate_of_version(version=version) for _ in range(2)]
    assert [item.total for item in found] == [_expected(data, threshold=THRESHOLDS_2021)] * 2
    assert len(reads) == 1
    version.erf_total = None
    assert erf_estimates.erf_estimate_of_version(version=version) is None
