"""The guidance page's queries do not grow with the round's guidance or its regional contacts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from guidance.models import GuidanceItem, GuidanceKind, RegionalContact
from tests.factories import IcsFactory, PlanningRoundFactory, RegionFactory, user_with_role

pytestmark = pytest.mark.django_db


def _grow(planning_round, start: int, stop: int) -> None:
    for i in range(start, stop):
        for kind in GuidanceKind.values:
            GuidanceItem.objects.create(
                planning_round=planning_round,
                kind=kind,
                title=f"Item {i}",
                body="Text",
                measure_code=f"M{i}" if kind == GuidanceKind.DEFINITION else "",
            )
        RegionalContact.objects.create(
            planning_round=planning_round, region=RegionFactory(), email=f"r{i}@nhs.net"
        )


@pytest.mark.parametrize("role", [Role.NATIONAL_ADMIN, Role.SUBMITTER])
def test_round_guidance_queries_bounded_whatever_the_guidance_size(client, role):
    planning_round = PlanningRoundFactory(name="2022/23", is_current=True)
    ics = IcsFactory()
    client.force_login(
        user_with_role(role, organisation=None if role == Role.NATIONAL_ADMIN else ics)
    )
    url = reverse("guidance:round_guidance", kwargs={"pk": planning_round.pk})

    client.get(url)  # the first visit is recorded with an insert; later ones update it
    counts = []
    for start, stop in ((0, 3), (3, 40)):
        _grow(planning_round, start, stop)
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        counts.append(len(context.captured_queries))

    assert counts[0] == counts[1] <= 16
