"""The review part of the return page, so the submissions app's template needs one line for it."""

from __future__ import annotations

from django import template

from reviews import selectors
from reviews.forms import CommentForm
from reviews.rules import needs_endorsement

register = template.Library()


@register.inclusion_tag("reviews/_return_reviews.html", takes_context=True)
def return_reviews(context, submission):
    user = context["request"].user
    version = submission.submitted_version
    endorsement = (
        selectors.endorsement_of_version(version=version) if needs_endorsement(submission) else None
    )
    return {
        "submission": submission,
        "decisions": selectors.decisions_of_submission(submission=submission),
        "threads": selectors.comment_threads(submission=submission),
        "can_comment": user.has_perm("reviews.comment", submission),
        "comment_form": CommentForm(initial={"version": submission.current_version_id}),
        "needs_endorsement": needs_endorsement(submission),
        "endorsement": endorsement,
        "can_endorse": user.has_perm("reviews.endorse_now", submission) and endorsement is None,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("reviews/_decision_banners.html")
def decision_banners(submissions, linked=False):
    """A notification banner per return whose status rests on a decision, with its reason: at the
    top of the return (one) and of the organisation's returns (each, linked)."""
    submissions = [s for s in submissions if s is not None]
    standing = selectors.standing_decisions(submissions=submissions)
    return {
        "banners": [(s, standing[s.pk]) for s in submissions if s.pk in standing],
        "linked": linked,
    }
