"""The charts read aggregates, so their query count does not grow with the returns."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from planning.models import OrganisationType, Stage
from submissions.models import ReturnValue, Submission, Version, VersionStatus
from submissions.services import submissions_ensure_for_round
from tests.factories import CollectionFactory, IcsFactory, RegionFactory, london, user_with_role


def grow(act_world, *, start: int, stop: int) -> None:
    """More regions, systems and checked returns, with stored values, straight into the tables."""
    for i in range(start, stop):
        region = RegionFactory(code=f"Z{i:02d}")
        ics = IcsFactory(ods_code=f"QZ{i:02d}", region=region)
        submission, _ = Submission.objects.get_or_create(collection=act_world.act, organisation=ics)
        version = Version.objects.create(
            submission=submission,
            number=1,
            file_format="xlsx",
            sha256="0" * 64,
            size=1,
            original_name="p.xlsx",
            uploaded_by=act_world.lead,
            status=VersionStatus.VALID,
        )
        Submission.objects.filter(pk=submission.pk).update(
            current_version=version,
            submitted_version=version if i % 2 else None,
            submitted_at=london(2021, 5, 1 + i % 9) if i % 2 else None,
        )
        ReturnValue.objects.bulk_create(
            [
                ReturnValue(
                    version=version,
                    sheet="Activity",
                    organisation_code=ics.ods_code,
                    organisation_kind="self",
                    measure=measure,
                    position=position,
                    period=f"P{position}",
                    is_baseline=position == 0,
                    value=100 + position,
                )
                for measure in ("EL-TOT", "OP-TOT", "DG-TOT")
                for position in range(13)
            ]
        )


@pytest.mark.parametrize("url_name", ["charts:activity", "charts:submissions"])
def test_chart_page_query_count_does_not_grow_with_the_returns(client, act_world, url_name):
    CollectionFactory(
        planning_round=act_world.act.planning_round,
        code="ACT",
        stage=Stage.FINAL,
        deadline=london(2021, 6, 3),
        submitted_by=[OrganisationType.ICS],
    )
    submissions_ensure_for_round(planning_round=act_world.act.planning_round)
    client.force_login(user_with_role(Role.NATIONAL_ADMIN, username="admin"))
    query = {"collection": act_world.act.pk}

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(url_name), query).status_code == 200
        return len(queries)

    grow(act_world, start=0, stop=3)
    small = count()
    grow(act_world, start=3, stop=45)
    assert (count(), small <= 20) == (small, True)
