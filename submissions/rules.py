"""Who may see and act on returns, and what they may do now. Builds on the organisation predicates
of planning.rules; "now" comes from the transition table, so no view or template compares statuses.

Each action has two permissions: the role rule alone ("submissions.upload_version": is this
person's return to upload to?), which views use to answer 404, and the role rule combined with
the table ("submissions.upload_version_now"), which pages use to offer the action. A person with
the role asking at the wrong moment gets the service's conflict message, not a 404."""

from __future__ import annotations

import rules

from accounts.selectors import user_scope

from .selectors import (
    may_name_provider,
    may_upload,
    may_view_submission,
    signing_capacity,
    submit_refusal,
)
from .transitions import Action
from .transitions import state_allows as table_allows


def state_allows(action: str) -> rules.Predicate:
    """The return's status lets `action` happen now."""

    def allows(user, submission) -> bool:
        return submission is not None and table_allows(status=submission.status, action=action)

    return rules.predicate(allows, name=f"state_allows_{action}")


@rules.predicate
def is_system_lead_of_submission(user, submission) -> bool:
    """The lead of the system the return was placed in on its round's reference date."""
    return (
        submission is not None
        and submission.system_id is not None
        and submission.system_id in user_scope(user=user).lead_ics_ids
    )


@rules.predicate
def can_view_submission(user, submission) -> bool:
    return submission is not None and may_view_submission(user=user, submission=submission)


@rules.predicate
def is_reviewer_of_submission(user, submission) -> bool:
    return (
        submission is not None and submission.region_id in user_scope(user=user).reviewer_region_ids
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


# A submitted return takes a newer draft (upload_draft) and another version (resubmit) too.
can_upload_now = can_upload_to_submission & (
    state_allows(Action.UPLOAD) | state_allows(Action.UPLOAD_DRAFT)
)
can_submit_now = can_submit_submission & (
    state_allows(Action.SUBMIT) | state_allows(Action.RESUBMIT)
)

rules.add_perm("submissions.view_submission", can_view_submission)
rules.add_perm("submissions.upload_version", can_upload_to_submission)
rules.add_perm("submissions.upload_version_now", can_upload_now)
rules.add_perm("submissions.submit_submission", can_submit_submission)
rules.add_perm("submissions.submit_now", can_submit_now)
rules.add_perm("submissions.review_submission", can_review_submission)
rules.add_perm("submissions.submit_version", can_submit_version)
rules.add_perm("submissions.name_provider", can_name_provider)
