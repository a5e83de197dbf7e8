"""The national overview end to end, on the demo round partly filled in by
`seed_demo --sample-returns`: the national admin sees the progress matrix with an ICS's ERF
estimate, the triangulation warning of the system whose workforce plan outruns its activity, a
chart against the baseline, and downloads the national consolidation built by a real worker."""

from __future__ import annotations

import io
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import F
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from planning.models import Collection, PlanningRound
from submissions.models import ReturnValue, Submission
from tests.browser.test_journeys import assert_accessible
from tests.factories import PASSWORD

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.slow]

MISMATCHED_SYSTEM = "QHM"  # demo.seed: its workforce plan grows faster than its activity


@pytest.fixture
def demo_round(transactional_db, worker):
    # After `worker`: the sample files must land in the media folder the worker reads.
    call_command("seed_demo", "--password", PASSWORD, "--sample-returns", stdout=io.StringIO())


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_national_admin_sees_the_partly_filled_demo_round_and_downloads_the_consolidation(
    page: Page, live_server, demo_round, console_errors
):
    log_in(page, live_server.url, "admin")
    # The sample returns that were submitted and reviewed are those of the closed 2021/22 round.
    closed = PlanningRound.objects.get(name="2021/22")

    page.goto(f"{live_server.url}/dashboard/?round={closed.pk}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Progress: England")
    assert_accessible(page)
    # The matrix is paged: the region's activity plans list its systems on one page.
    activity = Collection.objects.get(code="ACT", stage="draft", planning_round=closed)
    page.goto(f"{live_server.url}/dashboard/?round={closed.pk}&region=Y63&collection={activity.pk}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Progress: North East and Yorkshire")
    system_row = page.locator(f'[data-testid="matrix"] tr[data-organisation="{MISMATCHED_SYSTEM}"]')
    expect(system_row.get_by_test_id("erf")).to_have_text(f"£{_erf_total(MISMATCHED_SYSTEM):,.0f}")
    expect(page.locator('[data-testid="matrix"] [data-status="approved"]').first).to_be_visible()
    assert_accessible(page)

    workforce = Submission.objects.get(
        organisation__ods_code=MISMATCHED_SYSTEM,
        collection__code="WF",
        collection__stage="draft",
        collection__planning_round=closed,
    )
    page.goto(f"{live_server.url}/returns/{workforce.pk}/")
    warnings = page.get_by_test_id("triangulation-findings")
    summary = warnings.get_by_text("Workforce against activity:")
    expect(summary).to_be_visible()
    summary.click()
    expect(warnings.get_by_text("in the workforce return but activity").first).to_be_visible()
    expect(warnings.get_by_text("TRI.WF.001")).to_have_count(0)
    assert_accessible(page)

    page.goto(f"{live_server.url}/charts/activity/?round={closed.pk}")
    chart = page.get_by_test_id("chart-EL-TOT")
    expect(chart.locator("svg[role=img]")).to_be_visible()
    # 2021/22 plans cover April to September 2021 (H1): six months against their 2019/20 months.
    expect(chart.locator("rect[data-value]")).to_have_count(6)
    assert_accessible(page)

    page.goto(f"{live_server.url}/exports/")
    page.get_by_label("Consolidated values of a return (xlsx)").check()
    page.get_by_label("Planning round").select_option(label="2021/22")
    page.get_by_label("Return to consolidate").select_option(
        label="2021/22 · ACT: Activity and performance (draft)"
    )
    page.get_by_role("button", name="Build the export").click()
    download_link = page.get_by_test_id("export-download")
    download_link.wait_for(timeout=120_000)
    with page.expect_download() as download:
        download_link.click()
    assert download.value.suggested_filename.endswith("_consolidation.xlsx")
    workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True)
    values = list(workbook["Values"].iter_rows(values_only=True))
    submitted_act = ReturnValue.objects.filter(
        version__submission__collection__code="ACT",
        version__submission__collection__stage="draft",
        version__submission__collection__planning_round=closed,
        version__submission__submitted_version=F("version"),
    )
    assert len(values) - 1 == submitted_act.count() > 0


def _erf_total(ods_code: str) -> Decimal:
    return Submission.objects.get(
        organisation__ods_code=ods_code,
        collection__code="ACT",
        collection__stage="draft",
        collection__planning_round__name="2021/22",
    ).current_version.erf_total
