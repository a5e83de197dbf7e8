"""Who may ask for and download exports: national admins any scope, regional reviewers
their own regions. Each job is looked up through exports.selectors.exports_for_user."""

from __future__ import annotations

import rules

from .selectors import may_request_exports


@rules.predicate
def can_request_exports(user) -> bool:
    return may_request_exports(user=user)


rules.add_perm("exports.request_export", can_request_exports)
