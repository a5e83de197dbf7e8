from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from .models import Role, RoleAssignment, User


@dataclass(frozen=True)
class UserScope:
    """Everything the permission layer needs to know about one user, read in one query."""

    is_national_admin: bool = False
    organisation_ids: frozenset[int] = frozenset()
    signatory_organisation_ids: frozenset[int] = frozenset()
    lead_ics_ids: frozenset[int] = frozenset()
    reviewer_region_ids: frozenset[int] = frozenset()

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
    for role, organisation_id, region_id in RoleAssignment.objects.filter(user=user).values_list(
        "role", "organisation_id", "region_id"
    ):
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
    )
    setattr(user, _SCOPE_CACHE_ATTR, scope)
    return scope


def forget_user_scope(*, user: User) -> None:
    if hasattr(user, _SCOPE_CACHE_ATTR):
        delattr(user, _SCOPE_CACHE_ATTR)


def role_assignments_for_user(*, user: User) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.filter(user=user).select_related("organisation", "region").order_by(
        "role", "organisation__name", "region__name"
    )


def users_of_organisation(*, organisation_id: int) -> QuerySet[User]:
    """Active people holding a submitter, signatory or system lead role at the organisation."""
    return User.objects.filter(
        is_active=True, role_assignments__organisation_id=organisation_id,
        role_assignments__role__in=[Role.SUBMITTER, Role.SIGNATORY, Role.SYSTEM_LEAD],
    ).distinct()


def users_reviewing_region(*, region_id: int | None) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True, role_assignments__region_id=region_id, role_assignments__role=Role.REGIONAL_REVIEWER
    ).distinct()
