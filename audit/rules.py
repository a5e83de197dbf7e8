"""Who may read the whole audit trail: national admins. A return's own history follows the
return."""

from __future__ import annotations

import rules

from planning.rules import is_national_admin

rules.add_perm("audit.view_trail", is_national_admin)
