from __future__ import annotations

import datetime as dt
import io
import resource
import time

from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from erf.returns import erf_estimate_of_return
from submissions import validation
from submissions.models import ReturnValue, Submission, SubmissionStatus, Version, VersionStatus
from submissions.services import template_context, version_create
from submissions.validation import version_fail, version_validate, versions_sweep
from workbooks import validate as workbooks_validate
from workbooks.sample import make_sample_return


def queued_version(act_world) -> Version:
    return version_create(
        submission=act_world.submission,
        user=act_world.lead,
        stream=io.BytesIO(act_world.sample()),
        filename="plan.xlsx",
    ).version


def test_version_validate_fails_after_the_last_attempt(act_world, settings):
    version = queued_version(act_world)
    Version.objects.filter(pk=version.pk).update(
        status=VersionStatus.RUNNING, attempts=settings.VALIDATION_MAX_ATTEMPTS
    )
    assert version_validate(version_id=version.pk) is None
    version.refresh_from_db()
    assert version.status == VersionStatus.FAILED
    assert "could not check this file" in version.message
    assert Submission.objects.get(pk=act_world.submission.pk).status == SubmissionStatus.INVALID


def test_versions_sweep_requeues_a_version_whose_worker_died(act_world):
    version = queued_version(act_world)
    long_ago = timezone.now() - dt.timedelta(minutes=30)
    Version.objects.filter(pk=version.pk).update(
        status=VersionStatus.RUNNING, attempts=1, started_at=long_ago
    )
    assert versions_sweep() == {"requeued": 1, "failed": 0}
    assert Version.objects.get(pk=version.pk).status == VersionStatus.QUEUED
    assert version_validate(version_id=version.pk) == VersionStatus.VALID
    assert Version.objects.get(pk=version.pk).attempts == 2


def test_versions_sweep_requeues_a_version_never_picked_up(act_world):
    version = queued_version(act_world)
    Version.objects.filter(pk=version.pk).update(
        queued_at=timezone.now() - dt.timedelta(minutes=30)
    )
    assert versions_sweep() == {"requeued": 1, "failed": 0}
    assert versions_sweep() == {"requeued": 0, "failed": 0}


def test_versions_sweep_leaves_recent_work_alone(act_world):
    version = queued_version(act_world)
    Version.objects.filter(pk=version.pk).update(
        status=VersionStatus.RUNNING, attempts=1, started_at=timezone.now()
    )
    assert versions_sweep() == {"requeued": 0, "failed": 0}


def test_versions_sweep_fails_a_version_out_of_attempts(act_world, settings):
    version = queued_version(act_world)
    long_ago = timezone.now() - dt.timedelta(minutes=30)
    Version.objects.filter(pk=version.pk).update(
        status=VersionStatus.RUNNING, attempts=settings.VALIDATION_MAX_ATTEMPTS, started_at=long_ago
    )
    assert versions_sweep() == {"requeued": 0, "failed": 1}
    assert Version.objects.get(pk=version.pk).status == VersionStatus.FAILED


def test_version_validate_stores_the_returns_values_once(act_world):
    version = queued_version(act_world)
    assert version_validate(version_id=version.pk) == VersionStatus.VALID
    stored = ReturnValue.objects.filter(version=version)
    apr_el = stored.get(organisation_code="QHM", measure="EL-TOT", period="Apr-21")
    providers = stored.filter(organisation_kind="provider", measure="EL-TOT", period="Apr-21")
    assert apr_el.value == sum(providers.values_list("value", flat=True))
    count = stored.count()
    Version.objects.filter(pk=version.pk).update(status=VersionStatus.QUEUED)
    assert version_validate(version_id=version.pk) == VersionStatus.VALID
    assert ReturnValue.objects.filter(version=version).count() == count


def test_version_validate_stores_the_erf_total_of_an_activity_return(act_world):
    version = queued_version(act_world)
    version_validate(version_id=version.pk)
    version.refresh_from_db()
    spec = template_context(submission=act_world.submission).specs[-1]
    with version.file.open("rb") as stream:
        expected = erf_estimate_of_return(
            submission=act_world.submission, data=stream.read(), spec=spec
        ).total
    assert (version.erf_total, version.erf_total > 0) == (expected, True)


def test_version_validate_stores_nothing_from_another_organisations_workbook(act_world):
    theirs = make_sample_return(context=template_context(submission=act_world.other_submission))
    version = version_create(
        submission=act_world.submission,
        user=act_world.lead,
        filename="plan.xlsx",
        stream=io.BytesIO(theirs),
    ).version
    version_validate(version_id=version.pk)
    version.refresh_from_db()
    assert (
        version.status,
        ReturnValue.objects.filter(version=version).count(),
        version.erf_total,
    ) == (VersionStatus.INVALID, 0, None)


