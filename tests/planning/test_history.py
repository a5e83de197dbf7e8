"""Organisations over time: the 2022/23 changes (ICBs, Bassetlaw's move) seen from both rounds."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile

import pytest
import time_machine
from django.core import serializers

from accounts.models import Role
from audit.models import AuditEvent
from demo.seed import demo_round_create
from extensions.models import DeadlineExtension, ExtensionRequest
from extensions.services import extension_request_create
from oversight.selectors import dashboard_for_user
from planning.history import members_on, placements_on
from planning.models import Organisation, OrganisationType, PlanningRound
from planning.reference_data import ICB_CHANGES_FILE, organisations_import_csv, reference_data_load
from submissions.models import Submission, TemplateVersion
from submissions.selectors import submissions_for_user
from submissions.services import (
    submissions_ensure_for_round,
    template_for_submission,
    template_versions_ensure,
)
from tests.factories import CollectionFactory, PlanningRoundFactory, london, user_with_role

pytestmark = pytest.mark.slow
ICB_DAY = dt.date(2022, 7, 1)


def _import_icb_changes() -> None:
    with open(ICB_CHANGES_FILE, "rb") as stream:
        organisations_import_csv(stream=stream)


@pytest.fixture
def round_2021(db) -> PlanningRound:
    """The reference organisations and the 2021/22 round made from them, with some history."""
    reference_data_load()
    planning_round = demo_round_create()
    collection = _commissioner_return(planning_round)
    submissions_ensure_for_round(planning_round=planning_round)
    template_versions_ensure(planning_round=planning_round)
    bassetlaw = Organisation.objects.get(ods_code="02Q")
    extension_request_create(
        collection=collection,
        organisation=bassetlaw,
        requested_by=user_with_role(Role.SIGNATORY, organisation=bassetlaw, username="ccg-02q"),
        deadline=collection.deadline + dt.timedelta(days=7),
        reason="Governing body meets a week later",
    )
    return planning_round


def _commissioner_return(planning_round: PlanningRound):
    return CollectionFactory(
        planning_round=planning_round,
        code="CCG",
        name="Commissioner plan",
        deadline=london(planning_round.starts_on.year, 5, 6),
        submitted_by=[OrganisationType.CCG],
        accepted_formats=["pdf"],
    )


def _round_2022() -> PlanningRound:
    planning_round = PlanningRoundFactory(
        name="2022/23",
        starts_on=dt.date(2022, 4, 1),
        ends_on=dt.date(2023, 3, 31),
        reference_date=ICB_DAY,
    )
    _commissioner_return(planning_round)
    submissions_ensure_for_round(planning_round=planning_round)
    return planning_round


def _workbook_digest(data: bytes) -> str:
    """The bytes of every part of the workbook. The zip around them is left out: openpyxl stamps
    each worksheet with the time its temporary file was written."""
    digest = hashlib.sha256()
    with zipfile.ZipFile(io.BytesIO(data)) as workbook:
        for name in sorted(workbook.namelist()):
            digest.update(name.encode() + b"\0" + workbook.read(name))
    return digest.hexdigest()


def _round_snapshot(planning_round: PlanningRound) -> dict[str, bytes]:
    """The round's obligations, templates, returns, dashboard and history, each as bytes."""
    submissions = list(
        Submission.objects.filter(collection__planning_round=planning_round)
        .select_related("collection__planning_round", "organisation", "system", "region")
        .order_by("pk")
    )
    admin = user_with_role(Role.NATIONAL_ADMIN, username="snapshot-admin")
    with time_machine.travel(dt.datetime(2021, 5, 1, 9, tzinfo=dt.UTC), tick=False):
        templates = {
            submission.pk: _workbook_digest(template_for_submission(submission=submission)[1])
            for submission in submissions
            if submission.collection.code == "ACT" and submission.organisation.is_ics
        }
        dashboard = dashboard_for_user(user=admin, planning_round=planning_round).rows
    history = {
        rows.model.__name__: serializers.serialize("json", rows)
        for rows in (
            Submission.objects.filter(
                pk__in=[submission.pk for submission in submissions]
            ).order_by("pk"),
            TemplateVersion.objects.filter(collection__planning_round=planning_round).order_by(
                "pk"
            ),
            ExtensionRequest.objects.filter(collection__planning_round=planning_round).order_by(
                "pk"
            ),
            DeadlineExtension.objects.filter(collection__planning_round=planning_round).order_by(
                "pk"
            ),
            AuditEvent.objects.filter(
                submission_id__in=[submission.pk for submission in submissions]
            ).order_by("pk"),
        )
    }
    owed = sorted(
        (s.collection.code, s.collection.stage, s.organisation.ods_code, s.system.ods_code)
        for s in submissions
        if s.system_id
    )
    parts = {"owed": owed, "templates": templates, "dashboard": dashboard, **history}
    return {name: json.dumps(part, default=str).encode() for name, part in parts.items()}


