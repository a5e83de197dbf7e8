from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.selectors import users_of_organisation, users_reviewing_region
from audit.models import AuditAction
from audit.services import audit_record, audit_submission_event
from core.queueing import send_task
from notifications.services import notify
from planning.history import members_on, organisations_in_force_on, placements_on
from planning.models import Collection, Organisation, OrganisationType, PlanningRound
from planning.selectors import effective_deadline
from workbooks.filecheck import inspect_upload
from workbooks.generate import build_template
from workbooks.specs import has_workbook_template, latest_spec_version, spec_versions
from workbooks.types import MemberOrg, RejectedFile, TemplateContext

from . import rules as submission_rules
from .models import Finding, Severity, Submission, TemplateVersion, Version, VersionStatus
from .selectors import signing_capacity
from .transitions import Action, TransitionConflict, transition

logger = logging.getLogger(__name__)

DECLARATION = (
    "By submitting this return, {organisation} confirms that the plan is a reflection of the collective "
    "intentions of the system for the rest of the year, that its activity and workforce plans align, and "
    "that the plan is agreed by all partners."
)
MIN_EXPLANATION_LENGTH = 10
_NOT_SUBMITTABLE = {
    VersionStatus.QUEUED: "is waiting to be checked: wait a few seconds and try again",
    VersionStatus.RUNNING: "is being checked: wait a few seconds and try again",
    VersionStatus.INVALID: "has errors: fix them and upload the file again",
    VersionStatus.REJECTED: "was rejected: upload a file made from the template",
    VersionStatus.FAILED: "could not be checked: upload it again",
}


