"""Who may see and act on returns. Builds on the organisation predicates of planning.rules."""

from __future__ import annotations

import rules

from planning.rules import can_view_organisation, is_reviewer_of_organisation

from .selectors import (
    may_name_provider,
    may_upload,
    named_provider_acts_for,
    signing_capacity,
    submit_refusal,
)


@rules.predicate
def can_view_submission(user, submission) -> bool:
    return submission is not None and (
        can_view_organisation(user, submission.organisation)
        or named_provider_acts_for(user=user, submission=submission)
    )


@rules.predicate
def can_name_provider(user, submission) -> bool:
    return submission is not None and may_name_provider(user=user, submission=submission)


@rules.predicate
def can_upload_to_submission(user, submission) -> bool:
    return submission is not None and may_upload(user=user, submission=submission)


@rules.predicate
def can_submit_submission(user, submission) -> bool:
    return submission is not None and signing_capacity(user=user, submission=submission) is not None


@rules.predicate
def can_submit_version(user, version) -> bool:
    """A signatory may submit any version of the return checked without errors, if it is not the
    one already submitted and the return is not approved."""
    return (
        version is not None
        and can_submit_submission(user, version.submission)
        and not submit_refusal(submission=version.submission, version=version)
    )


@rules.predicate
def can_review_submission(user, submission) -> bool:
    return submission is not None and is_reviewer_of_organisation(user, submission.organisation)


rules.add_perm("submissions.view_submission", can_view_submission)
rules.add_perm("submissions.upload_version", can_upload_to_submission)
rules.add_perm("submissions.submit_submission", can_submit_submission)
rules.add_perm("submissions.review_submission", can_review_submission)
rules.add_perm("submissions.submit_version", can_submit_version)
rules.add_perm("submissions.name_provider", can_name_provider)
