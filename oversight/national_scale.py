"""Synthetic national-scale data for the dashboard's benchmark and query-count test:
7 regions, 42 ICSs, 220 providers, 3 rounds of the demo collections and 10,000 versions.

Everything is bulk-created under a code prefix of its own, so it can be built inside a transaction
next to real data and rolled back afterwards. No files are stored: versions name a file that is
never read, which the dashboard never does."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from django.utils import timezone

from accounts.models import Role, RoleAssignment, User
from extensions.models import DeadlineExtension
from planning.definitions import parse_definition, shipped_definition_text
from planning.models import (
    Collection,
    Organisation,
    OrganisationType,
    PlanningRound,
    Region,
    RoundStatus,
    TrustKind,
)
from submissions.models import Submission, SubmissionStatus, Version, VersionStatus
from submissions.rounds import collection_fields, london_datetime
from workbooks.definition import Definition

REGIONS, ICSS, PROVIDERS, ROUNDS, VERSIONS = 7, 42, 220, 3, 10_000
# A provider mix close to England's: mostly acute, then mental health, community and the rest.
TRUST_KINDS = (
    (TrustKind.ACUTE,) * 5
    + (TrustKind.MENTAL_HEALTH,) * 2
    + (TrustKind.COMMUNITY, TrustKind.AMBULANCE)
)
# Returns progress through every status; not-started ones get no version.
STATUSES = (
    SubmissionStatus.NOT_STARTED,
    SubmissionStatus.UPLOADED,
    SubmissionStatus.VALIDATING,
    SubmissionStatus.INVALID,
    SubmissionStatus.VALID,
    SubmissionStatus.SUBMITTED,
    SubmissionStatus.SUBMITTED,
    SubmissionStatus.APPROVED,
    SubmissionStatus.CHANGES_REQUESTED,
)
VERSION_STATUS = {
    SubmissionStatus.UPLOADED: VersionStatus.QUEUED,
    SubmissionStatus.VALIDATING: VersionStatus.RUNNING,
    SubmissionStatus.INVALID: VersionStatus.INVALID,
}


@dataclass(frozen=True)
class NationalScale:
    rounds: list[PlanningRound]
    regions: list[Region]
    admin: User
    reviewer: User

    @property
    def current_round(self) -> PlanningRound:
        return self.rounds[-1]


@cache
def _definition() -> Definition:
    definition, _problems = parse_definition(text=shipped_definition_text(slug="2021-22"))
    return definition


def _collections(planning_round: PlanningRound, *, shift: dt.timedelta) -> list[Collection]:
    definition = _definition()
    collections = [
        Collection(
            planning_round=planning_round,
            code=item.code,
            stage=stage.stage,
            deadline=london_datetime(stage.deadline) + shift,
            **collection_fields(item),
        )
        for item in definition.collections
        for stage in item.stages
    ]
    return Collection.objects.bulk_create(collections)


def _organisations(prefix: str, regions: list[Region]) -> list[Organisation]:
    icss = Organisation.objects.bulk_create(
        [
            Organisation(
                ods_code=f"{prefix}Q{i:02d}",
                name=f"{prefix} Integrated Care System {i:02d}",
                org_type=OrganisationType.ICS,
                region=regions[i % len(regions)],
            )
            for i in range(ICSS)
        ]
    )
    providers = Organisation.objects.bulk_create(
        [
            Organisation(
                ods_code=f"{prefix}R{i:03d}",
                name=f"{prefix} NHS Trust {i:03d}",
                org_type=OrganisationType.PROVIDER,
                trust_kind=TRUST_KINDS[i % len(TRUST_KINDS)],
                region=icss[i % ICSS].region,
                parent_ics=icss[i % ICSS],
            )
            for i in range(PROVIDERS)
        ]
    )
    return icss + providers


def national_scale_build(*, prefix: str = "NS") -> NationalScale:
    """The data set, under `prefix` (codes and names); the last round is the one to look at."""
    now = timezone.now()
    regions = Region.objects.bulk_create(
        [Region(code=f"{prefix}{i}", name=f"{prefix} Region {i}") for i in range(1, REGIONS + 1)]
    )
    organisations = _organisations(prefix, regions)
    admin = User.objects.create(username=f"{prefix.lower()}-admin")
    reviewer = User.objects.create(username=f"{prefix.lower()}-reviewer")
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(user=admin, role=Role.NATIONAL_ADMIN),
            RoleAssignment(user=reviewer, role=Role.REGIONAL_REVIEWER, region=regions[0]),
        ]
    )
    # Earlier rounds closed long ago; the last one's deadlines straddle today.
    first_deadline = dt.datetime(2021, 4, 12, 12, tzinfo=dt.UTC)
    current_shift = now - dt.timedelta(days=30) - first_deadline
    rounds, collections = [], []
    for index in range(ROUNDS):
        shift = current_shift - dt.timedelta(days=365 * (ROUNDS - 1 - index))
        planning_round = PlanningRound.objects.create(
            name=f"{prefix} round {index + 1}",
            starts_on=(first_deadline + shift).date(),
            ends_on=(first_deadline + shift + dt.timedelta(days=364)).date(),
            reference_date=(first_deadline + shift).date(),
            status=RoundStatus.PUBLISHED,
        )
        rounds.append(planning_round)
        collections += _collections(planning_round, shift=shift)
    statuses = itertools.cycle(STATUSES)
    submissions = []
    for collection in collections:
        for organisation in organisations:
            if collection.is_owed_by(organisation):
                status = next(statuses)
                submitted = status in SubmissionStatus.REACHED_REGION
                submissions.append(
                    Submission(
                        collection=collection,
                        organisation=organisation,
                        system_id=organisation.pk
                        if organisation.is_ics
                        else organisation.parent_ics_id,
                        region_id=organisation.region_id,
                        status=status,
                        is_late=submitted and len(submissions) % 5 == 0,
                        submitted_at=collection.deadline if submitted else None,
                    )
                )
    submissions = Submission.objects.bulk_create(submissions, batch_size=1000)
    _versions(submissions, uploader=admin)
    DeadlineExtension.objects.bulk_create(
        [
            DeadlineExtension(
                collection_id=s.collection_id,
                organisation_id=s.organisation_id,
                deadline=now + dt.timedelta(days=7),
                reason="Board meeting moved",
                granted_by=admin,
            )
            for s in submissions[::23]
        ]
    )
    return NationalScale(rounds=rounds, regions=regions, admin=admin, reviewer=reviewer)


def _versions(submissions: list[Submission], *, uploader: User) -> None:
    """VERSIONS versions spread over the started returns, the newest of each its current version."""
    started = [s for s in submissions if s.status != SubmissionStatus.NOT_STARTED]
    versions: list[Version] = []
    number = 0
    while started and len(versions) < VERSIONS:
        number += 1
        versions += [
            Version(
                submission=submission,
                number=number,
                file=f"returns/bench/{submission.pk}-{number}.xlsx",
                file_format="xlsx",
                sha256="0" * 64,
                size=1,
                original_name="plan.xlsx",
                uploaded_by=uploader,
                status=VERSION_STATUS.get(submission.status, VersionStatus.VALID),
                progress=100,
                erf_total=Decimal(1_000_000 + submission.pk)
                if submission.collection.code == _definition().erf_collection
                else None,
            )
            for submission in started[: VERSIONS - len(versions)]
        ]
    versions = Version.objects.bulk_create(versions, batch_size=1000)
    latest = {version.submission_id: version for version in versions}
    for submission in started:
        submission.current_version = latest[submission.pk]
    Submission.objects.bulk_update(started, ["current_version"], batch_size=500)
