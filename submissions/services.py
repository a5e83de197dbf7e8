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
from accounts.selectors import users_of_organisation
from audit.models import AuditAction
from audit.services import audit_record, audit_submission_event
from core.exceptions import Conflict
from core.limits import upload_limit_text
from core.queueing import send_task
from erf.selectors import national_values_for
from extensions.deadlines import effective_deadline
from guidance.models import GuidanceKind
from guidance.selectors import measure_definitions
from guidance.services import guidance_publish
from notifications.services import notify
from planning.definitions import collection_narrative, round_definition
from planning.history import members_on, organisations_in_force_on, placements_on
from planning.models import Collection, Organisation, OrganisationType, PlanningRound
from workbooks.filecheck import inspect_upload
from workbooks.generate import build_template
from workbooks.narrative import build_narrative_template
from workbooks.specs import resolve_spec
from workbooks.types import MemberOrg, RejectedFile, TemplateContext

from . import rules as submission_rules
from .models import (
    Finding,
    Severity,
    Submission,
    SubmissionStatus,
    TemplateVersion,
    Version,
    VersionStatus,
)
from .selectors import (
    collection_specs,
    signing_capacity,
    submit_refusal,
    template_layout_key,
    template_version_latest,
)
from .transitions import Action, TransitionConflict, transition

logger = logging.getLogger(__name__)

# Each kind of organisation signs for what it can vouch for: a system for its partners' collective
# intentions (the sign-off of the 2021/22 implementation guidance, section 6.4), an organisation
# for its own plan and its agreement with its system.
DECLARATIONS = {
    OrganisationType.ICS: (
        "By submitting this return, {organisation} confirms that the plan is a reflection of the "
        "collective intentions of the system for the rest of the year, that its activity and "
        "workforce plans align, and that the plan is agreed by all partners."
    ),
    OrganisationType.PROVIDER: (
        "By submitting this return, {organisation} confirms that the plan has been agreed through "
        "the trust's own governance, that it is the trust's best estimate for the year, and that "
        "it is consistent with the plan of its system."
    ),
    OrganisationType.CCG: (
        "By submitting this return, {organisation} confirms that the plan has been agreed through "
        "the CCG's own governance and with its system partners, and that it is the CCG's best "
        "estimate for the year."
    ),
    OrganisationType.LMS: (
        "By submitting this return, {organisation} confirms that the plan has been agreed by the "
        "Local Maternity System's board and is aligned with the plans of its system."
    ),
    OrganisationType.CANCER_ALLIANCE: (
        "By submitting this return, {organisation} confirms that the plan has been agreed by the "
        "Cancer Alliance's board and is aligned with the plans of the systems it serves."
    ),
}
MIN_EXPLANATION_LENGTH = 10


class SubmitRefused(Conflict):
    """The version cannot be submitted as it stands (errors remain, or a newer version exists)."""


def declaration_text(*, organisation: Organisation) -> str:
    return DECLARATIONS[organisation.org_type].format(organisation=organisation.name)


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


def submissions_replace_for_round(*, planning_round: PlanningRound) -> None:
    """After the round's reference date moved, place its returns in the systems and regions of
    the new date, and delete those no organisation in force then owes. Only returns without
    uploads change: once a return has one, its placement and the date are fixed (ADR 0030)."""
    day = planning_round.reference_date
    in_force = {
        organisation.pk: organisation for organisation in organisations_in_force_on(day=day)
    }
    placements = placements_on(day=day)
    moved, unowed = [], []
    returns = Submission.objects.filter(
        collection__planning_round=planning_round, versions__isnull=True
    ).select_related("collection")
    for submission in returns:
        organisation = in_force.get(submission.organisation_id)
        if organisation is None or not submission.collection.is_owed_by(organisation):
            unowed.append(submission.pk)
            continue
        submission.system_id = placements.system_id(organisation)
        submission.region_id = placements.region_id(organisation)
        moved.append(submission)
    Submission.objects.filter(pk__in=unowed).delete()
    Submission.objects.bulk_update(moved, ["system_id", "region_id"], batch_size=1000)