def test_importing_the_2022_changes_leaves_the_2021_round_unchanged_byte_for_byte(round_2021):
    before = _round_snapshot(round_2021)

    _import_icb_changes()
    _round_2022()
    # Editing the 2021/22 round afterwards asks for its obligations again.
    submissions_ensure_for_round(planning_round=round_2021)

    assert _round_snapshot(round_2021) == before


def test_importing_the_2022_changes_twice_changes_nothing_the_second_time(round_2021):
    _import_icb_changes()
    first = list(Organisation.objects.order_by("pk").values())

    with open(ICB_CHANGES_FILE, "rb") as stream:
        label, result = organisations_import_csv(stream=stream)

    assert (label, result.created, result.updated, result.unchanged) == (
        "organisation changes",
        0,
        0,
        43,
    )
    assert list(Organisation.objects.order_by("pk").values()) == first


def test_icbs_succeed_their_ics_on_1_july_2022(round_2021):
    _import_icb_changes()

    icb = Organisation.objects.get(ods_code="QF7", org_type=OrganisationType.ICB)
    ics = Organisation.objects.get(ods_code="QF7", org_type=OrganisationType.ICS)
    succeeded = sorted(icb.links.values_list("other__ods_code", "other__org_type"))
    assert (icb.name, icb.valid_from, ics.valid_to) == (
        "NHS South Yorkshire Integrated Care Board",
        ICB_DAY,
        dt.date(2022, 6, 30),
    )
    assert succeeded == [
        ("02P", "ccg"),
        ("02X", "ccg"),
        ("03L", "ccg"),
        ("03N", "ccg"),
        ("QF7", "ics"),
    ]
    assert sorted(members_on(system=icb, day=ICB_DAY).values_list("ods_code", flat=True)) == sorted(
        members_on(system=ics, day=ICB_DAY - dt.timedelta(days=1)).values_list(
            "ods_code", flat=True
        )
    )


def _codes(queryset) -> list[str]:
    return sorted(queryset.values_list("ods_code", flat=True))


def test_bassetlaw_is_in_south_yorkshire_for_2021_and_in_nottinghamshire_for_2022(round_2021):
    _import_icb_changes()
    round_2022 = _round_2022()
    bassetlaw = Organisation.objects.get(ods_code="02Q")
    icss = {
        (o.ods_code, o.org_type): o
        for o in Organisation.objects.filter(ods_code__in=["QF7", "QT1"])
    }
    returns = {
        s.collection.planning_round_id: s
        for s in Submission.objects.filter(organisation=bassetlaw, collection__code="CCG")
    }
    ccgs = [OrganisationType.CCG]

    assert [
        (returns[r.pk].system.ods_code, returns[r.pk].system.org_type, returns[r.pk].region.code)
        for r in (round_2021, round_2022)
    ] == [("QF7", "ics", "Y63"), ("QT1", "icb", "Y60")]
    assert [
        ("02Q" in _codes(members_on(system=icss[("QF7", "ics")], day=day, types=ccgs)))
        for day in (round_2021.reference_date, ICB_DAY)
    ] == [True, False]
    assert _codes(members_on(system=icss[("QT1", "icb")], day=ICB_DAY, types=ccgs)) == [
        "02Q",
        "52R",
    ]
    placements = placements_on(day=round_2021.reference_date)
    assert (placements.system_id(bassetlaw), placements.region_id(bassetlaw)) == (
        icss[("QF7", "ics")].pk,
        Organisation.objects.get(ods_code="RFF").region_id,
    )


def test_system_leads_see_bassetlaw_return_of_the_round_it_was_theirs(round_2021):
    _import_icb_changes()
    round_2022 = _round_2022()
    south_yorkshire_ics = Organisation.objects.get(ods_code="QF7", org_type="ics")
    nottinghamshire_icb = Organisation.objects.get(ods_code="QT1", org_type="icb")
    leads = {
        "QF7 ICS": user_with_role(Role.SYSTEM_LEAD, organisation=south_yorkshire_ics),
        "QT1 ICB": user_with_role(Role.SYSTEM_LEAD, organisation=nottinghamshire_icb),
    }

    seen = {
        name: sorted(
            submissions_for_user(user=lead)
            .filter(organisation__ods_code="02Q")
            .values_list("collection__planning_round__name", flat=True)
            .distinct()
        )
        for name, lead in leads.items()
    }

    assert seen == {"QF7 ICS": [round_2021.name], "QT1 ICB": [round_2022.name]}


def test_dashboards_place_bassetlaw_where_it_stood_on_each_reference_date(round_2021):
    _import_icb_changes()
    round_2022 = _round_2022()
    admin = user_with_role(Role.NATIONAL_ADMIN)

    rows = [
        next(
            (row["ics"], row["region"])
            for row in dashboard_for_user(user=admin, planning_round=planning_round).rows
            if row["ods_code"] == "02Q"
        )
        for planning_round in (round_2021, round_2022)
    ]

    assert rows == [("QF7", "North East and Yorkshire"), ("QT1", "Midlands")]
