from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditEvent
from planning.models import PlanningRound, RoundStatus
from planning.round_states import RoundAction, round_actions_allowed, round_transition
from planning.selectors import current_round, rounds_visible_to
from submissions.selectors import submissions_for_user
from tests.factories import (
    CollectionFactory,
    IcsFactory,
    PlanningRoundFactory,
    SubmissionFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return user_with_role(Role.NATIONAL_ADMIN, username="national")


@pytest.fixture
def draft():
    return PlanningRoundFactory(name="2022/23", status=RoundStatus.DRAFT)


def test_round_publish_publishes_a_draft_and_audits(admin, draft):
    round_transition(planning_round=draft, action=RoundAction.PUBLISH, user=admin)

    draft.refresh_from_db()
    assert (draft.status, draft.published_by) == (RoundStatus.PUBLISHED, admin)
    assert draft.published_at is not None
    assert list(
        AuditEvent.objects.filter(object_id=str(draft.pk)).values_list(
            "action", "actor", "before", "after"
        )
    ) == [("round_published", admin.pk, {"status": "draft"}, {"status": "published"})]


def test_round_publish_twice_is_refused(admin, draft):
    round_transition(planning_round=draft, action=RoundAction.PUBLISH, user=admin)
    stale = PlanningRound.objects.get(pk=draft.pk)
    stale.status = RoundStatus.DRAFT

    with pytest.raises(ValidationError) as error:
        round_transition(planning_round=stale, action=RoundAction.PUBLISH, user=admin)

    assert error.value.messages == [
        "2022/23 is published, so it cannot be published now. Reload the page to see it as it is."
    ]
    assert AuditEvent.objects.filter(action="round_published").count() == 1


def test_round_close_refuses_the_current_round(admin):
    current = PlanningRoundFactory(name="2021/22", is_current=True)

    assert round_actions_allowed(planning_round=current) == []
    with pytest.raises(ValidationError):
        round_transition(planning_round=current, action=RoundAction.CLOSE, user=admin)
    current.refresh_from_db()
    assert current.status == RoundStatus.PUBLISHED


def test_rounds_visible_to_hides_drafts_from_everyone_but_national_admins(admin, draft):
    published = PlanningRoundFactory(name="2021/22")
    lead = user_with_role(Role.SYSTEM_LEAD, organisation=IcsFactory())

    assert set(rounds_visible_to(user=admin)) == {draft, published}
    assert list(rounds_visible_to(user=lead)) == [published]


def test_current_round_never_falls_back_to_a_draft(draft):
    assert current_round() is None
    published = PlanningRoundFactory(name="2021/22")
    assert current_round() == published


def test_submissions_for_user_hide_returns_of_a_draft_round(admin, draft):
    ics = IcsFactory()
    lead = user_with_role(Role.SYSTEM_LEAD, organisation=ics)
    hidden = SubmissionFactory(collection=CollectionFactory(planning_round=draft), organisation=ics)
    shown = SubmissionFactory(organisation=ics)

    assert list(submissions_for_user(user=lead)) == [shown]
    assert set(submissions_for_user(user=admin)) == {hidden, shown}


def test_organisation_returns_refuses_a_draft_round_for_its_organisation(client, draft):
    ics = IcsFactory()
    client.force_login(user_with_role(Role.SYSTEM_LEAD, organisation=ics))
    url = reverse("planning:organisation_returns", kwargs={"ods_code": ics.ods_code})

    assert client.get(f"{url}?round={draft.pk}").status_code == 404


def test_round_publish_view_confirms_then_publishes(client, admin, draft):
    client.force_login(admin)
    url = reverse("planning:round_publish", kwargs={"pk": draft.pk})

    page = client.get(url)
    response = client.post(url, follow=True)

    assert "Publish 2022/23?" in page.content.decode()
    assert [str(m) for m in response.context["messages"]] == [
        "2022/23 is published: organisations can now see it."
    ]
    draft.refresh_from_db()
    assert draft.status == RoundStatus.PUBLISHED