def template_versions_ensure(*, planning_round: PlanningRound) -> None:
    """Issue, for every collection of the round that has none yet, the workbook template its
    round's definition gives it (collections made outside `round_definition_install`)."""
    definition = round_definition(planning_round=planning_round)
    if definition is None:
        return
    for collection in planning_round.collections.all():
        item = definition.collection(collection.code)
        if item is None or not item.template or collection.template_versions.exists():
            continue
        template = definition.template_data[item.template]
        TemplateVersion.objects.get_or_create(
            collection=collection,
            version=template["version"],
            defaults={"template": template, "note": template.get("changes", "")},
        )


@transaction.atomic
def template_version_issue(
    *,
    collection: Collection,
    version: str,
    still_accepted: list[str],
    note: str,
    issued_by: User,
    request=None,
) -> TemplateVersion:
    """Announce a mid-round template fix: the layout `version`, issued from the round's edited
    definition, with a note of what changed and which earlier versions are still accepted. Every
    organisation that owes the return is told, and the fix is a notice in the round's guidance.
    Only the newest layout can be announced, so an older one never becomes the one downloaded."""
    if not note.strip():
        raise ValidationError({"note": "Say what changed, for the people who download it."})
    # Locked so two admins announcing at once cannot both pass the checks below.
    list(Collection.objects.select_for_update().filter(pk=collection.pk))
    template_version = collection.template_versions.filter(version=version).first()
    if template_version is None:
        raise ValidationError({"version": f"{collection.title} has no template layout {version}."})
    accepted_before = sorted(
        collection.template_versions.filter(is_accepted=True).values_list("version", flat=True),
        key=template_layout_key,
    )
    latest = template_version_latest(collection_id=collection.pk)
    if template_layout_key(version) < template_layout_key(latest.version):
        raise ValidationError(
            {
                "version": f"Organisations download {latest.version} now; {version} is older, "
                "so it cannot replace it."
            }
        )
    TemplateVersion.objects.filter(pk=template_version.pk).update(
        is_accepted=True, note=note.strip(), issued_by=issued_by
    )
    earlier = collection.template_versions.exclude(pk=template_version.pk)
    earlier.update(is_accepted=False)
    earlier.filter(version__in=still_accepted).update(is_accepted=True)
    accepted = sorted(
        earlier.filter(is_accepted=True).values_list("version", flat=True),
        key=template_layout_key,
    )
    note = note.strip()
    audit_record(
        action=AuditAction.TEMPLATE_ISSUED,
        actor=issued_by,
        obj=template_version,
        before={"accepted": accepted_before},
        after={"version": version, "still_accepted": accepted, "note": note},
        request=request,
    )
    message = template_fix_message(
        collection=collection, version=version, accepted=accepted, note=note
    )
    _template_fix_notify(collection=collection, version=version, body=message)
    guidance_publish(
        planning_round=collection.planning_round,
        kind=GuidanceKind.NOTICE,
        title=f"New {collection} template: version {version}",
        body=message,
        user=issued_by,
        request=request,
    )
    template_version.refresh_from_db()
    return template_version


def template_fix_message(
    *, collection: Collection, version: str, accepted: list[str], note: str
) -> str:
    older = (
        f"Returns made from version {' or '.join(accepted)} are still accepted."
        if accepted
        else "Returns made from earlier versions are no longer accepted: download the new template."
    )
    return f"Version {version} of the {collection} template is available. {note} {older}"


def _template_fix_notify(*, collection: Collection, version: str, body: str) -> None:
    owing = Submission.objects.filter(collection=collection).select_related("organisation")
    for submission in owing:
        notify(
            recipients=users_of_organisation(organisation_id=submission.organisation_id),
            kind="template_issued",
            subject=f"New {collection} template: version {version}",
            body=body,
            url=reverse("submissions:detail", kwargs={"pk": submission.pk}),
            dedupe_key=f"template:{collection.pk}:{version}:{submission.organisation_id}",
        )


