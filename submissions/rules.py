"""Who may see and act on returns. Builds on the organisation predicates of planning.rules."""

from __future__ import annotations

import rules

from accounts.selectors import user_scope
from planning.rules import is_member_of_organisation, is_national_admin

from .selectors import (
    may_name_provider,
    may_upload,
    named_provider_acts_for,
    signing_capacity,
    submit_refusal,
)


@rules.predicate
def is_system_lead_of_submission(user, submission) -> bool:
    """The lead of the system the return was placed in on its round's reference date."""
    return (
        submission is not None
        and submission.system_id is not None
        and submission.system_id in user_scope(user=user).lead_ics_ids
    )


@rules.predicate
def is_reviewer_of_submission(user, submission) -> bool:
    return (
        submission is not None and submission.region_id in user_scope(user=user).reviewer_region_ids
    )


@rules.predicate
def is_member_of_submission_organisation(user, submission) -> bool:
    return submission is not None and is_member_of_organisation(user, submission.organisation)


@rules.predicate
def is_named_provider_of_submission(user, submission) -> bool:
    return submission is not None and named_provider_acts_for(user=user, submission=submission)


can_view_submission = (
    is_national_admin
    | is_member_of_submission_organisation
    | is_system_lead_of_submission
    | is_reviewer_of_submission
    | is_named_provider_of_submission
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


can_review_submission = is_reviewer_of_submission


rules.add_perm("submissions.view_submission", can_view_submission)
rules.add_perm("submissions.upload_version", can_upload_to_submission)
rules.add_perm("submissions.submit_submission", can_submit_submission)
rules.add_perm("submissions.review_submission", can_review_submission)
rules.add_perm("submissions.submit_version", can_submit_version)
rules.add_perm("submissions.name_provider", can_name_provider)
