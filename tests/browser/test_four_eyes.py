"""A provider hands sign-off to its system and takes it back; a reviewer who signed a return is told
who approves it instead."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from accounts.models import Role
from planning.models import Organisation
from submissions.models import Submission, SubmissionStatus
from tests.browser.test_returns_flow import serious_violations
from tests.browser.test_review_flow import log_in
from tests.factories import CollectionFactory, grant, user_with_role
from tests.reviews.support import put_in_state, stored_version

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def test_provider_hands_sign_off_to_its_system_and_takes_it_back(page, live_server, act_world):
    trust = Organisation.objects.get(ods_code="RTD")
    user_with_role(Role.SIGNATORY, organisation=trust, username="rtd-signatory")
    pcc = CollectionFactory(
        planning_round=act_world.act.planning_round, code="PCC", submitted_by=["provider"]
    )
    submission = Submission.objects.create(collection=pcc, organisation=trust)
    version = stored_version(submission=submission, number=1, data=b"x", user=act_world.lead)
    put_in_state(submission=submission, state=SubmissionStatus.VALID, version=version)
    return_url = f"{live_server.url}/returns/{submission.pk}/"

    log_in(page, live_server, "lead-qhm")
    page.goto(return_url)
    refusal = page.get_by_test_id("signing-refusal")
    assert "Ask rtd-signatory to sign it off" in refusal.inner_text()

    log_in(page, live_server, "rtd-signatory")
    page.goto(f"{live_server.url}/organisations/RTD/")
    page.get_by_role("link", name="Who signs off your returns").click()
    page.get_by_role("button", name="Hand sign-off to the system").click()
    assert page.get_by_text("There is a problem").is_visible()
    page.get_by_label("Why should the system sign off your returns?").fill(
        "Board minute 21/34: the system signs our plans for 2021/22."
    )
    page.get_by_role("button", name="Hand sign-off to the system").click()
    assert "A system lead of North East and North Cumbria may sign off your returns" in (
        page.get_by_test_id("sign-off-state").inner_text()
    )
    assert serious_violations(page) == []
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    _shot(page, "sign-off-handed-to-system")

    log_in(page, live_server, "lead-qhm")
    page.goto(return_url)
    assert page.get_by_test_id("submit-version").is_visible()

    log_in(page, live_server, "rtd-signatory")
    page.goto(f"{live_server.url}/organisations/RTD/sign-off/")
    page.get_by_role("button", name="Take sign-off back").click()
    assert (
        page.get_by_test_id("sign-off-state")
        .inner_text()
        .startswith("Only your own signatories sign off your returns.")
    )


def test_reviewer_who_signed_a_return_is_told_who_approves_it(page, live_server, act_world):
    version = stored_version(
        submission=act_world.submission, number=1, data=b"x", user=act_world.lead
    )
    put_in_state(submission=act_world.submission, state=SubmissionStatus.SUBMITTED, version=version)
    Submission.objects.filter(pk=act_world.submission.pk).update(submitted_by=act_world.lead)
    grant(act_world.lead, Role.REGIONAL_REVIEWER, region=act_world.ics.region)

    log_in(page, live_server, "lead-qhm")
    page.goto(f"{live_server.url}/review/{act_world.submission.pk}/")
    page.get_by_label("Approve", exact=True).check()
    page.get_by_role("button", name="Record decision").click()

    assert page.get_by_text(
        "Ask reviewer-y63 (reviewers of North East and Yorkshire) to approve it."
    ).first.is_visible()
    assert page.locator("#review-status").get_by_text("Submitted").is_visible()
    assert serious_violations(page) == []
    _shot(page, "four-eyes-refusal")
