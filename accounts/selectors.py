from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from knox.models import AuthToken

from .models import DELEGABLE_ROLES, Delegation, Role, RoleAssignment, User


@dataclass(frozen=True)
class UserScope:
    """Everything the permission layer needs to know about one user, read in one query."""

    is_national_admin: bool = False
    organisation_ids: frozenset[int] = frozenset()
    signatory_organisation_ids: frozenset[int] = frozenset()
    lead_ics_ids: frozenset[int] = frozenset()
    reviewer_region_ids: frozenset[int] = frozenset()
    # (role, organisation or region id) → the colleague whose role this user covers, for roles
    # held only through a delegation in force now.
    covering_for: dict[tuple[str, int], int] = field(default_factory=dict)

    @property
    def is_reviewer(self) -> bool:
        return bool(self.reviewer_region_ids)


_SCOPE_CACHE_ATTR = "_portal_user_scope"


def user_scope(*, user: User) -> UserScope:
    """The user's roles, cached on the user object so a request reads them once."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return UserScope()
    cached = getattr(user, _SCOPE_CACHE_ATTR, None)
    if cached is not None:
        return cached
    organisation_ids: set[int] = set()
    signatory_ids: set[int] = set()
    lead_ics_ids: set[int] = set()
    region_ids: set[int] = set()
    is_admin = False
    covering_for: dict[tuple[str, int], int] = {}
    now = timezone.now()
    held_or_covered = Q(user=user) | Q(
        delegations__to_user=user,
        delegations__starts_at__lte=now,
        delegations__ends_at__gt=now,
        delegations__revoked_at__isnull=True,
    )
    rows = RoleAssignment.objects.filter(held_or_covered).values_list(
        "role", "organisation_id", "region_id", "user_id"
    )
    own = {
        (role, organisation_id or region_id)
        for role, organisation_id, region_id, holder in rows
        if holder == user.pk
    }
    for role, organisation_id, region_id, holder in rows:
        if holder != user.pk and (role, organisation_id or region_id) not in own:
            covering_for[(role, organisation_id or region_id)] = holder
        if role == Role.NATIONAL_ADMIN:
            is_admin = True
        elif role == Role.REGIONAL_REVIEWER:
            region_ids.add(region_id)
        else:
            organisation_ids.add(organisation_id)
            if role in (Role.SIGNATORY, Role.SYSTEM_LEAD):
                signatory_ids.add(organisation_id)
            if role == Role.SYSTEM_LEAD:
                lead_ics_ids.add(organisation_id)
    scope = UserScope(
        is_national_admin=is_admin,
        organisation_ids=frozenset(organisation_ids),
        signatory_organisation_ids=frozenset(signatory_ids),
        lead_ics_ids=frozenset(lead_ics_ids),
        reviewer_region_ids=frozenset(region_ids),
        covering_for=covering_for,
    )
    setattr(user, _SCOPE_CACHE_ATTR, scope)
    return scope


def forget_user_scope(*, user: User) -> None:
    if hasattr(user, _SCOPE_CACHE_ATTR):
        delattr(user, _SCOPE_CACHE_ATTR)


def role_assignments_for_user(*, user: User) -> QuerySet[RoleAssignment]:
    return (
        RoleAssignment.objects.filter(user=user)
        .select_related("organisation", "region")
        .order_by("role", "organisation__name", "region__name")
    )


def delegations_given_by(*, user: User) -> QuerySet[Delegation]:
    return Delegation.objects.filter(role_assignment__user=user).select_related(
        "to_user", "role_assignment__organisation", "role_assignment__region"
    )


def delegations_received_by(*, user: User) -> QuerySet[Delegation]:
    return Delegation.objects.filter(to_user=user).select_related(
        "role_assignment__user", "role_assignment__organisation", "role_assignment__region"
    )


def delegable_assignments(*, user: User) -> QuerySet[RoleAssignment]:
    return role_assignments_for_user(user=user).filter(role__in=DELEGABLE_ROLES)


def delegation_get_given_by(*, user: User, pk: int) -> Delegation:
    try:
        return delegations_given_by(user=user).get(pk=pk)
    except Delegation.DoesNotExist:
        raise Http404("No such cover") from None


def users_of_organisation(*, organisation_id: int) -> QuerySet[User]:
    """Active people holding a submitter, signatory or system lead role at the organisation."""
    return User.objects.filter(
        is_active=True,
        role_assignments__organisation_id=organisation_id,
        role_assignments__role__in=[Role.SUBMITTER, Role.SIGNATORY, Role.SYSTEM_LEAD],
    ).distinct()


def users_reviewing_region(*, region_id: int | None) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True,
        role_assignments__region_id=region_id,
        role_assignments__role=Role.REGIONAL_REVIEWER,
    ).distinct()


def users_holding_role(*, role: str, organisation_id: int | None) -> QuerySet[User]:
    """Active people who hold the role at the organisation themselves (not through cover)."""
    return User.objects.filter(
        is_active=True,
        role_assignments__organisation_id=organisation_id,
        role_assignments__role=role,
    ).distinct()


def people_named(*, users: QuerySet[User], limit: int = 3) -> str:
    """ "Ann Lee, Bo Sun or Cy Ray": a few people to ask, by name."""
    names = [user.get_full_name() or user.get_username() for user in users.order_by("pk")[:limit]]
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} or {names[-1]}"


def api_tokens_of(*, user: User) -> QuerySet[AuthToken]:
    """The user's API tokens still in force, newest first."""
    return (
        AuthToken.objects.filter(user=user)
        .filter(Q(expiry__isnull=True) | Q(expiry__gt=timezone.now()))
        .order_by("-created")
    )
