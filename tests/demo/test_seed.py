from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import yaml
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, RoleAssignment, User
from demo.seed import definition_text_moved
from guidance.models import RegionalContact
from planning.models import (
    Collection,
    Organisation,
    OrganisationType,
    PlanningRound,
    Region,
    RoundStatus,
    Stage,
)
from tests.conftest import module_transaction

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

LONDON = ZoneInfo("Europe/London")
DEMO_PASSWORD = "demo-password-for-tests"

# Code -> {stage: deadline date}; every deadline is noon London time.
DEMO_TIMETABLE = {
    "PCC": {"single": dt.date(2021, 4, 12)},
    "FIN-SYS": {"single": dt.date(2021, 5, 6)},
    "FIN-MH": {"single": dt.date(2021, 5, 6)},
    "ACT": {"draft": dt.date(2021, 5, 6), "final": dt.date(2021, 6, 3)},
    "WF": {"draft": dt.date(2021, 5, 6), "final": dt.date(2021, 6, 3)},
    "MHWF-P": {"draft": dt.date(2021, 5, 6), "final": dt.date(2021, 6, 3)},
    "MHWF-S": {"draft": dt.date(2021, 5, 6), "final": dt.date(2021, 6, 3)},
    "NAR": {"draft": dt.date(2021, 5, 6), "final": dt.date(2021, 6, 3)},
    "MAT": {"single": dt.date(2021, 5, 6)},
    "PIE": {"single": dt.date(2021, 5, 28)},
    "LMS-TOR": {"single": dt.date(2021, 6, 3)},
    "LMS-OVS": {"single": dt.date(2021, 6, 3)},
    "CA": {"single": dt.date(2021, 5, 6)},
}


def _counts() -> dict[str, int]:
    return {
        "regions": Region.objects.count(),
        "organisations": Organisation.objects.count(),
        "users": User.objects.count(),
        "role_assignments": RoleAssignment.objects.count(),
        "rounds": PlanningRound.objects.count(),
        "collections": Collection.objects.count(),
    }


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seeded once for the module (seeding takes seconds); each test's changes roll back."""
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            call_command("seed_demo", password=DEMO_PASSWORD, stdout=io.StringIO())
        yield


def test_seed_demo_twice_changes_nothing(db, seeded):
    first = _counts()
    call_command("seed_demo", password=DEMO_PASSWORD, stdout=io.StringIO())

    assert _counts() == first
    assert first["regions"] == 7
    assert Organisation.objects.filter(org_type=OrganisationType.ICS).count() == 42


def test_seed_demo_round_has_the_guidance_collections(db, seeded):
    planning_round = PlanningRound.objects.get(name="2021/22")
    found = {
        (c.code, c.stage): c.deadline.astimezone(LONDON) for c in planning_round.collections.all()
    }
    expected = {
        (code, stage): dt.datetime(day.year, day.month, day.day, 12, 0, tzinfo=LONDON)
        for code, stages in DEMO_TIMETABLE.items()
        for stage, day in stages.items()
    }

    assert len(found) == 18
    assert found == expected
    assert (planning_round.is_current, planning_round.status) == (False, RoundStatus.CLOSED)
    act_draft = planning_round.collections.get(code="ACT", stage=Stage.DRAFT)

    assert act_draft.deadline == dt.datetime(2021, 5, 6, 11, 0, tzinfo=dt.UTC)
    assert (
        act_draft.deadline.astimezone(LONDON).strftime("%d %b %Y %H:%M %Z")
        == "06 May 2021 12:00 BST"
    )


def test_seed_demo_current_round_is_2022_23_published_with_deadlines_around_today(db, seeded):
    current = PlanningRound.objects.get(is_current=True)
    today = timezone.localdate()
    due_in = {
        (c.code, c.stage): (c.deadline.astimezone(LONDON).date() - today).days
        for c in current.collections.all()
    }

    assert (current.name, current.status, current.starts_on, current.ends_on) == (
        "2022/23",
        RoundStatus.PUBLISHED,
        dt.date(2022, 4, 1),
        dt.date(2023, 3, 31),
    )
    assert (due_in[("ACT", "draft")], due_in[("ACT", "final")]) == (10, 35)
    assert set(due_in.values()) == {10, 35}
    assert {c.deadline.astimezone(LONDON).hour for c in current.collections.all()} == {12}
    assert RegionalContact.objects.filter(planning_round=current).count() == 7


def _roles(username: str) -> set[tuple]:
    return set(
        RoleAssignment.objects.filter(user__username=username).values_list(
            "role", "organisation__ods_code", "region__code"
        )
    )


