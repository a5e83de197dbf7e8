"""Permission-matrix rows of a round's guidance: readers of the round read it, admins publish."""

from guidance.models import GuidanceItem, GuidanceKind
from planning.models import RoundStatus
from tests.factories import PlanningRoundFactory
from tests.permission_support import ADMIN, LOGIN, REDIRECT, Row, everyone, only


def _item_kwargs(world) -> dict:
    item, _ = GuidanceItem.objects.get_or_create(
        planning_round=world.planning_round, kind=GuidanceKind.FAQ, title="Q", body="A"
    )
    return {"pk": item.pk}


def _draft_item_kwargs(world) -> dict:
    draft = PlanningRoundFactory(name="2022/23 draft", status=RoundStatus.DRAFT)
    item, _ = GuidanceItem.objects.get_or_create(
        planning_round=draft, kind=GuidanceKind.FAQ, title="Q", body="A"
    )
    return {"pk": item.pk}


def _draft_round_kwargs(world) -> dict:
    return {"pk": PlanningRoundFactory(name="2022/23 draft", status=RoundStatus.DRAFT).pk}


ROWS: list[Row] = [
    Row(
        "guidance:round_guidance",
        lambda w: {"pk": w.planning_round.pk},
        everyone(200, anonymous=LOGIN),
    ),
    Row("guidance:round_guidance", _draft_round_kwargs, only(*ADMIN), label="draft round"),
    Row("guidance:publish", lambda w: {"pk": w.planning_round.pk}, only(*ADMIN)),
    # An item without a file sends the reader back to the guidance page.
    Row("guidance:file", _item_kwargs, everyone(REDIRECT, anonymous=LOGIN)),
    Row("guidance:file", _draft_item_kwargs, only(*ADMIN, ok=REDIRECT), label="draft round"),
]
