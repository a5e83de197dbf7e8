"""The round a surge uploads to: the 2021/22 definition with its deadlines moved to around today,
published and made current in the run's own database.

The demo's current round (2022/23) is owed by the 42 systems and the 50 mental health trusts
only; under the 2021/22 definition every trust also owes its capital and income plans, so the
surge spreads over as many organisations as a real deadline day does (at least 100)."""

from __future__ import annotations

SURGE_DEFINITION = "2021-22"
SURGE_ROUND_NAME = "Deadline surge (2021/22 returns)"


def surge_round_install() -> None:
    from django.utils import timezone

    from accounts.models import User
    from demo.seed import definition_text_moved
    from planning.round_states import RoundAction, round_transition
    from planning.services import round_make_current
    from submissions.rounds import round_create_from_definition

    admin = User.objects.get(username="admin")
    text = definition_text_moved(
        slug=SURGE_DEFINITION, today=timezone.localdate(), name=SURGE_ROUND_NAME
    )
    planning_round = round_create_from_definition(text=text, user=admin)
    round_transition(planning_round=planning_round, action=RoundAction.PUBLISH, user=admin)
    round_make_current(planning_round=planning_round, user=admin)
