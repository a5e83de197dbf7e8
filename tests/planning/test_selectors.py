from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404

from accounts.models import Role
from core.formatting import days_until
from planning import selectors
from planning.models import OrganisationType, Stage, TrustKind
from submissions.models import SubmissionStatus
from tests.factories import (
    CancerAllianceFactory,
    CcgFactory,
    CollectionFactory,
    DeadlineExtensionFactory,
    IcsFactory,
    LmsFactory,
    PlanningRoundFactory,
    RegionFactory,
    SubmissionFactory,
    TrustFactory,
    grant,
    london,
)

UTC = dt.UTC


def _codes(queryset) -> list[str]:
    return sorted(queryset.values_list("ods_code", flat=True))


def test_organisations_visible_to_submitter_is_own_organisation_only(world):
    assert _codes(selectors.organisations_visible_to(user=world.user("submitter"))) == ["RA1"]
    assert _codes(selectors.organisations_visible_to(user=world.user("signatory", "b"))) == ["RB1"]


def test_organisations_visible_to_system_lead_is_own_ics_and_members(world):
    visible = _codes(selectors.organisations_visible_to(user=world.user("system_lead")))

    # Not Beta's organisations, and not the Cancer Alliance, which is not a member of the ICS.
    assert visible == ["CA1", "QAA", "QAA-LMS", "RA1", "RA2"]


def test_organisations_visible_to_reviewer_is_own_region(world):
    visible = _codes(selectors.organisations_visible_to(user=world.user("regional_reviewer")))

    assert visible == ["CA1", "E56000001", "QAA", "QAA-LMS", "RA1", "RA2"]


def test_organisations_visible_to_admin_is_everything(world):
    visible = _codes(selectors.organisations_visible_to(user=world.user("national_admin")))

    assert visible == [
        "CA1",
        "CB1",
        "E56000001",
        "QAA",
        "QAA-LMS",
        "QBB",
        "QBB-LMS",
        "RA1",
        "RA2",
        "RB1",
    ]


def test_organisations_visible_to_user_without_role_is_nothing(world):
    assert _codes(selectors.organisations_visible_to(user=world.no_role_user)) == []


def test_organisations_visible_to_inactive_user_is_nothing(world):
    lead = world.user("system_lead")
    lead.is_active = False
    lead.save()

    assert _codes(selectors.organisations_visible_to(user=lead)) == []


def test_organisations_visible_to_several_roles_is_their_union(world):
    submitter = world.user("submitter")
    grant(submitter, Role.REGIONAL_REVIEWER, region=world.region_b)

    assert _codes(selectors.organisations_visible_to(user=submitter)) == [
        "CB1",
        "QBB",
        "QBB-LMS",
        "RA1",
        "RB1",
    ]


def test_organisation_get_for_user_hides_other_systems_as_404(world):
    lead = world.user("system_lead")

    assert selectors.organisation_get_for_user(user=lead, ods_code="ra1") == world.trust_a
    with pytest.raises(Http404):
        selectors.organisation_get_for_user(user=lead, ods_code="RB1")


def test_region_get_for_user_hides_other_regions_as_404(world):
    reviewer = world.user("regional_reviewer")

    assert selectors.region_get_for_user(user=reviewer, code="ya1") == world.region_a
    with pytest.raises(Http404):
        selectors.region_get_for_user(user=reviewer, code="YB2")


def test_current_round_prefers_flagged_round_then_latest(db):
    older = PlanningRoundFactory(
        name="2020/21", starts_on=dt.date(2020, 4, 1), ends_on=dt.date(2021, 3, 31)
    )
    newer = PlanningRoundFactory(
        name="2021/22", starts_on=dt.date(2021, 4, 1), ends_on=dt.date(2022, 3, 31)
    )
    assert selectors.current_round() == newer

    older.is_current = True
    older.save()
    assert selectors.current_round() == older


def test_current_round_none_without_rounds(db):
    assert selectors.current_round() is None


