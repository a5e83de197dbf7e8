"""The one table of how a return's status may change, and the one function that changes it.

Every entry point (browser, API, Django admin, Celery) calls `transition`, and `transition` does
everything a change of status brings with it: a conditional UPDATE on the current status (and any
guard), so two people acting at once cannot both win (the second gets `TransitionConflict`); one
audit event saying who, why and from what to what; and the notices the change sends. No caller
records or notifies a status change itself, so none can forget to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.selectors import users_of_organisation, users_reviewing_region
from audit.models import AuditAction
from audit.services import audit_record
from core.exceptions import Conflict
from notifications.services import notify

from .models import Submission, Version
from .models import SubmissionStatus as S


class Action(models.TextChoices):
    UPLOAD = "upload", "Upload a version"
    UPLOAD_DRAFT = "upload_draft", "Upload a newer draft of a submitted return"
    START_VALIDATION = "start_validation", "Start validation"
    PASS_VALIDATION = "pass_validation", "Validation passed"
    FAIL_VALIDATION = "fail_validation", "Validation failed"
    SUBMIT = "submit", "Submit"
    RESUBMIT = "resubmit", "Submit another version"
    APPROVE = "approve", "Approve"
    REQUEST_CHANGES = "request_changes", "Request changes"
    REOPEN = "reopen", "Reopen"


@dataclass(frozen=True)
class Change:
    """One status change as it happened: what the audit event and the notices are made from."""

    submission: Submission
    action: str
    actor: User | None
    reason: str
    version: Version | None


def _return_url(submission: Submission) -> str:
    return reverse("submissions:detail", kwargs={"pk": submission.pk})


def _notify_submitted(change: Change) -> None:
    """The organisation's people (linking to the return) and the region's reviewers (linking to
    the review page, where they act): the return has reached the region."""
    submission, version, actor = change.submission, change.version, change.actor
    organisation = submission.organisation
    late = " (late)" if submission.is_late else ""
    message = {
        "kind": "submitted",
        "subject": f"{submission.collection.title} submitted by {organisation.name}",
        "body": (
            f"{actor.get_full_name() or actor.get_username()} submitted version {version.number} "
            f"of {submission.title}{late}."
        ),
        "dedupe_key": f"submitted:{submission.pk}:{version.pk}",
    }
    reviewers = users_reviewing_region(region_id=organisation.region_id)
    reviewer_ids = {reviewer.pk for reviewer in reviewers}
    notify(
        recipients=[
            member
            for member in users_of_organisation(organisation_id=organisation.pk)
            if member.pk not in reviewer_ids
        ],
        url=_return_url(submission),
        **message,
    )
    notify(
        recipients=reviewers, url=reverse("reviews:detail", kwargs={"pk": submission.pk}), **message
    )


def _notify_organisation(change: Change, *, subject: str, body: str) -> None:
    notify(
        recipients=users_of_organisation(organisation_id=change.submission.organisation_id),
        kind="review",
        subject=subject,
        body=body,
        url=_return_url(change.submission),
    )


def _notify_decided(verb: str) -> Callable[[Change], None]:
    """The organisation's people: the region decided on their version, and why."""

    def send(change: Change) -> None:
        collection, number = change.submission.collection, change.version.number
        reason = f" {change.reason}" if change.reason else ""
        _notify_organisation(
            change,
            subject=f"{collection.title} version {number} {verb}",
            body=f"Your regional team {verb} version {number} of {collection}.{reason}",
        )

    return send


def _notify_reopened(change: Change) -> None:
    collection = change.submission.collection
    _notify_organisation(
        change,
        subject=f"{collection.title} reopened",
        body=f"Your regional team reopened {collection}: {change.reason}",
    )


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    audit_action: str
    notice: Callable[[Change], None] | None = None
    needs_reason: bool = False


