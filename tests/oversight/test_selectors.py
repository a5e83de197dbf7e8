from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from oversight.selectors import (
    NOT_APPLICABLE,
    DashboardStatus,
    dashboard_for_user,
    dashboard_status,
)
from planning.models import OrganisationType, Stage, TrustKind
from submissions.models import SubmissionStatus, VersionStatus
from tests.factories import CollectionFactory, DeadlineExtensionFactory, TrustFactory, london
from tests.oversight.support import AFTER_DEADLINE, BEFORE_DEADLINE, in_state

S, D = SubmissionStatus, DashboardStatus
DEADLINE = london(2021, 5, 6)


@pytest.mark.parametrize(
    ("status", "is_late", "now", "expected"),
    [
        (S.NOT_STARTED, False, BEFORE_DEADLINE, (D.NOT_STARTED, "Not started", "")),
        (S.UPLOADED, False, BEFORE_DEADLINE, (D.UPLOADED, "Being checked", "")),
        (S.VALIDATING, False, BEFORE_DEADLINE, (D.UPLOADED, "Being checked", "")),
        (S.INVALID, False, BEFORE_DEADLINE, (D.INVALID, "Has errors", "")),
        (S.VALID, False, BEFORE_DEADLINE, (D.VALID, "No errors", "")),
        (S.SUBMITTED, False, BEFORE_DEADLINE, (D.SUBMITTED, "Submitted", "")),
        (S.SUBMITTED, False, AFTER_DEADLINE, (D.SUBMITTED, "Submitted", "")),
        (S.SUBMITTED, True, AFTER_DEADLINE, (D.SUBMITTED, "Submitted", "Late")),
        (S.CHANGES_REQUESTED, True, AFTER_DEADLINE, (D.CHANGES_REQUESTED, "Changes requested", "")),
        (S.APPROVED, True, AFTER_DEADLINE, (D.APPROVED, "Approved", "")),
        (S.NOT_STARTED, False, AFTER_DEADLINE, (D.NOT_STARTED, "Not started", "Overdue")),
        (S.UPLOADED, False, AFTER_DEADLINE, (D.UPLOADED, "Being checked", "Overdue")),
        (S.VALID, False, AFTER_DEADLINE, (D.VALID, "No errors", "Overdue")),
        (
            S.INVALID,
            False,
            DEADLINE,
            (D.INVALID, "Has errors", ""),
        ),  # due at noon: still on time at noon
    ],
)
def test_dashboard_status_maps_each_return_status(status, is_late, now, expected):
    assert dashboard_status(status=status, is_late=is_late, deadline=DEADLINE, now=now) == expected


def test_an_optional_return_is_never_overdue():
    assert dashboard_status(
        status=S.NOT_STARTED,
        is_late=False,
        deadline=DEADLINE,
        now=AFTER_DEADLINE,
        is_mandatory=False,
    ) == (D.NOT_STARTED, "Not started", "")


@pytest.mark.parametrize(
    ("status", "is_late", "expected"),
    [
        (S.NOT_STARTED, False, (D.NOT_SUBMITTED, "Not submitted", "")),
        (S.VALID, False, (D.NOT_SUBMITTED, "Not submitted", "")),
        (S.INVALID, False, (D.NOT_SUBMITTED, "Not submitted", "")),
        (S.SUBMITTED, True, (D.SUBMITTED, "Submitted", "Late")),
        (S.APPROVED, True, (D.APPROVED, "Approved", "")),
    ],
)
def test_dashboard_status_of_a_closed_round_is_not_submitted_never_overdue(
    status, is_late, expected
):
    assert (
        dashboard_status(
            status=status,
            is_late=is_late,
            deadline=DEADLINE,
            now=AFTER_DEADLINE,
            round_closed=True,
        )
        == expected
    )


def _cells(dashboard) -> dict[str, list[tuple[str, str]]]:
    return {
        row["ods_code"]: [(cell["status"], cell["label"]) for cell in row["cells"]]
        for row in dashboard.rows
    }


