"""The dashboard's query count does not grow with the data, up to national scale."""

from __future__ import annotations

import itertools

import pytest
from django.urls import reverse

from accounts.models import Role
from oversight.national_scale import ICSS, PROVIDERS, VERSIONS, national_scale_build
from planning.models import OrganisationType, Stage
from submissions.models import SubmissionStatus, Version
from tests.factories import (
    CollectionFactory,
    DeadlineExtensionFactory,
    IcsFactory,
    RegionFactory,
    TrustFactory,
    grant,
)
from tests.oversight.support import in_state
from tests.test_query_bounds import LARGE, SMALL, Page, _queries

# Session, user, roles (3); header roles and unread count (2); the round, the filter's regions and
# returns (3); the dashboard's regions, collections, organisations, where they stood on the round's
# reference date, returns and extensions (6).
NATIONAL_BOUND = 14
# One region: its lookup replaces the dashboard's regions, and a reviewer's navigation is answered
# by the rules without ModelBackend's permission reads.
REGION_BOUND = NATIONAL_BOUND
# An export has no page header (-2) and records the download in the audit trail (+1).
EXPORT_BOUND = NATIONAL_BOUND - 1
STATUSES = itertools.cycle(
    [
        SubmissionStatus.SUBMITTED,
        SubmissionStatus.UPLOADED,
        SubmissionStatus.APPROVED,
        SubmissionStatus.CHANGES_REQUESTED,
        SubmissionStatus.INVALID,
    ]
)


class Dashboard(Page):
    """Every page of growth adds a region's worth of organisations, returns, versions and
    extensions."""

    role = Role.NATIONAL_ADMIN

    def __init__(self):
        super().__init__()
        grant(
            self.user,
            self.role,
            region=self.region if self.role == Role.REGIONAL_REVIEWER else None,
        )
        self.act = CollectionFactory(
            planning_round=self.planning_round, code="ACT", stage=Stage.DRAFT
        )
        self.pcc = CollectionFactory(
            planning_round=self.planning_round, code="PCC", submitted_by=[OrganisationType.PROVIDER]
        )

    @property
    def url(self) -> str:
        return reverse("oversight:dashboard") + (
            f"?region={self.region.code}" if self.role == Role.REGIONAL_REVIEWER else ""
        )

    def add(self, i):
        region = self.region if i % 2 else RegionFactory(code=f"Y{i:02d}")
        ics = IcsFactory(ods_code=f"Q{i:02d}", region=region)
        trust = TrustFactory(ods_code=f"R{i:03d}", parent_ics=ics)
        in_state(collection=self.act, organisation=ics, status=next(STATUSES), uploader=self.user)
        in_state(collection=self.pcc, organisation=trust, status=next(STATUSES), uploader=self.user)
        DeadlineExtensionFactory(collection=self.pcc, organisation=trust, granted_by=self.user)
        CollectionFactory(
            planning_round=self.planning_round, code=f"C{i}", submitted_by=[OrganisationType.LMS]
        )


class RegionDashboard(Dashboard):
    role = Role.REGIONAL_REVIEWER


@pytest.mark.parametrize(
    ("page_class", "bound"), [(Dashboard, NATIONAL_BOUND), (RegionDashboard, REGION_BOUND)]
)
def test_dashboard_queries_bounded_whatever_the_data_size(db, client, page_class, bound):
    page = page_class()
    client.force_login(page.user)

    page.grow_to(SMALL)
    small = _queries(client, page.url)
    page.grow_to(LARGE)
    large = _queries(client, page.url)

    assert (small, large) == (bound, bound)


@pytest.mark.slow
def test_dashboard_queries_at_national_scale(db, client):
    data = national_scale_build(prefix="NAT")
    url = f"{reverse('oversight:dashboard')}?round={data.current_round.pk}"
    client.force_login(data.admin)
    national = _queries(client, url)
    national_xlsx = _queries(client, url.replace("/dashboard/", "/dashboard/progress.xlsx"))
    client.force_login(data.reviewer)
    region = _queries(client, f"{url}&region={data.regions[0].code}")

    assert Version.objects.count() == VERSIONS
    assert (national, national_xlsx, region) == (NATIONAL_BOUND, EXPORT_BOUND, REGION_BOUND)
    region_page = client.get(f"{url}&region={data.regions[0].code}").content.decode()
    client.force_login(data.admin)
    national_page = client.get(url).content.decode()
    # A page of the matrix shows 15 organisations and says how many there are in all.
    assert (
        national_page.count('data-organisation="'),
        region_page.count('data-organisation="'),
    ) == (15, 15)
    assert f"of {ICSS + PROVIDERS} organisations" in national_page
    # Every seventh system and every seventh trust is in the first region: 6 systems, 32 trusts.
    assert "of 38 organisations" in region_page
