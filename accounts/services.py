from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken

from audit.models import AuditAction
from audit.services import audit_record
from notifications.services import notify

from .models import (
    DELEGABLE_ROLES,
    ORGANISATION_ROLES,
    Delegation,
    Invitation,
    Role,
    RoleAssignment,
    User,
)
from .selectors import forget_user_scope

if TYPE_CHECKING:
    # Named in annotations only: a role's scope is one of planning's organisations or regions
    # (a lazy relation on the model), and planning, above accounts, asks accounts for roles.
    from planning.models import Organisation, Region


def _check_scope(*, role: str, organisation: Organisation | None, region: Region | None) -> None:
    if role in ORGANISATION_ROLES:
        if organisation is None or region is not None:
            raise ValidationError({"organisation": "Choose the organisation this role is for."})
        if role == Role.SYSTEM_LEAD and not organisation.is_ics:
            raise ValidationError({"organisation": "A system lead leads an ICS."})
    elif role == Role.REGIONAL_REVIEWER:
        if region is None or organisation is not None:
            raise ValidationError({"region": "Choose the region this reviewer covers."})
    elif organisation is not None or region is not None:
        raise ValidationError(
            "A national admin covers all of England; leave organisation and region empty."
        )


@transaction.atomic
def role_assign(
    *,
    user: User,
    role: str,
    organisation: Organisation | None = None,
    region: Region | None = None,
    granted_by: User | None = None,
) -> RoleAssignment:
    """Give the user a role (once); a new grant is audited, by `granted_by` or the signed-in
    user."""
    _check_scope(role=role, organisation=organisation, region=region)
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, organisation=organisation, region=region
    )
    if created:
        audit_record(
            action=AuditAction.ROLE_GRANTED,
            actor=granted_by,
            obj=assignment,
            organisation_code=organisation.ods_code if organisation else "",
            after={
                "user": user.get_username(),
                "role": role,
                "scope": str(organisation or region or "England"),
            },
        )
    forget_user_scope(user=user)
    return assignment


def _role_snapshot(assignment: RoleAssignment) -> dict:
    return {
        "user": assignment.user.get_username(),
        "role": assignment.role,
        "scope": str(assignment.organisation or assignment.region or "England"),
    }


@transaction.atomic
def role_assignment_save(*, assignment: RoleAssignment, changed_by: User) -> RoleAssignment:
    """Save a role made or edited in Django admin, audited with before and after."""
    previous = (
        RoleAssignment.objects.select_related("user", "organisation", "region")
        .filter(pk=assignment.pk)
        .first()
        if assignment.pk
        else None
    )
    assignment.save()
    audit_record(
        action=AuditAction.ROLE_GRANTED,
        actor=changed_by,
        obj=assignment,
        organisation_code=assignment.organisation.ods_code if assignment.organisation_id else "",
        before=_role_snapshot(previous) if previous else None,
        after=_role_snapshot(assignment),
    )
    forget_user_scope(user=assignment.user)
    return assignment


@transaction.atomic
def role_remove(*, assignment: RoleAssignment, removed_by: User) -> None:
    audit_record(
        action=AuditAction.ROLE_REMOVED,
        actor=removed_by,
        obj=assignment,
        organisation_code=assignment.organisation.ods_code if assignment.organisation_id else "",
        before=_role_snapshot(assignment),
    )
    assignment.delete()
    forget_user_scope(user=assignment.user)


_ACCOUNT_FLAGS = ("is_active", "is_staff", "is_superuser")


@transaction.atomic
def user_account_save(*, user: User, changed_by: User) -> User:
    """Save a person edited in Django admin; changes to what the account may do are audited."""
    previous = User.objects.filter(pk=user.pk).values(*_ACCOUNT_FLAGS).first() if user.pk else None
    user.save()
    after = {flag: getattr(user, flag) for flag in _ACCOUNT_FLAGS}
    if previous is not None and previous != after:
        audit_record(
            action=AuditAction.PERMISSIONS_CHANGED,
            actor=changed_by,
            obj=user,
            before=previous,
            after=after,
        )
    return user


def _token_snapshot(token: AuthToken) -> dict:
    """What the audit trail keeps of a token: enough to tell tokens apart, never enough to use
    one."""
    return {
        "token": token.token_key[:8],
        "created_at": token.created.isoformat(),
        "expires_at": token.expiry.isoformat() if token.expiry else None,
    }


@transaction.atomic
def api_token_issue(*, user: User, request=None) -> tuple[AuthToken, str]:
    """A new API token for the user (one per device or script), expiring after API_TOKEN_TTL_DAYS.
    The secret is returned once and only its hash is stored."""
    token, secret = AuthToken.objects.create(user=user)
    audit_record(
        action=AuditAction.TOKEN_ISSUED,
        actor=user,
        obj=user,
        after=_token_snapshot(token),
        request=request,
    )
    return token, secret


