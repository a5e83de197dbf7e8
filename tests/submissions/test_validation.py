from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from submissions.models import Submission, SubmissionStatus, Version, VersionStatus
from submissions.services import version_create
from submissions.validation import version_fail, version_validate, versions_sweep


def queued_version(act_world) -> Version:
    return version_create(submission=act_world.submission, user=act_world.lead, stream=io.BytesIO(act_world.sample()),
                          filename="plan.xlsx").version


def test_version_validate_fails_after_the_last_attempt(act_world, settings):
    version = queued_version(act_world)
    Version.objects.filter(pk=version.pk).update(status=VersionStatus.RUNNING, attempts=settings.VALIDATION_MAX_ATTEMPTS)
    assert version_validate(version_id=version.pk) is None
    version.refresh_from_db()
    assert version.status == VersionStatus.FAILED
    assert "could not check this file" in version.message
    assert Submission.objects.get(pk=act_world.submission.pk).status == SubmissionStatus.INVALID


def test_versions_sweep_requeues_a_version_whose_worker_died(act_world):
    version = queued_version(act_world)
    long_ago = timezone.now() - dt.timedelta(minutes=30)
    Version.objects.filter(pk=version.pk).update(status=VersionStatus.RUNNING, attempts=1, started_at=long_ago)
    assert versions_sweep() == {"requeued": 1, "failed": 0}
    assert Version.objects.get(pk=version.pk).status == VersionStatus.QUEUED
    assert version_validate(version_id=version.pk) == VersionStatus.VALID
    assert Version.objects.get(pk=version.pk).attempts == 2


def test_versions_sweep_requeues_a_version_never_picked_up(act_world):
    version = queued_version(act_world)
    Version.objects.filter(pk=version.pk).update(queued_at=timezone.now() - dt.timedelta(minutes=30))
    assert versions_sweep() == {"requeued": 1, "failed": 0}
    assert versions_sweep() == {"requeued": 0, "failed": 0}


def test_versions_sweep_leaves_recent_work_alone(act_world):
    version = queued_version(act_world)
    Version.objects.filter(pk=version.pk).update(status=VersionStatus.RUNNING, attempts=1, started_at=timezone.now())
    assert versions_sweep() == {"requeued": 0, "failed": 0}


def test_versions_sweep_fails_a_version_out_of_attempts(act_world, settings):
    version = queued_version(act_world)
    long_ago = timezone.now() - dt.timedelta(minutes=30)
    Version.objects.filter(pk=version.pk).update(
        status=VersionStatus.RUNNING, attempts=settings.VALIDATION_MAX_ATTEMPTS, started_at=long_ago
    )
    assert versions_sweep() == {"requeued": 0, "failed": 1}
    assert Version.objects.get(pk=version.pk).status == VersionStatus.FAILED


def finished_events(version: Version) -> list[dict]:
    return list(AuditEvent.objects.filter(action=AuditAction.VALIDATION_FINISHED, object_type="submissions.Version",
                                          object_id=str(version.pk)).values_list("after", flat=True))


def test_version_validate_audits_the_result_once_when_delivered_twice(act_world):
    version = queued_version(act_world)
    assert version_validate(version_id=version.pk) == VersionStatus.VALID
    assert version_validate(version_id=version.pk) is None
    assert finished_events(version) == [{"status": "valid", "attempt": 1, "errors": 0, "warnings": 0}]


def test_version_validate_audits_no_result_for_an_attempt_that_lost_the_version(act_world):
    version = queued_version(act_world)
    Version.objects.filter(pk=version.pk).update(status=VersionStatus.RUNNING, attempts=1)
    assert version_fail(version_id=version.pk, attempt=2, message="stale attempt") is None
    assert finished_events(version) == []
    assert Version.objects.get(pk=version.pk).status == VersionStatus.RUNNING
