"""Who may see the progress dashboards. Deny by default."""

from __future__ import annotations

import rules

from accounts.rules import is_national_admin, is_regional_reviewer
from planning.rules import can_view_organisation, can_view_region

# The national picture, or the union of a reviewer's regions; a single region needs
# view_region_dashboard.
can_view_dashboard = is_national_admin | is_regional_reviewer
can_view_region_dashboard = can_view_region
# A cell links to the return only for someone who may open it.
can_open_returns_of = can_view_organisation

rules.add_perm("oversight.view_dashboard", can_view_dashboard)
rules.add_perm("oversight.view_region_dashboard", can_view_region_dashboard)
rules.add_perm("oversight.open_returns_of", can_open_returns_of)
