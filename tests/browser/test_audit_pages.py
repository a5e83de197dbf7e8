"""Real-browser checks of the audit and notification pages: each passes axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from audit.models import AuditAction
from audit.services import audit_record
from notifications.services import notify
from submissions.models import Submission
from tests.browser.test_journeys import assert_accessible, log_in
from tests.factories import (
    CollectionFactory,
    IcsFactory,
    PlanningRoundFactory,
    RegionFactory,
    user_with_role,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def audited(transactional_db):
    region = RegionFactory(code="Y63", name="North East and Yorkshire")
    ics = IcsFactory(ods_code="QHM", name="North East and North Cumbria", region=region)
    collection = CollectionFactory(
        planning_round=PlanningRoundFactory(name="2021/22", is_current=True),
        code="ACT",
        name="Activity and performance",
    )
    submission = Submission.objects.create(collection=collection, organisation=ics)
    admin = user_with_role(Role.NATIONAL_ADMIN, username="admin")
    audit_record(
        action=AuditAction.DOWNLOAD,
        actor=admin,
        obj=submission,
        submission_id=submission.pk,
        organisation_code="QHM",
        detail="Template ACT-QHM.xlsx",
        after={"status": "not_started"},
    )
    notify(
        recipients=[admin],
        kind="digest",
        subject="2 returns to review",
        body="- ACT QHM\n- NAR QHM",
        url=f"/returns/{submission.pk}/",
    )
    return submission


def test_audit_and_notification_pages_accessible(page: Page, live_server, audited, console_errors):
    log_in(page, live_server.url, "admin")
    expect(page.get_by_test_id("header-notifications")).to_contain_text("1 unread")

    for path, heading in [
        ("/notifications/", "Notifications"),
        (f"/returns/{audited.pk}/history/", "History of Activity and performance"),
        ("/audit/", "Audit trail"),
        ("/audit/?action=download&organisation=QHM", "Audit trail"),
    ]:
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        assert_accessible(page)

    page.goto(live_server.url + "/notifications/")
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.get_by_role("alert")).to_contain_text("1 notification marked as read.")
    expect(page.get_by_test_id("header-notifications")).not_to_contain_text("unread")
