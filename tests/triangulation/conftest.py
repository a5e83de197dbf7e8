"""One system's activity, workforce and finance returns (fixture `tri_world`), on top of
`act_world`."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest

from planning.models import OrganisationType, Stage
from submissions.models import Submission, Version
from submissions.services import (
    submissions_ensure_for_round,
    template_context,
    template_versions_ensure,
    version_create,
)
from submissions.validation import version_validate
from tests.factories import CollectionFactory, london
from tests.returns_world import ReturnWorld
from triangulation.services import triangulation_run
from workbooks.sample import make_sample_return

# Monthly factors on the baseline: gentle growth in activity, and the same in staff and money.
STEADY = (1.0, 1.01, 1.02, 1.03, 1.04, 1.05, 1.05, 1.05, 1.05, 1.05, 1.05, 1.05)
# A workforce plan some 15 points ahead of the activity it is for.
TOO_MANY_STAFF = tuple(factor + 0.15 for factor in STEADY)


@dataclass
class TriWorld:
    base: ReturnWorld
    returns: dict[str, Submission]

    def upload(self, code: str, *, growth=STEADY, seed: int = 1, errors: int = 0) -> Version:
        submission = self.returns[code]
        data = make_sample_return(
            context=template_context(submission=submission), growth=growth, seed=seed, errors=errors
        )
        version = version_create(
            submission=submission,
            user=self.base.lead,
            stream=io.BytesIO(data),
            filename=f"{code}.xlsx",
        ).version
        version_validate(version_id=version.pk)
        version.refresh_from_db()
        return version

    def run(self) -> int:
        return triangulation_run(
            system_id=self.base.ics.pk,
            planning_round_id=self.base.act.planning_round_id,
            stage=Stage.DRAFT,
        )


@pytest.fixture
def tri_world(act_world) -> TriWorld:
    planning_round = act_world.act.planning_round
    CollectionFactory(
        planning_round=planning_round,
        code="WF",
        name="Workforce",
        stage=Stage.DRAFT,
        deadline=london(2021, 5, 6),
        submitted_by=[OrganisationType.ICS],
        accepted_formats=["xlsx"],
    )
    CollectionFactory(
        planning_round=planning_round,
        code="FIN-SYS",
        name="System financial plan",
        stage=Stage.SINGLE,
        deadline=london(2021, 5, 6),
        submitted_by=[OrganisationType.ICS],
        accepted_formats=["xlsx"],
    )
    submissions_ensure_for_round(planning_round=planning_round)
    template_versions_ensure(planning_round=planning_round)
    returns = {
        submission.collection.code: submission
        for submission in Submission.objects.filter(organisation=act_world.ics).select_related(
            "collection"
        )
        if submission.collection.code in ("ACT", "WF", "FIN-SYS")
    }
    return TriWorld(base=act_world, returns=returns)
