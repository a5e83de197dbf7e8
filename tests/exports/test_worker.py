from __future__ import annotations

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role
from exports.models import ExportJob, ExportStatus
from tests.checked_returns import submitted_version
from tests.factories import user_with_role
from tests.worker_support import wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_export_requested_in_the_browser_is_built_by_a_real_worker(client, act_world, worker):
    version = submitted_version(submission=act_world.submission, user=act_world.lead)
    admin = user_with_role(Role.NATIONAL_ADMIN, username="admin")
    client.force_login(admin)
    response = client.post(
        reverse("exports:request"),
        {
            "kind": "consolidation",
            "planning_round": act_world.act.planning_round.pk,
            "collection": act_world.act.pk,
            "region": "",
        },
    )
    assert response.status_code == 302
    job = wait_for(
        lambda: ExportJob.objects.filter(
            status__in=[ExportStatus.DONE, ExportStatus.FAILED]
        ).first()
    )
    assert (job.status, job.file_count, job.row_count) == (
        ExportStatus.DONE,
        1,
        version.values.count(),
    )
    download = client.get(reverse("exports:download", kwargs={"pk": job.pk}))
    path = f"{worker.env['DJANGO_MEDIA_ROOT']}/{job.file.name}"
    with open(path, "rb") as stream:
        assert b"".join(download.streaming_content) == stream.read()
    assert load_workbook(path, read_only=True).sheetnames == ["About", "Values", "Organisations"]