class SubmitRefused(Exception):
    """The version cannot be submitted as it stands (errors remain, or a newer version exists)."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def declaration_text(*, organisation: Organisation) -> str:
    return DECLARATION.format(organisation=organisation.name)


# Rows -------------------------------------------------------------------------------------------


def submissions_ensure_for_round(*, planning_round: PlanningRound) -> int:
    """Create the (empty) return of every organisation in force on the round's reference date for
    every collection it owes, placed in its system and region of that day. Idempotent."""
    day = planning_round.reference_date
    organisations = list(organisations_in_force_on(day=day))
    placements = placements_on(day=day)
    wanted = [
        Submission(
            collection=collection,
            organisation=organisation,
            system_id=placements.system_id(organisation),
            region_id=placements.region_id(organisation),
        )
        for collection in planning_round.collections.all()
        for organisation in organisations
        if collection.is_owed_by(organisation)
    ]
    before = Submission.objects.filter(collection__planning_round=planning_round).count()
    Submission.objects.bulk_create(wanted, ignore_conflicts=True, batch_size=1000)
    return Submission.objects.filter(collection__planning_round=planning_round).count() - before


def template_versions_ensure(*, planning_round: PlanningRound) -> None:
    """Issue the latest template layout for every workbook collection that has none yet."""
    for collection in planning_round.collections.all():
        if (
            has_workbook_template(collection_code=collection.code)
            and not collection.template_versions.exists()
        ):
            TemplateVersion.objects.get_or_create(
                collection=collection, version=latest_spec_version(collection_code=collection.code)
            )


@transaction.atomic
def template_version_issue(
    *, collection: Collection, version: str, still_accepted: list[str], note: str, issued_by: User
) -> TemplateVersion:
    """Issue a new template layout mid-round and say which older ones are still accepted."""
    if version not in spec_versions(collection_code=collection.code):
        raise ValidationError({"version": f"{collection.code} has no template layout {version}."})
    template_version, _ = TemplateVersion.objects.update_or_create(
        collection=collection,
        version=version,
        defaults={"is_accepted": True, "note": note, "issued_by": issued_by},
    )
    collection.template_versions.exclude(pk=template_version.pk).update(is_accepted=False)
    collection.template_versions.filter(version__in=still_accepted).update(is_accepted=True)
    audit_record(
        action=AuditAction.TEMPLATE_ISSUED,
        actor=issued_by,
        obj=template_version,
        after={"version": version, "still_accepted": sorted(still_accepted), "note": note},
    )
    return template_version


# Templates --------------------------------------------------------------------------------------


def member_organisations(*, organisation: Organisation, day: dt.date) -> tuple[MemberOrg, ...]:
    """The providers and CCGs whose rows a system's template carries, as the system stood on the
    day: providers first, each by code."""
    if not organisation.is_ics:
        return ()
    members = members_on(
        system=organisation,
        day=day,
        types=[OrganisationType.PROVIDER, OrganisationType.CCG],
    )
    ordered = sorted(
        members, key=lambda member: (member.org_type != OrganisationType.PROVIDER, member.ods_code)
    )
    return tuple(
        MemberOrg(code=member.ods_code, name=member.name, kind=member.org_type)
        for member in ordered
    )


def template_context_for(
    *, collection: Collection, organisation: Organisation, template_version: str = ""
) -> TemplateContext:
    """What a template is generated from and a return validated against: the one definition used
    by the portal, the API and the command-line tools alike."""
    return TemplateContext(
        collection_code=collection.code,
        collection_name=collection.name,
        stage=collection.stage,
        round_name=collection.planning_round.name,
        organisation_code=organisation.ods_code,
        organisation_name=organisation.name,
        members=member_organisations(
            organisation=organisation, day=collection.planning_round.reference_date
        ),
        template_version=template_version,
    )


def template_context(*, submission: Submission, template_version: str = "") -> TemplateContext:
    return template_context_for(
        collection=submission.collection,
        organisation=submission.organisation,
        template_version=template_version,
    )


def template_for_submission(*, submission: Submission) -> tuple[str, bytes]:
    """The workbook template issued for this return, and a file name for it."""
    if not has_workbook_template(collection_code=submission.collection.code):
        raise ValidationError(
            f"{submission.collection.code} is returned as a document; it has no workbook template."
        )
    issued = (
        TemplateVersion.objects.filter(collection=submission.collection)
        .order_by("-issued_at", "-version")
        .first()
    )
    version = (
        issued.version
        if issued
        else latest_spec_version(collection_code=submission.collection.code)
    )
    data = build_template(context=template_context(submission=submission, template_version=version))
    stage = "" if submission.collection.stage == "single" else f"-{submission.collection.stage}"
    name = f"{submission.collection.code}{stage}-{submission.organisation.ods_code}-template-{version}.xlsx"
    return name, data


# Uploads ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadOutcome:
    version: Version
    duplicate: bool

    @property
    def message(self) -> str:
        if self.duplicate:
            return (
                f"This file is identical to version {self.version.number}, uploaded "
                f"{timezone.localtime(self.version.uploaded_at):%d %B %Y at %H:%M}. No new version was made."
            )
        return f"Version {self.version.number} uploaded. It is being checked now."


def _read_upload(stream: IO[bytes]) -> bytes:
    limit = settings.UPLOAD_MAX_BYTES
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            f"The file is larger than {limit // (1024 * 1024)} MB, the largest the portal accepts."
        )
    if not data:
        raise ValidationError("The file is empty.")
    return data


def _ensure_can_upload(*, submission: Submission, user: User) -> None:
    if not submission_rules.can_upload_to_submission(user, submission):
        raise PermissionDenied("You cannot upload to this return.")
    collection = submission.collection
    if collection.closes_at_deadline and timezone.now() > effective_deadline(
        collection=collection, organisation=submission.organisation
    ):
        raise ValidationError(
            "This collection closed at its deadline. Ask your regional team for an extension."
        )


def version_create(
    *, submission: Submission, user: User, stream: IO[bytes], filename: str
) -> UploadOutcome:
    """Store an upload as a new immutable version and queue its validation after commit.
    Every attempt is audited: a new version, an identical file, or a refused one and why."""
    _ensure_can_upload(submission=submission, user=user)
    try:
        data = _read_upload(stream)
        file_format = inspect_upload(
            data=data,
            filename=filename,
            accepted_formats=submission.collection.accepted_formats,
            max_bytes=settings.UPLOAD_MAX_BYTES,
        )
    except (RejectedFile, ValidationError) as refused:
        message = (
            refused.message if isinstance(refused, RejectedFile) else " ".join(refused.messages)
        )
        audit_submission_event(
            action=AuditAction.UPLOAD_REJECTED,
            submission=submission,
            actor=user,
            detail=f"{filename[-255:]}: {message}",
        )
        raise ValidationError(message) from None
    sha256 = hashlib.sha256(data).hexdigest()
    existing = submission.versions.filter(sha256=sha256).order_by("-number").first()
    if existing is not None:
        audit_submission_event(
            action=AuditAction.UPLOAD,
            submission=submission,
            obj=existing,
            actor=user,
            detail=f"{filename[-255:]}: identical to version {existing.number}; no new version",
        )
        return UploadOutcome(version=existing, duplicate=True)

    version = Version(
        submission=submission,
        file_format=file_format,
        sha256=sha256,
        size=len(data),
        original_name=filename[-255:],
        uploaded_by=user,
    )
    # Stored before the transaction so a slow storage write holds no row locks.
    version.file.save("upload", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            Submission.objects.select_for_update().get(pk=submission.pk)
            version.number = (submission.versions.aggregate(top=Max("number"))["top"] or 0) + 1
            version.save()
            before = {"status": submission.status}
            transition(
                submission=submission,
                action=Action.UPLOAD,
                current_version=version,
                submitted_version=None,
                submitted_at=None,
                submitted_by=None,
                is_late=False,
            )
            audit_submission_event(
                action=AuditAction.UPLOAD,
                submission=submission,
                obj=version,
                actor=user,
                before=before,
                after={
                    "status": submission.status,
                    "version": version.number,
                    "sha256": sha256,
                    "size": len(data),
                },
            )
            transaction.on_commit(lambda: enqueue_validation(version_id=version.pk), robust=True)
    except (TransitionConflict, IntegrityError):
        version.file.delete(save=False)
        raise
    return UploadOutcome(version=version, duplicate=False)


def enqueue_validation(*, version_id: int) -> None:
    """Hand the version to a worker. If the broker is down the version stays queued in the database
    and the periodic sweeper sends it again, so the upload is never lost."""
    from .tasks import validate_version

    send_task(task=validate_version, args=[version_id], sweeper="the stuck-version sweeper")


# Submit -----------------------------------------------------------------------------------------


def submission_submit(
    *,
    submission: Submission,
    version: Version,
    user: User,
    declaration: bool,
    explanations: dict[int, str],
    now: dt.datetime | None = None,
) -> Submission:
    """Sign off a valid version: warnings explained, declaration agreed, deadline applied."""
    capacity = signing_capacity(user=user, submission=submission)
    if capacity is None:
        raise PermissionDenied("Only a signatory of the organisation can submit this return.")
    if version.submission_id != submission.pk:
        raise ValidationError({"version": "That version belongs to another return."})
    if submission.current_version_id != version.pk:
        latest = submission.current_version
        raise SubmitRefused(
            f"Version {latest.number} was uploaded after version {version.number}. "
            f"Check version {latest.number} and submit that one."
        )
    if version.status != VersionStatus.VALID:
        raise SubmitRefused(
            "Only a version that has been checked and has no errors can be submitted. "
            f"Version {version.number} {_NOT_SUBMITTABLE[version.status]}."
        )
    problems: dict[str, str] = {}
    warnings = list(version.findings.filter(severity=Severity.WARNING))
    cleaned = {finding.pk: (explanations.get(finding.pk) or "").strip() for finding in warnings}
    unexplained = [pk for pk, text in cleaned.items() if len(text) < MIN_EXPLANATION_LENGTH]
    if unexplained:
        problems["explanations"] = (
            f"Explain each warning in a sentence: {len(unexplained)} of {len(warnings)} "
            f"warning{'s' if len(warnings) != 1 else ''} still need an explanation."
        )
    if not declaration:
        problems["declaration"] = "Confirm the sign-off declaration to submit."
    if problems:
        raise ValidationError(problems)

    now = now or timezone.now()
    deadline = effective_deadline(
        collection=submission.collection, organisation=submission.organisation
    )
    late = now > deadline
    if late and submission.collection.closes_at_deadline:
        raise ValidationError(
            "This collection closed at its deadline. Ask your regional team for an extension."
        )
    with transaction.atomic():
        before = {"status": submission.status}
        for finding in warnings:
            Finding.objects.filter(pk=finding.pk).update(explanation=cleaned[finding.pk])
        transition(
            submission=submission,
            action=Action.SUBMIT,
            guard={"current_version": version},
            submitted_version=version,
            submitted_by=user,
            submitted_role=capacity.role,
            submitted_on_behalf_of_id=capacity.on_behalf_of_id,
            submitted_at=now,
            declaration=declaration_text(organisation=submission.organisation),
            is_late=late,
        )
        audit_submission_event(
            action=AuditAction.SUBMIT,
            submission=submission,
            obj=version,
            actor=user,
            before=before,
            after={
                "status": submission.status,
                "version": version.number,
                "is_late": late,
                "warnings_explained": len(warnings),
            },
        )
        submission_submitted_notify(submission=submission, version=version, user=user)
    return submission


# Notices ----------------------------------------------------------------------------------------


def submission_submitted_notify(*, submission: Submission, version: Version, user: User) -> None:
    """Tell the organisation's people and the region's reviewers that the return was submitted."""
    organisation = submission.organisation
    recipients = [
        *users_of_organisation(organisation_id=organisation.pk),
        *users_reviewing_region(region_id=organisation.region_id),
    ]
    late = " (late)" if submission.is_late else ""
    notify(
        recipients=recipients,
        kind="submitted",
        subject=f"{submission.collection.code} submitted by {organisation.name}",
        body=(
            f"{user.get_full_name() or user.get_username()} submitted version {version.number} of "
            f"{submission.collection} for {organisation.name}{late}."
        ),
        url=reverse("submissions:detail", kwargs={"pk": submission.pk}),
        dedupe_key=f"submitted:{submission.pk}:{version.pk}",
    )


_FINISHED_TEXT = {
    VersionStatus.VALID: "has no errors and can be submitted",
    VersionStatus.INVALID: "has errors to fix",
    VersionStatus.REJECTED: "was rejected",
    VersionStatus.FAILED: "could not be checked",
}


def version_finished_notify(*, version_id: int) -> None:
    """Tell the uploader their version's check has finished; once per version."""
    version = Version.objects.select_related(
        "submission__collection", "submission__organisation", "uploaded_by"
    ).get(pk=version_id)
    submission = version.submission
    counts = (
        f" {version.error_count} error{'s' if version.error_count != 1 else ''}, "
        f"{version.warning_count} warning{'s' if version.warning_count != 1 else ''}."
        if version.status in (VersionStatus.VALID, VersionStatus.INVALID)
        else f" {version.message}"
    )
    notify(
        recipients=[version.uploaded_by],
        kind="validation_finished",
        subject=f"Version {version.number} of {submission.collection.code} {_FINISHED_TEXT[version.status]}",
        body=(
            f"Version {version.number} of {submission.collection} for {submission.organisation.name} "
            f"{_FINISHED_TEXT[version.status]}.{counts}"
        ),
        url=reverse("submissions:version_detail", kwargs={"pk": version.pk}),
        dedupe_key=f"validation-finished:{version.pk}",
    )
