"""Who may read and publish a round's guidance: readers of the round; national admins publish."""

from __future__ import annotations

import rules

from planning.rules import can_manage_rounds, can_view_round

rules.add_perm("guidance.view_round_guidance", can_view_round)
rules.add_perm("guidance.publish_guidance", can_manage_rounds)
