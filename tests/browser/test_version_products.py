"""A comparison of two large versions is prepared in the background: the page says so, polls, and
shows the changes once they are ready, without a reload."""

from __future__ import annotations

import os

import pytest

from submissions.models import VersionProduct
from submissions.products import product_build
from tests.browser.test_returns_flow import serious_violations
from tests.browser.test_review_flow import log_in
from tests.reviews.support import edited, stored_version

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_large_comparison_shows_progress_then_the_changes(
    page, live_server, act_world, settings, console_errors, tmp_path
):
    settings.PRODUCT_INLINE_MAX_BYTES = 0
    base = edited(act_world.sample(), {})
    v1 = stored_version(submission=act_world.submission, number=1, data=base, user=act_world.lead)
    v2 = stored_version(
        submission=act_world.submission,
        number=2,
        data=edited(base, {("ERF", "D5"): "see note"}),
        user=act_world.lead,
    )
    log_in(page, live_server, "reviewer-y63")
    page.set_viewport_size({"width": 375, "height": 800})

    page.goto(f"{live_server.url}/review/{act_world.submission.pk}/compare/?a={v1.pk}&b={v2.pk}")
    page.get_by_text("We are preparing the comparison of these two versions").wait_for()
    page.screenshot(path=str(tmp_path / "comparison-waiting.png"), full_page=True)
    assert serious_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    product_build(product_id=VersionProduct.objects.get(version=v2, other=v1).pk, limited=True)

    page.get_by_text("Showing 1 to 1 of 1 change").wait_for(timeout=10_000)
    page.screenshot(path=str(tmp_path / "comparison-ready.png"), full_page=True)
    assert page.locator("[data-testid=changes] tbody tr[data-cell]").count() == 1
