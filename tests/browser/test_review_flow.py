"""The lead submits; the reviewer requests changes with a comment on a cell; the lead uploads a fix
and resubmits; the reviewer compares the two versions and approves."""

from __future__ import annotations

import os

import pytest

from tests.browser.test_returns_flow import XLSX, serious_violations, submit_version
from tests.factories import PASSWORD

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def upload_and_submit(page, data: bytes, *, name: str, number: int) -> None:
    page.locator("input[type=file][name=file]").set_input_files(
        files=[{"name": name, "mimeType": XLSX, "buffer": data}]
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    page.get_by_test_id("submit-version").wait_for(timeout=60_000)
    submit_version(page, number)
    page.get_by_role("link", name="Go to the return").click()
    page.locator("#submission-status").get_by_text("Submitted").wait_for()


def test_reviewer_requests_changes_then_compares_and_approves(page, live_server, act_world, worker):
    return_url = f"{live_server.url}/returns/{act_world.submission.pk}/"
    log_in(page, live_server, "lead-qhm")
    page.goto(return_url)
    upload_and_submit(page, act_world.sample(), name="act-draft.xlsx", number=1)

    log_in(page, live_server, "reviewer-y63")
    page.goto(f"{live_server.url}/review/")
    # The queue opens on "waiting for me", its filter open to show it.
    assert page.get_by_label("Waiting for me").is_checked()
    assert serious_violations(page) == []
    page.get_by_role("link", name="North East and North Cumbria").click()
    assert page.get_by_test_id("figures-Activity").is_visible()
    assert serious_violations(page) == []
    page.get_by_label("Request changes (back to the organisation)").check()
    page.locator("#id_comment").fill("Elective ordinary admissions in April look too high.")
    page.get_by_role("button", name="Record decision").click()
    assert page.locator("#review-status").get_by_text("Changes requested").is_visible()
    page.get_by_test_id("add-comment").get_by_text("Add a comment").click()
    page.locator("#comment_text").fill("Please check this cell against your PAS extract.")
    page.locator("#comment_sheet").fill("Activity")
    page.locator("#comment_cell").fill("G4")
    page.get_by_role("button", name="Add comment").click()
    assert page.get_by_test_id("comment-cell").get_by_text("Activity!G4").is_visible()

    log_in(page, live_server, "lead-qhm")
    page.goto(return_url)
    assert page.get_by_text("Please check this cell against your PAS extract.").is_visible()
    page.get_by_text("Reply to this comment").click()
    page.get_by_label("Your reply").fill("Corrected from the PAS extract in version 2.")
    page.get_by_role("button", name="Send reply").click()
    upload_and_submit(page, act_world.sample(seed=7), name="act-draft-fixed.xlsx", number=2)

    log_in(page, live_server, "reviewer-y63")
    page.goto(f"{live_server.url}/review/{act_world.submission.pk}/")
    assert page.get_by_text("Corrected from the PAS extract in version 2.").is_visible()
    page.get_by_role("link", name="Compare versions").click()
    assert page.get_by_role(
        "heading", name="Draft version 1 compared with draft version 2"
    ).is_visible()
    assert page.get_by_test_id("changes").locator("tbody tr").count() > 0
    assert serious_violations(page) == []
    page.get_by_role("link", name="Back to the review").click()
    page.get_by_label("Approve", exact=True).check()
    page.get_by_role("button", name="Record decision").click()
    assert page.locator("#review-status").get_by_text("Approved").is_visible()
    assert serious_violations(page) == []