def test_region_organisations_groups_by_ics_in_type_order(db):
    region = RegionFactory()
    beta = IcsFactory(name="Beta ICS", region=region)
    alpha = IcsFactory(name="Alpha ICS", region=region)
    alliance = CancerAllianceFactory(
        name="Aardvark Cancer Alliance", region=region, covered_icss=[alpha]
    )
    beta_trust = TrustFactory(name="A Beta trust", parent_ics=beta)
    alpha_trust_z = TrustFactory(name="Zulu trust", parent_ics=alpha)
    alpha_trust_a = TrustFactory(name="Able trust", parent_ics=alpha)
    alpha_ccg = CcgFactory(name="Zed CCG", parent_ics=alpha)
    alpha_lms = LmsFactory(name="Zed LMNS", parent_ics=alpha)
    TrustFactory(name="Closed trust", parent_ics=alpha, is_active=False)
    IcsFactory(name="Another region's ICS")

    rows = selectors.region_organisations(region=region, planning_round=None)

    assert [row.organisation for row in rows] == [
        alpha,
        alpha_lms,
        alpha_ccg,
        alpha_trust_a,
        alpha_trust_z,
        beta,
        beta_trust,
        alliance,
    ]


def test_region_organisations_counts_submitted_and_approved_in_round_only(db):
    region = RegionFactory()
    ics = IcsFactory(region=region)
    trust = TrustFactory(parent_ics=ics)
    this_round, last_round = PlanningRoundFactory(), PlanningRoundFactory()
    statuses = [
        SubmissionStatus.SUBMITTED,
        SubmissionStatus.APPROVED,
        SubmissionStatus.VALID,
        SubmissionStatus.CHANGES_REQUESTED,
    ]
    for status in statuses:
        SubmissionFactory(
            organisation=ics, status=status, collection=CollectionFactory(planning_round=this_round)
        )
    SubmissionFactory(
        organisation=ics,
        status=SubmissionStatus.SUBMITTED,
        collection=CollectionFactory(planning_round=last_round),
    )

    rows = selectors.region_organisations(region=region, planning_round=this_round)

    assert [(row.organisation, row.submitted) for row in rows] == [(ics, 2), (trust, 0)]


def test_returns_for_organisation_lists_owed_collections_in_deadline_order(db):
    ics = IcsFactory()
    trust = TrustFactory(parent_ics=ics, trust_kind=TrustKind.MENTAL_HEALTH)
    planning_round = PlanningRoundFactory()
    final = CollectionFactory(
        planning_round=planning_round,
        code="MHWF-P",
        stage=Stage.FINAL,
        submitted_by=[OrganisationType.PROVIDER],
        trust_kinds=[TrustKind.MENTAL_HEALTH],
        deadline=london(2021, 6, 3),
    )
    draft = CollectionFactory(
        planning_round=planning_round,
        code="MHWF-P",
        stage=Stage.DRAFT,
        submitted_by=[OrganisationType.PROVIDER],
        trust_kinds=[TrustKind.MENTAL_HEALTH],
        deadline=london(2021, 5, 6),
    )
    capital = CollectionFactory(
        planning_round=planning_round,
        code="PCC",
        submitted_by=[OrganisationType.PROVIDER],
        deadline=london(2021, 4, 12),
    )
    CollectionFactory(
        planning_round=planning_round,
        code="MAT",
        submitted_by=[OrganisationType.PROVIDER],
        trust_kinds=[TrustKind.ACUTE],
    )
    CollectionFactory(
        planning_round=planning_round, code="FIN-SYS", submitted_by=[OrganisationType.ICS]
    )
    CollectionFactory(
        planning_round=PlanningRoundFactory(), code="PCC", submitted_by=[OrganisationType.PROVIDER]
    )
    SubmissionFactory(organisation=trust, collection=draft, status=SubmissionStatus.SUBMITTED)

    rows = selectors.returns_for_organisation(organisation=trust, planning_round=planning_round)

    assert [(row.collection, row.status, row.is_done) for row in rows] == [
        (capital, SubmissionStatus.NOT_STARTED, False),
        (draft, SubmissionStatus.SUBMITTED, True),
        (final, SubmissionStatus.NOT_STARTED, False),
    ]
    assert [row.shown_status[1] for row in rows] == ["Not started", "Submitted", "Not started"]


