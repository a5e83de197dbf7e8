"""Every page the four people of the demo visit in their day fits the screen: nothing scrolls
sideways at 375 or 1280 pixels wide (wide tables scroll inside their own box), no page is taller
than six screens of 1280 x 800 by default (long lists are paged, details folded), and axe finds no
serious or critical problem. A screenshot of each page at each width is kept as a test artefact."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page

from planning.models import PlanningRound
from reviews.models import Decision
from submissions.models import Submission
from submissions.services import template_context
from tests.browser.test_journeys import assert_accessible
from tests.browser.test_oversight_demo import demo_round, log_in  # noqa: F401 - a fixture
from tests.reviews.support import stored_version
from workbooks.sample import make_sample_return

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.slow]

ARTEFACTS = Path(os.environ.get("TEST_ARTEFACTS", "var/test-artefacts")) / "screens"
WIDTHS = (1280, 375)
MAX_HEIGHT = 6 * 800  # six screens at 1280 x 800


def _return(ods_code: str, code: str) -> Submission:
    """The organisation's return of that collection with an upload, whichever round holds it."""
    return (
        Submission.objects.filter(
            organisation__ods_code=ods_code, collection__code=code, current_version__isnull=False
        )
        .order_by("pk")
        .first()
    )


def _second_version(submission: Submission) -> None:
    """A whole new file as the return's next version: every figure differs from the first, the
    comparison that once listed thousands of rows on one page."""
    stored_version(
        submission=submission,
        number=2,
        data=make_sample_return(context=template_context(submission=submission), seed=11),
        user=submission.current_version.uploaded_by,
    )


def _pages() -> dict[str, list[str]]:
    """Where each person goes in a day, by demo user."""
    act = _return("QHM", "ACT")
    _second_version(act)
    reviewed = (
        Decision.objects.filter(submission__organisation__region__code="Y63").first().submission
    )
    trust_return = Submission.objects.filter(organisation__ods_code="RTD").order_by("pk").first()
    planning_round = PlanningRound.objects.get(is_current=True)
    closed = PlanningRound.objects.exclude(pk=planning_round.pk).get()
    return {
        "lead-qhm": [
            "/",
            "/organisations/QHM/",
            f"/returns/{act.pk}/",
            f"/versions/{act.current_version_id}/",
            f"/returns/{act.pk}/extensions/",
            f"/returns/{act.pk}/history/",
            "/notifications/",
        ],
        "submit-rtd": ["/", f"/returns/{trust_return.pk}/"],
        "reviewer-y63": [
            "/",
            "/review/",
            f"/review/{reviewed.pk}/",
            f"/review/{act.pk}/",
            f"/review/{act.pk}/compare/",
            "/dashboard/?region=Y63",
            f"/dashboard/?round={closed.pk}",
            "/charts/activity/",
            "/charts/submissions/",
        ],
        "admin": [
            "/",
            "/rounds/",
            f"/rounds/{planning_round.pk}/",
            f"/rounds/{closed.pk}/",
            f"/rounds/{planning_round.pk}/guidance/",
            "/dashboard/",
            f"/dashboard/?round={closed.pk}",
            f"/returns/{reviewed.pk}/",
            f"/review/{reviewed.pk}/",
            f"/returns/{reviewed.pk}/history/",
            "/charts/activity/",
            "/audit/",
            "/exports/",
        ],
    }


def test_no_page_of_the_demo_scrolls_sideways_or_runs_past_six_screens(
    page: Page,
    live_server,
    demo_round,  # noqa: F811
):
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    too_wide, too_tall = [], []
    for username, paths in _pages().items():
        page.context.clear_cookies()
        page.set_viewport_size({"width": 1280, "height": 800})
        log_in(page, live_server.url, username)
        page.wait_for_url(lambda url: "/accounts/login" not in url)
        for number, path in enumerate(paths):
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 800})
                response = page.goto(f"{live_server.url}{path}")
                assert response.status == 200, f"{username} {path}"
                scroll, client = page.evaluate(
                    "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
                )
                if scroll > client:
                    too_wide.append((username, path, width, scroll))
                height = page.evaluate("document.documentElement.scrollHeight")
                if width == 1280 and height > MAX_HEIGHT:
                    too_tall.append((username, path, height))
                page.screenshot(
                    path=ARTEFACTS / f"{username}-{number:02d}-{width}.png",
                    full_page=height <= 8 * 800,
                )
                if width == 1280:
                    assert_accessible(page)
    assert (too_wide, too_tall) == ([], [])
