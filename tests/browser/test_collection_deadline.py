"""A national admin moves a collection's deadline with the GOV.UK date input and a time box, is
told in GOV.UK words what is wrong, and the form fits a phone and a desktop."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from planning.models import Collection
from tests.browser.test_journeys import assert_accessible, log_in
from tests.factories import CollectionFactory, PlanningRoundFactory, london, user_with_role

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/collection-deadline-screens"))


def _fits(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 800})
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
        scroll, client = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert scroll <= client, (name, width, scroll, client)
    page.set_viewport_size({"width": 1280, "height": 800})


def test_admin_sets_a_collections_deadline_with_the_date_input(page: Page, live_server):
    planning_round = PlanningRoundFactory(name="2021/22")
    collection = CollectionFactory(
        planning_round=planning_round, code="ACT", deadline=london(2021, 5, 6)
    )
    user_with_role(Role.NATIONAL_ADMIN, username="admin")
    log_in(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/rounds/{planning_round.pk}/collections/{collection.pk}/")
    deadline = page.get_by_role("group", name="Deadline")
    expect(deadline.get_by_label("Day")).to_have_value("6")
    expect(deadline.get_by_label("Time (optional)")).to_have_value("12:00")
    _fits(page, "1-collection-form")
    assert_accessible(page)

    deadline.get_by_label("Month").fill("")
    page.get_by_role("button", name="Save collection").click()
    expect(page.get_by_role("link", name="Deadline must include a month")).to_be_visible()
    assert page.title().startswith("Error: ")
    _fits(page, "2-collection-form-error")
    assert_accessible(page)

    deadline.get_by_label("Day").fill("27")
    deadline.get_by_label("Month").fill("10")
    deadline.get_by_label("Time (optional)").fill("17:30")
    page.get_by_role("button", name="Save collection").click()
    expect(page.get_by_text("ACT saved.")).to_be_visible()
    assert Collection.objects.get(pk=collection.pk).deadline == london(2021, 10, 27, 17, 30)
