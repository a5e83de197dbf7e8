from __future__ import annotations

import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from extensions.services import deadline_extension_grant
from submissions.models import (
    Finding,
    Severity,
    Submission,
    SubmissionStatus,
    Version,
    VersionStatus,
)
from submissions.services import SubmitRefused, submission_submit, version_create
from submissions.validation import version_validate
from tests.factories import london


def upload(act_world, data: bytes, *, user=None, name: str = "plan.xlsx"):
    return version_create(
        submission=act_world.submission,
        user=user or act_world.lead,
        stream=io.BytesIO(data),
        filename=name,
    )


def validated(act_world, data: bytes, **kwargs) -> Version:
    outcome = upload(act_world, data, **kwargs)
    version_validate(version_id=outcome.version.pk)
    outcome.version.refresh_from_db()
    act_world.submission.refresh_from_db()
    return outcome.version


def test_version_create_stores_the_bytes_under_a_generated_name(
    act_world, django_capture_on_commit_callbacks
):
    data = act_world.sample()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        outcome = upload(act_world, data, name="Our plan FINAL (2).xlsx")
    version = outcome.version
    assert (version.number, version.status, version.size, version.original_name) == (
        1,
        VersionStatus.QUEUED,
        len(data),
        "Our plan FINAL (2).xlsx",
    )
    assert "Our plan" not in version.file.name
    with version.file.open("rb") as stream:
        assert stream.read() == data
    assert len(callbacks) == 1
    act_world.submission.refresh_from_db()
    assert (act_world.submission.status, act_world.submission.current_version_id) == (
        SubmissionStatus.UPLOADED,
        version.pk,
    )


def test_version_create_says_so_for_identical_bytes(act_world):
    data = act_world.sample()
    first = upload(act_world, data)
    second = upload(act_world, data)
    assert (second.duplicate, second.version.pk) == (True, first.version.pk)
    assert "identical to version 1" in second.message
    assert Version.objects.filter(submission=act_world.submission).count() == 1


def test_version_create_numbers_versions_in_order(act_world):
    upload(act_world, act_world.sample(seed=1))
    outcome = upload(act_world, act_world.sample(seed=2))
    assert outcome.version.number == 2


@pytest.mark.parametrize(
    "data, name",
    [
        (b"MZ\x90\x00" + b"\x00" * 200, "plan.xlsx"),
        (b"", "plan.xlsx"),
        (b"%PDF-1.7\n%%EOF\n", "plan.pdf"),
    ],
)
def test_version_create_rejects_bad_files_and_changes_nothing(act_world, data, name):
    with pytest.raises(ValidationError):
        upload(act_world, data, name=name)
    act_world.submission.refresh_from_db()
    assert (act_world.submission.status, Version.objects.count()) == (
        SubmissionStatus.NOT_STARTED,
        0,
    )


def test_version_create_refuses_a_user_of_another_organisation(act_world):
    with pytest.raises(PermissionDenied):
        upload(act_world, act_world.sample(), user=act_world.outsider)


def test_version_create_refuses_uploads_after_a_closing_deadline(act_world):
    act_world.act.closes_at_deadline = True
    act_world.act.save()
    with time_machine.travel(london(2021, 5, 6, 12, 1)), pytest.raises(ValidationError):
        upload(act_world, act_world.sample())


def test_version_validate_marks_a_clean_return_valid(act_world):
    version = validated(act_world, act_world.sample())
    assert (version.status, version.error_count, version.progress, version.attempts) == (
        VersionStatus.VALID,
        0,
        100,
        1,
    )
    assert act_world.submission.status == SubmissionStatus.VALID


def test_version_validate_records_planted_errors_as_findings(act_world):
    version = validated(act_world, act_world.sample(errors=3))
    assert (version.status, version.error_count) == (VersionStatus.INVALID, 3)
    assert Finding.objects.filter(version=version, severity=Severity.ERROR).count() == 3
    assert act_world.submission.status == SubmissionStatus.INVALID


def test_version_validate_twice_changes_nothing(act_world):
    version = validated(act_world, act_world.sample(errors=2))
    assert version_validate(version_id=version.pk) is None
    assert (
        Finding.objects.filter(version=version).count()
        == version.error_count + version.warning_count
    )


def test_an_older_version_finishing_late_does_not_move_the_status(act_world):
    old = upload(act_world, act_world.sample(errors=1, seed=1)).version
    new = upload(act_world, act_world.sample(seed=2)).version
    version_validate(version_id=new.pk)
    version_validate(version_id=old.pk)
    act_world.submission.refresh_from_db()
    assert (act_world.submission.status, act_world.submission.current_version_id) == (
        SubmissionStatus.VALID,
        new.pk,
    )


def _explain_all(version: Version) -> dict[int, str]:
    return {
        f.pk: "Planned service change explains this value."
        for f in version.findings.filter(severity="warning")
    }


def test_submission_submit_signs_off_a_valid_version(act_world):
    version = validated(act_world, act_world.sample())
    with time_machine.travel(london(2021, 5, 5)):
        submission_submit(
            submission=act_world.submission,
            version=version,
            user=act_world.lead,
            declaration=True,
            explanations=_explain_all(version),
        )
    submission = Submission.objects.get(pk=act_world.submission.pk)
    assert (
        submission.status,
        submission.submitted_version_id,
        submission.submitted_by,
        submission.is_late,
    ) == (SubmissionStatus.SUBMITTED, version.pk, act_world.lead, False)
    assert "collective intentions" in submission.declaration
    assert submission.submitted_role == "System lead"


