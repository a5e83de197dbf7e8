from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditEvent
from exports.models import ExportJob, ExportKind, ExportStatus
from tests.factories import user_with_role
from tests.worker_support import use_broker


@pytest.fixture
def admin(act_world):
    return user_with_role(Role.NATIONAL_ADMIN, username="admin")


def done_job(*, act_world, user, region, data: bytes = b"PK zip bytes") -> ExportJob:
    job = ExportJob.objects.create(
        kind=ExportKind.FILES,
        planning_round=act_world.act.planning_round,
        region=region,
        requested_by=user,
        status=ExportStatus.DONE,
        progress=100,
        size=len(data),
    )
    job.file.save("x.zip", ContentFile(data))
    return job


def test_export_request_view_queues_a_job_and_audits_it(
    client, act_world, admin, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("exports:request"),
            {
                "kind": "consolidation",
                "planning_round": act_world.act.planning_round.pk,
                "collection": act_world.act.pk,
                "region": "",
            },
        )
    job = ExportJob.objects.get()
    assert (response.status_code, response["Location"]) == (
        302,
        reverse("exports:detail", kwargs={"pk": job.pk}),
    )
    assert (job.status, job.region, job.collection, len(callbacks)) == (
        ExportStatus.QUEUED,
        None,
        act_world.act,
        1,
    )
    event = AuditEvent.objects.get(action="export_requested")
    assert (event.actor, event.object_id) == (admin, str(job.pk))


def test_export_request_view_keeps_the_job_when_the_broker_is_down(
    client, act_world, admin, settings, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    use_broker("redis://127.0.0.1:1/0")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("exports:request"),
                {
                    "kind": "files",
                    "planning_round": act_world.act.planning_round.pk,
                    "collection": "",
                    "region": "",
                },
            )
    finally:
        use_broker(settings.CELERY_BROKER_URL)
    job = ExportJob.objects.get()
    assert (response.status_code, job.status) == (302, ExportStatus.QUEUED)


def test_export_request_view_shows_errors_for_a_consolidation_without_a_return(
    client, act_world, admin
):
    client.force_login(admin)
    response = client.post(
        reverse("exports:request"),
        {
            "kind": "consolidation",
            "planning_round": act_world.act.planning_round.pk,
            "collection": "",
            "region": "",
        },
    )
    assert response.status_code == 400
    assert "Choose the return to consolidate." in response.content.decode()
    assert ExportJob.objects.count() == 0


def test_export_request_view_refuses_a_reviewer_the_nation(client, act_world):
    client.force_login(act_world.reviewer)
    response = client.post(
        reverse("exports:request"),
        {
            "kind": "files",
            "planning_round": act_world.act.planning_round.pk,
            "collection": "",
            "region": "",
        },
    )
    assert (response.status_code, ExportJob.objects.count()) == (400, 0)


def test_export_page_polls_until_the_export_is_finished(client, act_world, admin):
    job = ExportJob.objects.create(
        kind=ExportKind.FILES,
        planning_round=act_world.act.planning_round,
        requested_by=admin,
        status=ExportStatus.RUNNING,
        progress=40,
    )
    client.force_login(admin)
    html = client.get(reverse("exports:detail", kwargs={"pk": job.pk})).content.decode()
    assert f'hx-get="{reverse("exports:panel", kwargs={"pk": job.pk})}"' in html
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in html
    assert "Building the export: 40% done" in html
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.DONE, progress=100)
    panel = client.get(reverse("exports:panel", kwargs={"pk": job.pk})).content.decode()
    assert ("hx-get" in panel, reverse("exports:download", kwargs={"pk": job.pk}) in panel) == (
        False,
        True,
    )


def test_export_download_is_an_attachment_and_audited(client, act_world, admin):
    job = done_job(act_world=act_world, user=admin, region=None)
    client.force_login(admin)
    response = client.get(reverse("exports:download", kwargs={"pk": job.pk}))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"PK zip bytes"
    assert response["Content-Disposition"] == 'attachment; filename="2021-22_England_files.zip"'
    assert (response["X-Content-Type-Options"], response["Content-Type"]) == (
        "nosniff",
        "application/zip",
    )
    assert (
        AuditEvent.objects.filter(action="download", object_id=str(job.pk), actor=admin).count()
        == 1
    )


def test_export_download_of_an_unfinished_export_is_404(client, act_world, admin):
    job = ExportJob.objects.create(
        kind=ExportKind.FILES, planning_round=act_world.act.planning_round, requested_by=admin
    )
    client.force_login(admin)
    assert client.get(reverse("exports:download", kwargs={"pk": job.pk})).status_code == 404


def test_expired_export_page_says_to_ask_again_and_download_is_404(
    client, act_world, admin, settings
):
    job = ExportJob.objects.create(
        kind=ExportKind.FILES,
        planning_round=act_world.act.planning_round,
        requested_by=admin,
        status=ExportStatus.EXPIRED,
        progress=100,
    )
    client.force_login(admin)
    html = client.get(reverse("exports:detail", kwargs={"pk": job.pk})).content.decode()
    assert f"Exports are kept for {settings.EXPORT_KEEP_DAYS} days" in html
    assert ("hx-get" in html, reverse("exports:download", kwargs={"pk": job.pk}) in html) == (
        False,
        False,
    )
    assert client.get(reverse("exports:download", kwargs={"pk": job.pk})).status_code == 404


def test_reviewer_sees_and_downloads_only_their_regions_exports(client, act_world, admin):
    own = done_job(act_world=act_world, user=admin, region=act_world.region)
    other = done_job(act_world=act_world, user=admin, region=act_world.other_ics.region)
    national = done_job(act_world=act_world, user=admin, region=None)
    client.force_login(act_world.reviewer)
    listing = client.get(reverse("exports:list")).content.decode()
    assert [f'data-export="{job.pk}"' in listing for job in (own, other, national)] == [
        True,
        False,
        False,
    ]
    for job, status in ((own, 200), (other, 404), (national, 404)):
        assert client.get(reverse("exports:download", kwargs={"pk": job.pk})).status_code == status
        assert client.get(reverse("exports:detail", kwargs={"pk": job.pk})).status_code == status


def test_export_list_query_count_does_not_grow_with_the_exports(client, act_world, admin):
    client.force_login(admin)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("exports:list")).status_code == 200
        return len(queries)

    for _ in range(3):
        done_job(act_world=act_world, user=admin, region=act_world.region)
    small = count()
    for i in range(30):
        done_job(
            act_world=act_world,
            user=user_with_role(Role.NATIONAL_ADMIN, username=f"admin-{i}"),
            region=None if i % 2 else act_world.region,
        )
    assert (count(), small <= 20) == (small, True)
