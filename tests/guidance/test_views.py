from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditEvent
from guidance.models import GuidanceItem, GuidanceKind, GuidanceVisit, RegionalContact
from guidance.services import guidance_publish, regional_contact_set
from planning.models import RoundStatus
from submissions.services import template_for_submission
from tests.factories import (
    CollectionFactory,
    IcsFactory,
    PlanningRoundFactory,
    RegionFactory,
    SubmissionFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return user_with_role(Role.NATIONAL_ADMIN, username="national")


@pytest.fixture
def planning_round():
    return PlanningRoundFactory(name="2022/23", is_current=True)


def _guidance_url(planning_round) -> str:
    return reverse("guidance:round_guidance", kwargs={"pk": planning_round.pk})


def test_guidance_page_marks_what_is_new_since_the_last_visit(client, admin, planning_round):
    ics = IcsFactory()
    lead = user_with_role(Role.SYSTEM_LEAD, organisation=ics)
    old = guidance_publish(
        planning_round=planning_round, kind=GuidanceKind.FAQ, title="Old", body="A", user=admin
    )
    GuidanceVisit.objects.create(
        user=lead,
        planning_round=planning_round,
        seen_at=old.published_at + dt.timedelta(microseconds=1),
    )
    new = guidance_publish(
        planning_round=planning_round,
        kind=GuidanceKind.NOTICE,
        title="Deadline moved",
        body="B",
        user=admin,
    )
    GuidanceItem.objects.filter(pk=new.pk).update(
        published_at=old.published_at + dt.timedelta(microseconds=2)
    )
    client.force_login(lead)

    returns = client.get(
        reverse("planning:organisation_returns", kwargs={"ods_code": ics.ods_code})
    )
    first = client.get(_guidance_url(planning_round)).content.decode()
    second = client.get(_guidance_url(planning_round)).content.decode()

    assert "1 new item in the 2022/23 guidance" in returns.content.decode()
    assert first.count("data-new") == 1
    assert "Deadline moved" in first
    assert second.count("data-new") == 0


def test_guidance_page_shows_the_planning_contact_of_the_readers_region(
    client, admin, planning_round
):
    ics = IcsFactory(region=RegionFactory(code="Y63", name="North East and Yorkshire"))
    other = RegionFactory(code="Y56", name="London")
    regional_contact_set(
        planning_round=planning_round,
        region=ics.region,
        email="england.nhs-NEYplanning@nhs.net",
        user=admin,
    )
    regional_contact_set(
        planning_round=planning_round, region=other, email="london@nhs.net", user=admin
    )
    client.force_login(user_with_role(Role.SUBMITTER, organisation=ics))

    response = client.get(_guidance_url(planning_round))

    assert [c.email for c in response.context["contacts"]] == ["england.nhs-NEYplanning@nhs.net"]


def test_guidance_page_of_a_draft_round_is_not_found_for_organisations(client):
    draft = PlanningRoundFactory(name="2023/24", status=RoundStatus.DRAFT)
    client.force_login(user_with_role(Role.SUBMITTER, organisation=IcsFactory()))

    assert client.get(_guidance_url(draft)).status_code == 404


def test_guidance_publish_document_is_stored_under_a_generated_name_and_audited(
    client, admin, planning_round
):
    client.force_login(admin)

    response = client.post(
        reverse("guidance:publish", kwargs={"pk": planning_round.pk}),
        {
            "item-kind": "document",
            "item-title": "Technical guidance",
            "item-body": "How to complete the templates.",
            "item-file": SimpleUploadedFile("../../tech guide.pdf", b"%PDF-1.4 x"),
        },
    )

    item = GuidanceItem.objects.get()
    assert response.status_code == 302
    assert item.file.name.startswith("guidance/round-")
    assert item.file.name.endswith(".pdf")
    assert list(
        AuditEvent.objects.filter(action="guidance_published").values_list("action", "after")
    ) == [
        (
            "guidance_published",
            {"round": "2022/23", "kind": "document", "title": "Technical guidance"},
        )
    ]
    download = client.get(reverse("guidance:file", kwargs={"pk": item.pk}))
    assert b"".join(download.streaming_content) == b"%PDF-1.4 x"


def test_guidance_publish_definition_without_a_measure_shows_the_error(
    client, admin, planning_round
):
    client.force_login(admin)

    response = client.post(
        reverse("guidance:publish", kwargs={"pk": planning_round.pk}),
        {"item-kind": "definition", "item-title": "Elective spells", "item-body": "Spells."},
    )

    assert response.context["form"].errors == {
        "measure_code": ["Give the code of the measure this defines."]
    }
    assert "There is a problem" in response.content.decode()
    assert GuidanceItem.objects.count() == 0


def test_template_instructions_carry_the_technical_definition_of_a_measure(admin):
    collection = CollectionFactory(code="ACT")
    submission = SubmissionFactory(collection=collection)
    guidance_publish(
        planning_round=collection.planning_round,
        kind=GuidanceKind.DEFINITION,
        title="Elective day case spells",
        body="Spells with a day case intended management, as counted by SUS.",
        measure_code="EL-DC",
        user=admin,
    )

    _, data = template_for_submission(submission=submission)

    sheet = openpyxl.load_workbook(io.BytesIO(data))["Instructions"]
    lines = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert "Technical definitions" in lines
    assert (
        "Elective day case spells (EL-DC): Spells with a day case intended management, as "
        "counted by SUS."
    ) in lines


def test_regional_contact_is_one_per_region_and_round(admin, planning_round):
    region = RegionFactory()
    regional_contact_set(
        planning_round=planning_round, region=region, email="a@nhs.net", user=admin
    )
    regional_contact_set(
        planning_round=planning_round, region=region, email="b@nhs.net", user=admin
    )

    assert list(RegionalContact.objects.values_list("email", flat=True)) == ["b@nhs.net"]


def test_findings_show_the_technical_definition_of_their_measure(client, admin):
    from django.core.files.base import ContentFile

    from submissions.models import Finding, Submission, Version

    ics = IcsFactory()
    lead = user_with_role(Role.SYSTEM_LEAD, organisation=ics)
    submission = SubmissionFactory(collection=CollectionFactory(code="ACT"), organisation=ics)
    guidance_publish(
        planning_round=submission.collection.planning_round,
        kind=GuidanceKind.DEFINITION,
        title="Elective day case spells",
        body="Spells with a day case intended management.",
        measure_code="EL-DC",
        user=admin,
    )
    version = Version(
        submission=submission,
        number=1,
        file_format="xlsx",
        sha256="0" * 64,
        size=1,
        original_name="plan.xlsx",
        uploaded_by=lead,
        status="valid",
    )
    version.file.save("upload", ContentFile(b"x"), save=False)
    version.save()
    for rule, message in (
        ("EL-DC.PLAUS.BASELINE", "Far above 2019/20."),
        ("STRUCT.ROWS", "Row 9 should be EL-ORD."),
    ):
        Finding.objects.create(
            version=version, severity="warning", rule=rule, sheet="Activity", message=message
        )
    Submission.objects.filter(pk=submission.pk).update(current_version=version)
    client.force_login(lead)

    response = client.get(reverse("submissions:version_detail", kwargs={"pk": version.pk}))

    assert response.content.decode().count('data-testid="finding-definition"') == 1
    assert (
        "Elective day case spells (EL-DC): Spells with a day case intended management."
        in response.content.decode()
    )