def test_seed_demo_users_have_their_roles_and_log_in_with_the_password(db, seeded):
    assert _roles("admin") == {(Role.NATIONAL_ADMIN, None, None)}
    assert _roles("lead-qhm") == {(Role.SYSTEM_LEAD, "QHM", None), (Role.SIGNATORY, "QHM", None)}
    assert _roles("submit-rtd") == {(Role.SUBMITTER, "RTD", None), (Role.SIGNATORY, "RTD", None)}
    assert _roles("reviewer-y63") == {(Role.REGIONAL_REVIEWER, None, "Y63")}
    assert User.objects.get(username="admin").is_superuser is True

    landed = {}
    for username in ("admin", "lead-qhm", "submit-rtd", "reviewer-y63"):
        client = Client()
        response = client.post(
            reverse("accounts:login"),
            {"username": username, "password": DEMO_PASSWORD},
            follow=True,
        )
        landed[username] = (
            response.redirect_chain[-1][0],
            response.status_code,
            response.context["user"].username,
        )
    assert landed == {
        "admin": ("/", 200, "admin"),
        "lead-qhm": ("/organisations/QHM/", 200, "lead-qhm"),
        "submit-rtd": ("/organisations/RTD/", 200, "submit-rtd"),
        "reviewer-y63": ("/regions/Y63/", 200, "reviewer-y63"),
    }
    wrong = Client().post(
        reverse("accounts:login"), {"username": "admin", "password": "not-the-password"}
    )
    assert (wrong.status_code, wrong.context["user"].is_authenticated) == (200, False)


def test_seed_demo_sample_returns_fill_in_part_of_the_round_once(db, seeded):
    from submissions.models import Submission, Version
    from triangulation.models import TriangulationFinding

    out = io.StringIO()
    call_command("seed_demo", password=DEMO_PASSWORD, sample_returns=True, stdout=out)
    assert "20 sample returns uploaded" in out.getvalue()
    statuses = {
        (s.organisation.ods_code, s.collection.code): s.status
        for s in Submission.objects.exclude(current_version=None)
        .filter(collection__planning_round__name="2021/22")
        .select_related("organisation", "collection")
    }
    assert {
        (s.organisation.ods_code, s.collection.code, s.collection.stage): s.status
        for s in Submission.objects.exclude(current_version=None)
        .filter(collection__planning_round__name="2022/23")
        .select_related("organisation", "collection")
    } == {("QOQ", "ACT", "draft"): "valid", ("QMF", "ACT", "draft"): "valid"}
    assert statuses == {
        ("QHM", "ACT"): "valid",
        ("QHM", "WF"): "valid",
        ("QHM", "FIN-SYS"): "valid",
        ("QOQ", "ACT"): "approved",
        ("QOQ", "WF"): "submitted",
        ("QOQ", "FIN-SYS"): "submitted",
        ("QF7", "ACT"): "changes_requested",
        ("QF7", "WF"): "submitted",
        ("QF7", "FIN-SYS"): "submitted",
        ("QMF", "ACT"): "submitted",
        ("QMF", "WF"): "submitted",
        ("QMF", "FIN-SYS"): "submitted",
        ("QRV", "ACT"): "approved",
        ("QRV", "WF"): "submitted",
        ("QRV", "FIN-SYS"): "submitted",
        ("QKK", "ACT"): "invalid",
        ("QKK", "WF"): "valid",
        ("QKK", "FIN-SYS"): "valid",
    }
    warned = set(TriangulationFinding.objects.values_list("run__system__ods_code", "rule"))
    assert warned == {("QHM", "TRI.WF.001"), ("QHM", "TRI.FIN.002")}
    assert (
        TriangulationFinding.objects.filter(rule="TRI.WF.001", organisation_code="QHM").count() == 1
    )

    versions = Version.objects.count()
    again = io.StringIO()
    call_command("seed_demo", password=DEMO_PASSWORD, sample_returns=True, stdout=again)
    assert "0 sample returns uploaded" in again.getvalue()
    assert Version.objects.count() == versions == 20


def test_make_run_seeds_the_sample_returns():
    from pathlib import Path

    run = (Path(__file__).resolve().parents[2] / "scripts" / "run.py").read_text()
    assert 'manage("seed_demo", "--password", password, "--sample-returns")' in run


def test_definition_text_moved_renames_the_round_and_brings_every_deadline_after_today():
    today = dt.date(2026, 12, 4)
    data = yaml.safe_load(definition_text_moved(slug="2021-22", today=today, name="Deadline surge"))
    deadlines = sorted(
        dt.datetime.strptime(stage["deadline"], "%Y-%m-%d %H:%M").date()
        for collection in data["collections"]
        for stage in collection["stages"]
    )

    assert (data["round"]["name"], deadlines[0], deadlines[-1]) == (
        "Deadline surge",
        dt.date(2026, 12, 7),
        dt.date(2027, 1, 8),
    )
