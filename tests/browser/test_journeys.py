"""Real-browser journeys: log in, see the task list, log out; every page checked with axe."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from accounts.models import Role
from demo.seed import demo_round_create
from planning.models import Collection
from tests.factories import (
    PASSWORD,
    IcsFactory,
    RegionFactory,
    TrustFactory,
    UserFactory,
    grant,
    user_with_role,
)

pytestmark = pytest.mark.browser

# What an ICS owes in the demo round, by deadline then code.
ICS_COLLECTIONS = [
    "ACT",
    "FIN-MH",
    "FIN-SYS",
    "MAT",
    "MHWF-S",
    "NAR",
    "WF",  # 6 May: drafts and single returns
    "ACT",
    "LMS-OVS",
    "MHWF-S",
    "NAR",
    "WF",  # 3 June: finals and LMS oversight
]


@pytest.fixture
def north_east(transactional_db):
    region = RegionFactory(code="Y63", name="North East and Yorkshire")
    ics = IcsFactory(ods_code="QHM", name="North East and North Cumbria", region=region)
    TrustFactory(
        ods_code="RTD",
        name="The Newcastle upon Tyne Hospitals NHS Foundation Trust",
        parent_ics=ics,
    )
    demo_round_create()
    lead = UserFactory(username="lead-qhm", first_name="Lee", last_name="Lead")
    grant(lead, Role.SYSTEM_LEAD, organisation=ics)
    grant(lead, Role.SIGNATORY, organisation=ics)
    reviewer = UserFactory(username="reviewer-y63", first_name="Rae", last_name="Reviewer")
    grant(reviewer, Role.REGIONAL_REVIEWER, region=region)
    return {"ics": ics, "lead": lead, "reviewer": reviewer}


def assert_accessible(page: Page) -> None:
    results = Axe().run(page)
    assert results.response["passes"], "axe did not run any check"
    violations = [
        v for v in results.response["violations"] if v["impact"] in ("serious", "critical")
    ]
    if violations:
        print(results.generate_report())
    assert [(v["id"], v["impact"], v["help"]) for v in violations] == []


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_login_page_and_its_error_accessible(page: Page, live_server, console_errors):
    page.goto(f"{live_server.url}/")

    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    assert_accessible(page)

    page.get_by_label("Username").fill("nobody")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("alert")).to_contain_text("Enter a correct username and password.")
    assert_accessible(page)


def test_system_lead_sees_task_list_and_logs_out(
    page: Page, live_server, north_east, console_errors
):
    log_in(page, live_server.url, "lead-qhm")

    expect(page).to_have_url(f"{live_server.url}/organisations/QHM/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your returns for 2021/22")
    expect(page.get_by_test_id("header-roles")).to_contain_text(
        "System lead, North East and North Cumbria"
    )
    tasks = page.get_by_test_id("returns").locator(".nhsuk-task-list__item")
    expect(tasks).to_have_count(len(ICS_COLLECTIONS))
    assert [task.split()[0] for task in tasks.all_inner_texts()] == ICS_COLLECTIONS
    expect(tasks.locator(".nhsuk-task-list__status")).to_have_text(
        ["Not started"] * len(ICS_COLLECTIONS)
    )
    expect(tasks.first).to_contain_text("Due 6 May 2021 at midday (BST)")
    assert_accessible(page)

    page.get_by_role("button", name="Log out").click()

    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    page.goto(f"{live_server.url}/organisations/QHM/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))


def test_reviewer_region_page_accessible(page: Page, live_server, north_east, console_errors):
    log_in(page, live_server.url, "reviewer-y63")

    expect(page).to_have_url(f"{live_server.url}/regions/Y63/")
    expect(page.get_by_role("heading", level=1)).to_have_text("North East and Yorkshire")
    rows = page.get_by_test_id("region-organisations").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("North East and North Cumbria")
    assert_accessible(page)


def test_admin_pages_accessible(page: Page, live_server, north_east, console_errors):
    user_with_role(Role.NATIONAL_ADMIN, username="admin")
    act = Collection.objects.get(code="ACT", stage="draft")
    log_in(page, live_server.url, "admin")
    expect(page.get_by_role("heading", level=1)).to_have_text("National overview")
    assert_accessible(page)
    page.get_by_role("link", name="Regions and their organisations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Regions")
    assert_accessible(page)

    for path, heading in [
        ("/rounds/", "Planning rounds"),
        (f"/rounds/{act.planning_round_id}/", "2021/22"),
        (f"/rounds/{act.planning_round_id}/copy/", "Copy to a new round"),
        (f"/rounds/{act.planning_round_id}/collections/{act.pk}/", "ACT draft"),
        ("/accounts/invite/", "Invite a person"),
    ]:
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible(page)

    # A form with errors: the error summary and the field errors.
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    assert_accessible(page)


def test_anonymous_account_pages_accessible(page: Page, live_server, console_errors):
    for path, heading in [
        ("/accounts/password-reset/", "Reset your password"),
        ("/accounts/password-reset/sent/", "Check your email"),
    ]:
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible(page)


def test_invalid_invitation_page_accessible(page: Page, live_server):
    # No console_errors here: Chromium logs every 4xx document as a console error, and 410 is the
    # point.
    response = page.goto(f"{live_server.url}/accounts/invitations/not-a-token/")

    assert response.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "This invitation has expired or has been used"
    )
    assert_accessible(page)
