"""The one table of how a round's status may change, and the one function that changes it.

A round is drafted (copied, or installed from its definition) where only national admins see it,
published to the organisations that owe its returns, and closed once it is history. Making a
round current is separate: it chooses which published round organisations land on.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record

from .models import PlanningRound
from .models import RoundStatus as R


class RoundAction(models.TextChoices):
    # The values are the audit actions, so the audit trail names each change.
    PUBLISH = AuditAction.ROUND_PUBLISHED.value, "Publish"
    CLOSE = AuditAction.ROUND_CLOSED.value, "Close"


@dataclass(frozen=True)
class RoundTransition:
    sources: frozenset[str]
    target: str


ROUND_TRANSITIONS: dict[str, RoundTransition] = {
    RoundAction.PUBLISH: RoundTransition(frozenset({R.DRAFT}), R.PUBLISHED),
    # A closed round stays readable as history; the current round cannot be closed.
    RoundAction.CLOSE: RoundTransition(frozenset({R.PUBLISHED}), R.CLOSED),
}


def round_actions_allowed(*, planning_round: PlanningRound) -> list[str]:
    return [
        action
        for action, rule in ROUND_TRANSITIONS.items()
        if planning_round.status in rule.sources
        and not (action == RoundAction.CLOSE and planning_round.is_current)
    ]


def round_may_be_made_current(*, planning_round: PlanningRound) -> bool:
    return planning_round.status == R.PUBLISHED and not planning_round.is_current


@transaction.atomic
def round_transition(
    *, planning_round: PlanningRound, action: str, user: User | None, request=None
) -> PlanningRound:
    """Move the round by `action` only if its status still allows it, and audit the change."""
    rule = ROUND_TRANSITIONS[action]
    fields: dict = {"status": rule.target}
    if action == RoundAction.PUBLISH:
        fields |= {"published_at": timezone.now(), "published_by": user}
    guard = {"is_current": False} if action == RoundAction.CLOSE else {}
    before = planning_round.status
    updated = PlanningRound.objects.filter(
        pk=planning_round.pk, status__in=rule.sources, **guard
    ).update(**fields)
    if not updated:
        planning_round.refresh_from_db()
        raise ValidationError(
            f"{planning_round.name} is {planning_round.get_status_display().lower()}"
            f"{' and current' if planning_round.is_current else ''}, so it cannot be "
            f"{R(rule.target).label.lower()} now. Reload the page to see it as it is."
        )
    for name, value in fields.items():
        setattr(planning_round, name, value)
    audit_record(
        action=action,
        actor=user,
        obj=planning_round,
        before={"status": before},
        after={"status": rule.target},
        request=request,
    )
    return planning_round