@transaction.atomic
def api_tokens_revoke(
    *,
    user: User,
    reason: str,
    token_key: str | None = None,
    actor: User | None = None,
    request=None,
) -> int:
    """Revoke one of the user's tokens (by its key) or all of them, each revocation audited with
    the reason; answers how many were revoked."""
    tokens = AuthToken.objects.filter(user=user)
    if token_key is not None:
        tokens = tokens.filter(token_key=token_key)
    revoked = list(tokens)
    for token in revoked:
        audit_record(
            action=AuditAction.TOKEN_REVOKED,
            actor=actor,
            obj=user,
            before=_token_snapshot(token),
            detail=reason,
            request=request,
        )
    AuthToken.objects.filter(pk__in=[token.pk for token in revoked]).delete()
    return len(revoked)


class PasswordResetAllowance(enum.Enum):
    SEND = "send"
    # Said to the person exactly as SEND is; only the email is not sent.
    QUIET = "quiet"
    REFUSE = "refuse"


def _count_in_window(*, key: str) -> int:
    """Count one more event under `key` in a fixed window that starts at the first event."""
    window = settings.PASSWORD_RESET_WINDOW_SECONDS
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:
        # The window expired between add and incr: this is the first event of a new one.
        cache.set(key, 1, timeout=window)
        return 1


def password_reset_allowance(*, email: str, ip_address: str | None) -> PasswordResetAllowance:
    """Count a password reset request against its client address and its email address.

    The address is counted for every request, known account or not, so refusing it reveals
    nothing; the email address only decides whether a mail goes out, never what the page says."""
    address_count = _count_in_window(key=f"password-reset:address:{ip_address or 'unknown'}")
    if address_count > settings.PASSWORD_RESET_LIMIT_PER_ADDRESS:
        return PasswordResetAllowance.REFUSE
    email_key = hashlib.sha256(email.strip().casefold().encode()).hexdigest()
    if (
        _count_in_window(key=f"password-reset:email:{email_key}")
        > settings.PASSWORD_RESET_LIMIT_PER_EMAIL
    ):
        return PasswordResetAllowance.QUIET
    return PasswordResetAllowance.SEND


def password_reset_requested(*, email: str, request=None) -> None:
    """Audit a reset link asked for each account of the address (none for an unknown address)."""
    for user in User.objects.filter(email__iexact=email.strip(), is_active=True):
        audit_record(action=AuditAction.PASSWORD_RESET_REQUESTED, obj=user, request=request)


def password_reset_completed(*, user: User, request=None) -> None:
    audit_record(action=AuditAction.PASSWORD_RESET_COMPLETED, actor=user, obj=user, request=request)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_create(
    *,
    email: str,
    role: str,
    invited_by: User,
    organisation: Organisation | None = None,
    region: Region | None = None,
) -> tuple[Invitation, str]:
    """Record an invitation and email its link. Only the hash of the token is stored."""
    _check_scope(role=role, organisation=organisation, region=region)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email.strip().lower(),
        role=role,
        organisation=organisation,
        region=region,
        token_hash=_token_hash(token),
        invited_by=invited_by,
        expires_at=timezone.now() + dt.timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    link = settings.SITE_URL.rstrip("/") + reverse(
        "accounts:invitation_accept", kwargs={"token": token}
    )
    context = {"invitation": invitation, "link": link, "scope": organisation or region or "England"}
    audit_record(
        action=AuditAction.INVITATION_SENT,
        actor=invited_by,
        obj=invitation,
        organisation_code=organisation.ods_code if organisation else "",
        after={"email": invitation.email, "role": role, "scope": str(context["scope"])},
    )
    invitation_notify_existing_user(invitation=invitation, scope=str(context["scope"]))
    transaction.on_commit(
        lambda: send_mail(
            subject="You have been invited to the plan submission portal",
            message=render_to_string("accounts/email/invitation.txt", context),
            from_email=None,
            recipient_list=[invitation.email],
        )
    )
    return invitation, token


def invitation_notify_existing_user(*, invitation: Invitation, scope: str) -> None:
    """Someone who already has an account also sees the invitation in the portal; the invitation
    email (with its link) is the email, so this notification is not emailed again."""
    existing = User.objects.filter(email__iexact=invitation.email, is_active=True).first()
    if existing is None:
        return
    notify(
        recipients=[existing],
        kind="invitation",
        subject="You have been invited to a new role",
        body=(
            f"{invitation.invited_by.get_full_name() or invitation.invited_by.get_username()} "
            f"invited you to be "
            f"{invitation.get_role_display().lower()} for {scope}. Use the link in the email we "
            f"sent you."
        ),
        dedupe_key=f"invitation:{invitation.pk}",
        email=False,
    )


def invitation_get_valid(*, token: str) -> Invitation | None:
    """The open invitation for this token, or None if it is unknown, used or expired."""
    invitation = (
        Invitation.objects.select_related("organisation", "region")
        .filter(token_hash=_token_hash(token))
        .first()
    )
    if (
        invitation is None
        or invitation.accepted_at is not None
        or invitation.expires_at <= timezone.now()
    ):
        return None
    return invitation