def test_returns_for_organisation_extension_moves_deadline_for_that_organisation_only(db):
    ics = IcsFactory()
    other_ics = IcsFactory(region=ics.region)
    collection = CollectionFactory(submitted_by=[OrganisationType.ICS], deadline=london(2021, 5, 6))
    extension = DeadlineExtensionFactory(
        collection=collection, organisation=ics, deadline=london(2021, 5, 13, 17)
    )

    (row,) = selectors.returns_for_organisation(
        organisation=ics, planning_round=collection.planning_round
    )
    (other_row,) = selectors.returns_for_organisation(
        organisation=other_ics, planning_round=collection.planning_round
    )

    assert (row.deadline, row.extension) == (london(2021, 5, 13, 17), extension)
    assert (other_row.deadline, other_row.extension) == (london(2021, 5, 6), None)
    assert selectors.effective_deadline(collection=collection, organisation=ics) == london(
        2021, 5, 13, 17
    )
    assert selectors.effective_deadline(collection=collection, organisation=other_ics) == london(
        2021, 5, 6
    )


def test_returns_for_organisation_overdue_uses_extended_deadline(db, time_machine):
    ics = IcsFactory()
    collection = CollectionFactory(submitted_by=[OrganisationType.ICS], deadline=london(2021, 5, 6))
    time_machine.move_to(london(2021, 5, 7), tick=False)

    (before,) = selectors.returns_for_organisation(
        organisation=ics, planning_round=collection.planning_round
    )
    DeadlineExtensionFactory(collection=collection, organisation=ics, deadline=london(2021, 5, 13))
    (after,) = selectors.returns_for_organisation(
        organisation=ics, planning_round=collection.planning_round
    )

    assert (before.is_overdue, before.days_left) == (True, -1)
    assert (after.is_overdue, after.days_left) == (False, 6)


@pytest.mark.parametrize(
    ("now_utc", "expected"),
    [
        # 6 May 2021 is in BST (UTC+1): 23:30 UTC on the 5th is already 00:30 on the 6th in London.
        (dt.datetime(2021, 5, 5, 22, 59, tzinfo=UTC), 1),
        (dt.datetime(2021, 5, 5, 23, 0, tzinfo=UTC), 0),
        (dt.datetime(2021, 5, 5, 23, 30, tzinfo=UTC), 0),
        (dt.datetime(2021, 5, 6, 11, 30, tzinfo=UTC), 0),
        (dt.datetime(2021, 5, 6, 22, 59, tzinfo=UTC), 0),
        (dt.datetime(2021, 5, 6, 23, 0, tzinfo=UTC), -1),
        (dt.datetime(2021, 4, 6, 12, 0, tzinfo=UTC), 30),
    ],
)
def test_days_until_counts_london_calendar_days_in_bst(now_utc, expected):
    assert days_until(london(2021, 5, 6), now=now_utc) == expected


@pytest.mark.parametrize(
    ("now_utc", "expected"),
    [
        # Clocks go forward at 01:00 UTC on 28 March 2021; the deadline is noon BST that day.
        (dt.datetime(2021, 3, 27, 23, 59, tzinfo=UTC), 1),
        (dt.datetime(2021, 3, 28, 0, 0, tzinfo=UTC), 0),
        (dt.datetime(2021, 3, 28, 0, 59, tzinfo=UTC), 0),
        (dt.datetime(2021, 3, 28, 1, 30, tzinfo=UTC), 0),
        (dt.datetime(2021, 3, 28, 23, 0, tzinfo=UTC), -1),
    ],
)
def test_days_until_across_clocks_going_forward(now_utc, expected):
    assert days_until(london(2021, 3, 28), now=now_utc) == expected


def test_days_until_across_clocks_going_back():
    # Clocks go back at 01:00 UTC on 31 October 2021: 23:30 UTC on the 31st is 23:30 GMT, the same
    # day.
    deadline = london(2021, 11, 1)

    assert days_until(deadline, now=dt.datetime(2021, 10, 30, 23, 30, tzinfo=UTC)) == 1
    assert days_until(deadline, now=dt.datetime(2021, 10, 31, 23, 30, tzinfo=UTC)) == 1
    assert days_until(deadline, now=dt.datetime(2021, 11, 1, 0, 0, tzinfo=UTC)) == 0
