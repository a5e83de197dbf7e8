from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from planning.models import (
    Collection,
    Organisation,
    OrganisationType,
    PlanningRound,
    Region,
    Stage,
    TrustKind,
)
from tests.factories import (
    CcgFactory,
    CollectionFactory,
    IcsFactory,
    LmsFactory,
    PlanningRoundFactory,
    RegionFactory,
    TrustFactory,
)

pytestmark = pytest.mark.django_db


def test_organisation_ods_code_unique():
    ics = IcsFactory(ods_code="QAA")

    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(
            ods_code="QAA", name="Copy", org_type=OrganisationType.ICS, region=ics.region
        )


def test_organisation_icb_keeps_the_ods_code_of_the_ics_it_succeeds():
    ics = IcsFactory(ods_code="QAA")

    icb = Organisation.objects.create(
        ods_code="QAA", name="NHS Test ICB", org_type=OrganisationType.ICB, region=ics.region
    )

    assert sorted(Organisation.objects.filter(ods_code="QAA").values_list("pk", flat=True)) == [
        ics.pk,
        icb.pk,
    ]


def test_organisation_trust_kind_only_for_providers():
    ics = IcsFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(
            ods_code="C1",
            name="CCG",
            org_type=OrganisationType.CCG,
            trust_kind=TrustKind.ACUTE,
            region=ics.region,
            parent_ics=ics,
        )
    trust = TrustFactory(parent_ics=ics, trust_kind=TrustKind.MENTAL_HEALTH)
    assert trust.trust_kind == TrustKind.MENTAL_HEALTH


def test_organisation_ics_cannot_have_parent_ics():
    ics = IcsFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(
            ods_code="QZZ",
            name="Nested ICS",
            org_type=OrganisationType.ICS,
            region=ics.region,
            parent_ics=ics,
        )


def test_organisation_region_is_protected():
    ics = IcsFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        ics.region.delete()


def test_region_code_unique():
    RegionFactory(code="Y63")

    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.create(code="Y63", name="Duplicate")


def test_round_only_one_current():
    PlanningRoundFactory(name="2021/22", is_current=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        PlanningRoundFactory(name="2022/23", is_current=True)
    PlanningRoundFactory(name="2022/23", is_current=False)
    assert PlanningRound.objects.filter(is_current=True).count() == 1


def test_round_must_end_after_start():
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanningRoundFactory(starts_on=dt.date(2021, 4, 1), ends_on=dt.date(2021, 3, 31))
    one_day = PlanningRoundFactory(starts_on=dt.date(2021, 4, 1), ends_on=dt.date(2021, 4, 1))
    assert one_day.ends_on == one_day.starts_on


def test_round_name_unique():
    PlanningRoundFactory(name="2021/22")

    with pytest.raises(IntegrityError), transaction.atomic():
        PlanningRound.objects.create(
            name="2021/22",
            starts_on=dt.date(2021, 4, 1),
            ends_on=dt.date(2022, 3, 31),
            reference_date=dt.date(2021, 4, 1),
        )


def test_collection_code_and_stage_unique_within_round():
    collection = CollectionFactory(code="ACT", stage=Stage.DRAFT)

    with pytest.raises(IntegrityError), transaction.atomic():
        CollectionFactory(planning_round=collection.planning_round, code="ACT", stage=Stage.DRAFT)
    CollectionFactory(planning_round=collection.planning_round, code="ACT", stage=Stage.FINAL)
    CollectionFactory(planning_round=PlanningRoundFactory(), code="ACT", stage=Stage.DRAFT)
    assert Collection.objects.filter(code="ACT").count() == 3


def test_collection_clean_rejects_unknown_types_and_formats():
    bad_type = CollectionFactory.build(
        planning_round=PlanningRoundFactory(), submitted_by=["ics", "gp"]
    )
    bad_format = CollectionFactory.build(
        planning_round=PlanningRoundFactory(), accepted_formats=["xlsm"]
    )

    with pytest.raises(ValidationError) as type_error:
        bad_type.clean()
    with pytest.raises(ValidationError) as format_error:
        bad_format.clean()
    assert list(type_error.value.message_dict) == ["submitted_by"]
    assert list(format_error.value.message_dict) == ["accepted_formats"]


def test_collection_title_names_stage_unless_single_without_code():
    draft = CollectionFactory.build(code="ACT", name="Activity", stage=Stage.DRAFT)
    single = CollectionFactory.build(code="PCC", name="Capital", stage=Stage.SINGLE)

    assert (draft.title, str(draft), single.title) == (
        "Activity (draft)",
        "Activity (draft)",
        "Capital",
    )


def test_collection_is_owed_by_organisation_type():
    ics = IcsFactory()
    trust, ccg, lms = (
        TrustFactory(parent_ics=ics),
        CcgFactory(parent_ics=ics),
        LmsFactory(parent_ics=ics),
    )
    collection = CollectionFactory.build(submitted_by=[OrganisationType.ICS, OrganisationType.LMS])

    assert [collection.is_owed_by(o) for o in (ics, trust, ccg, lms)] == [True, False, False, True]


def test_collection_is_owed_by_trust_kinds_filter_only_providers():
    ics = IcsFactory()
    acute = TrustFactory(parent_ics=ics, trust_kind=TrustKind.ACUTE)
    mental_health = TrustFactory(parent_ics=ics, trust_kind=TrustKind.MENTAL_HEALTH)
    maternity = CollectionFactory.build(
        submitted_by=[OrganisationType.ICS, OrganisationType.PROVIDER],
        trust_kinds=[TrustKind.ACUTE],
    )
    every_trust = CollectionFactory.build(submitted_by=[OrganisationType.PROVIDER], trust_kinds=[])

    # The ICS owes the return although "acute" is not its kind: trust_kinds only filter providers.
    assert [maternity.is_owed_by(o) for o in (ics, acute, mental_health)] == [True, True, False]
    assert [every_trust.is_owed_by(o) for o in (ics, acute, mental_health)] == [False, True, True]