def test_version_validate_fails_with_a_message_when_validation_passes_the_memory_cap(
    act_world, settings, monkeypatch
):
    settings.VALIDATION_MEMORY_LIMIT_MB = 64
    before = resource.getrlimit(resource.RLIMIT_AS)

    def blow_up(**_kwargs):
        return bytearray(512 * 1024 * 1024)

    monkeypatch.setattr(validation, "validate_file", blow_up)
    version = queued_version(act_world)

    assert version_validate(version_id=version.pk) == VersionStatus.FAILED
    version.refresh_from_db()
    assert (version.status, version.attempts) == (VersionStatus.FAILED, 1)
    assert version.message == validation.TOO_BIG_MESSAGE.format(megabytes=64)
    assert Submission.objects.get(pk=act_world.submission.pk).status == SubmissionStatus.INVALID
    # The cap is lifted again for whatever the process does next.
    assert resource.getrlimit(resource.RLIMIT_AS) == before
    assert len(bytearray(256 * 1024 * 1024)) == 256 * 1024 * 1024


def test_version_validate_fails_with_a_message_when_validation_passes_the_time_limit(
    act_world, settings, monkeypatch
):
    settings.VALIDATION_SOFT_TIME_LIMIT_SECONDS = 0.2
    real_validate_file = validation.validate_file

    def too_slow(**kwargs):
        time.sleep(5)
        return real_validate_file(**kwargs)

    monkeypatch.setattr(validation, "validate_file", too_slow)
    version = queued_version(act_world)

    assert version_validate(version_id=version.pk) == VersionStatus.FAILED
    version.refresh_from_db()
    assert (version.status, version.attempts, version.message) == (
        VersionStatus.FAILED,
        1,
        validation.TOO_SLOW_MESSAGE.format(seconds=0.2),
    )
    # Finished: a repeated delivery finds nothing to do and does not start it again.
    assert version_validate(version_id=version.pk) is None
    assert Version.objects.get(pk=version.pk).attempts == 1


def test_validation_task_takes_its_time_limits_from_settings(settings):
    from submissions.tasks import validate_version

    assert (validate_version.soft_time_limit, validate_version.time_limit) == (
        None,
        settings.VALIDATION_TIME_LIMIT_SECONDS,
    )
    assert (
        settings.VALIDATION_SOFT_TIME_LIMIT_SECONDS
        < validate_version.time_limit
        < settings.VALIDATION_RUNNING_STALE_SECONDS
    )


def test_time_limit_is_not_swallowed_by_a_parsers_broad_handler(act_world, settings, monkeypatch):
    # Parsers turn any Exception into "the file could not be read"; the alarm must get through them.
    settings.VALIDATION_SOFT_TIME_LIMIT_SECONDS = 0.2

    def slow_open(_stream):
        try:
            time.sleep(5)
        except Exception as error:  # noqa: BLE001 - as broad as calamine's caller in workbooks.validate
            raise ValueError("broken workbook") from error

    monkeypatch.setattr(workbooks_validate.CalamineWorkbook, "from_filelike", slow_open)
    version = queued_version(act_world)
    assert version_validate(version_id=version.pk) == VersionStatus.FAILED
    assert Version.objects.get(pk=version.pk).message == validation.TOO_SLOW_MESSAGE.format(
        seconds=0.2
    )


def test_memory_error_in_a_parser_is_a_limit_not_a_damaged_file(act_world, monkeypatch):
    def exhausted(_stream):
        raise MemoryError()

    monkeypatch.setattr(workbooks_validate.CalamineWorkbook, "from_filelike", exhausted)
    version = queued_version(act_world)
    assert version_validate(version_id=version.pk) == VersionStatus.FAILED
    assert Version.objects.get(pk=version.pk).message.startswith(
        "Checking this file needed more than"
    )


def finished_events(version: Version) -> list[dict]:
    return list(
        AuditEvent.objects.filter(
            action=AuditAction.VALIDATION_FINISHED,
            object_type="submissions.Version",
            object_id=str(version.pk),
        ).values_list("after", flat=True)
    )


def test_version_validate_audits_the_result_once_when_delivered_twice(act_world):
    version = queued_version(act_world)
    assert version_validate(version_id=version.pk) == VersionStatus.VALID
    assert version_validate(version_id=version.pk) is None
    assert finished_events(version) == [
        {
            "status": "valid",
            "version": 1,
            "version_status": "valid",
            "attempt": 1,
            "errors": 0,
            "warnings": 0,
        }
    ]


def test_version_validate_audits_no_result_for_an_attempt_that_lost_the_version(act_world):
    version = queued_version(act_world)
    Version.objects.filter(pk=version.pk).update(status=VersionStatus.RUNNING, attempts=1)
    assert version_fail(version_id=version.pk, attempt=2, message="stale attempt") is None
    assert finished_events(version) == []
    assert Version.objects.get(pk=version.pk).status == VersionStatus.RUNNING
