from __future__ import annotations

from erf.models import NationalBaseline
from erf.selectors import estimate_refresh_pending
from submissions.erf_estimates import erf_baselines_import
from tests.checked_returns import checked_version
from tests.submissions.test_erf_estimates import baselines_csv


def test_estimate_refresh_pending_counts_a_version_queued_by_two_imports_once(act_world):
    NationalBaseline.objects.all().delete()
    checked_version(submission=act_world.submission, user=act_world.lead)
    erf_baselines_import(stream=baselines_csv())
    erf_baselines_import(stream=baselines_csv(scale=0.5))

    assert estimate_refresh_pending() == 1
