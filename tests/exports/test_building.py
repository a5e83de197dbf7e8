from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone

from accounts.models import Role
from exports import tasks
from exports.building import VALUE_HEADER, export_build, exports_expire, exports_sweep
from exports.models import ExportJob, ExportKind, ExportStatus
from exports.services import export_request
from planning.models import Organisation
from submissions.models import ReturnValue, Version
from tests.checked_returns import checked_version, submitted_version
from tests.exports.support import built, sheet_rows, zip_contents
from tests.factories import user_with_role


@pytest.fixture
def admin(act_world):
    return user_with_role(Role.NATIONAL_ADMIN, username="admin")


def stored_values(version: Version) -> list[tuple]:
    return list(
        ReturnValue.objects.filter(version=version)
        .order_by("id")
        .values_list(
            "sheet",
            "organisation_code",
            "organisation_kind",
            "measure",
            "period",
            "is_baseline",
            "value",
        )
    )


def test_consolidation_holds_every_submitted_value_with_its_identifiers(act_world, admin):
    ours = submitted_version(submission=act_world.submission, user=act_world.lead)
    theirs = submitted_version(
        submission=act_world.other_submission, user=act_world.outsider, seed=3
    )
    job = built(user=admin, kind=ExportKind.CONSOLIDATION, act_world=act_world)
    header, *rows = sheet_rows(job, "Values")
    assert header == VALUE_HEADER
    by_org = {"QHM": [], "QMJ": []}
    for row in rows:
        by_org[row[3]].append(row)
    assert [row[13:] for row in by_org["QHM"]] == [tuple(v) for v in stored_values(ours)]
    assert [row[13:] for row in by_org["QMJ"]] == [tuple(v) for v in stored_values(theirs)]
    first = by_org["QHM"][0]
    assert first[:11] == (
        "2021/22",
        "ACT",
        "draft",
        "QHM",
        "North East and North Cumbria",
        "Integrated Care System",
        "North East and Yorkshire",
        "Submitted",
        True,
        1,
        ours.template_version,
    )
    assert (job.status, job.row_count, job.file_count, job.progress) == (
        ExportStatus.DONE,
        len(rows),
        2,
        100,
    )


def test_consolidation_lists_included_and_missing_organisations_and_leaves_drafts_out(
    act_world, admin
):
    submitted_version(submission=act_world.submission, user=act_world.lead)
    checked_version(submission=act_world.other_submission, user=act_world.outsider)
    job = built(user=admin, kind=ExportKind.CONSOLIDATION, act_world=act_world)
    organisations = sheet_rows(job, "Organisations")[1:]
    assert [(row[0], row[4], row[5], row[6]) for row in organisations] == [
        ("QMJ", "Valid", "no", None),
        ("QHM", "Submitted", "yes", 1),
    ]
    assert {row[3] for row in sheet_rows(job, "Values")[1:]} == {"QHM"}


def test_consolidation_shows_the_servers_erf_estimate_of_each_submitted_return(act_world, admin):
    version = submitted_version(submission=act_world.submission, user=act_world.lead)
    job = built(user=admin, kind=ExportKind.CONSOLIDATION, act_world=act_world)
    rows = sheet_rows(job, "Organisations")
    version.refresh_from_db()
    erf = rows[0].index("erf_estimate_gbp")
    assert {row[0]: (row[erf] if len(row) > erf else None) for row in rows[1:]} == {
        "QMJ": None,
        "QHM": float(version.erf_total),
    }
    assert version.erf_total > 0


def test_regional_consolidation_holds_its_region_only(act_world):
    submitted_version(submission=act_world.submission, user=act_world.lead)
    submitted_version(submission=act_world.other_submission, user=act_world.outsider)
    job = built(
        user=act_world.reviewer,
        kind=ExportKind.CONSOLIDATION,
        act_world=act_world,
        region=act_world.region,
    )
    assert [row[0] for row in sheet_rows(job, "Organisations")[1:]] == ["QHM"]
    assert {row[3] for row in sheet_rows(job, "Values")[1:]} == {"QHM"}


