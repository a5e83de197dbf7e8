from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditAction, AuditEvent
from core.formatting import shift_london_datetime
from planning.models import (
    Collection,
    OrganisationType,
    PlanningRound,
    RoundStatus,
    Stage,
    TrustKind,
)
from planning.services import round_make_current
from submissions.rounds import collection_update, round_copy
from tests.factories import CollectionFactory, PlanningRoundFactory, london, user_with_role

pytestmark = pytest.mark.django_db
UTC = dt.UTC
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def source():
    planning_round = PlanningRoundFactory(
        name="2021/22", starts_on=dt.date(2021, 3, 1), ends_on=dt.date(2022, 2, 28), is_current=True
    )
    CollectionFactory(
        planning_round=planning_round,
        code="PCC",
        name="Capital",
        stage=Stage.SINGLE,
        deadline=london(2021, 3, 22),
        submitted_by=[OrganisationType.PROVIDER],
        trust_kinds=[TrustKind.ACUTE],
        accepted_formats=["xlsx"],
        closes_at_deadline=True,
        is_mandatory=False,
        description="Cash",
    )
    CollectionFactory(
        planning_round=planning_round,
        code="ACT",
        name="Activity",
        stage=Stage.DRAFT,
        deadline=london(2021, 10, 20, 17, 30),
        submitted_by=[OrganisationType.ICS],
        accepted_formats=["xlsx"],
    )
    return planning_round


@pytest.fixture
def admin_client(client):
    client.force_login(user_with_role(Role.NATIONAL_ADMIN, username="national"))
    return client


def _collections(planning_round: PlanningRound) -> list[tuple]:
    return [
        (
            c.code,
            c.name,
            c.stage,
            c.deadline,
            c.submitted_by,
            c.trust_kinds,
            c.accepted_formats,
            c.closes_at_deadline,
            c.is_mandatory,
            c.description,
        )
        for c in planning_round.collections.order_by("code")
    ]


def test_shift_london_datetime_keeps_noon_from_gmt_into_bst():
    march_noon_gmt = dt.datetime(2021, 3, 22, 12, 0, tzinfo=UTC)

    shifted = shift_london_datetime(march_noon_gmt, days=14)

    assert shifted == dt.datetime(2021, 4, 5, 11, 0, tzinfo=UTC)
    assert shifted.astimezone(LONDON).strftime("%Y-%m-%d %H:%M %Z") == "2021-04-05 12:00 BST"


def test_shift_london_datetime_keeps_wall_clock_from_bst_into_gmt():
    shifted = shift_london_datetime(london(2021, 10, 20, 17, 30), days=14)

    assert shifted.astimezone(LONDON).strftime("%Y-%m-%d %H:%M %Z") == "2021-11-03 17:30 GMT"
    assert shifted == dt.datetime(2021, 11, 3, 17, 30, tzinfo=UTC)


def test_round_copy_copies_collections_with_shifted_deadlines(source):
    new_round = round_copy(source=source, name="2021/22 H2", shift_days=14)

    assert (
        new_round.starts_on,
        new_round.ends_on,
        new_round.copied_from,
        new_round.is_current,
    ) == (dt.date(2021, 3, 15), dt.date(2022, 3, 14), source, False)
    assert _collections(new_round) == [
        (
            "ACT",
            "Activity",
            "draft",
            london(2021, 11, 3, 17, 30),
            ["ics"],
            [],
            ["xlsx"],
            False,
            True,
            "",
        ),
        (
            "PCC",
            "Capital",
            "single",
            london(2021, 4, 5),
            ["provider"],
            ["acute"],
            ["xlsx"],
            True,
            False,
            "Cash",
        ),
    ]
    # The source is untouched and still current.
    source.refresh_from_db()
    assert source.is_current is True
    assert [c[3] for c in _collections(source)] == [
        london(2021, 10, 20, 17, 30),
        london(2021, 3, 22),
    ]


