"""One claim / progress / finish / requeue helper serves every kind of background work: version
products (no progress column) and exports (with one) are claimed, given up on and re-sent alike."""

from __future__ import annotations

import dataclasses

import pytest

from accounts.models import Role
from core.queueing import StuckWork, work_claim, work_finish, work_requeue
from exports import building
from exports.models import ExportJob, ExportKind
from exports.services import export_request
from submissions import products
from submissions.models import ProductKind, VersionProduct
from tests.checked_returns import checked_version
from tests.factories import user_with_role


def _product(world) -> tuple[StuckWork, VersionProduct]:
    version = checked_version(submission=world.submission, user=world.lead)
    return products._work(), VersionProduct.objects.create(kind=ProductKind.MARKED, version=version)


def _export(world) -> tuple[StuckWork, ExportJob]:
    job = export_request(
        user=user_with_role(Role.NATIONAL_ADMIN, username="admin"),
        kind=ExportKind.FILES,
        planning_round=world.act.planning_round,
        collection=None,
        region=None,
    )
    return building._work(), job


WORK = {"product": _product, "export": _export}


@pytest.mark.parametrize("kind", list(WORK))
def test_work_claim_gives_up_after_the_last_attempt_with_the_work_s_message(act_world, kind):
    work, row = WORK[kind](act_world)
    type(row).objects.filter(pk=row.pk).update(attempts=work.max_attempts)

    attempt = work_claim(work=work, pk=row.pk)

    row.refresh_from_db()
    assert (attempt, row.status, row.message) == (
        None,
        "failed",
        work.failed_message.format(attempts=work.max_attempts),
    )


@pytest.mark.parametrize("kind", list(WORK))
def test_work_requeue_puts_the_attempt_back_in_the_queue_and_sends_it(act_world, kind):
    work, row = WORK[kind](act_world)
    sent: list[int] = []
    work = dataclasses.replace(work, send=sent.append)
    attempt = work_claim(work=work, pk=row.pk)

    work_requeue(work=work, pk=row.pk, attempt=attempt)
    work_requeue(work=work, pk=row.pk, attempt=attempt)

    row.refresh_from_db()
    assert (row.status, row.attempts, sent) == ("queued", 1, [row.pk])


@pytest.mark.parametrize("kind", list(WORK))
def test_work_finish_leaves_the_row_to_the_attempt_that_owns_it(act_world, kind):
    work, row = WORK[kind](act_world)
    first = work_claim(work=work, pk=row.pk)
    second = work_claim(work=work, pk=row.pk)

    overtaken = work_finish(work=work, pk=row.pk, attempt=first, status="done")
    owner = work_finish(work=work, pk=row.pk, attempt=second, status="done")

    row.refresh_from_db()
    assert (overtaken, owner, row.status, row.attempts) == (False, True, "done", 2)
