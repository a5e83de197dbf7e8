"""Who may see and do what with organisations and rounds. Deny by default."""

from __future__ import annotations

import rules

from accounts.rules import is_national_admin
from accounts.selectors import user_scope

from .models import OrganisationType


@rules.predicate
def is_member_of_organisation(user, organisation) -> bool:
    return organisation is not None and organisation.pk in user_scope(user=user).organisation_ids


@rules.predicate
def is_signatory_of_organisation(user, organisation) -> bool:
    return (
        organisation is not None
        and organisation.pk in user_scope(user=user).signatory_organisation_ids
    )


@rules.predicate
def is_system_lead_over_organisation(user, organisation) -> bool:
    if organisation is None:
        return False
    lead_ics_ids = user_scope(user=user).lead_ics_ids
    return organisation.pk in lead_ics_ids or organisation.parent_ics_id in lead_ics_ids


@rules.predicate
def is_reviewer_of_organisation(user, organisation) -> bool:
    return (
        organisation is not None
        and organisation.region_id in user_scope(user=user).reviewer_region_ids
    )


@rules.predicate
def is_provider(user, organisation) -> bool:
    return organisation is not None and organisation.org_type == OrganisationType.PROVIDER


@rules.predicate
def is_reviewer_of_region(user, region) -> bool:
    return region is not None and region.pk in user_scope(user=user).reviewer_region_ids


@rules.predicate
def is_round_visible_to_organisations(user, planning_round) -> bool:
    return planning_round is not None and planning_round.is_visible_to_organisations


can_view_organisation = (
    is_national_admin
    | is_member_of_organisation
    | is_system_lead_over_organisation
    | is_reviewer_of_organisation
)
can_act_for_organisation = is_member_of_organisation
can_sign_off_for_organisation = is_signatory_of_organisation
can_view_region = is_national_admin | is_reviewer_of_region
can_manage_rounds = is_national_admin
can_view_round = is_national_admin | is_round_visible_to_organisations
can_decide_extension = is_national_admin | is_reviewer_of_organisation
can_hand_sign_off = is_provider & (is_national_admin | is_signatory_of_organisation)

rules.add_perm("planning.view_organisation", can_view_organisation)
rules.add_perm("planning.act_for_organisation", can_act_for_organisation)
rules.add_perm("planning.sign_off_for_organisation", can_sign_off_for_organisation)
rules.add_perm("planning.view_region", can_view_region)
rules.add_perm("planning.manage_rounds", can_manage_rounds)
rules.add_perm("planning.view_round", can_view_round)
rules.add_perm("planning.decide_extension", can_decide_extension)
rules.add_perm("planning.hand_sign_off", can_hand_sign_off)
