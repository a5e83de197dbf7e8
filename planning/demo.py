"""The 2021/22 demo round (SPEC §3, seeds/004 §1.2, §5–6) and its users."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, RoleAssignment, User
from reviews.models import DecisionKind
from reviews.services import decision_record
from submissions.models import Submission, VersionStatus
from submissions.services import (
    submission_submit,
    submissions_ensure_for_round,
    template_context,
    template_versions_ensure,
    version_create,
)
from submissions.validation import version_validate
from triangulation.checks import TRIANGULATED
from triangulation.services import triangulation_run
from workbooks.sample import make_sample_return

from .models import (
    Collection,
    FileFormat,
    Organisation,
    OrganisationType,
    PlanningRound,
    Region,
    Stage,
    TrustKind,
)
from .services import reference_data_load

DEMO_ROUND_NAME = "2021/22"
ICS, PROVIDER, LMS, CA = (
    OrganisationType.ICS,
    OrganisationType.PROVIDER,
    OrganisationType.LMS,
    OrganisationType.CANCER_ALLIANCE,
)
XLSX, DOCX, PDF = FileFormat.XLSX, FileFormat.DOCX, FileFormat.PDF


def london_noon(year: int, month: int, day: int) -> dt.datetime:
    return timezone.make_aware(
        dt.datetime(year, month, day, 12, 0), timezone.get_default_timezone()
    )


@dataclass(frozen=True)
class CollectionSpec:
    code: str
    name: str
    submitted_by: tuple[str, ...]
    formats: tuple[str, ...]
    deadlines: dict[str, dt.date]
    trust_kinds: tuple[str, ...] = ()
    mandatory: bool = True
    description: str = ""
    lead_ccg_may_submit: bool = False


DRAFT_AND_FINAL = {Stage.DRAFT: dt.date(2021, 5, 6), Stage.FINAL: dt.date(2021, 6, 3)}

DEMO_COLLECTIONS = (
    CollectionSpec(
        "PCC",
        "Provider capital and cash plan",
        (PROVIDER,),
        (XLSX,),
        {Stage.SINGLE: dt.date(2021, 4, 12)},
        description="Capital and cash plan for 2021/22, issued 22 March 2021.",
    ),
    CollectionSpec(
        "FIN-SYS",
        "System financial plan",
        (ICS,),
        (XLSX,),
        {Stage.SINGLE: dt.date(2021, 5, 6)},
        description="H1 system financial plan; submit with all validation errors cleared.",
    ),
    CollectionSpec(
        "FIN-MH",
        "Mental health financial plan",
        (ICS,),
        (XLSX,),
        {Stage.SINGLE: dt.date(2021, 5, 6)},
        description="Submitted by the lead CCG on the system's behalf.",
        lead_ccg_may_submit=True,
    ),
    CollectionSpec(
        "ACT",
        "Activity and performance",
        (ICS,),
        (XLSX,),
        DRAFT_AND_FINAL,
        description="System-level activity and performance with CCG and provider breakdowns.",
    ),
    CollectionSpec(
        "WF",
        "Workforce: acute, community and primary care",
        (ICS,),
        (XLSX,),
        DRAFT_AND_FINAL,
        description="System-level workforce plan with a provider breakdown.",
    ),
    CollectionSpec(
        "MHWF-P",
        "Mental health workforce, provider level",
        (PROVIDER,),
        (XLSX,),
        DRAFT_AND_FINAL,
        trust_kinds=(TrustKind.MENTAL_HEALTH,),
    ),
    CollectionSpec(
        "MHWF-S", "Mental health workforce, system level", (ICS,), (XLSX,), DRAFT_AND_FINAL
    ),
    CollectionSpec(
        "NAR",
        "Narrative plan",
        (ICS,),
        (DOCX, PDF),
        DRAFT_AND_FINAL,
        description="Elective recovery, health inequalities, maternity, workforce and the other "
        "priorities of the 2021/22 guidance, with the assumptions behind the trajectories.",
    ),
    CollectionSpec(
        "MAT",
        "Ockenden actions and Birth-rate Plus position and plan",
        (ICS, PROVIDER),
        (XLSX, DOCX),
        {Stage.SINGLE: dt.date(2021, 5, 6)},
        trust_kinds=(TrustKind.ACUTE,),
        description="Submitted by the ICS, or by a provider with its system's endorsement.",
    ),
    CollectionSpec(
        "PIE",
        "Provider income and expenditure plan",
        (PROVIDER,),
        (XLSX,),
        {Stage.SINGLE: dt.date(2021, 5, 28)},
        mandatory=False,
        description="Non-mandated; the seeds give 'w/c 24 May', taken as noon on 28 May.",
    ),
    CollectionSpec(
        "LMS-TOR",
        "LMS terms of reference review and buddy LMS",
        (LMS,),
        (DOCX, PDF),
        {Stage.SINGLE: dt.date(2021, 6, 3)},
    ),
    CollectionSpec(
        "LMS-OVS",
        "ICS plan for oversight of its LMS",
        (ICS,),
        (DOCX, PDF),
        {Stage.SINGLE: dt.date(2021, 6, 3)},
    ),
    CollectionSpec(
        "CA",
        "Cancer Alliance delivery plan, April to September",
        (CA,),
        (DOCX, XLSX),
        {Stage.SINGLE: dt.date(2021, 5, 6)},
        description="Deadline assumed: the seeds give no date for this return.",
    ),
)


def demo_round_create() -> PlanningRound:
    planning_round, _ = PlanningRound.objects.get_or_create(
        name=DEMO_ROUND_NAME,
        defaults={
            "starts_on": dt.date(2021, 4, 1),
            "ends_on": dt.date(2022, 3, 31),
            "reference_date": dt.date(2021, 4, 1),
        },
    )
    if not PlanningRound.objects.filter(is_current=True).exists():
        PlanningRound.objects.filter(pk=planning_round.pk).update(is_current=True)
    for spec in DEMO_COLLECTIONS:
        for stage, deadline in spec.deadlines.items():
            Collection.objects.update_or_create(
                planning_round=planning_round,
                code=spec.code,
                stage=stage,
                defaults={
                    "name": spec.name,
                    "deadline": london_noon(deadline.year, deadline.month, deadline.day),
                    "submitted_by": list(spec.submitted_by),
                    "trust_kinds": list(spec.trust_kinds),
                    "accepted_formats": list(spec.formats),
                    "is_mandatory": spec.mandatory,
                    "description": spec.description,
                    "lead_ccg_may_submit": spec.lead_ccg_may_submit,
                },
            )
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
    workforce plan does not match its activity. Systems that already have an upload are left alone."""
    collections = {
        collection.code: collection
        for collection in planning_round.collections.filter(
            code__in=TRIANGULATED, stage__in=[Stage.DRAFT, Stage.SINGLE]
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
            growth = system.workforce_growth if code == "WF" else DEMO_GROWTH
            errors = 2 if system.outcome == ERRORS and code == "ACT" else 0
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
        if system.outcome in decisions and "ACT" in versions:
            kind, comment = decisions[system.outcome]
            submission = submissions["ACT"]
            submission.refresh_from_db()
            decision_record(
                submission=submission,
                version=versions["ACT"],
                reviewer=reviewer,
                kind=kind,
                comment=comment,
            )
        triangulation_run(system_id=ics.pk, planning_round_id=planning_round.pk, stage=Stage.DRAFT)
    return uploaded


@transaction.atomic
def demo_seed(*, password: str, sample_returns: bool = False) -> dict[str, int]:
    reference_data_load()
    planning_round = demo_round_create()
    submissions_ensure_for_round(planning_round=planning_round)
    template_versions_ensure(planning_round=planning_round)
    users = demo_users_create(password=password)
    return {
        "organisations": Organisation.objects.count(),
        "collections": planning_round.collections.count(),
        "users": users,
        "returns": demo_returns_create(planning_round=planning_round) if sample_returns else 0,
    }
