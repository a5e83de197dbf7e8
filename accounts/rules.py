"""What a person may do by role alone, whatever the organisation. Deny by default.

The audit trail sits below accounts (every app records into it), so who may read all of it, a
matter of role only, is registered here with the roles rather than in `audit`."""

from __future__ import annotations

import rules

from .selectors import user_scope


@rules.predicate
def is_national_admin(user) -> bool:
    return user_scope(user=user).is_national_admin


@rules.predicate
def is_regional_reviewer(user) -> bool:
    return user_scope(user=user).is_reviewer


can_manage_people = is_national_admin
can_view_audit_trail = is_national_admin

rules.add_perm("accounts.manage_people", can_manage_people)
rules.add_perm("audit.view_trail", can_view_audit_trail)