def invitation_account(*, invitation: Invitation) -> User | None:
    """The account that already uses the invitation's email address, if any."""
    return User.objects.filter(email__iexact=invitation.email).order_by("pk").first()


def _invitation_claim(*, token: str) -> Invitation:
    invitation = invitation_get_valid(token=token)
    if invitation is None:
        raise ValidationError(
            "This invitation link has expired or has already been used. Ask for a new one."
        )
    # The conditional update makes the link single use even if it is submitted twice at once.
    claimed = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
        accepted_at=timezone.now()
    )
    if claimed == 0:
        raise ValidationError("This invitation link has already been used.")
    return invitation


def _invitation_grant(*, invitation: Invitation, user: User) -> None:
    Invitation.objects.filter(pk=invitation.pk).update(accepted_by=user)
    audit_record(
        action=AuditAction.INVITATION_ACCEPTED,
        actor=user,
        obj=invitation,
        organisation_code=invitation.organisation.ods_code if invitation.organisation else "",
    )
    role_assign(
        user=user,
        role=invitation.role,
        organisation=invitation.organisation,
        region=invitation.region,
        granted_by=invitation.invited_by,
    )


@transaction.atomic
def invitation_accept(
    *, token: str, username: str, password: str, first_name: str = "", last_name: str = ""
) -> User:
    """Accept an invitation by making a new account. An email address that already has an account
    is refused: its owner signs in and accepts (invitation_accept_signed_in), so an invitation can
    never set or replace the password of an existing account."""
    invitation = _invitation_claim(token=token)
    if invitation_account(invitation=invitation) is not None:
        raise ValidationError(
            "You already have an account with this email address. Sign in to accept the invitation."
        )
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "That username is taken. Choose another."})
    user = User(
        username=username, email=invitation.email, first_name=first_name, last_name=last_name
    )
    validate_password(password, user)
    user.set_password(password)
    user.save()
    _invitation_grant(invitation=invitation, user=user)
    return user


@transaction.atomic
def invitation_accept_signed_in(*, token: str, user: User) -> None:
    """The signed-in owner of the invited email address takes up the invited role."""
    invitation = invitation_get_valid(token=token)
    if invitation is None or user.email.casefold() != invitation.email.casefold():
        raise ValidationError(
            "This invitation was sent to another email address. Sign out and sign in as the "
            "person it was sent to."
        )
    _invitation_grant(invitation=_invitation_claim(token=token), user=user)


MAX_DELEGATION_DAYS = 92


def delegation_colleagues(*, assignment: RoleAssignment) -> QuerySet[User]:
    """Who may cover a role: active people who hold a role at the same organisation or region."""
    same_scope = (
        Q(role_assignments__organisation_id=assignment.organisation_id)
        if assignment.organisation_id
        else Q(role_assignments__region_id=assignment.region_id)
    )
    return (
        User.objects.filter(same_scope, is_active=True)
        .exclude(pk=assignment.user_id)
        .distinct()
        .order_by("username")
    )


@transaction.atomic
def delegation_create(
    *,
    assignment: RoleAssignment,
    to_user: User,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    reason: str,
    request=None,
) -> Delegation:
    if assignment.role not in DELEGABLE_ROLES:
        raise ValidationError(
            {"role": "Only signatory, system lead and regional reviewer roles can be handed on."}
        )
    if not delegation_colleagues(assignment=assignment).filter(pk=to_user.pk).exists():
        raise ValidationError(
            {"to_user": "Choose a colleague who already works for the same organisation or region."}
        )
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": "The cover must end after it starts."})
    if ends_at <= timezone.now():
        raise ValidationError({"ends_at": "The cover must end in the future."})
    if ends_at - starts_at > dt.timedelta(days=MAX_DELEGATION_DAYS):
        raise ValidationError(
            {
                "ends_at": f"Cover can last at most {MAX_DELEGATION_DAYS} days; ask for a role "
                f"instead."
            }
        )
    if not reason.strip():
        raise ValidationError({"reason": "Say why, for example annual leave."})
    delegation = Delegation.objects.create(
        role_assignment=assignment,
        to_user=to_user,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason.strip(),
    )
    audit_record(
        action=AuditAction.DELEGATION,
        actor=assignment.user,
        obj=delegation,
        organisation_code=assignment.organisation.ods_code if assignment.organisation_id else "",
        after={
            "role": assignment.role,
            "to": to_user.get_username(),
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
            "reason": delegation.reason,
        },
        request=request,
    )
    forget_user_scope(user=to_user)
    return delegation


@transaction.atomic
def delegation_revoke(*, delegation: Delegation, user: User, request=None) -> None:
    revoked = Delegation.objects.filter(pk=delegation.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        audit_record(
            action=AuditAction.DELEGATION_ENDED,
            actor=user,
            obj=delegation,
            request=request,
            before={"ends_at": delegation.ends_at.isoformat()},
        )
