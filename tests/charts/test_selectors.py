from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from django.http import Http404

from accounts.models import Role
from charts.selectors import (
    ChartScope,
    activity_against_baseline,
    chart_scope_for_user,
    submissions_over_time,
)
from planning.models import Organisation
from submissions.models import ReturnValue, Submission
from submissions.services import submissions_ensure_for_round
from tests.checked_returns import checked_version, submitted_version
from tests.factories import IcsFactory, london, user_with_role

NATION = ChartScope(label="England")
CHART_MEASURES = ("EL-TOT", "OP-TOT", "DG-TOT")  # as the shipped 2021/22 definition charts them


def expected_totals(*versions) -> dict[str, dict[str, float]]:
    """measure → period → sum of the systems' own rows, straight from the stored values."""
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for value in ReturnValue.objects.filter(
        version__in=versions, organisation_kind="self", sheet="Activity"
    ):
        totals[value.measure][value.period] += value.value
    for months in totals.values():
        # The headline baseline is the average of the baseline months (each month is compared
        # with its own month of 2019/20).
        baselines = [months.pop(period) for period in list(months) if period.endswith("baseline")]
        months["baseline"] = sum(baselines) / len(baselines)
    return totals


def chart_totals(data) -> dict[str, dict[str, float]]:
    return {
        series.code: {
            "baseline": series.baseline,
            **{month.period: month.planned for month in series.months},
        }
        for series in data.series
    }


def test_activity_against_baseline_sums_each_systems_own_total_by_month(act_world):
    ours = submitted_version(submission=act_world.submission, user=act_world.lead)
    theirs = checked_version(submission=act_world.other_submission, user=act_world.outsider, seed=3)
    data = activity_against_baseline(collection=act_world.act, scope=NATION)
    expected = expected_totals(ours, theirs)
    assert chart_totals(data) == {code: dict(expected[code]) for code in CHART_MEASURES}
    assert (
        data.systems_owed,
        data.systems_submitted,
        data.systems_draft,
        data.systems_included,
    ) == (2, 1, 1, 2)
    assert [len(series.months) for series in data.series] == [6, 6, 6]


def test_activity_against_baseline_keeps_the_submitted_version_while_a_newer_draft_is_checked(
    act_world,
):
    # A submitted return stays submitted until another version is submitted, so the chart keeps
    # showing the figures the organisation signed off.
    submitted = submitted_version(submission=act_world.submission, user=act_world.lead)
    newer = checked_version(submission=act_world.submission, user=act_world.lead, seed=7)
    after = activity_against_baseline(collection=act_world.act, scope=NATION)
    assert expected_totals(newer) != expected_totals(submitted)
    assert (chart_totals(after)["EL-TOT"], after.systems_submitted, after.systems_draft) == (
        dict(expected_totals(submitted)["EL-TOT"]),
        1,
        0,
    )


def test_activity_against_baseline_leaves_out_a_return_with_errors(act_world):
    ours = checked_version(submission=act_world.submission, user=act_world.lead)
    checked_version(
        submission=act_world.other_submission, user=act_world.outsider, seed=3, errors=2
    )
    data = activity_against_baseline(collection=act_world.act, scope=NATION)
    assert chart_totals(data)["OP-TOT"] == dict(expected_totals(ours)["OP-TOT"])
    assert (data.systems_owed, data.systems_submitted, data.systems_draft) == (2, 0, 1)


def test_activity_against_baseline_per_region_and_per_system(act_world):
    ours = submitted_version(submission=act_world.submission, user=act_world.lead)
    theirs = submitted_version(
        submission=act_world.other_submission, user=act_world.outsider, seed=3
    )
    region = ChartScope(
        label="Y63", region=act_world.region, region_ids=frozenset({act_world.region.pk})
    )
    system = ChartScope(label="QMJ", system=act_world.other_ics)
    assert chart_totals(activity_against_baseline(collection=act_world.act, scope=region))[
        "DG-TOT"
    ] == dict(expected_totals(ours)["DG-TOT"])
    assert chart_totals(activity_against_baseline(collection=act_world.act, scope=system))[
        "DG-TOT"
    ] == dict(expected_totals(theirs)["DG-TOT"])


def test_activity_against_baseline_with_nothing_checked_has_no_values(act_world):
    data = activity_against_baseline(collection=act_world.act, scope=NATION)
    assert (data.has_values, data.systems_owed, data.systems_included) == (False, 2, 0)


def test_submissions_over_time_counts_cumulatively_by_london_day(act_world):
    for i in range(3):
        IcsFactory(ods_code=f"QX{i}", region=act_world.region)
    submissions_ensure_for_round(planning_round=act_world.act.planning_round)
    submissions = list(
        Submission.objects.filter(collection=act_world.act).order_by("organisation__ods_code")
    )
    # 23:30 UTC on 5 May is 00:30 on 6 May in London (BST): the deadline day.
    times = [
        london(2021, 5, 3, 9),
        dt.datetime(2021, 5, 5, 23, 30, tzinfo=dt.UTC),
        london(2021, 5, 6, 11),
        london(2021, 5, 7, 10),
    ]
    for submission, at in zip(submissions, times, strict=False):
        Submission.objects.filter(pk=submission.pk).update(
            submitted_at=at, is_late=at > act_world.act.deadline
        )
    timeline = submissions_over_time(collection=act_world.act, scope=NATION)
    assert [(d.day, d.submitted, d.cumulative) for d in timeline.days] == [
        (dt.date(2021, 5, 3), 1, 1),
        (dt.date(2021, 5, 6), 2, 3),
        (dt.date(2021, 5, 7), 1, 4),
    ]
    assert (timeline.owed, timeline.submitted, timeline.late, timeline.deadline_day) == (
        5,
        4,
        1,
        dt.date(2021, 5, 6),
    )
    assert timeline.days[-1].percent == 80.0


def test_submissions_over_time_of_a_region_counts_its_organisations_only(act_world):
    Submission.objects.filter(pk=act_world.other_submission.pk).update(
        submitted_at=london(2021, 5, 4)
    )
    region = ChartScope(
        label="Y63", region=act_world.region, region_ids=frozenset({act_world.region.pk})
    )
    timeline = submissions_over_time(collection=act_world.act, scope=region)
    assert (timeline.owed, timeline.submitted, timeline.days) == (1, 0, ())


def test_chart_scope_for_user_defaults_to_what_each_role_sees(act_world):
    admin = user_with_role(Role.NATIONAL_ADMIN, username="admin")
    assert chart_scope_for_user(user=admin) == ChartScope(label="England")
    assert chart_scope_for_user(user=act_world.reviewer).region == act_world.region
    assert chart_scope_for_user(user=act_world.lead).system == act_world.ics


def test_chart_scope_for_user_refuses_other_regions_and_systems(act_world):
    for kwargs in ({"region_code": "Y56"}, {"system_code": "QMJ"}, {"system_code": "RTD"}):
        with pytest.raises(Http404):
            chart_scope_for_user(user=act_world.reviewer, **kwargs)
    with pytest.raises(Http404):
        chart_scope_for_user(user=act_world.lead, region_code="Y63")
    with pytest.raises(Http404):
        chart_scope_for_user(user=act_world.submitter)
    assert chart_scope_for_user(
        user=act_world.reviewer, system_code="qhm"
    ).system == Organisation.objects.get(ods_code="QHM")
