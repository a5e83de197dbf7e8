"""A system with an activity return and a narrative return, and users around it (fixture
`act_world`)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from accounts.models import Role, User
from erf.models import NationalBaseline
from planning.models import Collection, Organisation, OrganisationType, Region, Stage
from submissions.models import Submission
from submissions.services import (
    submissions_ensure_for_round,
    template_context,
    template_versions_ensure,
)
from tests.factories import (
    CcgFactory,
    CollectionFactory,
    IcsFactory,
    PlanningRoundFactory,
    RegionFactory,
    TrustFactory,
    london,
    user_with_role,
)
from workbooks.sample import make_sample_return


@dataclass
class ReturnWorld:
    region: Region
    ics: Organisation
    other_ics: Organisation
    act: Collection
    nar: Collection
    submission: Submission
    other_submission: Submission
    lead: User
    submitter: User
    reviewer: User
    outsider: User

    def sample(self, *, errors: int = 0, cells: int | None = None, seed: int = 0) -> bytes:
        return make_sample_return(
            context=template_context(submission=self.submission),
            errors=errors,
            cells=cells,
            seed=seed,
        )


# 2019/20 ERF baseline values (£) of the test system, April to September, as an admin loads them.
ERF_BASELINES = {
    "2019-04": 30_000_000,
    "2019-05": 29_000_000,
    "2019-06": 31_000_000,
    "2019-07": 30_500_000,
    "2019-08": 28_000_000,
    "2019-09": 30_000_000,
}


def erf_baselines_load(*, organisation: Organisation) -> None:
    NationalBaseline.objects.bulk_create(
        NationalBaseline(organisation=organisation, month=month, value=value)
        for month, value in ERF_BASELINES.items()
    )


@pytest.fixture
def act_world(db) -> ReturnWorld:
    region = RegionFactory(code="Y63", name="North East and Yorkshire")
    other_region = RegionFactory(code="Y56", name="London")
    ics = IcsFactory(ods_code="QHM", name="North East and North Cumbria", region=region)
    other_ics = IcsFactory(ods_code="QMJ", name="North Central London", region=other_region)
    TrustFactory(
        ods_code="RTD",
        name="The Newcastle upon Tyne Hospitals NHS Foundation Trust",
        parent_ics=ics,
    )
    TrustFactory(ods_code="RR7", name="Gateshead Health NHS Foundation Trust", parent_ics=ics)
    CcgFactory(ods_code="13T", name="NHS Newcastle Gateshead CCG", parent_ics=ics)
    planning_round = PlanningRoundFactory(name="2021/22", is_current=True)
    act = CollectionFactory(
        planning_round=planning_round,
        code="ACT",
        name="Activity and performance",
        stage=Stage.DRAFT,
        deadline=london(2021, 5, 6),
        submitted_by=[OrganisationType.ICS],
        accepted_formats=["xlsx"],
    )
    nar = CollectionFactory(
        planning_round=planning_round,
        code="NAR",
        name="Narrative plan",
        stage=Stage.DRAFT,
        deadline=london(2021, 5, 6),
        submitted_by=[OrganisationType.ICS],
        accepted_formats=["docx", "pdf"],
    )
    submissions_ensure_for_round(planning_round=planning_round)
    template_versions_ensure(planning_round=planning_round)
    erf_baselines_load(organisation=ics)
    user_with_role(Role.SYSTEM_LEAD, organisation=ics, username="lead-qhm")
    user_with_role(Role.SIGNATORY, organisation=ics, username="lead-qhm")
    return ReturnWorld(
        region=region,
        ics=ics,
        other_ics=other_ics,
        act=act,
        nar=nar,
        submission=Submission.objects.get(collection=act, organisation=ics),
        other_submission=Submission.objects.get(collection=act, organisation=other_ics),
        lead=User.objects.get(username="lead-qhm"),
        submitter=user_with_role(Role.SUBMITTER, organisation=ics, username="submitter-qhm"),
        reviewer=user_with_role(Role.REGIONAL_REVIEWER, region=region, username="reviewer-y63"),
        outsider=user_with_role(Role.SYSTEM_LEAD, organisation=other_ics, username="lead-qmj"),
    )
