from __future__ import annotations

import csv
import io
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from planning.models import Stage
from submissions.models import Submission, SubmissionStatus
from submissions.services import submission_submit, template_context
from tests.factories import london, user_with_role
from tests.reviews.support import stored_version
from tests.triangulation.conftest import STEADY, TOO_MANY_STAFF
from triangulation.models import TriangulationFinding, TriangulationRun
from triangulation.selectors import triangulation_section
from workbooks.sample import make_sample_return

WF_WARNING = "workforce (total WTE) changes by"


def mismatched(tri_world):
    versions = {
        code: tri_world.upload(code, growth=TOO_MANY_STAFF if code == "WF" else STEADY)
        for code in ("ACT", "WF", "FIN-SYS")
    }
    tri_world.run()
    return versions


def page(client, user, name: str, submission: Submission) -> str:
    client.force_login(user)
    response = client.get(reverse(name, kwargs={"pk": submission.pk}))
    assert response.status_code == 200
    return response.content.decode()


def test_return_pages_show_the_warnings_and_then_the_empty_state(client, tri_world):
    mismatched(tri_world)
    act_page = page(client, tri_world.base.lead, "submissions:detail", tri_world.returns["ACT"])
    assert "Checks across your returns" in act_page
    assert act_page.count(WF_WARNING) == 3
    assert "The Newcastle upon Tyne Hospitals NHS Foundation Trust" in act_page
    wf_page = page(client, tri_world.base.lead, "submissions:detail", tri_world.returns["WF"])
    assert wf_page.count(WF_WARNING) == 3
    assert wf_page.count("pay (substantive, bank and agency) changes by") == 3

    tri_world.upload("WF", seed=2)
    tri_world.run()
    act_page = page(client, tri_world.base.lead, "submissions:detail", tri_world.returns["ACT"])
    assert WF_WARNING not in act_page
    assert 'data-testid="triangulation-empty"' in act_page


def test_warnings_do_not_block_submit_and_the_reviewer_sees_them(client, tri_world):
    versions = mismatched(tri_world)
    submission = tri_world.returns["WF"]
    submission.refresh_from_db()
    submission_submit(
        submission=submission,
        version=versions["WF"],
        user=tri_world.base.lead,
        declaration=True,
        explanations={},
        now=london(2021, 5, 5),
    )
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.SUBMITTED
    review = page(client, tri_world.base.reviewer, "reviews:detail", submission)
    assert "Checks across the system's returns" in review
    assert review.count(WF_WARNING) == 3
    assert "Workforce against activity: 3 warnings" in review


def test_returns_outside_the_checks_have_no_section(client, act_world):
    nar = Submission.objects.get(collection=act_world.nar, organisation=act_world.ics)
    assert 'data-testid="triangulation"' not in page(
        client, act_world.lead, "submissions:detail", nar
    )


def test_another_systems_findings_are_never_shown(client, tri_world):
    mismatched(tri_world)
    other = tri_world.base.other_submission
    data = make_sample_return(context=template_context(submission=other))
    version = stored_version(submission=other, number=1, data=data, user=tri_world.base.outsider)
    Submission.objects.filter(pk=other.pk).update(current_version=version)
    run = TriangulationRun.objects.create(
        system=tri_world.base.other_ics,
        planning_round=other.collection.planning_round,
        stage=Stage.DRAFT,
    )
    secret = TriangulationFinding.objects.create(
        run=run,
        position=0,
        rule="TRI.WF.001",
        organisation_code="QMJ",
        organisation_name="North Central London",
        message="Secret gap",
    )
    secret.versions.add(version)

    own = page(client, tri_world.base.lead, "submissions:detail", tri_world.returns["ACT"])
    assert "Secret gap" not in own
    assert "Secret gap" in page(client, tri_world.base.outsider, "submissions:detail", other)
    client.force_login(tri_world.base.lead)
    assert client.get(reverse("submissions:detail", kwargs={"pk": other.pk})).status_code == 404
    assert (
        client.get(
            reverse("submissions:version_findings_csv", kwargs={"pk": version.pk})
        ).status_code
        == 404
    )
    api = client.get(f"/api/v1/versions/{version.pk}/")
    assert api.status_code == 404


