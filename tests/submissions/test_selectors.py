from __future__ import annotations

from extensions.deadlines import effective_deadline
from planning.models import OrganisationType, Stage, TrustKind
from submissions import selectors
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
    london,
)


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
    assert [row.status_label for row in rows] == ["Not started", "Submitted", "Not started"]


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
    assert effective_deadline(collection=collection, organisation=ics) == london(2021, 5, 13, 17)
    assert effective_deadline(collection=collection, organisation=other_ics) == london(2021, 5, 6)


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
