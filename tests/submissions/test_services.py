from __future__ import annotations

import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from planning.services import deadline_extension_grant
from submissions.models import Finding, Severity, Submission, SubmissionStatus, Version, VersionStatus
from submissions.services import SubmitRefused, submission_submit, version_create
from submissions.validation import version_validate
from tests.factories import london


def upload(world, data: bytes, *, user=None, name: str = "plan.xlsx"):
    return version_create(submission=world.submission, user=user or world.lead, stream=io.BytesIO(data), filename=name)


def validated(world, data: bytes, **kwargs) -> Version:
    outcome = upload(world, data, **kwargs)
    version_validate(version_id=outcome.version.pk)
    outcome.version.refresh_from_db()
    world.submission.refresh_from_db()
    return outcome.version


def test_version_create_stores_the_bytes_under_a_generated_name(world, django_capture_on_commit_callbacks):
    data = world.sample()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        outcome = upload(world, data, name="Our plan FINAL (2).xlsx")
    version = outcome.version
    assert (version.number, version.status, version.size, version.original_name) == (
        1, VersionStatus.QUEUED, len(data), "Our plan FINAL (2).xlsx"
    )
    assert "Our plan" not in version.file.name
    with version.file.open("rb") as stream:
        assert stream.read() == data
    assert len(callbacks) == 1
    world.submission.refresh_from_db()
    assert (world.submission.status, world.submission.current_version_id) == (SubmissionStatus.UPLOADED, version.pk)


def test_version_create_says_so_for_identical_bytes(world):
    data = world.sample()
    first = upload(world, data)
    second = upload(world, data)
    assert (second.duplicate, second.version.pk) == (True, first.version.pk)
    assert "identical to version 1" in second.message
    assert Version.objects.filter(submission=world.submission).count() == 1


def test_version_create_numbers_versions_in_order(world):
    upload(world, world.sample(seed=1))
    outcome = upload(world, world.sample(seed=2))
    assert outcome.version.number == 2


@pytest.mark.parametrize(
    "data, name",
    [
        (b"MZ\x90\x00" + b"\x00" * 200, "plan.xlsx"),
        (b"", "plan.xlsx"),
        (b"%PDF-1.7\n%%EOF\n", "plan.pdf"),
    ],
)
def test_version_create_rejects_bad_files_and_changes_nothing(world, data, name):
    with pytest.raises(ValidationError):
        upload(world, data, name=name)
    world.submission.refresh_from_db()
    assert (world.submission.status, Version.objects.count()) == (SubmissionStatus.NOT_STARTED, 0)


def test_version_create_refuses_a_user_of_another_organisation(world):
    with pytest.raises(PermissionDenied):
        upload(world, world.sample(), user=world.outsider)


def test_version_create_refuses_uploads_after_a_closing_deadline(world):
    world.act.closes_at_deadline = True
    world.act.save()
    with time_machine.travel(london(2021, 5, 6, 12, 1)), pytest.raises(ValidationError):
        upload(world, world.sample())


def test_version_validate_marks_a_clean_return_valid(world):
    version = validated(world, world.sample())
    assert (version.status, version.error_count, version.progress, version.attempts) == (VersionStatus.VALID, 0, 100, 1)
    assert world.submission.status == SubmissionStatus.VALID


def test_version_validate_records_planted_errors_as_findings(world):
    version = validated(world, world.sample(errors=3))
    assert (version.status, version.error_count) == (VersionStatus.INVALID, 3)
    assert Finding.objects.filter(version=version, severity=Severity.ERROR).count() == 3
    assert world.submission.status == SubmissionStatus.INVALID


def test_version_validate_twice_changes_nothing(world):
    version = validated(world, world.sample(errors=2))
    assert version_validate(version_id=version.pk) is None
    assert Finding.objects.filter(version=version).count() == version.error_count + version.warning_count


def test_an_older_version_finishing_late_does_not_move_the_status(world):
    old = upload(world, world.sample(errors=1, seed=1)).version
    new = upload(world, world.sample(seed=2)).version
    version_validate(version_id=new.pk)
    version_validate(version_id=old.pk)
    world.submission.refresh_from_db()
    assert (world.submission.status, world.submission.current_version_id) == (SubmissionStatus.VALID, new.pk)


