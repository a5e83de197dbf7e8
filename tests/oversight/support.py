"""Returns in a given state for dashboard tests, written straight to the database: the dashboard
reads statuses, not files."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from planning.models import Collection, Organisation
from submissions.models import Submission, SubmissionStatus, Version, VersionStatus
from tests.factories import london

BEFORE_DEADLINE = london(2021, 5, 1)  # the world's collection is due 6 May 2021 at noon
AFTER_DEADLINE = london(2021, 5, 10)


def in_state(
    *,
    collection: Collection,
    organisation: Organisation,
    status: str,
    is_late: bool = False,
    uploader,
    version_status: str = VersionStatus.VALID,
    erf_total: Decimal | None = None,
) -> Submission:
    submission, _ = Submission.objects.get_or_create(
        collection=collection, organisation=organisation
    )
    version = None
    if status != SubmissionStatus.NOT_STARTED:
        version = Version.objects.create(
            submission=submission,
            number=submission.versions.count() + 1,
            file="returns/test/plan.xlsx",
            file_format="xlsx",
            sha256="0" * 64,
            size=1,
            original_name="plan.xlsx",
            status=version_status,
            uploaded_by=uploader,
            erf_total=erf_total,
        )
    submitted = status in SubmissionStatus.REACHED_REGION
    Submission.objects.filter(pk=submission.pk).update(
        status=status,
        is_late=is_late,
        current_version=version,
        submitted_at=collection.deadline + dt.timedelta(hours=1 if is_late else -1)
        if submitted
        else None,
    )
    submission.refresh_from_db()
    return submission
