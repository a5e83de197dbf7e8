from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
from django.core.cache import cache
from django.urls import reverse

from erf import returns
from erf.calculator import MonthInput, estimate
from erf.returns import erf_estimate_of_workbook
from submissions.models import Version
from submissions.services import version_create
from submissions.validation import version_validate


def _erf_inputs(data: bytes) -> list[MonthInput]:
    sheet = openpyxl.load_workbook(io.BytesIO(data))["ERF"]
    return [
        MonthInput(
            month=f"2021-{row[0].value.removeprefix('ERF-')}",
            baseline=Decimal(str(row[2].value)),
            activity=Decimal(str(row[6].value)),
            threshold_pct=Decimal(str(row[3].value)),
            working_day_ratio=Decimal(str(row[4].value)),
            counting_coding_adjustment=Decimal(str(row[5].value or 0)),
        )
        for row in sheet.iter_rows(min_row=4)
        if str(row[0].value or "").startswith("ERF-")
    ]


def test_erf_estimate_of_workbook_reads_the_erf_sheet(act_world):
    data = act_world.sample()
    assert erf_estimate_of_workbook(data=data) == estimate(months=_erf_inputs(data))
    assert len(erf_estimate_of_workbook(data=data).months) == 6


def test_erf_estimate_of_a_workbook_without_the_sheet_is_none(act_world):
    workbook = openpyxl.load_workbook(io.BytesIO(act_world.sample()))
    del workbook["ERF"]
    stream = io.BytesIO()
    workbook.save(stream)
    assert erf_estimate_of_workbook(data=stream.getvalue()) is None


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
    total = erf_estimate_of_workbook(data=data).total
    assert "Elective Recovery Fund estimate" in page
    assert f"£{total:,.0f}" in page
    assert Version.objects.get(pk=version.pk).status == "valid"


estimate_of = erf_estimate_of_workbook


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
    cache.delete(f"erf-estimate:{version.pk}:{version.sha256}")
    reads = []
    monkeypatch.setattr(
        returns,
        "erf_estimate_of_workbook",
        lambda data: reads.append(data) or estimate_of(data=data),
    )
    assert [returns.erf_estimate_of_version(version=version) for _ in range(2)] == [
        estimate_of(data=data)
    ] * 2
    assert len(reads) == 1
    version.erf_total = None
    assert returns.erf_estimate_of_version(version=version) is None
