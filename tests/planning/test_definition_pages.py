from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditEvent
from notifications.models import Notification
from planning.definitions import parse_definition, shipped_definition_text
from planning.models import PlanningRound, RoundStatus
from planning.round_states import RoundAction, round_transition
from submissions.rounds import round_create_from_definition
from submissions.services import template_for
from tests.factories import IcsFactory, RegionFactory, TrustFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(user_with_role(Role.NATIONAL_ADMIN, username="national"))
    return client


def _broken_2022_23() -> str:
    return shipped_definition_text(slug="2022-23").replace(
        "starts_on: 2022-04-01", 'starts_on: "first of April"', 1
    )


def test_round_define_shows_every_problem_and_changes_nothing(admin_client):
    response = admin_client.post(reverse("planning:round_define"), {"text": _broken_2022_23()})

    page = response.content.decode()
    assert response.status_code == 200
    assert [(p.path, p.line) for p in response.context["problems"]] == [("round.starts_on", 9)]
    assert "Nothing has changed" in page
    assert PlanningRound.objects.count() == 0


def test_round_define_checks_then_sets_up_a_draft(admin_client):
    text = shipped_definition_text(slug="2022-23")

    check = admin_client.post(reverse("planning:round_define"), {"text": text})
    created = admin_client.post(
        reverse("planning:round_define"), {"text": text, "confirm": "1"}, follow=True
    )

    assert "Check the 2022/23 round before you set it up" in check.content.decode()
    assert PlanningRound.objects.filter(name="2022/23").count() == 1
    new_round = PlanningRound.objects.get(name="2022/23")
    assert (new_round.status, new_round.is_current) == (RoundStatus.DRAFT, False)
    assert [str(m) for m in created.context["messages"]] == [
        "2022/23 is set up as a draft: only national admins see it until you publish it."
    ]
    assert AuditEvent.objects.filter(action="round_defined", object_id=str(new_round.pk)).exists()


def test_template_preview_downloads_an_organisations_template(admin_client):
    ics = IcsFactory(ods_code="QHM", name="North East and North Cumbria")
    TrustFactory(ods_code="RTD", parent_ics=ics)
    planning_round = round_create_from_definition(text=shipped_definition_text(slug="2022-23"))
    act = planning_round.collections.get(code="ACT", stage="draft")
    url = reverse("planning:template_preview", kwargs={"round_pk": planning_round.pk, "pk": act.pk})

    page = admin_client.get(url)
    download = admin_client.get(f"{url}?organisation=QHM")

    assert "North East and North Cumbria (QHM)" in page.content.decode()
    workbook = openpyxl.load_workbook(io.BytesIO(download.content), read_only=True)
    labels = " ".join(
        str(value)
        for sheet in workbook
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if isinstance(value, str)
    )
    assert "Apr-22" in labels and "Mar-23" in labels
    assert "2021" not in labels.replace("2021/22", "")


def test_edited_definition_with_a_new_template_version_is_announced_to_who_owes_it(admin_client):
    region = RegionFactory(code="Y63")
    ics = IcsFactory(ods_code="QHM", region=region)
    lead = user_with_role(Role.SYSTEM_LEAD, organisation=ics)
    text = shipped_definition_text(slug="2022-23")
    planning_round = round_create_from_definition(text=text)
    round_transition(planning_round=planning_round, action=RoundAction.PUBLISH, user=None)
    fixed = text.replace('version: "2022.1"', 'version: "2022.2"', 1)
    url = reverse("planning:round_definition", kwargs={"pk": planning_round.pk})

    missing_note = admin_client.post(url, {"text": fixed, "confirm": "1"})
    admin_client.post(
        url, {"text": fixed, "confirm": "1", "note": "Adds a DEXA line.", "keep_earlier": "on"}
    )

    assert missing_note.context["problems"] == [
        "Say what changed in the template, for the organisations that owe it."
    ]
    # One notice per return owed: the activity template's draft and final stages.
    bodies = list(
        Notification.objects.filter(recipient=lead, kind="template_issued").values_list(
            "body", flat=True
        )
    )
    assert len(bodies) == 2
    assert {body.split(" template is available. ")[1] for body in bodies} == {
        "Adds a DEXA line. Returns made from version 2022.1 are still accepted."
    }


def test_parse_definition_reports_an_impossible_date_with_its_line():
    text = shipped_definition_text(slug="2022-23").replace(
        "ends_on: 2023-03-31", "ends_on: 2023-02-30", 1
    )

    assert [str(problem) for problem in parse_definition(text=text)[1]] == [
        "line 10, round.ends_on: '2023-02-30': day is out of range for month: no such date."
    ]


def test_round_copy_of_a_defined_round_rolls_its_definition_a_year_on(admin_client):
    ics = IcsFactory(ods_code="QHM")
    source = round_create_from_definition(text=shipped_definition_text(slug="2021-22"))

    response = admin_client.post(
        reverse("planning:round_copy", kwargs={"pk": source.pk}), {"name": "2022/23"}
    )

    new_round = PlanningRound.objects.get(name="2022/23")
    assert response.status_code == 302
    assert (new_round.status, new_round.copied_from, new_round.starts_on) == (
        RoundStatus.DRAFT,
        source,
        dt.date(2022, 4, 1),
    )
    act = new_round.collections.get(code="ACT", stage="draft")
    deadline = act.deadline.astimezone(ZoneInfo("Europe/London"))
    assert f"{deadline:%A %d %B %Y %H:%M}" == "Thursday 05 May 2022 12:00"
    _, data = template_for(collection=act, organisation=ics)
    labels = [
        value
        for sheet in openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if isinstance(value, str)
    ]
    assert "Apr-22" in labels and "Sep-22" in labels
    assert [label for label in labels if "Apr-21" in label or "April 2021" in label] == []


@pytest.mark.parametrize(
    ("slug", "threshold", "unconfirmed"),
    [
        ("2022-23", "104% of the 2019/20 value, April 2022 to March 2023", True),
        ("2021-22", "85% of the 2019/20 value, July 2021 to September 2021", False),
    ],
)
def test_round_page_says_where_the_erf_threshold_came_from_and_whether_it_is_confirmed(
    admin_client, slug, threshold, unconfirmed
):
    text = shipped_definition_text(slug=slug)
    planning_round = round_create_from_definition(text=text)
    check = admin_client.post(reverse("planning:round_define"), {"text": text}).content.decode()
    page = admin_client.get(
        reverse("planning:round_detail", kwargs={"pk": planning_round.pk})
    ).content.decode()
    source = parse_definition(text=text)[0].erf.threshold_source
    for shown in (check, page):
        assert (
            threshold in shown,
            source.replace("'", "&#x27;") in shown,
            'data-testid="erf-threshold-unconfirmed"' in shown,
        ) == (True, True, unconfirmed)
    assert page.split("<title>", 1)[1].split("</title>", 1)[0] == (
        f"{planning_round.name} – Plan submission portal – NHS England"
    )