def test_findings_csv_and_api_carry_the_warnings(client, tri_world):
    versions = mismatched(tri_world)
    client.force_login(tri_world.base.lead)
    response = client.get(
        reverse("submissions:version_findings_csv", kwargs={"pk": versions["ACT"].pk})
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(row["Check"], row["Sheet"], row["Cell"]) for row in rows] == [
        ("Workforce against activity", "Across returns", "RR7"),
        ("Workforce against activity", "Across returns", "RTD"),
        ("Workforce against activity", "Across returns", "QHM"),
    ]
    assert rows[0]["Value"].startswith(
        "Activity (elective, outpatients and diagnostics) against the 2019/20 baseline: +"
    )
    body = client.get(f"/api/v1/versions/{versions['WF'].pk}/").json()
    assert [
        (f["rule"], f["title"], f["stage"], f["organisation_code"])
        for f in body["triangulation_findings"]
    ][:3] == [
        ("TRI.WF.001", "Workforce against activity", "draft", "RR7"),
        ("TRI.WF.001", "Workforce against activity", "draft", "RTD"),
        ("TRI.WF.001", "Workforce against activity", "draft", "QHM"),
    ]
    assert sorted(body["triangulation_findings"][0]["versions"]) == sorted(
        [versions["ACT"].pk, versions["WF"].pk]
    )


def test_return_page_queries_do_not_grow_with_the_findings(client, tri_world):
    versions = mismatched(tri_world)
    run = TriangulationRun.objects.get()
    user = user_with_role(Role.REGIONAL_REVIEWER, region=tri_world.base.region, username="counting")
    client.force_login(user)
    url = reverse("submissions:detail", kwargs={"pk": tri_world.returns["ACT"].pk})

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    queries()  # the first view reads the ERF estimate once and keeps it (erf.returns)
    small = queries()
    for position in range(10, 40):
        finding = TriangulationFinding.objects.create(
            run=run,
            position=position,
            rule="TRI.PRV.001",
            organisation_code=f"R{position}",
            organisation_name="A trust",
            message="Check it.",
            figures=[["Figures in", "ACT"]],
        )
        finding.versions.add(versions["ACT"], versions["WF"], versions["FIN-SYS"])
    assert queries() == small


def test_return_page_groups_the_warnings_by_kind_of_check(client, tri_world):
    mismatched(tri_world)
    wf_page = page(client, tri_world.base.lead, "submissions:detail", tri_world.returns["WF"])
    section = wf_page.split('data-testid="triangulation"', 1)[1].split("</section>", 1)[0]
    summaries = re.findall(r'<span class="nhsuk-details__summary-text">([^<]+)</span>', section)
    assert summaries == [
        "Workforce against activity: 3 warnings",
        "Pay against workforce: 3 warnings",
    ]
    assert "6 warnings involving version 1, by kind of check" in wf_page


def test_return_page_says_when_the_checks_are_running_again(client, tri_world):
    mismatched(tri_world)
    tri_world.upload("WF", seed=2)  # its run is owed: the message is sent only after commit
    wf_page = page(client, tri_world.base.lead, "submissions:detail", tri_world.returns["WF"])
    assert (
        'data-testid="triangulation-running"' in wf_page,
        'data-testid="triangulation-empty"' in wf_page,
    ) == (True, False)
    tri_world.run()
    wf_page = page(client, tri_world.base.lead, "submissions:detail", tri_world.returns["WF"])
    assert (
        'data-testid="triangulation-running"' in wf_page,
        'data-testid="triangulation-empty"' in wf_page,
    ) == (False, True)


def test_a_version_left_out_of_the_last_comparison_is_not_called_clear(tri_world):
    versions = mismatched(tri_world)
    tri_world.upload("WF", seed=2)
    tri_world.run()
    section = triangulation_section(submission=tri_world.returns["WF"], version=versions["WF"])
    assert (section.compared, section.findings) == (False, [])


def test_triangulation_findings_reach_people_without_rule_or_collection_codes(client, tri_world):
    versions = mismatched(tri_world)
    wf_page = page(client, tri_world.base.lead, "submissions:detail", tri_world.returns["WF"])
    client.force_login(tri_world.base.lead)
    csv_text = client.get(
        reverse("submissions:version_findings_csv", kwargs={"pk": versions["WF"].pk})
    ).content.decode("utf-8-sig")
    messages = [
        f["message"]
        for f in client.get(f"/api/v1/versions/{versions['WF'].pk}/").json()[
            "triangulation_findings"
        ]
    ]
    shown = [wf_page, csv_text, *messages]
    assert [re.findall(r"TRI\.|\(ACT\)|\(WF\)|\(FIN-SYS\)", text) for text in shown] == [
        [] for _ in shown
    ]
    assert messages[0] == (
        "Gateshead Health NHS Foundation Trust: workforce (total WTE) changes by +17.5% on the "
        "same months of 2019/20 in the workforce return but activity (elective, outpatients and "
        "diagnostics) by +2.5% on the 2019/20 baseline in the activity return, 15.0 percentage "
        "points apart over the same 6 months; the round allows 10.0 percentage points. Check that "
        "the workforce plan is for the activity planned: more staff with little more activity, or "
        "more activity without the staff to deliver it, needs putting right or explaining."
    )
