"""Who may see charts: national admins everything, reviewers their regions, system
leads their systems. Which scope each may open is checked by
charts.selectors.chart_scope_for_user."""

from __future__ import annotations

import rules

from accounts.rules import is_national_admin, is_regional_reviewer
from accounts.selectors import user_scope


@rules.predicate
def leads_a_system(user) -> bool:
    return bool(user_scope(user=user).lead_ics_ids)


can_see_charts = is_national_admin | is_regional_reviewer | leads_a_system

rules.add_perm("charts.view_charts", can_see_charts)
