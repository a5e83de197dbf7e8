"""Reviewing a return: decisions, comments and endorsements. Every status change goes through
`submissions.transitions.transition`, guarded on the version decided on, so a decision never
lands on a version that was withdrawn or replaced while the reviewer was reading it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse

from accounts.models import User
from accounts.selectors import users_of_organisation, users_reviewing_region
from audit.services import audit_record
from core.exceptions import Conflict
from notifications.services import notify
from submissions.models import Submission, SubmissionStatus, Version
from submissions.transitions import Action, TransitionConflict, state_allows, transition

from . import rules as review_rules
from .models import Comment, CommentSide, Decision, DecisionKind, Endorsement
from .selectors import APPROVE, ENDORSE, four_eyes_refusal

MAX_CELL_LENGTH = 20


class DecisionConflict(Conflict):
    """The decision is about a version that is no longer the one awaiting review."""


_ACTIONS = {
    DecisionKind.APPROVE: Action.APPROVE,
    DecisionKind.REQUEST_CHANGES: Action.REQUEST_CHANGES,
}


def _awaiting_decision(*, submission: Submission, version: Version) -> bool:
    return (
        state_allows(status=submission.status, action=Action.APPROVE)
        and submission.submitted_version_id == version.pk
    )


def _stale_message(*, submission: Submission, version: Version) -> str:
    if submission.submitted_version_id and submission.submitted_version_id != version.pk:
        return (
            f"Version {version.number} is no longer the submitted version: version "
            f"{submission.submitted_version.number} was submitted since. Reload the page and "
            f"review that one."
        )
    return (
        f"Version {version.number} is not awaiting a decision: the return is "
        f"{SubmissionStatus(submission.status).label.lower()}. Reload the page to see its current "
        f"state."
    )


def _notify_organisation(*, submission: Submission, subject: str, body: str) -> None:
    notify(
        recipients=users_of_organisation(organisation_id=submission.organisation_id),
        kind="review",
        subject=subject,
        body=body,
        url=reverse("submissions:detail", kwargs={"pk": submission.pk}),
    )


def decision_record(
    *,
    submission: Submission,
    version: Version,
    reviewer: User,
    kind: str,
    comment: str = "",
    request=None,
) -> Decision:
    """Approve, request changes on, or comment on the submitted version."""
    if not review_rules.can_decide_on_submission(reviewer, submission):
        raise PermissionDenied(
            "Only a reviewer of the organisation's region can decide on this return."
        )
    if version.submission_id != submission.pk:
        raise ValidationError({"version": "That version belongs to another return."})
    comment = comment.strip()
    if kind not in (DecisionKind.APPROVE, DecisionKind.REQUEST_CHANGES, DecisionKind.COMMENT):
        raise ValidationError({"decision": "Choose approve, request changes or comment."})
    if kind == DecisionKind.REQUEST_CHANGES and not comment:
        raise ValidationError(
            {"comment": "Say what needs to change: the organisation sees this reason."}
        )
    if kind == DecisionKind.COMMENT and not comment:
        raise ValidationError({"comment": "Write the comment."})
    if not _awaiting_decision(submission=submission, version=version):
        raise DecisionConflict(_stale_message(submission=submission, version=version))
    if kind == DecisionKind.APPROVE:
        refusal = four_eyes_refusal(
            user=reviewer, submission=submission, version=version, action=APPROVE
        )
        if refusal:
            raise PermissionDenied(refusal)
    if kind == DecisionKind.APPROVE and review_rules.needs_endorsement(submission):
        if not Endorsement.objects.filter(version=version).exists():
            raise DecisionConflict(
                f"Version {version.number} cannot be approved yet: a provider's maternity return "
                f"needs its "
                "system lead's endorsement first. Ask the system lead to endorse it on the return "
                "page."
            )
    with transaction.atomic():
        decision = Decision.objects.create(
            submission=submission, version=version, reviewer=reviewer, kind=kind, comment=comment
        )
        if kind in _ACTIONS:
            try:
                transition(
                    submission=submission,
                    action=_ACTIONS[kind],
                    actor=reviewer,
                    reason=comment,
                    version=version,
                    audit_object=decision,
                    guard={"submitted_version": version},
                    request=request,
                )
            except TransitionConflict:
                submission.refresh_from_db()
                raise DecisionConflict(
                    _stale_message(submission=submission, version=version)
                ) from None
        else:
            # A comment on the version leaves the status as it is: recorded and sent here.
            audit_record(
                action="review.comment",
                actor=reviewer,
                obj=decision,
                submission_id=submission.pk,
                organisation_code=submission.organisation.ods_code,
                before={"status": submission.status},
                after={"status": submission.status, "version": version.number},
                detail=comment,
                request=request,
            )
            _notify_organisation(
                submission=submission,
                subject=f"{submission.collection.title} version {version.number} commented on",
                body=f"Your regional team commented on version {version.number} of "
                f"{submission.collection}. {comment}",
            )
    return decision


def submission_reopen(
    *, submission: Submission, reviewer: User, reason: str, request=None
) -> Decision:
    """Send an approved return back to the organisation so a new version can be uploaded."""
    if not review_rules.can_reopen_submission(reviewer, submission):
        raise PermissionDenied(
            "Only a reviewer of the organisation's region or a national admin can reopen this "
            "return."
        )
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"reason": "Say why the return is reopened: the organisation sees this reason."}
        )
    version = submission.submitted_version
    if version is None:
        raise DecisionConflict(
            "This return has no submitted version to reopen. Reload the page to see its current "
            "state."
        )
    with transaction.atomic():
        decision = Decision.objects.create(
            submission=submission,
            version=version,
            reviewer=reviewer,
            kind=DecisionKind.REOPEN,
            comment=reason,
        )
        try:
            transition(
                submission=submission,
                action=Action.REOPEN,
                actor=reviewer,
                reason=reason,
                version=version,
                audit_object=decision,
                guard={"submitted_version": version},
                request=request,
            )
        except TransitionConflict as conflict:
            raise DecisionConflict(conflict.message) from None
    return decision


def comment_add(
    *,
    submission: Submission,
    author: User,
    text: str,
    version: Version | None = None,
    sheet: str = "",
    cell: str = "",
    parent: Comment | None = None,
    request=None,
) -> Comment:
    """Add to the return's thread. A reviewer's comment goes to the organisation; the
    organisation's goes to the region's reviewers and puts the return in their "waiting" list."""
    if not review_rules.can_comment_on_submission(author, submission):
        raise PermissionDenied("You cannot comment on this return.")
    text, sheet, cell = text.strip(), sheet.strip(), cell.strip().upper().replace("$", "")
    problems = {}
    if not text:
        problems["text"] = "Write the comment."
    if version is not None and version.submission_id != submission.pk:
        problems["version"] = "That version belongs to another return."
    if parent is not None and parent.submission_id != submission.pk:
        problems["parent"] = "That comment belongs to another return."
    if cell and not sheet:
        problems["sheet"] = "Name the sheet the cell is on."
    if len(cell) > MAX_CELL_LENGTH or (
        cell and not (cell.rstrip("0123456789").isalpha() and cell[-1].isdigit())
    ):
        problems["cell"] = "Enter a cell reference like F12."
    if problems:
        raise ValidationError(problems)
    side = (
        CommentSide.REGION
        if review_rules.can_decide_on_submission(author, submission)
        else CommentSide.ORGANISATION
    )
    with transaction.atomic():
        comment = Comment.objects.create(
            submission=submission,
            version=version,
            author=author,
            side=side,
            text=text,
            sheet=sheet,
            cell=cell,
            parent=parent,
        )
        where = f" ({sheet}!{cell})" if cell else (f" ({sheet})" if sheet else "")
        audit_record(
            action="review.comment",
            actor=author,
            obj=comment,
            submission_id=submission.pk,
            organisation_code=submission.organisation.ods_code,
            after={"version": version.number if version else None, "sheet": sheet, "cell": cell},
            detail=text,
            request=request,
        )
        subject = f"New comment on {submission.title}{where}"
        body = f"{author.get_full_name() or author.get_username()} wrote: {text}"
        if side == CommentSide.REGION:
            _notify_organisation(submission=submission, subject=subject, body=body)
        else:
            notify(
                recipients=users_reviewing_region(region_id=submission.organisation.region_id),
                kind="review",
                subject=subject,
                body=body,
                url=reverse("reviews:detail", kwargs={"pk": submission.pk}),
            )
    return comment


def endorsement_record(
    *, submission: Submission, version: Version, user: User, request=None
) -> Endorsement:
    """The system lead endorses the submitted version of a provider's maternity return (the 2021/22
    implementation guidance
    §5.4)."""
    if not review_rules.can_endorse_submission(user, submission):
        raise PermissionDenied(
            "Only the system lead of the provider's ICS can endorse this return."
        )
    refusal = four_eyes_refusal(user=user, submission=submission, version=version, action=ENDORSE)
    if refusal:
        raise PermissionDenied(refusal)
    if not _awaiting_decision(submission=submission, version=version):
        raise DecisionConflict(
            f"Version {version.number} is not the submitted version awaiting review, so it cannot "
            f"be endorsed. "
            "Reload the page to see the current state."
        )
    with transaction.atomic():
        endorsement, created = Endorsement.objects.get_or_create(
            version=version, defaults={"submission": submission, "endorsed_by": user}
        )
        if created:
            audit_record(
                action="review.endorse",
                actor=user,
                obj=endorsement,
                submission_id=submission.pk,
                organisation_code=submission.organisation.ods_code,
                after={"version": version.number},
                request=request,
            )
            notify(
                recipients=users_reviewing_region(region_id=submission.organisation.region_id),
                kind="review",
                subject=f"{submission.title} endorsed",
                body=f"The system lead endorsed version {version.number}; it can now be approved.",
                url=reverse("reviews:detail", kwargs={"pk": submission.pk}),
            )
    return endorsement
