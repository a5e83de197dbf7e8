"""The submitter's and the reviewer's day, in a real browser: a system lead submits, uploads a
newer draft without withdrawing the submission and is told so; the reviewer asks for changes and
the lead sees the decision at the top of the return and of the returns list; the lead asks for
more time and the reviewer finds it in the extension queue; the national admin sees the round's
progress. axe on every page; a screenshot of each step is kept as a test artefact."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from tests.browser.test_journeys import assert_accessible
from tests.browser.test_returns_flow import XLSX
from tests.browser.test_review_flow import log_in
from tests.factories import user_with_role

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]

ARTEFACTS = Path(os.environ.get("TEST_ARTEFACTS", "var/test-artefacts")) / "day"


def step(page: Page, name: str) -> None:
    """Every page of the day is accessible and photographed."""
    assert_accessible(page)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTEFACTS / f"{name}.png", full_page=True)


def upload(page: Page, data: bytes, name: str) -> None:
    page.locator("input[type=file][name=file]").set_input_files(
        files=[{"name": name, "mimeType": XLSX, "buffer": data}]
    )
    page.get_by_role("button", name="Upload", exact=True).click()


def test_a_day_of_submitting_reviewing_and_overseeing(page: Page, live_server, act_world, worker):
    user_with_role(Role.NATIONAL_ADMIN, username="admin")
    return_url = f"{live_server.url}/returns/{act_world.submission.pk}/"

    log_in(page, live_server, "lead-qhm")
    page.goto(return_url)
    upload(page, act_world.sample(seed=1), "act-v1.xlsx")
    page.get_by_test_id("submit-version").wait_for(timeout=60_000)
    expect(page.locator("#submission-status")).to_have_text("No errors")
    step(page, "01-lead-checked")
    page.get_by_test_id("submit-version").click()
    step(page, "02-lead-check-your-answers")
    page.get_by_label("I agree to the declaration").check()
    page.get_by_role("button", name="Submit version 1").click()
    expect(page.get_by_test_id("reference")).to_contain_text("-V1")
    step(page, "03-lead-confirmation")

    page.goto(return_url)
    upload(page, act_world.sample(seed=2, errors=1), "act-v2.xlsx")
    page.get_by_test_id("findings").wait_for(timeout=60_000)
    expect(page.locator("#submission-status")).to_contain_text("Submitted")
    expect(page.get_by_test_id("draft-notice")).to_contain_text("Version 1 stays submitted")
    step(page, "04-lead-newer-draft-keeps-the-submission")

    log_in(page, live_server, "reviewer-y63")
    page.goto(f"{live_server.url}/review/")
    expect(page.get_by_label("Waiting for me")).to_be_checked()
    step(page, "05-reviewer-queue")
    page.get_by_role("link", name="North East and North Cumbria").click()
    page.get_by_label("Request changes (back to the organisation)").check()
    page.locator("#id_comment").fill("Elective day cases in June look too low.")
    page.get_by_role("button", name="Record decision").click()
    step(page, "06-reviewer-decided")

    log_in(page, live_server, "lead-qhm")
    page.goto(f"{live_server.url}/organisations/QHM/")
    expect(page.get_by_test_id("decision-banner")).to_contain_text("look too low")
    step(page, "07-lead-home-with-the-decision")
    page.goto(return_url)
    expect(page.get_by_test_id("decision-banner")).to_contain_text("Changes needed")
    page.get_by_role("link", name="Deadline and extensions").click()
    page.get_by_label("Day").fill("13")
    page.get_by_label("Month").fill("5")
    page.get_by_label("Year").fill("2021")
    page.get_by_label("Why you need more time").fill("Our board meets on 12 May.")
    page.get_by_role("button", name="Send request").click()
    step(page, "08-lead-asked-for-more-time")

    log_in(page, live_server, "reviewer-y63")
    page.goto(f"{live_server.url}/extensions/")
    expect(page.get_by_test_id("extension-counts")).to_contain_text("Waiting for a decision: 1")
    expect(page.get_by_test_id("extension-requests")).to_contain_text("Our board meets on 12 May.")
    step(page, "09-reviewer-extension-queue")

    log_in(page, live_server, "admin")
    expect(page.get_by_test_id("round-progress")).to_contain_text("returns submitted or approved")
    expect(page.get_by_test_id("waiting")).to_contain_text("1 extension request waiting")
    step(page, "10-admin-round-progress")
