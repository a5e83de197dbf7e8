"""The national admin's progress dashboard in a real browser: filter to a region, drill down,
axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from demo.seed import demo_round_create
from submissions.models import Submission, SubmissionStatus
from submissions.services import submissions_ensure_for_round
from tests.browser.test_journeys import assert_accessible, log_in
from tests.factories import IcsFactory, RegionFactory, TrustFactory, user_with_role

pytestmark = pytest.mark.browser


@pytest.fixture
def two_regions(transactional_db):
    north = RegionFactory(code="Y63", name="North East and Yorkshire")
    london_region = RegionFactory(code="Y56", name="London")
    ics = IcsFactory(ods_code="QHM", name="North East and North Cumbria", region=north)
    TrustFactory(
        ods_code="RTD",
        name="The Newcastle upon Tyne Hospitals NHS Foundation Trust",
        parent_ics=ics,
    )
    IcsFactory(ods_code="QMJ", name="North Central London", region=london_region)
    planning_round = demo_round_create()
    submissions_ensure_for_round(planning_round=planning_round)
    Submission.objects.filter(organisation=ics, collection__code="FIN-SYS").update(
        status=SubmissionStatus.SUBMITTED
    )
    user_with_role(Role.NATIONAL_ADMIN, username="admin")


def test_admin_filters_the_dashboard_to_a_region_and_drills_down(
    page: Page, live_server, two_regions, console_errors
):
    log_in(page, live_server.url, "admin")
    page.get_by_role("link", name="See progress by region, return and organisation").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Progress: England")
    expect(page.get_by_test_id("matrix").locator("tbody tr")).to_have_count(3)
    assert_accessible(page)

    page.get_by_text("Filter", exact=True).click()
    page.get_by_label("Region").select_option(label="North East and Yorkshire")
    page.get_by_role("button", name="Apply").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Progress: North East and Yorkshire")
    rows = page.get_by_test_id("matrix").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("North East and North Cumbria")
    assert_accessible(page)

    rows.first.get_by_role("link", name="Submitted").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Review: System financial plan")
    assert_accessible(page)
