"""Who may see charts (SPEC §1): national admins everything, reviewers their regions, system
leads their systems. Which scope each may open is checked by charts.selectors.chart_scope_for_user."""

from __future__ import annotations

import rules

from .selectors import may_see_charts


@rules.predicate
def can_see_charts(user) -> bool:
    return may_see_charts(user=user)


rules.add_perm("charts.view_charts", can_see_charts)