TRANSITIONS: dict[str, Transition] = {
    Action.UPLOAD: Transition(S.OPEN, S.UPLOADED, AuditAction.UPLOAD),
    # A submitted return stays submitted while a newer draft is uploaded and checked: only
    # submitting another version replaces it. An approved return must be reopened first.
    Action.UPLOAD_DRAFT: Transition(frozenset({S.SUBMITTED}), S.SUBMITTED, AuditAction.UPLOAD),
    Action.START_VALIDATION: Transition(
        frozenset({S.UPLOADED}), S.VALIDATING, AuditAction.VALIDATION_STARTED
    ),
    # The version's own "check finished" notice goes out whether or not the return moves.
    Action.PASS_VALIDATION: Transition(
        frozenset({S.UPLOADED, S.VALIDATING}), S.VALID, AuditAction.VALIDATION_FINISHED
    ),
    Action.FAIL_VALIDATION: Transition(
        frozenset({S.UPLOADED, S.VALIDATING}), S.INVALID, AuditAction.VALIDATION_FINISHED
    ),
    # Any version checked without errors may be submitted, so the return's own status (which
    # follows its newest upload) does not block submitting an earlier one.
    Action.SUBMIT: Transition(S.OPEN, S.SUBMITTED, AuditAction.SUBMIT, notice=_notify_submitted),
    Action.RESUBMIT: Transition(
        frozenset({S.SUBMITTED}), S.SUBMITTED, AuditAction.SUBMIT, notice=_notify_submitted
    ),
    Action.APPROVE: Transition(
        frozenset({S.SUBMITTED}),
        S.APPROVED,
        "review.approve",
        notice=_notify_decided("approved"),
    ),
    Action.REQUEST_CHANGES: Transition(
        frozenset({S.SUBMITTED}),
        S.CHANGES_REQUESTED,
        "review.request_changes",
        notice=_notify_decided("sent back for changes"),
        needs_reason=True,
    ),
    Action.REOPEN: Transition(
        frozenset({S.APPROVED}),
        S.CHANGES_REQUESTED,
        "review.reopen",
        notice=_notify_reopened,
        needs_reason=True,
    ),
}


class TransitionConflict(Conflict):
    """The return was not in a state that allows the action (or changed meanwhile)."""

    def __init__(self, *, action: str, status: str):
        self.action = action
        self.status = status
        super().__init__(
            f"Cannot {Action(action).label.lower()} a return that is {S(status).label.lower()}. "
            "Reload the page to see its current state."
        )


def allowed_actions(*, status: str) -> list[str]:
    return [action for action, rule in TRANSITIONS.items() if status in rule.sources]


def state_allows(*, status: str, action: str) -> bool:
    """Whether the table lets a return in `status` take `action` (who may is a rules predicate)."""
    return status in TRANSITIONS[action].sources


def transition(
    *,
    submission: Submission,
    action: str,
    actor: User | None,
    reason: str = "",
    version: Version | None = None,
    audit_object: models.Model | None = None,
    facts: dict[str, Any] | None = None,
    guard: dict | None = None,
    request=None,
    **fields,
) -> Submission:
    """Move the submission by `action`, also writing `fields`, only if its status (and `guard`,
    extra column conditions) still hold in the database; then record the audit event and queue the
    notices, in the caller's transaction. `actor` is None for the portal's own work (validation).
    `version` is the version the change is about; `audit_object` (default: the version, else the
    return) and `facts` (added to the event's "after") describe it. Updates `submission` in
    place."""
    rule = TRANSITIONS[action]
    reason = reason.strip()
    if rule.needs_reason and not reason:
        raise ValueError(f"{action} needs a reason the organisation can read.")
    before = submission.status
    now = timezone.now()
    updated = Submission.objects.filter(
        pk=submission.pk, status__in=rule.sources, **(guard or {})
    ).update(status=rule.target, updated_at=now, **fields)
    if updated == 0:
        current = (
            Submission.objects.filter(pk=submission.pk).values_list("status", flat=True).first()
        )
        raise TransitionConflict(action=action, status=current or submission.status)
    submission.status = rule.target
    submission.updated_at = now
    for name, value in fields.items():
        setattr(submission, name, value)
    after = {"status": rule.target}
    if version is not None:
        after["version"] = version.number
    audit_record(
        action=rule.audit_action,
        actor=actor,
        obj=audit_object or version or submission,
        submission_id=submission.pk,
        organisation_code=submission.organisation.ods_code,
        before={"status": before},
        after=after | (facts or {}),
        detail=reason,
        request=request,
    )
    if rule.notice is not None:
        rule.notice(
            Change(
                submission=submission, action=action, actor=actor, reason=reason, version=version
            )
        )
    return submission
