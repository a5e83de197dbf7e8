"""A national admin sets up 2022/23 from its definition (fixing the problem the portal reports),
previews QHM's activity template and publishes the round; QHM's system lead then sees the round,
downloads a template for April 2022 to March 2023 and uploads a return the real worker validates."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from planning.definitions import shipped_definition_text
from planning.models import PlanningRound
from submissions.models import Submission
from submissions.services import template_context
from tests.browser.test_journeys import assert_accessible, log_in
from tests.factories import CcgFactory, IcsFactory, RegionFactory, TrustFactory, user_with_role
from tests.returns_world import erf_baselines_load
from workbooks.sample import make_sample_return

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/rounds-admin-screens"))
MONTHS_2223 = [
    "Apr-22",
    "May-22",
    "Jun-22",
    "Jul-22",
    "Aug-22",
    "Sep-22",
    "Oct-22",
    "Nov-22",
    "Dec-22",
    "Jan-23",
    "Feb-23",
    "Mar-23",
]


@pytest.fixture
def qhm(db):
    region = RegionFactory(code="Y63", name="North East and Yorkshire")
    ics = IcsFactory(ods_code="QHM", name="North East and North Cumbria", region=region)
    TrustFactory(
        ods_code="RTD",
        name="The Newcastle upon Tyne Hospitals NHS Foundation Trust",
        parent_ics=ics,
    )
    CcgFactory(ods_code="13T", name="NHS Newcastle Gateshead CCG", parent_ics=ics)
    erf_baselines_load(organisation=ics)
    user_with_role(Role.NATIONAL_ADMIN, username="admin")
    lead = user_with_role(Role.SYSTEM_LEAD, organisation=ics, username="lead-qhm")
    user_with_role(Role.SIGNATORY, organisation=ics, username="lead-qhm")
    return lead


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _strings(data: bytes) -> list[str]:
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return [
        value
        for sheet in workbook
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if isinstance(value, str)
    ]


def test_admin_sets_up_and_publishes_2022_23_and_lead_returns_a_validated_plan(
    page: Page, live_server, qhm, worker, console_errors
):
    good = shipped_definition_text(slug="2022-23")
    broken = good.replace("ends_on: 2023-03-31", "ends_on: 2023-02-30", 1)
    assert broken != good

    log_in(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/rounds/")
    page.get_by_role("link", name="Set up a round from its definition").click()
    page.get_by_label("Upload the definition file").set_input_files(
        files=[{"name": "2022-23.yaml", "mimeType": "text/yaml", "buffer": broken.encode()}]
    )
    page.get_by_role("button", name="Check the definition").click()
    problems = page.get_by_test_id("definition-problems")
    expect(problems).to_contain_text("round.ends_on")
    assert PlanningRound.objects.count() == 0
    _shot(page, "1-definition-problems")
    assert_accessible(page)

    page.get_by_label("Or edit the definition here").fill(
        broken.replace("2023-02-30", "2023-03-31")
    )
    page.get_by_role("button", name="Check the definition").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check the 2022/23 round before you set it up"
    )
    _shot(page, "2-check-your-answers")
    assert_accessible(page)
    page.get_by_role("button", name="Set up 2022/23 as a draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("2022/23")
    _shot(page, "3-draft-round")

    page.get_by_test_id("preview-ACT-draft").click()
    page.get_by_label("Organisation").select_option("QHM")
    with page.expect_download() as preview:
        page.get_by_role("button", name="Download the template").click()
    assert preview.value.suggested_filename == "ACT-draft-QHM-template-2022.1.xlsx"
    assert set(MONTHS_2223) <= set(_strings(Path(preview.value.path()).read_bytes()))
    _shot(page, "4-preview")

    page.goto(f"{live_server.url}/rounds/")
    page.get_by_role("link", name="2022/23").click()
    page.get_by_role("link", name="Publish").click()
    _shot(page, "5-publish-confirm")
    assert_accessible(page)
    page.get_by_role("button", name="Publish 2022/23").click()
    expect(page.get_by_text("2022/23 is published: organisations can now see it.")).to_be_visible()
    page.get_by_role("button", name="Make current").click()
    expect(page.get_by_text("2022/23 is now the current round.")).to_be_visible()
    page.context.clear_cookies()

    log_in(page, live_server.url, "lead-qhm")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your returns for 2022/23")
    _shot(page, "6-lead-returns")
    page.get_by_role("link", name="Activity and performance (draft)").click()
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"Download the template")).click()
    labels = _strings(Path(download.value.path()).read_bytes())
    assert set(MONTHS_2223) <= set(labels)
    assert [label for label in labels if "2021" in label] == []

    submission = Submission.objects.get(
        organisation__ods_code="QHM", collection__code="ACT", collection__stage="draft"
    )
    filled = make_sample_return(context=template_context(submission=submission))
    page.locator("input[type=file][name=file]").set_input_files(
        files=[{"name": "act-draft-2022-23.xlsx", "mimeType": XLSX, "buffer": filled}]
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    # Checked by the real worker: a valid version can be submitted.
    page.get_by_test_id("submit-version").wait_for(timeout=90_000)
    expect(page.locator("#submission-status")).to_have_text("No errors")
    _shot(page, "7-validated")
    assert_accessible(page)