def test_exports_neutralise_formulas_in_names(act_world, admin):
    Organisation.objects.filter(pk=act_world.ics.pk).update(
        name='=HYPERLINK("http://evil.example","x")'
    )
    submitted_version(
        submission=act_world.submission, user=act_world.lead, filename="=cmd|'/c calc'!A1.xlsx"
    )
    consolidation = built(user=admin, kind=ExportKind.CONSOLIDATION, act_world=act_world)
    files = built(user=admin, kind=ExportKind.FILES, act_world=act_world, collection=None)
    values = sheet_rows(consolidation, "Values")[1]
    organisations = next(
        row for row in sheet_rows(consolidation, "Organisations") if row[0] == "QHM"
    )
    _, manifest = zip_contents(files)
    assert (values[4], organisations[1]) == ("'" + '=HYPERLINK("http://evil.example","x")',) * 2
    assert (manifest[0]["organisation_name"], manifest[0]["original_name"]) == (
        "'" + '=HYPERLINK("http://evil.example","x")',
        "'=cmd|'/c calc'!A1.xlsx",
    )


def test_files_zip_holds_every_submitted_file_byte_for_byte_with_a_manifest(act_world, admin):
    ours = submitted_version(
        submission=act_world.submission, user=act_world.lead, filename="Our Plan.XLSX"
    )
    theirs = submitted_version(
        submission=act_world.other_submission, user=act_world.outsider, seed=2
    )
    # A newer draft of ours is checked but not submitted: the zip holds what was signed off.
    checked_version(submission=act_world.submission, user=act_world.lead, seed=9)
    job = built(user=admin, kind=ExportKind.FILES, act_world=act_world, collection=None)
    members, manifest = zip_contents(job)
    paths = ["QHM/QHM_ACT_draft_v1.xlsx", "QMJ/QMJ_ACT_draft_v1.xlsx"]
    assert sorted(members) == paths
    for path, version in zip(paths, (ours, theirs), strict=True):
        with Version.objects.get(pk=version.pk).file.open("rb") as stream:
            assert members[path] == stream.read()
    assert sorted(
        (row["path"], row["sha256"], row["size"], row["matches_record"]) for row in manifest
    ) == [
        (path, version.sha256, str(version.size), "yes")
        for path, version in zip(paths, (ours, theirs), strict=True)
    ]
    assert ours.original_name == "Our Plan.XLSX"


def test_files_zip_names_members_from_the_detected_format_not_the_uploaded_name(act_world, admin):
    version = submitted_version(
        submission=act_world.submission, user=act_world.lead, filename="Our Plan.XLSX"
    )
    # As a version stored before names were checked could be called.
    Version.objects.filter(pk=version.pk).update(original_name="plan.html")
    job = built(user=admin, kind=ExportKind.FILES, act_world=act_world, collection=None)
    members, manifest = zip_contents(job)
    assert (list(members), manifest[0]["sha256"]) == (["QHM/QHM_ACT_draft_v1.xlsx"], version.sha256)


def test_export_build_twice_makes_one_file_and_one_done_job(act_world, admin):
    submitted_version(submission=act_world.submission, user=act_world.lead)
    job = built(user=admin, kind=ExportKind.CONSOLIDATION, act_world=act_world)
    assert export_build(job_id=job.pk) is None
    _, files = default_storage.listdir(f"exports/{job.pk}")
    job.refresh_from_db()
    assert (files, job.status, job.attempts) == (
        [job.file.name.rsplit("/", 1)[-1]],
        ExportStatus.DONE,
        1,
    )


def test_export_build_by_a_superseded_attempt_keeps_no_file(act_world, admin, monkeypatch):
    job = export_request(
        user=admin,
        kind=ExportKind.FILES,
        planning_round=act_world.act.planning_round,
        collection=None,
        region=None,
    )
    from exports import building

    real = building._write_files_zip

    def overtaken(**kwargs):
        # The sweeper re-sends the job while this attempt is still writing.
        ExportJob.objects.filter(pk=job.pk).update(attempts=5)
        return real(**kwargs)

    monkeypatch.setattr(building, "_write_files_zip", overtaken)
    assert export_build(job_id=job.pk) is None
    assert default_storage.listdir(f"exports/{job.pk}") == ([], [])