def test_round_copy_duplicate_name_refused(source):
    with pytest.raises(ValidationError) as error:
        round_copy(source=source, name="2021/22", shift_days=364)

    assert error.value.message_dict == {"name": ["A round with this name already exists."]}
    assert PlanningRound.objects.count() == 1


def test_round_copy_makes_an_audited_draft(source):
    user = user_with_role(Role.NATIONAL_ADMIN)

    new_round = round_copy(source=source, name="2022/23", shift_days=364, user=user)

    assert (new_round.status, new_round.is_current) == (RoundStatus.DRAFT, False)
    assert list(
        AuditEvent.objects.filter(object_id=str(new_round.pk)).values_list(
            "action", "actor", "after"
        )
    ) == [("round_copied", user.pk, {"copied_from": "2021/22", "shift_days": 364})]


def test_round_make_current_switches_current_round_and_audits(source):
    other = PlanningRoundFactory(name="2022/23")
    user = user_with_role(Role.NATIONAL_ADMIN)

    round_make_current(planning_round=other, user=user)
    assert list(PlanningRound.objects.filter(is_current=True)) == [other]

    round_make_current(planning_round=other, user=user)
    assert list(PlanningRound.objects.filter(is_current=True)) == [other]
    # Making the current round current again changes nothing, so it is not audited again.
    assert list(
        AuditEvent.objects.filter(action="round_made_current").values_list("before", "after")
    ) == [({"current": "2021/22"}, {"current": "2022/23"})]


def test_round_make_current_refuses_a_draft(source):
    draft = PlanningRoundFactory(name="2022/23", status=RoundStatus.DRAFT)

    with pytest.raises(ValidationError) as error:
        round_make_current(planning_round=draft)

    assert error.value.messages == [
        "Publish 2022/23 before making it current: organisations cannot see a round that is "
        "not published."
    ]
    assert list(PlanningRound.objects.filter(is_current=True)) == [source]


def test_round_copy_view_creates_round_and_redirects(admin_client, source):
    response = admin_client.post(
        reverse("planning:round_copy", kwargs={"pk": source.pk}),
        {"name": " 2021/22 later ", "shift_days": "14"},
        follow=True,
    )

    new_round = PlanningRound.objects.get(name="2021/22 later")
    assert response.redirect_chain == [
        (reverse("planning:round_detail", kwargs={"pk": new_round.pk}), 302)
    ]
    assert [str(m) for m in response.context["messages"]] == [
        "2021/22 later created from 2021/22 as a draft: organisations will see it once you "
        "publish it."
    ]
    assert list(PlanningRound.objects.filter(is_current=True)) == [source]
    assert Collection.objects.get(planning_round=new_round, code="PCC").deadline == dt.datetime(
        2021, 4, 5, 11, 0, tzinfo=UTC
    )
    assert "5 April 2021 at midday (BST)" in response.content.decode()


