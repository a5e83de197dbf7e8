"""The one way tests make a return in a given state: through the real services (upload,
validation, sign-off, review), as people and the worker do, so every audit event, notice and
stored value a test meets is the one production makes."""

from __future__ import annotations

import datetime as dt
import io

from accounts.models import User
from reviews.services import decision_record
from submissions.models import Submission, SubmissionStatus, Version
from submissions.services import submission_submit, template_context, version_create
from submissions.validation import version_validate
from workbooks.sample import make_sample_return

EXPLANATION = "The plan reflects a service change agreed with partners."
STATES = ("uploaded", "valid", "invalid", "submitted", "approved", "changes_requested")


def version_in_state(
    *,
    submission: Submission,
    state: str,
    user: User,
    reviewer: User | None = None,
    data: bytes | None = None,
    seed: int = 0,
    errors: int = 0,
    filename: str = "plan.xlsx",
    at: dt.datetime | None = None,
) -> Version:
    """A new version of `submission` that has brought the return to `state` (one of STATES):
    uploaded by `user`, checked, signed off by `user` at `at`, decided on by `reviewer`."""
    assert state in STATES, f"no such state {state}"
    if data is None:
        data = make_sample_return(
            context=template_context(submission=submission),
            seed=seed,
            errors=errors or (1 if state == "invalid" else 0),
        )
    version = version_create(
        submission=submission, user=user, stream=io.BytesIO(data), filename=filename
    ).version
    if state != "uploaded":
        version_validate(version_id=version.pk)
    version.refresh_from_db()
    submission.refresh_from_db()
    if state in ("uploaded", "valid", "invalid"):
        return version
    signed_off(submission=submission, version=version, user=user, at=at)
    if state != SubmissionStatus.SUBMITTED:
        decision_record(
            submission=submission,
            version=version,
            reviewer=reviewer,
            kind="approve" if state == "approved" else "request_changes",
            comment="" if state == "approved" else "The workforce plan needs another look.",
        )
    submission.refresh_from_db()
    return version


def signed_off(
    *, submission: Submission, version: Version, user: User, at: dt.datetime | None = None
) -> None:
    """Submit a checked version with its warnings explained and the declaration agreed."""
    submission_submit(
        submission=submission,
        version=version,
        user=user,
        declaration=True,
        explanations={
            finding.pk: EXPLANATION for finding in version.findings.filter(severity="warning")
        },
        now=at,
    )


def checked_version(
    *,
    submission: Submission,
    user: User,
    seed: int = 0,
    errors: int = 0,
    filename: str = "plan.xlsx",
) -> Version:
    return version_in_state(
        submission=submission,
        state="invalid" if errors else "valid",
        user=user,
        seed=seed,
        errors=errors,
        filename=filename,
    )


def submitted_version(
    *,
    submission: Submission,
    user: User,
    seed: int = 0,
    at: dt.datetime | None = None,
    filename: str = "plan.xlsx",
) -> Version:
    return version_in_state(
        submission=submission, state="submitted", user=user, seed=seed, at=at, filename=filename
    )