def _explain_all(version: Version) -> dict[int, str]:
    return {f.pk: "Planned service change explains this value." for f in version.findings.filter(severity="warning")}


def test_submission_submit_signs_off_a_valid_version(world):
    version = validated(world, world.sample())
    with time_machine.travel(london(2021, 5, 5)):
        submission_submit(submission=world.submission, version=version, user=world.lead, declaration=True,
                          explanations=_explain_all(version))
    submission = Submission.objects.get(pk=world.submission.pk)
    assert (submission.status, submission.submitted_version_id, submission.submitted_by, submission.is_late) == (
        SubmissionStatus.SUBMITTED, version.pk, world.lead, False
    )
    assert "collective intentions" in submission.declaration
    assert submission.submitted_role == "System lead"


def test_submission_submit_after_the_deadline_is_accepted_and_late(world):
    version = validated(world, world.sample())
    with time_machine.travel(london(2021, 5, 7)):
        submission_submit(submission=world.submission, version=version, user=world.lead, declaration=True,
                          explanations=_explain_all(version))
    assert Submission.objects.get(pk=world.submission.pk).is_late is True


def test_submission_submit_within_an_extension_is_not_late(world):
    deadline_extension_grant(collection=world.act, organisation=world.ics, deadline=london(2021, 5, 10),
                             reason="Board meeting moved", granted_by=world.reviewer)
    version = validated(world, world.sample())
    with time_machine.travel(london(2021, 5, 7)):
        submission_submit(submission=world.submission, version=version, user=world.lead, declaration=True,
                          explanations=_explain_all(version))
    assert Submission.objects.get(pk=world.submission.pk).is_late is False


def test_submission_submit_refuses_a_closed_collection_after_its_deadline(world):
    version = validated(world, world.sample())
    world.act.closes_at_deadline = True
    world.act.save()
    with time_machine.travel(london(2021, 5, 7)), pytest.raises(ValidationError):
        submission_submit(submission=world.submission, version=version, user=world.lead, declaration=True,
                          explanations=_explain_all(version))


def test_submission_submit_needs_the_declaration(world):
    version = validated(world, world.sample())
    with pytest.raises(ValidationError) as error:
        submission_submit(submission=world.submission, version=version, user=world.lead, declaration=False,
                          explanations=_explain_all(version))
    assert list(error.value.message_dict) == ["declaration"]


def test_submission_submit_refuses_a_version_with_errors(world):
    version = validated(world, world.sample(errors=1))
    with pytest.raises(SubmitRefused):
        submission_submit(submission=world.submission, version=version, user=world.lead, declaration=True,
                          explanations={})


def test_submission_submit_refuses_a_superseded_version(world):
    old = validated(world, world.sample(seed=1))
    validated(world, world.sample(seed=2))
    with pytest.raises(SubmitRefused, match="Version 2 was uploaded after version 1"):
        submission_submit(submission=world.submission, version=old, user=world.lead, declaration=True,
                          explanations=_explain_all(old))


def test_submission_submit_is_for_signatories_only(world):
    version = validated(world, world.sample())
    with pytest.raises(PermissionDenied):
        submission_submit(submission=world.submission, version=version, user=world.submitter, declaration=True,
                          explanations=_explain_all(version))


def test_submission_submit_needs_every_warning_explained(world):
    version = validated(world, world.sample())
    warning = Finding.objects.create(version=version, severity=Severity.WARNING, rule="ACT.BAND", sheet="Activity",
                                     cell="H12", value="250", message="More than 20% above the 2019/20 baseline.")
    with pytest.raises(ValidationError) as error:
        submission_submit(submission=world.submission, version=version, user=world.lead, declaration=True,
                          explanations={warning.pk: "ok"})
    assert "1 of 1 warning still need" in error.value.message_dict["explanations"][0]
    submission_submit(submission=world.submission, version=version, user=world.lead, declaration=True,
                      explanations={warning.pk: "A new day-case unit opens in June."})
    warning.refresh_from_db()
    assert warning.explanation == "A new day-case unit opens in June."
