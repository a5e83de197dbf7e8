from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape
from rest_framework.test import APIClient

from accounts.models import Role
from planning.models import Stage
from reviews.models import Comment, Decision
from submissions.models import ProductKind, ReturnValue, Submission, VersionProduct, VersionStatus
from submissions.models import SubmissionStatus as S
from submissions.products import comparison_changes, product_build, product_for
from submissions.services import submissions_ensure_for_round
from tests.factories import (
    CollectionFactory,
    IcsFactory,
    PlanningRoundFactory,
    RegionFactory,
    SubmissionFactory,
    TrustFactory,
    UserFactory,
    api_token,
    grant,
    london,
)
from tests.reviews.support import cell_value, edited, stored_version, submit
from tests.workbooks.conftest import with_far_cells
from workbooks.compare import CellChange, CellLabel

# Comparison -------------------------------------------------------------------------------------


def _diff(*, old, new) -> list[CellChange]:
    product = product_for(kind=ProductKind.COMPARISON, version=new, other=old)
    return comparison_changes(product=product)


def _listed(response) -> list[CellChange]:
    """The changes on the comparison page shown, in the order listed."""
    return [
        item.change for sheet in response.context["comparison"].sheets for item in sheet.changes
    ]


def test_version_diff_lists_exactly_the_changed_cells(act_world):
    base = edited(act_world.sample(), {})
    old_g4, old_h5 = cell_value(base, "Activity", "G4"), cell_value(base, "Activity", "H5")
    changed = edited(
        base,
        {
            ("Activity", "G4"): old_g4 + 125,
            ("Activity", "H5"): old_h5 - 7,
            ("ERF", "D5"): "see note",
        },
    )
    old_erf = cell_value(base, "ERF", "D5")
    v1 = stored_version(submission=act_world.submission, number=1, data=base, user=act_world.lead)
    v2 = stored_version(
        submission=act_world.submission, number=2, data=changed, user=act_world.lead
    )

    assert _diff(old=v1, new=v2) == [
        CellChange("Activity", "G4", old_g4, old_g4 + 125, Decimal(125)),
        CellChange("Activity", "H5", old_h5, old_h5 - 7, Decimal(-7)),
        CellChange("ERF", "D5", old_erf, "see note", None),
    ]
    assert _diff(old=v1, new=v1) == []


def _final_stage(act_world) -> Submission:
    """The system's final activity return, due after the draft."""
    final = CollectionFactory(
        planning_round=act_world.act.planning_round,
        code="ACT",
        stage=Stage.FINAL,
        name="Activity and performance",
        deadline=london(2021, 6, 3),
        submitted_by=["ics"],
        accepted_formats=["xlsx"],
    )
    submissions_ensure_for_round(planning_round=final.planning_round)
    return Submission.objects.get(collection=final, organisation=act_world.ics)


def test_compare_page_shows_the_changes_and_draft_against_final(client, act_world):
    final_submission = _final_stage(act_world)
    draft_data = edited(act_world.sample(), {})
    final_data = edited(
        draft_data, {("Activity", "G4"): cell_value(draft_data, "Activity", "G4") + 1}
    )
    draft = stored_version(
        submission=act_world.submission, number=1, data=draft_data, user=act_world.lead
    )
    final_version = stored_version(
        submission=final_submission, number=1, data=final_data, user=act_world.lead
    )
    client.force_login(act_world.reviewer)

    response = client.get(
        f"/review/{final_submission.pk}/compare/?a={draft.pk}&b={final_version.pk}"
    )
    assert response.status_code == 200
    assert [(c.sheet, c.cell, c.difference) for c in _listed(response)] == [("Activity", "G4", 1)]
    assert "Draft version 1 compared with final version 1" in response.content.decode()
    other = stored_version(
        submission=act_world.other_submission, number=1, data=draft_data, user=act_world.outsider
    )
    assert (
        client.get(
            f"/review/{final_submission.pk}/compare/?a={other.pk}&b={final_version.pk}"
        ).status_code
        == 404
    )
    assert (
        client.get(f"/review/{final_submission.pk}/compare/?a=x&b={final_version.pk}").status_code
        == 404
    )