def test_dashboard_overdue_follows_an_extended_deadline(world):
    lead = world.user("system_lead")
    in_state(collection=world.collection, organisation=world.ics_a, status=S.VALID, uploader=lead)
    in_state(collection=world.collection, organisation=world.ics_b, status=S.VALID, uploader=lead)
    DeadlineExtensionFactory(
        collection=world.collection,
        organisation=world.ics_a,
        deadline=london(2021, 5, 20),
        granted_by=lead,
    )
    admin = world.user("national_admin")

    extended = dashboard_for_user(
        user=admin, planning_round=world.planning_round, now=AFTER_DEADLINE
    )
    after_extension = dashboard_for_user(
        user=admin, planning_round=world.planning_round, now=london(2021, 5, 21)
    )

    assert _cells(extended) == {
        "QAA": [(D.VALID, "No errors")],
        "QBB": [(D.VALID, "No errors, overdue")],
    }
    assert extended.rows[0]["cells"][0]["extended_to"] == london(2021, 5, 20)
    assert _cells(after_extension)["QAA"] == [(D.VALID, "No errors, overdue")]


def test_dashboard_cells_of_returns_not_owed_are_not_applicable(world):
    pcc = CollectionFactory(
        planning_round=world.planning_round,
        code="PCC",
        name="Provider capital plan",
        deadline=london(2021, 4, 12),
        submitted_by=[OrganisationType.PROVIDER],
    )
    mhwf = CollectionFactory(
        planning_round=world.planning_round,
        code="MHWF-P",
        name="Mental health workforce",
        stage=Stage.DRAFT,
        submitted_by=[OrganisationType.PROVIDER],
        trust_kinds=[TrustKind.MENTAL_HEALTH],
    )

    dashboard = dashboard_for_user(
        user=world.user("regional_reviewer"),
        planning_round=world.planning_round,
        now=london(2021, 4, 1),
    )

    assert [column.heading for column in dashboard.columns] == [
        "Provider capital plan",
        world.collection.name,
        "Mental health workforce (draft)",
    ]
    assert [column.pk for column in dashboard.columns] == [pcc.pk, world.collection.pk, mhwf.pk]
    assert {code: [status for status, _ in cells] for code, cells in _cells(dashboard).items()} == {
        "QAA": [NOT_APPLICABLE, D.NOT_STARTED, NOT_APPLICABLE],
        "RA1": [D.NOT_STARTED, NOT_APPLICABLE, NOT_APPLICABLE],
        "RA2": [D.NOT_STARTED, NOT_APPLICABLE, D.NOT_STARTED],
    }


def test_dashboard_counts_and_percentages_by_return_and_region(world):
    lead = world.user("system_lead")
    pcc = CollectionFactory(
        planning_round=world.planning_round,
        code="PCC",
        name="Provider capital plan",
        deadline=london(2021, 4, 12),
        submitted_by=[OrganisationType.PROVIDER],
    )
    in_state(
        collection=world.collection, organisation=world.ics_a, status=S.APPROVED, uploader=lead
    )
    in_state(
        collection=world.collection,
        organisation=world.ics_b,
        status=S.CHANGES_REQUESTED,
        uploader=lead,
    )
    in_state(
        collection=pcc, organisation=world.trust_a, status=S.SUBMITTED, is_late=True, uploader=lead
    )
    in_state(collection=pcc, organisation=world.trust_b, status=S.INVALID, uploader=lead)
    TrustFactory(
        ods_code="RB2",
        name="Beta Community NHS Trust",
        parent_ics=world.ics_b,
        trust_kind=TrustKind.COMMUNITY,
    )

    dashboard = dashboard_for_user(
        user=world.user("national_admin"), planning_round=world.planning_round, now=AFTER_DEADLINE
    )

    pcc_column, act_column = dashboard.columns
    assert (pcc_column.owed, pcc_column.done, pcc_column.percent) == (4, 1, 25)
    # Each return keeps its own status; the four are also counted as late beside it.
    assert {status: count for status, _, count in pcc_column.status_counts if count} == {
        D.NOT_STARTED: 2,
        D.INVALID: 1,
        D.SUBMITTED: 1,
        D.LATE: 4,
    }
    assert (act_column.owed, act_column.done, act_column.percent) == (2, 1, 50)
    assert {status: count for status, _, count in act_column.status_counts if count} == {
        D.APPROVED: 1,
        D.CHANGES_REQUESTED: 1,
    }
    assert [(r.code, r.owed, r.done, r.percent, r.late) for r in dashboard.regions] == [
        ("YA1", 3, 2, 67, 2),
        ("YB2", 3, 0, 0, 2),
    ]
    assert (dashboard.scope_label, dashboard.owed, dashboard.done, dashboard.percent) == (
        "England",
        6,
        2,
        33,
    )
    assert [row["ods_code"] for row in dashboard.rows] == ["QAA", "RA1", "RA2", "QBB", "RB1", "RB2"]