@transaction.atomic
def submission_name_provider(
    *, submission: Submission, provider: Organisation | None, user: User, request=None
) -> Submission:
    """The system names one of its providers to submit this return for it (None: the system
    submits it itself). One obligation either way: the return stays the system's."""
    if not submission_rules.can_name_provider(user, submission):
        raise PermissionDenied("Only the system's lead or signatory names who submits this return.")
    if provider is not None and not (
        provider.org_type == OrganisationType.PROVIDER
        and provider.parent_ics_id == submission.organisation_id
        and provider.is_active
    ):
        raise ValidationError(
            {"provider": f"Choose one of the trusts of {submission.organisation.name}."}
        )
    before = submission.named_provider.ods_code if submission.named_provider else ""
    Submission.objects.filter(pk=submission.pk).update(named_provider=provider)
    submission.refresh_from_db()
    audit_submission_event(
        action=AuditAction.PROVIDER_NAMED,
        submission=submission,
        actor=user,
        request=request,
        before={"named_provider": before},
        after={"named_provider": provider.ods_code if provider else ""},
    )
    if provider is not None:
        notify(
            recipients=users_of_organisation(organisation_id=provider.pk),
            kind="provider_named",
            subject=f"{submission.organisation.name} asks you to submit {submission.collection}",
            body=f"{submission.organisation.name} named {provider.name} to upload and submit "
            f"{submission.collection} on its behalf.",
            url=reverse("submissions:detail", kwargs={"pk": submission.pk}),
        )
    return submission


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
    narrative = collection_narrative(collection=collection)
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
        measure_definitions=tuple(
            sorted(measure_definitions(planning_round=collection.planning_round).items())
        ),
        specs=collection_specs(collection=collection),
        national_values=national_values_for(collection=collection, organisation=organisation),
        narrative_sections=tuple(
            (section.heading, section.words, section.asks) for section in narrative.sections
        )
        if narrative
        else (),
        narrative_title=narrative.title if narrative else "",
    )


def template_context(*, submission: Submission, template_version: str = "") -> TemplateContext:
    return template_context_for(
        collection=submission.collection,
        organisation=submission.organisation,
        template_version=template_version,
    )


def template_for_submission(*, submission: Submission) -> tuple[str, bytes]:
    """The workbook template issued for this return, and a file name for it."""
    return template_for(collection=submission.collection, organisation=submission.organisation)


def template_for(*, collection: Collection, organisation: Organisation) -> tuple[str, bytes]:
    """The template an organisation downloads for a collection (also an admin's preview of it,
    before it owes anything), and a file name for it."""
    context = template_context_for(collection=collection, organisation=organisation)
    stage = "" if collection.stage == "single" else f"-{collection.stage}"
    stem = f"{collection.code}{stage}-{organisation.ods_code}-template"
    if context.specs:
        version = resolve_spec(context=context).version
        return f"{stem}-{version}.xlsx", build_template(context=context)
    if context.narrative_sections:
        data = build_narrative_template(context=context, title=context.narrative_title)
        return f"{stem}.docx", data
    raise ValidationError(f"{collection.name} has no template to download.")


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
                f"{timezone.localtime(self.version.uploaded_at):%d %B %Y at %H:%M}. No new "
                f"version was made."
            )
        return f"Version {self.version.number} uploaded. It is being checked now."