def _many_changes(data: bytes, rows: int) -> bytes:
    """`data` with the April figure of the first `rows` rows of the activity sheet set to a
    million and more, which no sample figure is."""
    return edited(data, {("Activity", f"L{row}"): 1_000_000 + row for row in range(4, 4 + rows)})


def test_compare_page_labels_each_change_with_organisation_measure_and_period(client, act_world):
    base = edited(act_world.sample(), {})
    # Row 33 is the first provider's first measure: the system's own block has 29 rows.
    changed = edited(
        base,
        {
            ("Activity", "L4"): cell_value(base, "Activity", "L4") + 1000,
            ("Activity", "M33"): cell_value(base, "Activity", "M33") - 2,
            ("ERF", "D5"): "see note",
        },
    )
    v1 = stored_version(submission=act_world.submission, number=1, data=base, user=act_world.lead)
    stored_version(submission=act_world.submission, number=2, data=changed, user=act_world.lead)
    client.force_login(act_world.reviewer)

    response = client.get(f"/review/{act_world.submission.pk}/compare/")

    comparison = response.context["comparison"]
    assert [
        (
            sheet.name,
            sheet.period_header,
            [(item.change.cell, item.label) for item in sheet.changes],
        )
        for sheet in comparison.sheets
    ] == [
        (
            "Activity",
            "Period",
            [
                ("L4", CellLabel(act_world.ics.name, "Elective ordinary spells", "Apr-21")),
                (
                    "M33",
                    CellLabel(
                        "Gateshead Health NHS Foundation Trust",
                        "Elective ordinary spells",
                        "May-21",
                    ),
                ),
            ],
        ),
        ("ERF", "Month", [("D5", CellLabel(act_world.ics.name, "Threshold %", "May 2021"))]),
    ]
    page = response.content.decode()
    assert "+1,000" in page
    # Each organisation's changes sit under its name.
    assert 'portal-changes__organisation">Gateshead Health NHS Foundation Trust</th>' in page
    assert "Showing 1 to 3 of 3 changes" in page
    assert response.context["old"] == v1


def test_compare_page_opens_on_the_two_newest_versions_of_the_same_stage(client, act_world):
    data = act_world.sample()
    versions = [
        stored_version(
            submission=act_world.submission, number=number, data=data, user=act_world.lead
        )
        for number in (1, 2, 3)
    ]
    client.force_login(act_world.reviewer)

    response = client.get(f"/review/{act_world.submission.pk}/compare/")

    assert (response.context["old"], response.context["new"]) == (versions[1], versions[2])
    assert response.context["note"] == ""


@pytest.mark.parametrize(
    "status", [VersionStatus.QUEUED, VersionStatus.REJECTED, VersionStatus.FAILED]
)
def test_compare_page_leaves_out_a_version_that_was_not_checked(client, act_world, status):
    data = act_world.sample()
    checked = [
        stored_version(
            submission=act_world.submission, number=number, data=data, user=act_world.lead
        )
        for number in (1, 2)
    ]
    unchecked = stored_version(
        submission=act_world.submission, number=3, data=data, user=act_world.lead, status=status
    )
    client.force_login(act_world.reviewer)

    response = client.get(f"/review/{act_world.submission.pk}/compare/")
    chosen = client.get(f"/review/{act_world.submission.pk}/compare/?b={unchecked.pk}")

    assert (response.context["old"], response.context["new"]) == (checked[0], checked[1])
    assert response.context["versions"] == checked
    assert chosen.status_code == 404


def test_compare_page_with_one_version_of_a_stage_opens_on_the_other_stages_newest(
    client, act_world
):
    final_submission = _final_stage(act_world)
    data = act_world.sample()
    drafts = [
        stored_version(
            submission=act_world.submission, number=number, data=data, user=act_world.lead
        )
        for number in (1, 2)
    ]
    final_version = stored_version(
        submission=final_submission, number=1, data=data, user=act_world.lead
    )
    client.force_login(act_world.reviewer)

    response = client.get(f"/review/{final_submission.pk}/compare/")
    chosen = client.get(
        f"/review/{final_submission.pk}/compare/?a={drafts[0].pk}&b={final_version.pk}"
    )

    assert (response.context["old"], response.context["new"]) == (drafts[1], final_version)
    assert response.context["note"] == (
        "This return has one final version, so it is compared with the newest draft version "
        "(version 2)."
    )
    assert "This return has one final version" in response.content.decode()
    assert (
        f"<title>Compare versions – {escape(final_submission.collection.title)} – "
        in response.content.decode()
    )
    assert (chosen.context["old"], chosen.context["note"]) == (drafts[0], "")


