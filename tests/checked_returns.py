"""Returns uploaded, checked and signed off through the real services, for charts and exports
tests."""

from __future__ import annotations

import datetime as dt
import io

from accounts.models import User
from submissions.models import Submission, Version
from submissions.services import submission_submit, template_context, version_create
from submissions.validation import version_validate
from workbooks.sample import make_sample_return


def checked_version(
    *,
    submission: Submission,
    user: User,
    seed: int = 0,
    errors: int = 0,
    filename: str = "plan.xlsx",
) -> Version:
    data = make_sample_return(
        context=template_context(submission=submission), seed=seed, errors=errors
    )
    version = version_create(
        submission=submission, user=user, stream=io.BytesIO(data), filename=filename
    ).version
    version_validate(version_id=version.pk)
    version.refresh_from_db()
    return version


def submitted_version(
    *,
    submission: Submission,
    user: User,
    seed: int = 0,
    at: dt.datetime | None = None,
    filename: str = "plan.xlsx",
) -> Version:
    version = checked_version(submission=submission, user=user, seed=seed, filename=filename)
    submission.refresh_from_db()
    explanations = {
        finding.pk: "The plan reflects a service change agreed with partners."
        for finding in version.findings.filter(severity="warning")
    }
    submission_submit(
        submission=submission,
        version=version,
        user=user,
        declaration=True,
        explanations=explanations,
        now=at,
    )
    return version
