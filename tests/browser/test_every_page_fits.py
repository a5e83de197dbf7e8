"""Every page the four people of the demo visit in their day fits the screen: nothing scrolls
sideways at 375 or 1280 pixels wide (wide tables scroll inside their own box), and axe finds no
serious or critical problem. A screenshot of each page at each width is kept as a test artefact."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page

from planning.models import PlanningRound
from reviews.models import Decision
from submissions.models import Submission
from tests.browser.test_journeys import assert_accessible
from tests.browser.test_oversight_demo import demo_round, log_in  # noqa: F401 - a fixture

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.slow]

ARTEFACTS = Path(os.environ.get("TEST_ARTEFACTS", "var/test-artefacts")) / "screens"
WIDTHS = (1280, 375)


def _return(ods_code: str, code: str) -> Submission:
    """The organisation's return of that collection with an upload, whichever round holds it."""
    return (
        Submission.objects.filter(
            organisation__ods_code=ods_code, collection__code=code, current_version__isnull=False
        )
        .order_by("pk")
        .first()
    )


def _pages() -> dict[str, list[str]]:
    """Where each person goes in a day, by demo user."""
    act = _return("QHM", "ACT")
    reviewed = (
        Decision.objects.filter(submission__organisation__region__code="Y63").first().submission
    )
    trust_return = Submission.objects.filter(organisation__ods_code="RTD").order_by("pk").first()
    planning_round = PlanningRound.objects.get(is_current=True)
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
            "/dashboard/?region=Y63",
            "/charts/activity/",
            "/charts/submissions/",
        ],
        "admin": [
            "/",
            "/rounds/",
            f"/rounds/{planning_round.pk}/",
            "/audit/",
            "/exports/",
        ],
    }


def test_no_page_of_the_demo_scrolls_sideways(page: Page, live_server, demo_round):  # noqa: F811
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    too_wide = []
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
                page.screenshot(
                    path=ARTEFACTS / f"{username}-{number:02d}-{width}.png",
                    full_page=height <= 8 * 800,
                )
                if width == 1280:
                    assert_accessible(page)
    assert too_wide == []