def test_compare_page_pages_through_changes_fifty_at_a_time_grouped_by_sheet(client, act_world):
    base = edited(act_world.sample(), {})
    changed = edited(_many_changes(base, 120), {("ERF", "D5"): "see note"})
    stored_version(submission=act_world.submission, number=1, data=base, user=act_world.lead)
    stored_version(submission=act_world.submission, number=2, data=changed, user=act_world.lead)
    client.force_login(act_world.reviewer)
    url = f"/review/{act_world.submission.pk}/compare/"

    second, last = client.get(f"{url}?page=2"), client.get(f"{url}?page=3")

    assert "Showing 51 to 100 of 121 changes" in second.content.decode()
    assert [
        (sheet.name, sheet.count, sheet.first_page, len(sheet.changes))
        for sheet in second.context["comparison"].sheets
    ] == [("Activity", 120, 1, 50), ("ERF", 1, 3, 0)]
    assert [(sheet.name, len(sheet.changes)) for sheet in last.context["comparison"].sheets] == [
        ("Activity", 20),
        ("ERF", 1),
    ]
    assert "Showing 101 to 121 of 121 changes" in last.content.decode()
    assert 'href="?page=2"' in last.content.decode()


def test_compare_page_queries_do_not_grow_with_the_changes(client, act_world):
    base = edited(act_world.sample(), {})
    v1 = stored_version(submission=act_world.submission, number=1, data=base, user=act_world.lead)
    few = stored_version(
        submission=act_world.submission, number=2, data=_many_changes(base, 2), user=act_world.lead
    )
    many = stored_version(
        submission=act_world.submission,
        number=3,
        data=_many_changes(base, 150),
        user=act_world.lead,
    )
    client.force_login(act_world.reviewer)
    url = f"/review/{act_world.submission.pk}/compare/"
    client.get(f"{url}?a={v1.pk}&b={few.pk}")  # each comparison is built once, then kept
    client.get(f"{url}?a={v1.pk}&b={many.pk}")

    counts = []
    for version in (few, many):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{url}?a={v1.pk}&b={version.pk}").status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]
    assert counts[1] <= 20


def test_review_and_compare_pages_survive_an_extra_sheet_with_cells_at_a1_and_xfd1048576(
    client, act_world
):
    """A dense read of the extra sheet would ask for 17 billion cells (512 GB) and abort the web
    process; only the template's sheets are read."""
    base = act_world.sample()
    first = submit(submission=act_world.submission, user=act_world.lead, data=base)
    far = with_far_cells(edited(base, {}), "Notes")
    second = submit(submission=act_world.submission, user=act_world.lead, data=far)
    client.force_login(act_world.reviewer)

    review = client.get(f"/review/{act_world.submission.pk}/")
    compare = client.get(f"/review/{act_world.submission.pk}/compare/?a={first.pk}&b={second.pk}")

    assert (review.status_code, compare.status_code) == (200, 200)
    assert compare.context["comparison"].listed == 0
    assert [f.rule for f in second.findings.all()] == ["STRUCT.EXTRA_SHEET"]


def test_comparison_of_large_files_is_prepared_in_the_background_with_progress(
    client, act_world, settings
):
    settings.PRODUCT_INLINE_MAX_BYTES = 0
    base = edited(act_world.sample(), {})
    v1 = stored_version(submission=act_world.submission, number=1, data=base, user=act_world.lead)
    v2 = stored_version(
        submission=act_world.submission,
        number=2,
        data=edited(base, {("ERF", "D5"): "see note"}),
        user=act_world.lead,
    )
    client.force_login(act_world.reviewer)
    url = f"/review/{act_world.submission.pk}/compare/?a={v1.pk}&b={v2.pk}"

    waiting = client.get(url)
    panel = client.get(f"/review/{act_world.submission.pk}/compare/panel/?a={v1.pk}&b={v2.pk}")
    product = VersionProduct.objects.get(version=v2, other=v1)
    product_build(product_id=product.pk, limited=True)
    ready = client.get(url)

    assert (waiting.status_code, waiting.context["comparison"]) == (200, None)
    assert "We are preparing the comparison of these two versions" in panel.content.decode()
    assert f'hx-get="/review/{act_world.submission.pk}/compare/panel/?a={v1.pk}' in (
        waiting.content.decode()
    )
    assert [(c.sheet, c.cell) for c in _listed(ready)] == [("ERF", "D5")]
    assert "Showing 1 to 1 of 1 change" in ready.content.decode()