def test_exports_sweep_requeues_stuck_jobs_and_fails_them_after_the_last_attempt(
    act_world, admin, settings
):
    long_ago = timezone.now() - dt.timedelta(hours=2)
    stuck = export_request(
        user=admin,
        kind=ExportKind.FILES,
        planning_round=act_world.act.planning_round,
        collection=None,
        region=None,
    )
    spent = export_request(
        user=admin,
        kind=ExportKind.FILES,
        planning_round=act_world.act.planning_round,
        collection=None,
        region=None,
    )
    waiting = export_request(
        user=admin,
        kind=ExportKind.FILES,
        planning_round=act_world.act.planning_round,
        collection=None,
        region=None,
    )
    ExportJob.objects.filter(pk=stuck.pk).update(
        status=ExportStatus.RUNNING, attempts=1, started_at=long_ago
    )
    ExportJob.objects.filter(pk=spent.pk).update(
        status=ExportStatus.RUNNING, started_at=long_ago, attempts=settings.EXPORT_MAX_ATTEMPTS
    )
    ExportJob.objects.filter(pk=waiting.pk).update(queued_at=long_ago)
    assert exports_sweep() == {"requeued": 2, "failed": 1}
    assert exports_sweep() == {"requeued": 0, "failed": 0}
    statuses = dict(ExportJob.objects.values_list("pk", "status"))
    assert (statuses[stuck.pk], statuses[spent.pk], statuses[waiting.pk]) == (
        ExportStatus.QUEUED,
        ExportStatus.FAILED,
        ExportStatus.QUEUED,
    )
    assert export_build(job_id=stuck.pk) == ExportStatus.DONE


def test_export_request_keeps_reviewers_to_their_regions(act_world):
    planning_round = act_world.act.planning_round
    with pytest.raises(PermissionDenied):
        export_request(
            user=act_world.reviewer,
            kind=ExportKind.FILES,
            planning_round=planning_round,
            collection=None,
            region=None,
        )
    with pytest.raises(PermissionDenied):
        export_request(
            user=act_world.reviewer,
            kind=ExportKind.FILES,
            planning_round=planning_round,
            collection=None,
            region=act_world.other_ics.region,
        )
    with pytest.raises(ValidationError):
        export_request(
            user=act_world.reviewer,
            kind=ExportKind.CONSOLIDATION,
            planning_round=planning_round,
            collection=None,
            region=act_world.region,
        )
    assert ExportJob.objects.count() == 0


def test_exports_expire_deletes_old_files_and_keeps_the_job_marked_expired(
    act_world, admin, settings
):
    old = built(user=admin, kind=ExportKind.FILES, act_world=act_world)
    recent = built(user=admin, kind=ExportKind.FILES, act_world=act_world)
    old_name = old.file.name
    ExportJob.objects.filter(pk=old.pk).update(
        finished_at=timezone.now() - dt.timedelta(days=settings.EXPORT_KEEP_DAYS, minutes=1)
    )
    assert (exports_expire(), exports_expire()) == (1, 0)
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.status, old.file.name, default_storage.exists(old_name)) == (
        ExportStatus.EXPIRED,
        "",
        False,
    )
    assert (recent.status, default_storage.exists(recent.file.name)) == (ExportStatus.DONE, True)


def test_export_that_keeps_failing_is_retried_then_failed_with_a_message(
    act_world, admin, monkeypatch, settings
):
    from exports import building

    job = export_request(
        user=admin,
        kind=ExportKind.FILES,
        planning_round=act_world.act.planning_round,
        collection=None,
        region=None,
    )
    sent = []
    monkeypatch.setattr(building, "_write_files_zip", lambda **kwargs: 1 / 0)
    monkeypatch.setattr(tasks.build_export, "apply_async", lambda args, retry: sent.append(args))
    for _ in range(settings.EXPORT_MAX_ATTEMPTS + 1):
        assert export_build(job_id=job.pk) is None
    job.refresh_from_db()
    assert (job.status, len(sent), job.message) == (
        ExportStatus.FAILED,
        settings.EXPORT_MAX_ATTEMPTS,
        building.FAILED_MESSAGE.format(attempts=settings.EXPORT_MAX_ATTEMPTS),
    )
    assert (job.file.name, default_storage.exists(f"exports/{job.pk}")) == ("", False)
