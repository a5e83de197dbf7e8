"""Permission-matrix rows of running rounds: publishing, closing, and what a draft round hides."""

from planning.models import RoundStatus
from submissions.models import Submission
from tests.factories import CollectionFactory, PlanningRoundFactory
from tests.permission_support import ADMIN, REDIRECT, Row, only


def _draft_round(world):
    return PlanningRoundFactory(name="2022/23 draft", status=RoundStatus.DRAFT)


def _draft_return_kwargs(world) -> dict:
    collection = CollectionFactory(planning_round=_draft_round(world), code="ACT")
    submission, _ = Submission.objects.get_or_create(
        collection=collection, organisation=world.ics_a
    )
    return {"pk": submission.pk}


ROWS: list[Row] = [
    Row("planning:round_publish", lambda w: {"pk": _draft_round(w).pk}, only(*ADMIN)),
    Row(
        "planning:round_publish",
        lambda w: {"pk": _draft_round(w).pk},
        only(*ADMIN, ok=REDIRECT),
        method="post",
    ),
    Row("planning:round_close", lambda w: {"pk": w.other_round.pk}, only(*ADMIN)),
    Row("planning:round_define", None, only(*ADMIN)),
    Row("planning:round_definition", lambda w: {"pk": w.planning_round.pk}, only(*ADMIN)),
    Row(
        "planning:template_preview",
        lambda w: {"round_pk": w.planning_round.pk, "pk": w.collection.pk},
        only(*ADMIN),
    ),
    # Nobody but national admins sees a draft round's returns, even their own organisation's.
    Row("submissions:detail", _draft_return_kwargs, only(*ADMIN), label="return of a draft round"),
    Row(
        "submissions:template",
        _draft_return_kwargs,
        only(*ADMIN),
        label="template of a draft round",
    ),
]
