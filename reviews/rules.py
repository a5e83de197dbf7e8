"""Who may review, comment on and endorse returns (the 2021/22 implementation guidance §5.4). Deny
by default."""

from __future__ import annotations

import rules

from accounts.rules import is_national_admin, is_regional_reviewer
from planning.definitions import collection_definition
from planning.models import OrganisationType
from planning.rules import is_member_of_organisation
from submissions.rules import can_review_submission, is_system_lead_of_submission, state_allows
from submissions.transitions import Action


def needs_endorsement(submission) -> bool:
    """A provider's return of a collection the round's definition marks "endorsed by system" (the
    maternity return) goes to the region only with its system's endorsement."""
    if submission.organisation.org_type != OrganisationType.PROVIDER:
        return False
    item = collection_definition(collection=submission.collection)
    return bool(item and item.endorsed_by_system)


@rules.predicate
def is_member_of_submitting_organisation(user, submission) -> bool:
    return submission is not None and is_member_of_organisation(user, submission.organisation)


@rules.predicate
def endorsement_applies(user, submission) -> bool:
    return submission is not None and needs_endorsement(submission)


can_see_review_queue = is_national_admin | is_regional_reviewer
can_view_review = is_national_admin | can_review_submission
can_decide_on_submission = can_review_submission
can_comment_on_submission = can_review_submission | is_member_of_submitting_organisation
can_endorse_submission = endorsement_applies & is_system_lead_of_submission
# National admins may reopen too: Django admin's "Reopen approved returns" is theirs.
can_reopen_submission = is_national_admin | can_review_submission
# What the review page offers now: the role rule and the transition table together.
can_decide_now = can_decide_on_submission & state_allows(Action.APPROVE)
can_reopen_now = can_reopen_submission & state_allows(Action.REOPEN)
can_endorse_now = can_endorse_submission & state_allows(Action.APPROVE)

rules.add_perm("reviews.see_queue", can_see_review_queue)
rules.add_perm("reviews.view_review", can_view_review)
rules.add_perm("reviews.decide", can_decide_on_submission)
rules.add_perm("reviews.comment", can_comment_on_submission)
rules.add_perm("reviews.endorse", can_endorse_submission)
rules.add_perm("reviews.reopen", can_reopen_submission)
rules.add_perm("reviews.decide_now", can_decide_now)
rules.add_perm("reviews.reopen_now", can_reopen_now)
rules.add_perm("reviews.endorse_now", can_endorse_now)