def _read_upload(stream: IO[bytes]) -> bytes:
    limit = settings.UPLOAD_MAX_BYTES
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            f"The file is larger than {upload_limit_text()}, the largest the portal accepts."
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
            locked = Submission.objects.select_for_update().get(pk=submission.pk)
            version.number = (submission.versions.aggregate(top=Max("number"))["top"] or 0) + 1
            version.save()
            transition(
                submission=submission,
                actor=user,
                version=version,
                facts={"sha256": sha256, "size": len(data)},
                **_upload_change(status=locked.status, version=version),
            )
            transaction.on_commit(lambda: enqueue_validation(version_id=version.pk), robust=True)
    except (TransitionConflict, IntegrityError):
        version.file.delete(save=False)
        raise
    return UploadOutcome(version=version, duplicate=False)


def _upload_change(*, status: str, version: Version) -> dict:
    """A submitted return keeps its submitted version (and whether it was late) while a newer
    draft is checked; any other return starts again from the new upload."""
    if status == SubmissionStatus.SUBMITTED:
        return {"action": Action.UPLOAD_DRAFT, "current_version": version}
    return {
        "action": Action.UPLOAD,
        "current_version": version,
        "submitted_version": None,
        "submitted_at": None,
        "submitted_by": None,
        "is_late": False,
    }


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
    """Sign off any version checked without errors (not only the newest): warnings explained,
    declaration agreed, deadline applied. Submitting another version replaces the submitted one."""
    capacity = signing_capacity(user=user, submission=submission)
    if capacity is None:
        raise PermissionDenied("Only a signatory of the organisation can submit this return.")
    if version.submission_id != submission.pk:
        raise ValidationError({"version": "That version belongs to another return."})
    refusal = submit_refusal(submission=submission, version=version)
    if refusal:
        raise SubmitRefused(refusal)
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
        for finding in warnings:
            Finding.objects.filter(pk=finding.pk).update(explanation=cleaned[finding.pk])
        transition(
            submission=submission,
            # Guarded on the version submitted so far, so two people submitting at once cannot
            # both win.
            action=Action.RESUBMIT
            if submission.status == SubmissionStatus.SUBMITTED
            else Action.SUBMIT,
            actor=user,
            version=version,
            facts={"is_late": late, "warnings_explained": len(warnings)},
            guard={"submitted_version": submission.submitted_version_id},
            submitted_version=version,
            submitted_by=user,
            submitted_role=capacity.role,
            submitted_on_behalf_of_id=capacity.on_behalf_of_id,
            submitted_at=now,
            declaration=declaration_text(organisation=submission.organisation),
            is_late=late,
        )
    return submission


# Notices ----------------------------------------------------------------------------------------


_FINISHED_TEXT = {
    VersionStatus.VALID: "has no errors and can be submitted",
    VersionStatus.INVALID: "has errors to fix",
    VersionStatus.REJECTED: "was rejected",
    VersionStatus.FAILED: "could not be checked",
}


def version_finished_text(*, version: Version) -> str:
    """One sentence saying how a finished check came out, e.g. "Version 2 has errors to fix"."""
    return f"Version {version.number} {_FINISHED_TEXT[version.status]}."


def version_finished_notify(*, version_id: int) -> None:
    """Tell the uploader their version's check has finished; once per version."""
    version = Version.objects.select_related(
        "submission__collection", "submission__organisation", "uploaded_by"
    ).get(pk=version_id)
    submission = version.submission
    counts = (
        f" {version.error_count} error{'s' if version.error_count != 1 else ''}, "
        f"{version.warning_count} warning{'s' if version.warning_count != 1 else ''}."
        if version.status in VersionStatus.CHECKED
        else f" {version.message}"
    )
    notify(
        recipients=[version.uploaded_by],
        kind="validation_finished",
        subject=f"Version {version.number} of {submission.collection.title} "
        f"{_FINISHED_TEXT[version.status]}",
        body=(
            f"Version {version.number} of {submission.collection} for "
            f"{submission.organisation.name} "
            f"{_FINISHED_TEXT[version.status]}.{counts}"
        ),
        url=reverse("submissions:version_detail", kwargs={"pk": version.pk}),
        dedupe_key=f"validation-finished:{version.pk}",
    )
