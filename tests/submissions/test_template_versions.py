from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditEvent
from guidance.models import GuidanceItem
from notifications.models import Notification
from submissions.models import TemplateVersion
from submissions.selectors import template_layout_key, template_version_latest
from submissions.services import template_for_submission, template_version_issue
from tests.factories import (
    CollectionFactory,
    IcsFactory,
    SubmissionFactory,
    shipped_definition,
    user_with_role,
)

pytestmark = pytest.mark.django_db


def _issue(collection, version: str) -> TemplateVersion:
    """A layout of the shipped activity template issued from the round's definition."""
    template = {**shipped_definition().template_data["ACT"], "version": version}
    return TemplateVersion.objects.create(collection=collection, version=version, template=template)


@pytest.fixture
def act():
    """An activity return whose layouts 2021.1 and then 2021.2 were issued."""
    collection = CollectionFactory(code="ACT", name="Activity and performance")
    _issue(collection, "2021.1")
    _issue(collection, "2021.2")
    return collection


@pytest.fixture
def admin():
    return user_with_role(Role.NATIONAL_ADMIN, username="national")


def test_template_layout_key_orders_numbers_as_numbers():
    assert sorted(["2021.10", "2021.2", "2021.9"], key=template_layout_key) == [
        "2021.2",
        "2021.9",
        "2021.10",
    ]


def test_template_version_issue_refuses_to_make_an_older_layout_current(act, admin):
    # The regression: "issue a new version" offered 2021.1 after 2021.2 and made it current.
    with pytest.raises(ValidationError) as error:
        template_version_issue(
            collection=act, version="2021.1", still_accepted=["2021.2"], note="Fix", issued_by=admin
        )

    assert error.value.message_dict == {
        "version": ["Organisations download 2021.2 now; 2021.1 is older, so it cannot replace it."]
    }
    assert template_version_latest(collection_id=act.pk).version == "2021.2"


def test_template_downloaded_is_the_newest_layout_whatever_the_order_issued():
    collection = CollectionFactory(code="ACT")
    _issue(collection, "2021.2")
    _issue(collection, "2021.1")
    submission = SubmissionFactory(collection=collection)

    name, _ = template_for_submission(submission=submission)

    assert name == f"ACT-{submission.organisation.ods_code}-template-2021.2.xlsx"


def test_template_version_issue_tells_every_organisation_that_owes_it(act, admin):
    owing = [IcsFactory(), IcsFactory()]
    leads = [user_with_role(Role.SYSTEM_LEAD, organisation=ics) for ics in owing]
    for ics in owing:
        SubmissionFactory(collection=act, organisation=ics)
    bystander = user_with_role(Role.SYSTEM_LEAD, organisation=IcsFactory())

    template_version_issue(
        collection=act,
        version="2021.2",
        still_accepted=["2021.1"],
        note="Adds a DEXA line to diagnostics.",
        issued_by=admin,
    )

    body = (
        "Version 2021.2 of the Activity and performance template is available. Adds a DEXA "
        "line to diagnostics. Returns made from version 2021.1 are still accepted."
    )
    assert sorted(
        Notification.objects.filter(kind="template_issued").values_list("recipient", "body")
    ) == sorted((lead.pk, body) for lead in leads)
    assert not Notification.objects.filter(recipient=bystander).exists()
    assert list(GuidanceItem.objects.values_list("kind", "title", "body")) == [
        ("notice", "New Activity and performance template: version 2021.2", body)
    ]
    assert list(AuditEvent.objects.filter(action="template_issued").values_list("after")) == [
        (
            {
                "version": "2021.2",
                "still_accepted": ["2021.1"],
                "note": "Adds a DEXA line to diagnostics.",
            },
        )
    ]


def test_template_version_issue_can_stop_accepting_earlier_layouts(act, admin):
    template_version_issue(
        collection=act, version="2021.2", still_accepted=[], note="Formula fixed.", issued_by=admin
    )

    assert dict(act.template_versions.values_list("version", "is_accepted")) == {
        "2021.1": False,
        "2021.2": True,
    }


def test_template_version_issue_needs_a_change_note(act, admin):
    with pytest.raises(ValidationError) as error:
        template_version_issue(
            collection=act, version="2021.2", still_accepted=[], note=" ", issued_by=admin
        )

    assert error.value.message_dict == {
        "note": ["Say what changed, for the people who download it."]
    }


def test_template_versions_page_offers_only_the_newest_layout(client, act, admin):
    client.force_login(admin)

    response = client.get(
        reverse(
            "submissions:template_versions",
            kwargs={"round_pk": act.planning_round_id, "pk": act.pk},
        )
    )

    assert response.context["available"] == ["2021.2"]
