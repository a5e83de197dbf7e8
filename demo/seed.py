"""The 2021/22 demo round (the 2021/22 implementation guidance §1.2, §5–6) and its users."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import yaml
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, RoleAssignment, User
from guidance.services import regional_contacts_load
from planning.definitions import erf_collection_code, shipped_definition_text
from planning.models import (
    Organisation,
    OrganisationType,
    PlanningRound,
    Region,
    Stage,
)
from planning.reference_data import REFERENCE_DIR, reference_data_load
from planning.round_states import RoundAction, round_transition
from planning.services import round_make_current
from reviews.models import DecisionKind
from reviews.services import decision_record
from submissions.erf_estimates import erf_baselines_import
from submissions.models import Submission, VersionStatus
from submissions.rounds import round_create_from_definition, round_definition_install
from submissions.services import (
    submission_submit,
    submissions_ensure_for_round,
    template_context,
    template_versions_ensure,
    version_create,
)
from submissions.validation import version_validate
from triangulation.selectors import triangulation_plan
from triangulation.services import triangulation_run
from workbooks.sample import make_sample_return

DEMO_ROUND_NAME = "2021/22"
DEMO_DEFINITION = "2021-22"
ICS, PROVIDER, LMS, CA = (
    OrganisationType.ICS,
    OrganisationType.PROVIDER,
    OrganisationType.LMS,
    OrganisationType.CANCER_ALLIANCE,
)


def london_noon(year: int, month: int, day: int) -> dt.datetime:
    return timezone.make_aware(
        dt.datetime(year, month, day, 12, 0), timezone.get_default_timezone()
    )


def demo_round_create() -> PlanningRound:
    """The 2021/22 round from its shipped definition (rounds/2021-22.yaml); current unless another
    round already is."""
    text = shipped_definition_text(slug=DEMO_DEFINITION)
    planning_round = PlanningRound.objects.filter(name=DEMO_ROUND_NAME).first()
    if planning_round is None:
        planning_round = round_create_from_definition(text=text)
    else:
        round_definition_install(planning_round=planning_round, text=text)
    if not planning_round.is_visible_to_organisations:
        round_transition(planning_round=planning_round, action=RoundAction.PUBLISH, user=None)
    if not PlanningRound.objects.filter(is_current=True).exists():
        PlanningRound.objects.filter(pk=planning_round.pk).update(is_current=True)
    return planning_round


def _demo_user(username: str, password_hash: str, first_name: str) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "password": password_hash,
            "first_name": first_name,
            "email": f"{username}@demo.invalid",
        },
    )
    if not created and user.password != password_hash:
        User.objects.filter(pk=user.pk).update(password=password_hash)
    return user


def _grant(
    user: User, role: str, organisation: Organisation | None = None, region: Region | None = None
) -> None:
    RoleAssignment.objects.get_or_create(
        user=user, role=role, organisation=organisation, region=region
    )


def demo_users_create(*, password: str) -> int:
    # One hash for every demo user: hashing 300 passwords would take minutes.
    password_hash = make_password(password)
    count = 0
    admin = _demo_user("admin", password_hash, "National admin")
    if not admin.is_staff:
        User.objects.filter(pk=admin.pk).update(is_staff=True, is_superuser=True)
    _grant(admin, Role.NATIONAL_ADMIN)
    count += 1
    for region in Region.objects.all():
        _grant(
            _demo_user(f"reviewer-{region.code.lower()}", password_hash, f"{region.name} reviewer"),
            Role.REGIONAL_REVIEWER,
            region=region,
        )
        count += 1
    for ics in Organisation.objects.filter(org_type=ICS):
        lead = _demo_user(f"lead-{ics.ods_code.lower()}", password_hash, f"{ics.name} system lead")
        _grant(lead, Role.SYSTEM_LEAD, ics)
        _grant(lead, Role.SIGNATORY, ics)
        count += 1
    # Everyone else signs their own organisation's returns: one user per organisation.
    signers = (
        (
            Organisation.objects.filter(org_type=PROVIDER),
            lambda org: f"submit-{org.ods_code.lower()}",
        ),
        (
            Organisation.objects.filter(org_type=LMS).select_related("parent_ics"),
            lambda org: f"lms-{org.parent_ics.ods_code.lower()}",
        ),
        (
            Organisation.objects.filter(org_type=OrganisationType.CCG),
            lambda org: f"ccg-{org.ods_code.lower()}",
        ),
        (Organisation.objects.filter(org_type=CA), lambda org: f"ca-{org.ods_code.lower()}"),
    )
    for organisations, username in signers:
        for organisation in organisations:
            user = _demo_user(username(organisation), password_hash, organisation.name)
            _grant(user, Role.SUBMITTER, organisation)
            _grant(user, Role.SIGNATORY, organisation)
            count += 1
    return count


# Sample returns: activity, staff and money all growing a little on the baselines, month by month...
DEMO_GROWTH = (1.0, 1.01, 1.02, 1.03, 1.04, 1.05, 1.05, 1.06, 1.06, 1.07, 1.07, 1.08)
# ...except one system whose workforce plan is some 15 points ahead of its activity.
DEMO_TOO_MANY_STAFF = tuple(round(factor + 0.15, 2) for factor in DEMO_GROWTH)
UPLOADED, ERRORS, SUBMITTED, APPROVED, CHANGES_REQUESTED = (
    "uploaded",
    "errors",
    "submitted",
    "approved",
    "changes",
)


@dataclass(frozen=True)
class DemoSystem:
    ics: str
    outcome: str
    workforce_growth: tuple[float, ...] = DEMO_GROWTH


# Two regions partly filled in: North East and Yorkshire, and London.
DEMO_SYSTEMS = (
    DemoSystem("QHM", UPLOADED, workforce_growth=DEMO_TOO_MANY_STAFF),
    DemoSystem("QOQ", APPROVED),
    DemoSystem("QF7", CHANGES_REQUESTED),
    DemoSystem("QMF", SUBMITTED),
    DemoSystem("QRV", APPROVED),
    DemoSystem("QKK", ERRORS),
)
DEMO_SUBMITTED_AT = dt.date(2021, 5, 5)


def _demo_return(
    *, submission: Submission, user: User, growth: tuple[float, ...], errors: int, seed: int
):
    data = make_sample_return(
        context=template_context(submission=submission), growth=growth, errors=errors, seed=seed
    )
    stage = "" if submission.collection.stage == Stage.SINGLE else f"-{submission.collection.stage}"
    name = f"{submission.collection.code}{stage}-{submission.organisation.ods_code}.xlsx"
    version = version_create(
        submission=submission, user=user, stream=io.BytesIO(data), filename=name
    ).version
    # Checked here and now, so the demo is filled in before a worker starts; the queued message
    # finds the version finished and does nothing.
    version_validate(version_id=version.pk)
    version.refresh_from_db()
    submission.refresh_from_db()
    return version


def demo_returns_create(*, planning_round: PlanningRound) -> int:
    """Upload generated activity, workforce and financial plans (draft stage) for a few systems and
    move them on: some submitted, approved or sent back, one with errors, and one (QHM) whose
    workforce plan does not match its activity. Systems that already have an upload are left
    alone."""
    # The returns compared across a system: the activity plan, the workforce plan and the money.
    plan = triangulation_plan(planning_round_id=planning_round.pk)
    activity, workforce = plan.activity.collection, plan.workforce.collection
    collections = {
        collection.code: collection
        for collection in planning_round.collections.filter(
            code__in=plan.collections, stage__in=[Stage.DRAFT, Stage.SINGLE]
        )
    }
    uploaded = 0
    for seed, system in enumerate(DEMO_SYSTEMS, start=1):
        ics = Organisation.objects.filter(ods_code=system.ics, org_type=ICS).first()
        if ics is None:
            continue
        submissions = {
            submission.collection.code: submission
            for submission in Submission.objects.filter(
                organisation=ics, collection__in=collections.values()
            ).select_related("collection__planning_round", "organisation")
        }
        if any(submission.current_version_id for submission in submissions.values()):
            continue
        lead = User.objects.get(username=f"lead-{ics.ods_code.lower()}")
        reviewer = User.objects.get(username=f"reviewer-{ics.region.code.lower()}")
        versions = {}
        for code, submission in sorted(submissions.items()):
            growth = system.workforce_growth if code == workforce else DEMO_GROWTH
            errors = 2 if system.outcome == ERRORS and code == activity else 0
            versions[code] = _demo_return(
                submission=submission, user=lead, growth=growth, errors=errors, seed=seed
            )
            uploaded += 1
        if system.outcome in (SUBMITTED, APPROVED, CHANGES_REQUESTED):
            for code, version in versions.items():
                if version.status == VersionStatus.VALID:
                    submission_submit(
                        submission=submissions[code],
                        version=version,
                        user=lead,
                        declaration=True,
                        explanations={},
                        now=london_noon(*DEMO_SUBMITTED_AT.timetuple()[:3]),
                    )
        decisions = {
            APPROVED: (DecisionKind.APPROVE, ""),
            CHANGES_REQUESTED: (
                DecisionKind.REQUEST_CHANGES,
                "Elective day cases fall in August: check the theatre plan and resubmit.",
            ),
        }
        if system.outcome in decisions and activity in versions:
            kind, comment = decisions[system.outcome]
            submission = submissions[activity]
            submission.refresh_from_db()
            decision_record(
                submission=submission,
                version=versions[activity],
                reviewer=reviewer,
                kind=kind,
                comment=comment,
            )
        triangulation_run(system_id=ics.pk, planning_round_id=planning_round.pk, stage=Stage.DRAFT)
    return uploaded


CURRENT_ROUND_NAME = "2022/23"
CURRENT_DEFINITION = "2022-23"
REGIONAL_CONTACTS = REFERENCE_DIR / "regional_planning_contacts.csv"
# The current round's timetable, counted from the day the demo is seeded.
DRAFT_DUE_IN = dt.timedelta(days=10)
FINAL_DUE_IN = dt.timedelta(days=35)
SOONEST_DUE_IN = dt.timedelta(days=3)
# Systems whose draft activity plan is already uploaded in the current round.
CURRENT_ROUND_UPLOADS = ("QOQ", "QMF")


def _definition_time(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M")


def definition_text_moved(*, slug: str, today: dt.date, name: str | None = None) -> str:
    """A shipped definition with its timetable moved to around `today`: draft plans due in ten
    days and final plans in five weeks, each deadline at its own London time, the days in between
    (and the timetable) spaced in proportion, no deadline sooner than three days away. `name`
    renames the round, so a moved copy can stand beside the round it was made from."""
    data = yaml.safe_load(shipped_definition_text(slug=slug))
    if name is not None:
        data["round"]["name"] = name
    stages = [stage for collection in data["collections"] for stage in collection["stages"]]

    def first(stage_name: str) -> dt.date:
        return min(
            _definition_time(stage["deadline"]).date()
            for stage in stages
            if stage["stage"] == stage_name
        )

    draft, final = first(Stage.DRAFT), first(Stage.FINAL)
    scale = (FINAL_DUE_IN - DRAFT_DUE_IN) / (final - draft)

    def moved(day: dt.date) -> dt.date:
        return today + DRAFT_DUE_IN + (day - draft) * scale

    for stage in stages:
        deadline = _definition_time(stage["deadline"])
        day = max(moved(deadline.date()), today + SOONEST_DUE_IN)
        stage["deadline"] = f"{day:%Y-%m-%d} {deadline:%H:%M}"
    for entry in data.get("timetable", []):
        entry["date"] = moved(entry["date"])
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def demo_current_round_create(*, previous: PlanningRound, admin: User) -> PlanningRound:
    """2022/23 from its shipped definition, its deadlines moved to around today, published and
    made current; 2021/22 is closed. Left alone once it exists."""
    existing = PlanningRound.objects.filter(name=CURRENT_ROUND_NAME).first()
    if existing is not None:
        return existing
    current = round_create_from_definition(
        text=definition_text_moved(slug=CURRENT_DEFINITION, today=timezone.localdate()),
        user=admin,
    )
    round_transition(planning_round=current, action=RoundAction.PUBLISH, user=admin)
    round_make_current(planning_round=current, user=admin)
    round_transition(planning_round=previous, action=RoundAction.CLOSE, user=admin)
    current.refresh_from_db()
    return current


def demo_current_returns_create(*, planning_round: PlanningRound) -> int:
    """A few systems have uploaded their draft activity plan (the return carrying the ERF
    estimate); nothing is submitted yet."""
    activity = erf_collection_code(planning_round=planning_round)
    uploaded = 0
    for seed, code in enumerate(CURRENT_ROUND_UPLOADS, start=1):
        submission = (
            Submission.objects.filter(
                organisation__ods_code=code,
                collection__planning_round=planning_round,
                collection__code=activity,
                collection__stage=Stage.DRAFT,
                current_version=None,
            )
            .select_related("collection__planning_round", "organisation")
            .first()
        )
        if submission is not None:
            lead = User.objects.get(username=f"lead-{code.lower()}")
            _demo_return(submission=submission, user=lead, growth=DEMO_GROWTH, errors=0, seed=seed)
            uploaded += 1
    return uploaded


def demo_contacts_load(*planning_rounds: PlanningRound) -> None:
    for planning_round in planning_rounds:
        with open(REGIONAL_CONTACTS, "rb") as stream:
            regional_contacts_load(planning_round=planning_round, stream=stream)


# 2019/20 is the base year of both rounds' Elective Recovery Fund schemes.
DEMO_BASELINE_MONTHS = [f"2019-{month:02d}" for month in range(4, 13)] + [
    f"2020-{month:02d}" for month in range(1, 4)
]
# Each demo system's monthly 2019/20 elective activity value (£), a little different each month.
DEMO_BASELINE_VALUE = 28_000_000
DEMO_BASELINE_MONTHLY_STEP = 250_000


def demo_baselines_load() -> None:
    """The national ERF baselines of the demo systems, as an admin would import them."""
    rows = ["ods_code,month,baseline_value"] + [
        f"{system.ics},{month},{DEMO_BASELINE_VALUE + DEMO_BASELINE_MONTHLY_STEP * (index % 4)}"
        for system in DEMO_SYSTEMS
        for index, month in enumerate(DEMO_BASELINE_MONTHS)
    ]
    erf_baselines_import(stream=io.BytesIO("\n".join(rows).encode()))


@transaction.atomic
def demo_seed(*, password: str, sample_returns: bool = False) -> dict[str, int]:
    """2021/22 as a closed round (with its sample returns) and 2022/23 as the current one."""
    reference_data_load()
    previous = demo_round_create()
    submissions_ensure_for_round(planning_round=previous)
    template_versions_ensure(planning_round=previous)
    users = demo_users_create(password=password)
    demo_baselines_load()
    returns = demo_returns_create(planning_round=previous) if sample_returns else 0
    current = demo_current_round_create(previous=previous, admin=User.objects.get(username="admin"))
    template_versions_ensure(planning_round=current)
    demo_contacts_load(previous, current)
    if sample_returns:
        returns += demo_current_returns_create(planning_round=current)
    return {
        "organisations": Organisation.objects.count(),
        "collections": current.collections.count(),
        "users": users,
        "returns": returns,
    }
