"""Returns in a reviewable state, made through the real upload, validation and submit services."""

from __future__ import annotations

import io

import openpyxl
import time_machine
from django.core.files.base import ContentFile

from submissions.models import Submission, SubmissionStatus, Version, VersionStatus
from submissions.services import submission_submit, version_create
from submissions.validation import version_validate
from tests.factories import london


def submit(*, submission: Submission, user, data: bytes, name: str = "plan.xlsx") -> Version:
    """Upload, validate and submit `data` as the next version of `submission`."""
    outcome = version_create(
        submission=submission, user=user, stream=io.BytesIO(data), filename=name
    )
    version_validate(version_id=outcome.version.pk)
    outcome.version.refresh_from_db()
    submission.refresh_from_db()
    assert outcome.version.status == VersionStatus.VALID, list(
        outcome.version.findings.values_list("message")
    )
    explanations = {
        f.pk: "Planned service change explains this value."
        for f in outcome.version.findings.filter(severity="warning")
    }
    with time_machine.travel(london(2021, 5, 5)):
        submission_submit(
            submission=submission,
            version=outcome.version,
            user=user,
            declaration=True,
            explanations=explanations,
        )
    submission.refresh_from_db()
    return outcome.version


def stored_version(
    *,
    submission: Submission,
    number: int,
    data: bytes,
    user,
    status: str = VersionStatus.VALID,
    template_version: str = "",
) -> Version:
    """A version written straight to the database, for tests about reading versions, not making
    them."""
    version = Version(
        submission=submission,
        number=number,
        file_format="xlsx",
        sha256=f"{number:064d}",
        size=len(data),
        original_name=f"v{number}.xlsx",
        uploaded_by=user,
        status=status,
        template_version=template_version,
    )
    version.file.save("upload", ContentFile(data), save=False)
    version.save()
    return version


def put_in_state(*, submission: Submission, state: str, version: Version) -> Submission:
    """Move a return straight to `state`; a decided-on or submitted return carries its submitted
    version."""
    has_submitted = state in (
        SubmissionStatus.SUBMITTED,
        SubmissionStatus.APPROVED,
        SubmissionStatus.CHANGES_REQUESTED,
    )
    Submission.objects.filter(pk=submission.pk).update(
        status=state, current_version=version, submitted_version=version if has_submitted else None
    )
    submission.refresh_from_db()
    return submission


def edited(data: bytes, changes: dict[tuple[str, str], object]) -> bytes:
    """`data` saved through openpyxl with `changes` ((sheet, cell) -> value) applied."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    for (sheet, cell), value in changes.items():
        workbook[sheet][cell] = value
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def cell_value(data: bytes, sheet: str, cell: str):
    return openpyxl.load_workbook(io.BytesIO(data))[sheet][cell].value