def test_submission_submit_after_the_deadline_is_accepted_and_late(act_world):
    version = validated(act_world, act_world.sample())
    with time_machine.travel(london(2021, 5, 7)):
        submission_submit(
            submission=act_world.submission,
            version=version,
            user=act_world.lead,
            declaration=True,
            explanations=_explain_all(version),
        )
    assert Submission.objects.get(pk=act_world.submission.pk).is_late is True


def test_submission_submit_within_an_extension_is_not_late(act_world):
    deadline_extension_grant(
        collection=act_world.act,
        organisation=act_world.ics,
        deadline=london(2021, 5, 10),
        reason="Board meeting moved",
        granted_by=act_world.reviewer,
    )
    version = validated(act_world, act_world.sample())
    with time_machine.travel(london(2021, 5, 7)):
        submission_submit(
            submission=act_world.submission,
            version=version,
            user=act_world.lead,
            declaration=True,
            explanations=_explain_all(version),
        )
    assert Submission.objects.get(pk=act_world.submission.pk).is_late is False


def test_submission_submit_refuses_a_closed_collection_after_its_deadline(act_world):
    version = validated(act_world, act_world.sample())
    act_world.act.closes_at_deadline = True
    act_world.act.save()
    with time_machine.travel(london(2021, 5, 7)), pytest.raises(ValidationError):
        submission_submit(
            submission=act_world.submission,
            version=version,
            user=act_world.lead,
            declaration=True,
            explanations=_explain_all(version),
        )


def test_submission_submit_needs_the_declaration(act_world):
    version = validated(act_world, act_world.sample())
    with pytest.raises(ValidationError) as error:
        submission_submit(
            submission=act_world.submission,
            version=version,
            user=act_world.lead,
            declaration=False,
            explanations=_explain_all(version),
        )
    assert list(error.value.message_dict) == ["declaration"]


def test_submission_submit_refuses_a_version_with_errors(act_world):
    version = validated(act_world, act_world.sample(errors=1))
    with pytest.raises(SubmitRefused):
        submission_submit(
            submission=act_world.submission,
            version=version,
            user=act_world.lead,
            declaration=True,
            explanations={},
        )


def submit(act_world, version: Version) -> Submission:
    return submission_submit(
        submission=act_world.submission,
        version=version,
        user=act_world.lead,
        declaration=True,
        explanations=_explain_all(version),
    )


def test_submission_submit_accepts_an_earlier_version_when_the_newest_has_errors(act_world):
    good = validated(act_world, act_world.sample(seed=1))
    newest = validated(act_world, act_world.sample(errors=1, seed=2))
    submit(act_world, good)
    submission = Submission.objects.get(pk=act_world.submission.pk)
    assert (
        submission.status,
        submission.submitted_version_id,
        submission.current_version_id,
    ) == (SubmissionStatus.SUBMITTED, good.pk, newest.pk)


def test_a_new_upload_leaves_a_submitted_return_submitted(act_world):
    submitted = validated(act_world, act_world.sample(seed=1))
    submit(act_world, submitted)
    draft = validated(act_world, act_world.sample(errors=1, seed=2))
    submission = Submission.objects.get(pk=act_world.submission.pk)
    assert (
        submission.status,
        submission.submitted_version_id,
        submission.current_version_id,
        draft.status,
    ) == (SubmissionStatus.SUBMITTED, submitted.pk, draft.pk, VersionStatus.INVALID)


def test_submitting_a_newer_version_replaces_the_submitted_one(act_world):
    submit(act_world, validated(act_world, act_world.sample(seed=1)))
    newer = validated(act_world, act_world.sample(seed=2))
    submit(act_world, newer)
    submission = Submission.objects.get(pk=act_world.submission.pk)
    assert (submission.status, submission.submitted_version_id) == (
        SubmissionStatus.SUBMITTED,
        newer.pk,
    )


def test_submission_submit_refuses_the_version_already_submitted(act_world):
    version = validated(act_world, act_world.sample())
    submit(act_world, version)
    with pytest.raises(SubmitRefused, match="Version 1 is already submitted"):
        submit(act_world, version)


def test_a_new_upload_after_the_deadline_does_not_make_a_submitted_return_late(act_world):
    with time_machine.travel(london(2021, 5, 5)):
        submit(act_world, validated(act_world, act_world.sample(seed=1)))
    with time_machine.travel(london(2021, 5, 8)):
        validated(act_world, act_world.sample(seed=2))
    submission = Submission.objects.get(pk=act_world.submission.pk)
    assert (submission.status, submission.is_late) == (SubmissionStatus.SUBMITTED, False)


def test_submission_submit_is_for_signatories_only(act_world):
    version = validated(act_world, act_world.sample())
    with pytest.raises(PermissionDenied):
        submission_submit(
            submission=act_world.submission,
            version=version,
            user=act_world.submitter,
            declaration=True,
            explanations=_explain_all(version),
        )


def test_submission_submit_needs_every_warning_explained(act_world):
    version = validated(act_world, act_world.sample())
    warning = Finding.objects.create(
        version=version,
        severity=Severity.WARNING,
        rule="ACT.BAND",
        sheet="Activity",
        cell="H12",
        value="250",
        message="More than 20% above the 2019/20 baseline.",
    )
    with pytest.raises(ValidationError) as error:
        submission_submit(
            submission=act_world.submission,
            version=version,
            user=act_world.lead,
            declaration=True,
            explanations={warning.pk: "ok"},
        )
    assert "1 of 1 warning still need" in error.value.message_dict["explanations"][0]
    submission_submit(
        submission=act_world.submission,
        version=version,
        user=act_world.lead,
        declaration=True,
        explanations={warning.pk: "A new day-case unit opens in June."},
    )
    warning.refresh_from_db()
    assert warning.explanation == "A new day-case unit opens in June."
