"""Rounds: editing a round's name and dates, choosing the current round, and a provider handing
its sign-off to its system. What creates returns (installing a definition, copying a round,
editing a collection) is `submissions.rounds`."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from accounts.selectors import users_holding_role
from audit.models import AuditAction
from audit.services import audit_changes_apply, audit_record
from notifications.services import notify

from . import rules as planning_rules
from .models import (
    Organisation,
    OrganisationType,
    PlanningRound,
    RoundStatus,
    SignOffDelegation,
)


@transaction.atomic
def round_update(
    *, planning_round: PlanningRound, changed_by: User | None = None, **fields
) -> PlanningRound:
    """Edit a round's name or dates, audited with before and after (publishing and making it
    current have their own services)."""
    audit_changes_apply(
        instance=planning_round, fields=fields, action=AuditAction.ROUND_CHANGED, actor=changed_by
    )
    planning_round.full_clean()
    planning_round.save()
    return planning_round


@transaction.atomic
def round_make_current(
    *, planning_round: PlanningRound, user: User | None = None, request=None
) -> None:
    """Organisations land on this round; only a published round may be current."""
    if planning_round.status != RoundStatus.PUBLISHED:
        raise ValidationError(
            f"Publish {planning_round.name} before making it current: organisations cannot see "
            "a round that is not published."
        )
    if PlanningRound.objects.filter(pk=planning_round.pk, is_current=True).exists():
        return
    previous = list(
        PlanningRound.objects.select_for_update()
        .exclude(pk=planning_round.pk)
        .filter(is_current=True)
        .values_list("name", flat=True)
    )
    PlanningRound.objects.exclude(pk=planning_round.pk).filter(is_current=True).update(
        is_current=False
    )
    made = PlanningRound.objects.filter(pk=planning_round.pk, status=RoundStatus.PUBLISHED).update(
        is_current=True
    )
    if not made:
        raise ValidationError(f"{planning_round.name} changed meanwhile. Reload the page.")
    planning_round.is_current = True
    audit_record(
        action=AuditAction.ROUND_MADE_CURRENT,
        actor=user,
        obj=planning_round,
        before={"current": previous[0] if previous else None},
        after={"current": planning_round.name},
        request=request,
    )


# Sign-off handed to the system -------------------------------------------------------------------


def _check_may_hand_sign_off(*, organisation: Organisation, user: User) -> None:
    if not planning_rules.can_hand_sign_off(user, organisation):
        raise PermissionDenied(
            f"Only a signatory of {organisation.name} (or a national admin) can hand its sign-off "
            "to its system or take it back."
        )


@transaction.atomic
def sign_off_delegation_grant(
    *, organisation: Organisation, granted_by: User, reason: str, request=None
) -> SignOffDelegation:
    """A provider hands the sign-off of its returns to its system from today, until revoked."""
    _check_may_hand_sign_off(organisation=organisation, user=granted_by)
    if organisation.org_type != OrganisationType.PROVIDER or organisation.parent_ics_id is None:
        raise ValidationError("Only a provider that belongs to a system can hand sign-off to it.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the system signs off your returns."})
    system = organisation.parent_ics
    if SignOffDelegation.objects.filter(
        organisation=organisation, system=system, revoked_at__isnull=True
    ).exists():
        raise ValidationError(f"{system.name} already signs off your returns. Reload the page.")
    delegation = SignOffDelegation.objects.create(
        organisation=organisation,
        system=system,
        starts_on=timezone.localdate(),
        reason=reason.strip(),
        granted_by=granted_by,
    )
    audit_record(
        action=AuditAction.SIGN_OFF_DELEGATED,
        actor=granted_by,
        obj=delegation,
        organisation_code=organisation.ods_code,
        after={"system": system.ods_code, "from": delegation.starts_on.isoformat()},
        detail=delegation.reason,
        request=request,
    )
    notify(
        recipients=users_holding_role(role=Role.SYSTEM_LEAD, organisation_id=system.pk),
        kind="sign_off_delegation",
        subject=f"{organisation.name} hands the sign-off of its returns to {system.name}",
        body=f"From {delegation.starts_on:%d %B %Y} a system lead of {system.name} may sign off "
        f"the returns of {organisation.name}: {delegation.reason}",
        url=reverse("planning:organisation_returns", kwargs={"ods_code": organisation.ods_code}),
    )
    return delegation


@transaction.atomic
def sign_off_delegation_revoke(*, delegation: SignOffDelegation, user: User, request=None) -> None:
    """The provider takes sign-off back: its own signatories sign its returns from now on."""
    _check_may_hand_sign_off(organisation=delegation.organisation, user=user)
    revoked = SignOffDelegation.objects.filter(pk=delegation.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=user
    )
    if not revoked:
        raise ValidationError("Sign-off was already taken back. Reload the page.")
    audit_record(
        action=AuditAction.SIGN_OFF_DELEGATION_REVOKED,
        actor=user,
        obj=delegation,
        organisation_code=delegation.organisation.ods_code,
        before={"system": delegation.system.ods_code},
        request=request,
    )
