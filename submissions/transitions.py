"""The one table of how a return's status may change, and the one function that changes it.

Every entry point (browser, API, admin, Celery) calls `transition`. The change is a conditional
UPDATE on the current status (and any guard), so two people acting at once cannot both win: the
second gets `TransitionConflict` instead of silently overwriting the first.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils import timezone

from .models import Submission
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
class Transition:
    sources: frozenset[str]
    target: str


_EDITABLE = frozenset(
    {S.NOT_STARTED, S.UPLOADED, S.VALIDATING, S.INVALID, S.VALID, S.CHANGES_REQUESTED}
)

TRANSITIONS: dict[str, Transition] = {
    Action.UPLOAD: Transition(_EDITABLE, S.UPLOADED),
    # A submitted return stays submitted while a newer draft is uploaded and checked: only
    # submitting another version replaces it. An approved return must be reopened first.
    Action.UPLOAD_DRAFT: Transition(frozenset({S.SUBMITTED}), S.SUBMITTED),
    Action.START_VALIDATION: Transition(frozenset({S.UPLOADED}), S.VALIDATING),
    Action.PASS_VALIDATION: Transition(frozenset({S.UPLOADED, S.VALIDATING}), S.VALID),
    Action.FAIL_VALIDATION: Transition(frozenset({S.UPLOADED, S.VALIDATING}), S.INVALID),
    # Any version checked without errors may be submitted, so the return's own status (which
    # follows its newest upload) does not block submitting an earlier one.
    Action.SUBMIT: Transition(_EDITABLE, S.SUBMITTED),
    Action.RESUBMIT: Transition(frozenset({S.SUBMITTED}), S.SUBMITTED),
    Action.APPROVE: Transition(frozenset({S.SUBMITTED}), S.APPROVED),
    Action.REQUEST_CHANGES: Transition(frozenset({S.SUBMITTED}), S.CHANGES_REQUESTED),
    Action.REOPEN: Transition(frozenset({S.APPROVED}), S.CHANGES_REQUESTED),
}


class TransitionConflict(Exception):
    """The return was not in a state that allows the action (or changed meanwhile)."""

    def __init__(self, *, action: str, status: str):
        self.action = action
        self.status = status
        super().__init__(
            f"Cannot {Action(action).label.lower()} a return that is {S(status).label.lower()}. "
            "Reload the page to see its current state."
        )


def allowed_actions(*, status: str) -> list[str]:
    return [action for action, transition in TRANSITIONS.items() if status in transition.sources]


def transition(
    *, submission: Submission, action: str, guard: dict | None = None, **fields
) -> Submission:
    """Move the submission by `action`, also writing `fields`, only if its status (and `guard`,
    extra column conditions) still hold in the database. Updates `submission` in place."""
    rule = TRANSITIONS[action]
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
    return submission