def test_dashboard_of_a_reviewer_covers_only_their_region(world):
    reviewer = world.user("regional_reviewer")

    dashboard = dashboard_for_user(
        user=reviewer, planning_round=world.planning_round, now=BEFORE_DEADLINE
    )

    assert (dashboard.scope_label, [r.code for r in dashboard.regions]) == ("Region Alpha", ["YA1"])
    assert {row["region"] for row in dashboard.rows} == {"Region Alpha"}


def test_dashboard_cells_link_to_the_review_once_submitted_and_to_the_return_before(world):
    lead = world.user("system_lead")
    submitted = in_state(
        collection=world.collection, organisation=world.ics_a, status=S.SUBMITTED, uploader=lead
    )
    uploaded = in_state(
        collection=world.collection,
        organisation=world.ics_b,
        status=S.UPLOADED,
        version_status=VersionStatus.QUEUED,
        uploader=lead,
    )
    final = CollectionFactory(
        planning_round=world.planning_round,
        code="ACT",
        stage=Stage.FINAL,
        deadline=london(2021, 6, 3),
    )

    dashboard = dashboard_for_user(
        user=world.user("national_admin"), planning_round=world.planning_round, now=BEFORE_DEADLINE
    )

    links = {row["ods_code"]: [cell["url"] for cell in row["cells"]] for row in dashboard.rows}
    assert [column.pk for column in dashboard.columns] == [world.collection.pk, final.pk]
    assert links == {
        "QAA": [f"/review/{submitted.pk}/", None],
        "QBB": [f"/returns/{uploaded.pk}/", None],
    }


def test_dashboard_status_filter_narrows_rows_not_counts(world):
    lead = world.user("system_lead")
    in_state(
        collection=world.collection, organisation=world.ics_a, status=S.SUBMITTED, uploader=lead
    )

    dashboard = dashboard_for_user(
        user=world.user("national_admin"),
        planning_round=world.planning_round,
        status=D.SUBMITTED,
        now=BEFORE_DEADLINE,
    )

    assert [row["ods_code"] for row in dashboard.rows] == ["QAA"]
    assert (dashboard.columns[0].owed, dashboard.columns[0].done, dashboard.owed) == (2, 1, 2)


def test_dashboard_collection_filter_keeps_one_column_and_its_organisations(world):
    pcc = CollectionFactory(
        planning_round=world.planning_round, code="PCC", submitted_by=[OrganisationType.PROVIDER]
    )

    dashboard = dashboard_for_user(
        user=world.user("national_admin"),
        planning_round=world.planning_round,
        collection_id=pcc.pk,
        now=BEFORE_DEADLINE,
    )

    assert [column.pk for column in dashboard.columns] == [pcc.pk]
    assert [row["ods_code"] for row in dashboard.rows] == ["RA1", "RA2", "RB1"]


def test_dashboard_erf_total_comes_from_the_latest_checked_activity_return(world):
    lead = world.user("system_lead")
    final = CollectionFactory(
        planning_round=world.planning_round,
        code="ACT",
        stage=Stage.FINAL,
        deadline=london(2021, 6, 3),
    )
    in_state(
        collection=world.collection,
        organisation=world.ics_a,
        status=S.SUBMITTED,
        erf_total=Decimal(100),
        uploader=lead,
    )
    in_state(
        collection=final,
        organisation=world.ics_a,
        status=S.INVALID,
        version_status=VersionStatus.INVALID,
        erf_total=Decimal(250),
        uploader=lead,
    )
    in_state(
        collection=world.collection,
        organisation=world.ics_b,
        status=S.SUBMITTED,
        erf_total=Decimal(300),
        uploader=lead,
    )
    in_state(
        collection=final,
        organisation=world.ics_b,
        status=S.VALIDATING,
        version_status=VersionStatus.RUNNING,
        erf_total=None,
        uploader=lead,
    )

    dashboard = dashboard_for_user(
        user=world.user("national_admin"), planning_round=world.planning_round, now=BEFORE_DEADLINE
    )

    assert dashboard.shows_erf is True
    assert {row["ods_code"]: row["erf_total"] for row in dashboard.rows} == {
        "QAA": Decimal(250),
        "QBB": Decimal(300),
    }


def test_dashboard_shows_no_erf_column_without_an_activity_return(world):
    world.collection.code = "WF"
    world.collection.save()

    dashboard = dashboard_for_user(
        user=world.user("national_admin"),
        planning_round=world.planning_round,
        now=BEFORE_DEADLINE - dt.timedelta(days=1),
    )

    assert (dashboard.shows_erf, {row["erf_total"] for row in dashboard.rows}) == (False, {None})