def test_round_copy_view_refuses_duplicate_name(admin_client, source):
    response = admin_client.post(
        reverse("planning:round_copy", kwargs={"pk": source.pk}),
        {"name": "2021/22", "shift_days": "364"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"name": ["A round with this name already exists."]}
    assert PlanningRound.objects.count() == 1


def test_round_make_current_view_switches_current_round(admin_client, source):
    other = PlanningRoundFactory(name="2022/23")

    response = admin_client.post(reverse("planning:round_make_current", kwargs={"pk": other.pk}))

    assert (response.status_code, response["Location"]) == (
        302,
        reverse("planning:round_detail", kwargs={"pk": other.pk}),
    )
    assert list(PlanningRound.objects.filter(is_current=True)) == [other]


def _deadline(day: str, month: str, year: str, time: str) -> dict[str, str]:
    """The GOV.UK date input's boxes and the time box, as the browser posts them."""
    return {
        "deadline_day": day,
        "deadline_month": month,
        "deadline_year": year,
        "deadline_time": time,
    }


def test_collection_edit_view_saves_deadline_in_london_time(admin_client, source):
    collection = source.collections.get(code="ACT")

    response = admin_client.post(
        reverse("planning:collection_edit", kwargs={"round_pk": source.pk, "pk": collection.pk}),
        {
            "name": "Activity and performance",
            **_deadline("6", "5", "2021", ""),
            "submitted_by": ["ics"],
            "accepted_formats": ["xlsx"],
            "is_mandatory": "on",
        },
    )

    collection.refresh_from_db()
    assert (response.status_code, response["Location"]) == (
        302,
        reverse("planning:round_detail", kwargs={"pk": source.pk}),
    )
    assert (collection.name, collection.deadline) == (
        "Activity and performance",
        london(2021, 5, 6),
    )


@pytest.mark.parametrize(
    ("boxes", "message"),
    [
        (("", "", "", ""), "Enter the deadline"),
        (("6", "", "", "17:00"), "Deadline must include a month and a year"),
        (("31", "2", "2021", ""), "Deadline must be a real date"),
        (("6", "5", "2021", "25:00"), "Enter the time in hours and minutes, for example 17:00"),
    ],
)
def test_collection_edit_view_says_what_is_wrong_with_the_deadline_as_gov_uk_does(
    admin_client, source, boxes, message
):
    collection = source.collections.get(code="ACT")
    response = admin_client.post(
        reverse("planning:collection_edit", kwargs={"round_pk": source.pk, "pk": collection.pk}),
        {
            "name": "Activity",
            "submitted_by": ["ics"],
            "accepted_formats": ["xlsx"],
            **_deadline(*boxes),
        },
    )
    page = response.content.decode()
    assert (response.status_code, f'<a href="#id_deadline_0">{message}</a>' in page) == (400, True)
    assert "<title>Error: " in page
    assert f'<span class="nhsuk-u-visually-hidden">Error:</span> {message}</span>' in page
    # Each box of the date input is marked, as GOV.UK does.
    assert page.count("nhsuk-date-input__input nhsuk-input--width-2 nhsuk-input--error") == 2


def test_collection_edit_view_shows_the_deadline_in_london_time_in_the_date_input(
    admin_client, source
):
    collection = source.collections.get(code="ACT")
    collection.deadline = london(2021, 10, 27, 17, 30)
    collection.save()
    page = admin_client.get(
        reverse("planning:collection_edit", kwargs={"round_pk": source.pk, "pk": collection.pk})
    ).content.decode()
    boxes = re.findall(r'name="deadline_(day|month|year|time)" id="[^"]+" value="([^"]*)"', page)
    assert boxes == [("day", "27"), ("month", "10"), ("year", "2021"), ("time", "17:30")]
    assert (
        '<legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Deadline</legend>' in page
    )


def _audited(action: str) -> list[tuple]:
    return [
        (event.actor_name, event.object_label, event.before, event.after)
        for event in AuditEvent.objects.filter(action=action).order_by("id")
    ]


def test_collection_edit_is_audited_with_before_and_after(admin_client, source):
    collection = source.collections.get(code="ACT")

    admin_client.post(
        reverse("planning:collection_edit", kwargs={"round_pk": source.pk, "pk": collection.pk}),
        {
            "name": "Activity",
            **_deadline("27", "10", "2021", "17:30"),
            "submitted_by": ["ics"],
            "accepted_formats": ["xlsx"],
            "is_mandatory": "on",
        },
    )

    assert _audited(AuditAction.COLLECTION_CHANGED) == [
        (
            "national",
            str(collection),
            {"deadline": "2021-10-20T16:30:00+00:00"},
            {"deadline": "2021-10-27T16:30:00+00:00"},
        )
    ]


def test_collection_saved_unchanged_is_not_audited(source):
    collection = source.collections.get(code="ACT")

    collection_update(collection=collection, name="Activity")

    assert _audited(AuditAction.COLLECTION_CHANGED) == []
