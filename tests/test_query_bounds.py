"""The number of queries of every page is bounded whatever the data size.

Each page is loaded with small data and again after adding much more; the query count must be
the same and within the page's bound.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from planning.models import OrganisationType
from submissions.models import SubmissionStatus
from tests.factories import (
    CollectionFactory,
    DeadlineExtensionFactory,
    IcsFactory,
    PlanningRoundFactory,
    RegionFactory,
    SubmissionFactory,
    TrustFactory,
    UserFactory,
    grant,
)

SMALL, LARGE = 5, 60


class Page:
    """Builds the data of one page and grows it; `url` is what the user loads."""

    def __init__(self):
        self.user = UserFactory(username="viewer")
        self.planning_round = PlanningRoundFactory(name="2021/22", is_current=True)
        self.region = RegionFactory(code="Y63")
        self.ics = IcsFactory(ods_code="QHM", region=self.region)
        self.count = 0

    def grow_to(self, n: int) -> None:
        while self.count < n:
            self.count += 1
            self.add(self.count)

    def add(self, i: int) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class Home(Page):
    url = "/"

    def add(self, i):
        trust = TrustFactory(parent_ics=self.ics, ods_code=f"R{i:03d}")
        grant(self.user, Role.SUBMITTER, organisation=trust)
        grant(self.user, Role.REGIONAL_REVIEWER, region=RegionFactory(code=f"Y{i:02d}"))


class OrganisationReturns(Page):
    url = "/organisations/QHM/"

    def __init__(self):
        super().__init__()
        grant(self.user, Role.SYSTEM_LEAD, organisation=self.ics)

    def add(self, i):
        collection = CollectionFactory(
            planning_round=self.planning_round, code=f"C{i}", submitted_by=[OrganisationType.ICS]
        )
        PlanningRoundFactory(name=f"Old round {i}")
        if i % 2:
            SubmissionFactory(
                collection=collection, organisation=self.ics, status=SubmissionStatus.SUBMITTED
            )
        if i % 3 == 0:
            DeadlineExtensionFactory(
                collection=collection, organisation=self.ics, granted_by=self.user
            )


class RegionDetail(Page):
    url = "/regions/Y63/"

    def __init__(self):
        super().__init__()
        grant(self.user, Role.REGIONAL_REVIEWER, region=self.region)
        self.collection = CollectionFactory(
            planning_round=self.planning_round, submitted_by=["provider"]
        )

    def add(self, i):
        ics = IcsFactory(region=self.region) if i % 10 == 0 else self.ics
        trust = TrustFactory(parent_ics=ics, ods_code=f"R{i:03d}")
        SubmissionFactory(
            collection=self.collection, organisation=trust, status=SubmissionStatus.SUBMITTED
        )


class AdminPage(Page):
    def __init__(self):
        super().__init__()
        grant(self.user, Role.NATIONAL_ADMIN)


class RegionList(AdminPage):
    url = "/regions/"

    def add(self, i):
        RegionFactory(code=f"Y{i:02d}")


class RoundList(AdminPage):
    url = "/rounds/"

    def add(self, i):
        source = PlanningRoundFactory(name=f"Round {i}")
        PlanningRoundFactory(name=f"Copy {i}", copied_from=source)
        CollectionFactory(planning_round=source)


class RoundDetail(AdminPage):
    @property
    def url(self):
        return reverse("planning:round_detail", kwargs={"pk": self.planning_round.pk})

    def __init__(self):
        super().__init__()
        self.planning_round.copied_from = PlanningRoundFactory(name="2020/21")
        self.planning_round.save()

    def add(self, i):
        CollectionFactory(planning_round=self.planning_round, code=f"C{i}", trust_kinds=["acute"])


# page -> the most queries it may make. Every page reads the session, the user and the user's roles
# (3); the header's role list (1) and unread notification count (1). Portal permissions come from
# roles alone (User.has_perm), so the navigation's `perms` checks read nothing more. The rest is
# the page's own reads.
BOUNDS: dict[str, tuple[Callable[[], Page], int]] = {
    "home": (Home, 7),
    # +1 what is new in the guidance, +2 the system's member organisations and the decisions
    # standing on its returns.
    "organisation_returns": (OrganisationReturns, 15),
    "region_detail": (RegionDetail, 8),
    "region_list": (RegionList, 6),
    "round_list": (RoundList, 6),
    "round_detail": (RoundDetail, 8),
}


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


@pytest.mark.parametrize("name", sorted(BOUNDS))
def test_page_queries_bounded_whatever_the_data_size(
    db, client, django_assert_max_num_queries, name
):
    factory, bound = BOUNDS[name]
    page = factory()
    client.force_login(page.user)

    page.grow_to(SMALL)
    with django_assert_max_num_queries(bound):
        small = _queries(client, page.url)
    page.grow_to(LARGE)
    with django_assert_max_num_queries(bound):
        large = _queries(client, page.url)
    assert large == small
