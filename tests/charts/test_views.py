from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import Role
from charts.selectors import ChartScope, activity_against_baseline
from planning.models import Stage
from submissions.models import Submission
from tests.checked_returns import checked_version, submitted_version
from tests.factories import CollectionFactory, PlanningRoundFactory, london, user_with_role


@pytest.fixture
def admin(act_world):
    return user_with_role(Role.NATIONAL_ADMIN, username="admin")


def section(html: str, testid: str) -> str:
    start = html.index(f'data-testid="{testid}"')
    return html[start : html.index("</section>", start)]


def test_activity_page_draws_each_measure_with_its_table_and_the_same_numbers(
    client, act_world, admin
):
    submitted_version(submission=act_world.submission, user=act_world.lead)
    checked_version(submission=act_world.other_submission, user=act_world.outsider, seed=3)
    client.force_login(admin)
    response = client.get(reverse("charts:activity"))
    html = response.content.decode()
    data = activity_against_baseline(collection=act_world.act, scope=ChartScope(label="England"))
    assert response.status_code == 200
    for series, code in zip(data.series, ("EL-TOT", "OP-TOT", "DG-TOT"), strict=True):
        chart = section(html, f"chart-{code}")
        planned = [month.planned for month in series.months]
        assert f'role="img" aria-labelledby="title-{code} desc-{code}"' in chart
        assert f'<title id="title-{code}">' in chart and f'<desc id="desc-{code}">' in chart
        assert [float(v) for v in re.findall(r'<rect [^>]*data-value="([^"]+)"', chart)] == planned
        table = chart[chart.index(f'data-testid="table-{code}"') :]
        assert [float(v) for v in re.findall(r'<td [^>]*data-value="([^"]+)"', table)] == planned
        assert 'data-testid="baseline-line"' in chart
    assert "2 of 2 systems included:\n  1 submitted and 1 draft." in html


def test_activity_page_of_a_region_counts_its_systems_only(client, act_world):
    submitted_version(submission=act_world.other_submission, user=act_world.outsider)
    client.force_login(act_world.reviewer)
    html = client.get(reverse("charts:activity")).content.decode()
    assert "0 of 1 system included" in html
    assert "No system in this view has a checked activity return yet." in html


def test_activity_page_refuses_another_regions_system(client, act_world):
    client.force_login(act_world.reviewer)
    assert client.get(reverse("charts:activity"), {"system": "QMJ"}).status_code == 404
    assert client.get(reverse("charts:activity"), {"region": "Y56"}).status_code == 404


def test_activity_page_refuses_a_collection_of_another_kind(client, act_world, admin):
    client.force_login(admin)
    assert (
        client.get(reverse("charts:activity"), {"collection": act_world.nar.pk}).status_code == 404
    )


def test_submissions_page_tabulates_the_cumulative_count_drawn(client, act_world, admin):
    Submission.objects.filter(pk=act_world.submission.pk).update(submitted_at=london(2021, 5, 5))
    Submission.objects.filter(pk=act_world.other_submission.pk).update(
        submitted_at=london(2021, 5, 7), is_late=True
    )
    client.force_login(admin)
    response = client.get(reverse("charts:submissions"), {"collection": act_world.act.pk})
    html = response.content.decode()
    chart = section(html, "chart-submissions")
    assert 'role="img" aria-labelledby="title-submissions desc-submissions"' in chart
    assert 'data-testid="deadline-line"' in chart and 'data-testid="owed-line"' in chart
    assert re.findall(r'<td [^>]*data-value="([^"]+)"', chart) == ["1", "2"]
    assert "2 of 2 returns submitted, 1 late." in html


def test_chart_filter_form_offers_only_what_the_user_may_see(client, act_world):
    client.force_login(act_world.reviewer)
    html = client.get(reverse("charts:submissions")).content.decode()
    start = html.index('data-testid="chart-filter"')
    form = html[start : html.index("</form>", start)]
    assert (
        'value="Y63"' in form,
        'value="Y56"' in form,
        'value="QHM"' in form,
        'value="QMJ"' in form,
    ) == (True, False, True, False)


def test_navigation_links_to_charts_for_those_who_may_see_them(client, act_world):
    link = f'href="{reverse("charts:activity")}"'
    client.force_login(act_world.reviewer)
    assert link in client.get(reverse("shell:home"), follow=True).content.decode()
    client.force_login(act_world.submitter)
    assert link not in client.get(reverse("shell:home"), follow=True).content.decode()


def test_activity_page_opens_on_the_last_stage_with_uploads(client, act_world, admin):
    final = CollectionFactory(
        planning_round=act_world.act.planning_round,
        code="ACT",
        stage=Stage.FINAL,
        deadline=london(2021, 6, 3),
        submitted_by=["ics"],
        accepted_formats=["xlsx"],
    )
    client.force_login(admin)
    assert client.get(reverse("charts:activity")).context["asked"].collection == final
    checked_version(submission=act_world.submission, user=act_world.lead)
    assert client.get(reverse("charts:activity")).context["asked"].collection == act_world.act


def test_activity_page_of_another_round_opens_on_its_own_latest_return(client, act_world, admin):
    later = PlanningRoundFactory(name="2022/23")
    later_act = CollectionFactory(
        planning_round=later,
        code="ACT",
        stage=Stage.DRAFT,
        deadline=london(2022, 4, 28),
        submitted_by=["ics"],
        accepted_formats=["xlsx"],
    )
    client.force_login(admin)
    response = client.get(
        reverse("charts:activity"), {"round": later.pk, "collection": act_world.act.pk}
    )
    assert (response.status_code, response.context["asked"].collection) == (200, later_act)
