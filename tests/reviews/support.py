"""Returns in a reviewable state, made through the real upload, validation and submit services."""

from __future__ import annotations

import io

import openpyxl
import time_machine
from django.core.files.base import ContentFile

from submissions.models import Submission, SubmissionStatus, Version, VersionStatus
from tests.checked_returns import signed_off, version_in_state
from tests.factories import london


def submit(*, submission: Submission, user, data: bytes, name: str = "plan.xlsx") -> Version:
    """Upload, validate and submit `data` as the next version of `submission`, before the
    deadline."""
    version = version_in_state(
        submission=submission, state="valid", user=user, data=data, filename=name
    )
    assert version.status == VersionStatus.VALID, list(version.findings.values_list("message"))
    with time_machine.travel(london(2021, 5, 5)):
        signed_off(submission=submission, version=version, user=user)
    submission.refresh_from_db()
    return version


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