def _own_activity(version, rows: dict[str, tuple[list, list]]) -> None:
    """Sets the system's own Activity figures of `version`: six baseline months, then six months."""
    ReturnValue.objects.filter(version=version, organisation_kind="self", measure__in=rows).delete()
    ReturnValue.objects.bulk_create(
        ReturnValue(
            version=version,
            sheet="Activity",
            organisation_code=version.submission.organisation.ods_code,
            organisation_kind="self",
            measure=code,
            position=position,
            period=f"column {position}",
            is_baseline=position < 6,
            value=value,
        )
        for code, (baselines, months) in rows.items()
        for position, value in enumerate(baselines + months)
    )


FLOW_SNAPSHOT_RATE = {
    "EL-TOT": ([1000] * 6, [1100, 1200, 1300, 1400, 1500, 1600]),
    "EL-RTT52": ([40, 40, 40, 40, 40, 50], [900, 850, 800, 750, 700, 650]),
    "OP-REMOTE": ([5, 5, 5, 5, 5, 5], [30, 32, 34, 36, 38, 40]),
}


def _figure_rows(page, codes) -> list[list[str]]:
    html = page.content.decode()
    return [
        [" ".join(cell.split()) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for code in codes
        for row in re.findall(rf'<tr[^>]*data-testid="figure-{code}">(.*?)</tr>', html, re.S)
    ]


EXPECTED_FIGURES = [
    [
        'Elective spells: total <span class="nhsuk-body-s nhsuk-u-secondary-text-color">'
        "(total of 6 months)</span>",
        "8,100",
        "6,000",
        "Up 35.0%",
    ],
    [
        "Patients waiting more than 52 weeks (RTT) "
        '<span class="nhsuk-body-s nhsuk-u-secondary-text-color">(at Sep-21)</span>',
        "650",
        "50",
        "Up 1,200.0%",
    ],
    [
        "Outpatient attendances delivered remotely (share) "
        '<span class="nhsuk-body-s nhsuk-u-secondary-text-color">(average of 6 months)</span>',
        "35.0%",
        "5.0%",
        "Up 30.0 percentage points",
    ],
]


def test_review_page_key_figures_add_up_flows_take_snapshots_last_and_average_rates(
    client, act_world, submitted
):
    _own_activity(submitted, FLOW_SNAPSHOT_RATE)
    client.force_login(act_world.reviewer)
    page = client.get(f"/review/{act_world.submission.pk}/")
    assert _figure_rows(page, FLOW_SNAPSHOT_RATE) == EXPECTED_FIGURES
    assert "Baseline (Apr-19 to Sep-19)" in page.content.decode()


def test_return_page_key_figures_match_the_review_page(client, act_world, submitted):
    _own_activity(submitted, FLOW_SNAPSHOT_RATE)
    client.force_login(act_world.lead)
    page = client.get(f"/returns/{act_world.submission.pk}/")
    assert _figure_rows(page, FLOW_SNAPSHOT_RATE) == EXPECTED_FIGURES


# Review page and decisions ----------------------------------------------------------------------


@pytest.fixture
def submitted(act_world):
    return submit(submission=act_world.submission, user=act_world.lead, data=act_world.sample())


def test_review_page_shows_the_summary_and_decides(client, act_world, submitted):
    client.force_login(act_world.reviewer)
    page = client.get(f"/review/{act_world.submission.pk}/")
    assert page.status_code == 200
    assert page.context["key_figures"] and b"Key figures of version 1" in page.content
    response = client.post(
        f"/review/{act_world.submission.pk}/decide/",
        {"version": submitted.pk, "decision": "request_changes", "comment": ""},
    )
    assert response.status_code == 400
    assert "Say what needs to change" in response.content.decode()
    response = client.post(
        f"/review/{act_world.submission.pk}/decide/",
        {"version": submitted.pk, "decision": "request_changes", "comment": "Fix F4."},
    )
    assert response.status_code == 302
    assert Submission.objects.get(pk=act_world.submission.pk).status == S.CHANGES_REQUESTED


def test_deciding_on_a_superseded_version_answers_with_a_conflict(client, act_world, submitted):
    newer = submit(
        submission=act_world.submission, user=act_world.lead, data=act_world.sample(seed=3)
    )
    client.force_login(act_world.reviewer)
    response = client.post(
        f"/review/{act_world.submission.pk}/decide/",
        {"version": submitted.pk, "decision": "approve"},
    )
    assert response.status_code == 409
    assert f"version {newer.number} was submitted since" in response.content.decode()
    assert not Decision.objects.exists()


def test_reopen_from_the_review_page(client, act_world, submitted):
    client.force_login(act_world.reviewer)
    client.post(
        f"/review/{act_world.submission.pk}/decide/",
        {"version": submitted.pk, "decision": "approve"},
    )
    assert (
        client.post(f"/review/{act_world.submission.pk}/reopen/", {"reason": ""}).status_code == 400
    )
    response = client.post(
        f"/review/{act_world.submission.pk}/reopen/", {"reason": "Funding changed."}
    )
    assert response.status_code == 302
    assert Submission.objects.get(pk=act_world.submission.pk).status == S.CHANGES_REQUESTED


def test_the_organisation_replies_from_the_return_page(client, act_world, submitted):
    client.force_login(act_world.reviewer)
    client.post(
        f"/returns/{act_world.submission.pk}/comments/",
        {"text": "Why so high?", "sheet": "Activity", "cell": "G4", "version": submitted.pk},
    )
    asked = Comment.objects.get()
    client.force_login(act_world.submitter)
    page = client.get(f"/returns/{act_world.submission.pk}/")
    assert "Why so high?" in page.content.decode() and "Activity!G4" in page.content.decode()
    response = client.post(
        f"/returns/{act_world.submission.pk}/comments/",
        {"text": "A new theatre opened.", "parent": asked.pk},
    )
    assert response["Location"] == f"/returns/{act_world.submission.pk}/"
    assert Comment.objects.get(parent=asked).side == "organisation"


def test_the_decision_and_its_reason_head_the_return_and_the_returns_list(
    client, act_world, submitted
):
    client.force_login(act_world.reviewer)
    client.post(
        f"/review/{act_world.submission.pk}/decide/",
        {"version": submitted.pk, "decision": "request_changes", "comment": "Fix the April total."},
    )
    client.force_login(act_world.lead)
    page = client.get(f"/returns/{act_world.submission.pk}/").content.decode()
    banner = page.index('data-testid="decision-banner"')
    assert banner < page.index("<h2>1. Get the template</h2>")
    assert "Changes needed" in page[banner:] and "Fix the April total." in page[banner:]
    home = client.get(f"/organisations/{act_world.ics.ods_code}/").content.decode()
    assert "Fix the April total." in home
    assert f'href="/returns/{act_world.submission.pk}/">Activity' in home


# Queue ------------------------------------------------------------------------------------------


@pytest.fixture
def queue_world(db):
    region, other_region = RegionFactory(code="Y63"), RegionFactory(code="Y56")
    planning_round = PlanningRoundFactory(name="2021/22", is_current=True)
    old_round = PlanningRoundFactory(name="2020/21")
    reviewer = UserFactory(username="queue-reviewer")
    grant(reviewer, Role.REGIONAL_REVIEWER, region=region)
    ics_one, ics_two = (
        IcsFactory(ods_code="QA1", region=region),
        IcsFactory(ods_code="QA2", region=region),
    )
    act = CollectionFactory(
        planning_round=planning_round, code="ACT", stage=Stage.DRAFT, deadline=london(2021, 5, 6)
    )
    pcc = CollectionFactory(planning_round=planning_round, code="PCC", deadline=london(2021, 4, 12))
    rows = {
        "one-act": SubmissionFactory(
            collection=act,
            organisation=ics_one,
            status=S.SUBMITTED,
            submitted_at=london(2021, 5, 1),
        ),
        "two-act": SubmissionFactory(
            collection=act,
            organisation=ics_two,
            status=S.APPROVED,
            is_late=True,
            submitted_at=london(2021, 5, 7),
        ),
        "trust-pcc": SubmissionFactory(
            collection=pcc, organisation=TrustFactory(parent_ics=ics_two), status=S.VALID
        ),
    }
    SubmissionFactory(
        collection=act, organisation=IcsFactory(region=other_region), status=S.SUBMITTED
    )
    SubmissionFactory(
        collection=CollectionFactory(planning_round=old_round),
        organisation=ics_one,
        status=S.SUBMITTED,
    )
    return reviewer, rows, old_round


def _queue(client, reviewer, query: str = "") -> list[int]:
    client.force_login(reviewer)
    response = client.get(f"/review/{query}")
    assert response.status_code == 200
    return [row.pk for row in response.context["rows"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?collection=", ["trust-pcc", "one-act", "two-act"]),
        ("?collection=ACT", ["one-act", "two-act"]),
        ("?stage=single", ["trust-pcc"]),
        ("?status=approved", ["two-act"]),
        ("?ics=QA2", ["trust-pcc", "two-act"]),
        ("?late=yes", ["two-act"]),
        ("?late=no", ["trust-pcc", "one-act"]),
        ("?waiting=on", ["one-act"]),
        ("?sort=-deadline", ["one-act", "two-act", "trust-pcc"]),
        ("?sort=-submitted", ["two-act", "one-act", "trust-pcc"]),
        ("?sort=submitted", ["one-act", "two-act", "trust-pcc"]),
    ],
)
def test_queue_filters_and_sorts(client, queue_world, query, expected):
    reviewer, rows, _ = queue_world
    assert _queue(client, reviewer, query) == [rows[name].pk for name in expected]


def test_queue_waiting_includes_an_unanswered_comment_by_the_organisation(client, queue_world):
    reviewer, rows, _ = queue_world
    Comment.objects.create(submission=rows["two-act"], author=reviewer, side="region", text="Why?")
    assert _queue(client, reviewer, "?waiting=on") == [rows["one-act"].pk]
    Comment.objects.create(
        submission=rows["two-act"], author=reviewer, side="organisation", text="Because."
    )
    assert _queue(client, reviewer, "?waiting=on&sort=deadline") == [
        rows["one-act"].pk,
        rows["two-act"].pk,
    ]


def test_queue_counts_per_status_and_other_rounds(client, queue_world):
    reviewer, rows, old_round = queue_world
    client.force_login(reviewer)
    counts = {
        status: n for status, _label, n in client.get("/review/?waiting=on").context["counts"]
    }
    assert (counts["submitted"], counts["approved"], counts["valid"], counts["invalid"]) == (
        1,
        1,
        1,
        0,
    )
    assert len(_queue(client, reviewer, f"?round={old_round.pk}")) == 1


def test_queue_opens_on_waiting_for_me_with_counts_as_links(client, queue_world):
    reviewer, rows, _ = queue_world
    client.force_login(reviewer)
    response = client.get("/review/")
    round_pk = rows["one-act"].collection.planning_round_id
    assert response["Location"] == f"/review/?round={round_pk}&waiting=on"
    page = client.get(response["Location"]).content.decode()
    assert f'href="?round={round_pk}&amp;status=submitted"' in page


def test_queue_refuses_a_bad_filter_value_without_failing(client, queue_world):
    reviewer, _, _ = queue_world
    client.force_login(reviewer)
    response = client.get("/review/?status=nonsense")
    assert response.status_code == 200 and list(response.context["rows"]) == []
    assert "There is a problem" in response.content.decode()


def test_queue_makes_the_same_number_of_queries_at_any_size(client, queue_world):
    reviewer, rows, _ = queue_world
    region = rows["one-act"].organisation.region
    collection = rows["one-act"].collection
    client.force_login(reviewer)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/review/?waiting=on&sort=-submitted").status_code == 200
        return len(queries)

    small = count()
    for i in range(40):
        ics = IcsFactory(region=region)
        submission = SubmissionFactory(
            collection=collection,
            organisation=ics,
            status=S.SUBMITTED,
            submitted_at=london(2021, 5, 2),
        )
        Comment.objects.create(
            submission=submission, author=reviewer, side="organisation", text=f"Question {i}"
        )
    assert count() == small <= 13  # one of them counts the rows for the pagination


# API --------------------------------------------------------------------------------------------


def _api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return client


def test_api_decides_and_lists_decisions(act_world, submitted):
    url = f"/api/v1/submissions/{act_world.submission.pk}/reviews/"
    reviewer = _api(act_world.reviewer)
    response = reviewer.post(
        url, {"decision": "request_changes", "version": submitted.pk}, format="json"
    )
    assert response.status_code == 400
    assert "Say what needs to change" in response.json()["comment"][0]
    response = reviewer.post(
        url,
        {"decision": "request_changes", "version": submitted.pk, "comment": "Fix F4."},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["decision"] == "request_changes"
    listed = _api(act_world.submitter).get(url).json()
    assert [(d["decision"], d["version"], d["comment"]) for d in listed] == [
        ("request_changes", submitted.pk, "Fix F4.")
    ]
    assert (
        _api(act_world.lead)
        .post(url, {"decision": "approve", "version": submitted.pk}, format="json")
        .status_code
        == 404
    )
    assert _api(act_world.outsider).get(url).status_code == 404


def test_api_refuses_a_stale_version_with_409(act_world, submitted):
    submit(submission=act_world.submission, user=act_world.lead, data=act_world.sample(seed=4))
    response = _api(act_world.reviewer).post(
        f"/api/v1/submissions/{act_world.submission.pk}/reviews/",
        {"decision": "approve", "version": submitted.pk},
        format="json",
    )
    assert response.status_code == 409
    assert "Reload the page and review that one" in response.json()["detail"]


def test_api_comments_on_a_cell_and_lists_them(act_world, submitted):
    url = f"/api/v1/submissions/{act_world.submission.pk}/comments/"
    response = _api(act_world.reviewer).post(
        url,
        {"text": "Why so high?", "version": submitted.pk, "sheet": "Activity", "cell": "g4"},
        format="json",
    )
    assert response.status_code == 201 and response.json()["cell"] == "G4"
    reply = _api(act_world.submitter).post(
        url, {"text": "New theatre.", "parent": response.json()["id"]}, format="json"
    )
    assert reply.status_code == 201 and reply.json()["side"] == "organisation"
    assert [c["text"] for c in _api(act_world.lead).get(url).json()] == [
        "Why so high?",
        "New theatre.",
    ]
    assert _api(act_world.outsider).post(url, {"text": "Hi"}, format="json").status_code == 404


def test_api_schema_stays_valid(act_world):
    response = _api(act_world.lead).get("/api/v1/schema/")
    assert response.status_code == 200
    assert b"/api/v1/submissions/{id}/reviews/" in response.content


def test_a_tampered_version_id_is_answered_with_a_message_not_an_error(
    client, act_world, submitted
):
    client.force_login(act_world.reviewer)
    response = client.post(
        f"/review/{act_world.submission.pk}/decide/", {"version": "abc", "decision": "approve"}
    )
    assert response.status_code == 409
    assert "That version is not part of this return" in response.content.decode()


def test_queue_pages_fifty_returns_at_a_time(client, queue_world):
    reviewer, rows, _ = queue_world
    region = rows["one-act"].organisation.region
    collection = rows["one-act"].collection
    for _ in range(60):
        SubmissionFactory(
            collection=collection,
            organisation=IcsFactory(region=region),
            status=S.SUBMITTED,
            submitted_at=london(2021, 5, 2),
        )
    client.force_login(reviewer)
    first = client.get("/review/", {"status": "submitted"})
    second = client.get("/review/", {"status": "submitted", "page": 2})
    total = first.context["page"].paginator.count
    assert (len(first.context["rows"]), len(second.context["rows"])) == (50, total - 50)
    assert "status=submitted&amp;page=2" in first.content.decode()
