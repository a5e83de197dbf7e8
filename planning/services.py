from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.selectors import users_of_organisation, users_reviewing_region
from audit.models import AuditAction
from audit.services import audit_record
from core.templatetags.portal import london as london_text
from notifications.services import notify
from submissions.models import Submission, TemplateVersion, Version
from submissions.selectors import template_layout_key
from submissions.services import submissions_ensure_for_round, template_version_issue
from workbooks.definition_roll import definition_roll_forward
from workbooks.definition import CollectionDefinition, Definition, Problem

from .definitions import DefinitionRejected, parse_definition

from .models import (
    Collection,
    DeadlineExtension,
    ExtensionRequest,
    ExtensionStatus,
    Organisation,
    OrganisationType,
    PlanningRound,
    Region,
    RoundStatus,
    TrustKind,
)

REFERENCE_DIR = Path(settings.BASE_DIR) / "data" / "reference"
MAX_EXTENSION_DAYS = 60


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: ImportResult) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.errors.extend(other.errors)

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, {len(self.errors)} errors"


def lms_ods_code(ics_ods_code: str) -> str:
    """LMSs have no ODS code of their own, so theirs is derived from their ICS's."""
    return f"{ics_ods_code}-LMS"


def _upsert(model, *, lookup: dict, values: dict, result: ImportResult):
    instance = model.objects.filter(**lookup).first()
    if instance is None:
        instance = model.objects.create(**lookup, **values)
        result.created += 1
        return instance
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    if changed:
        for name in changed:
            setattr(instance, name, values[name])
        instance.save(update_fields=changed)
        result.updated += 1
    else:
        result.unchanged += 1
    return instance


def _set_covered_icss(
    organisation: Organisation, codes: Iterable[str], result: ImportResult, line: int
) -> None:
    codes = [code.strip().upper() for code in codes if code.strip()]
    icss = list(Organisation.objects.filter(ods_code__in=codes, org_type=OrganisationType.ICS))
    missing = sorted(set(codes) - {ics.ods_code for ics in icss})
    if missing:
        result.errors.append(f"line {line}: unknown ICS code(s) {', '.join(missing)}")
    if set(organisation.covered_icss.values_list("pk", flat=True)) != {ics.pk for ics in icss}:
        organisation.covered_icss.set(icss)


def _require(row: dict, columns: tuple[str, ...], line: int, result: ImportResult) -> bool:
    missing = [column for column in columns if not (row.get(column) or "").strip()]
    if missing:
        result.errors.append(f"line {line}: missing {', '.join(missing)}")
        return False
    return True


def _import_regions(rows: list[dict]) -> ImportResult:
    result = ImportResult()
    for line, row in enumerate(rows, start=2):
        if _require(row, ("code", "name"), line, result):
            _upsert(
                Region,
                lookup={"code": row["code"].strip().upper()},
                values={"name": row["name"].strip()},
                result=result,
            )
    return result


def _import_icss(rows: list[dict]) -> ImportResult:
    result = ImportResult()
    regions = {region.code: region for region in Region.objects.all()}
    for line, row in enumerate(rows, start=2):
        if not _require(row, ("ods_code", "name", "region_code"), line, result):
            continue
        region = regions.get(row["region_code"].strip().upper())
        if region is None:
            result.errors.append(f"line {line}: unknown region {row['region_code']}")
            continue
        _upsert(
            Organisation,
            lookup={"ods_code": row["ods_code"].strip().upper()},
            values={
                "name": row["name"].strip(),
                "org_type": OrganisationType.ICS,
                "region": region,
            },
            result=result,
        )
    return result


def _ics_by_code() -> dict[str, Organisation]:
    return {ics.ods_code: ics for ics in Organisation.objects.filter(org_type=OrganisationType.ICS)}


def _import_trusts(rows: list[dict]) -> ImportResult:
    result = ImportResult()
    icss = _ics_by_code()
    for line, row in enumerate(rows, start=2):
        if not _require(row, ("ods_code", "name", "icss_ods_code"), line, result):
            continue
        ics = icss.get(row["icss_ods_code"].strip().upper())
        if ics is None:
            result.errors.append(f"line {line}: unknown ICS {row['icss_ods_code']}")
            continue
        trust_kind = (row.get("trust_type") or "").strip().lower()
        if trust_kind not in TrustKind.values:
            result.errors.append(f"line {line}: unknown trust type {trust_kind!r}")
            continue
        trust = _upsert(
            Organisation,
            lookup={"ods_code": row["ods_code"].strip().upper()},
            values={
                "name": row["name"].strip(),
                "org_type": OrganisationType.PROVIDER,
                "trust_kind": trust_kind,
                "region_id": ics.region_id,
                "parent_ics": ics,
                "note": (row.get("note") or "").strip(),
            },
            result=result,
        )
        _set_covered_icss(trust, (row.get("other_icss_ods_codes") or "").split(";"), result, line)
    return result


def _import_cancer_alliances(rows: list[dict]) -> ImportResult:
    result = ImportResult()
    icss = _ics_by_code()
    for line, row in enumerate(rows, start=2):
        if not _require(row, ("code", "name", "icss_ods_codes"), line, result):
            continue
        codes = [code.strip().upper() for code in row["icss_ods_codes"].split(";") if code.strip()]
        if not codes:
            result.errors.append(f"line {line}: missing icss_ods_codes")
            continue
        first_ics = icss.get(codes[0])
        if first_ics is None:
            result.errors.append(f"line {line}: unknown ICS {codes[0]}")
            continue
        alliance = _upsert(
            Organisation,
            lookup={"ods_code": row["code"].strip().upper()},
            values={
                "name": row["name"].strip(),
                "org_type": OrganisationType.CANCER_ALLIANCE,
                "region_id": first_ics.region_id,
                "note": (row.get("note") or "").strip(),
            },
            result=result,
        )
        _set_covered_icss(alliance, codes, result, line)
    return result


def _import_lmss(rows: list[dict]) -> ImportResult:
    result = ImportResult()
    icss = _ics_by_code()
    for line, row in enumerate(rows, start=2):
        if not _require(row, ("name", "icss_ods_code"), line, result):
            continue
        ics = icss.get(row["icss_ods_code"].strip().upper())
        if ics is None:
            result.errors.append(f"line {line}: unknown ICS {row['icss_ods_code']}")
            continue
        _upsert(
            Organisation,
            lookup={"ods_code": lms_ods_code(ics.ods_code)},
            values={
                "name": row["name"].strip(),
                "org_type": OrganisationType.LMS,
                "region_id": ics.region_id,
                "parent_ics": ics,
                "note": (row.get("note") or "").strip(),
            },
            result=result,
        )
    return result


# Each reference file is recognised by its header, so an admin can upload any of them as it is.
_IMPORTERS = (
    ({"code", "name"}, "regions", _import_regions),
    ({"ods_code", "name", "region_code"}, "ICSs", _import_icss),
    ({"ods_code", "name", "icss_ods_code", "trust_type"}, "trusts", _import_trusts),
    ({"code", "name", "icss_ods_codes"}, "Cancer Alliances", _import_cancer_alliances),
    ({"name", "icss_ods_code"}, "LMSs", _import_lmss),
)
MAX_IMPORT_BYTES = 5 * 1024 * 1024


def organisations_import_csv(*, stream: IO[bytes]) -> tuple[str, ImportResult]:
    """Create or update organisations from one reference CSV; running it twice changes nothing."""
    raw = stream.read(MAX_IMPORT_BYTES + 1)
    if len(raw) > MAX_IMPORT_BYTES:
        raise ValidationError("The file is larger than 5 MB; reference files are far smaller.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            "The file is not UTF-8 text. Save it as CSV UTF-8 and try again."
        ) from None
    reader = csv.DictReader(io.StringIO(text))
    header = {column.strip() for column in (reader.fieldnames or [])}
    # The most specific matching header wins: trusts also have "name" and "icss_ods_code".
    for columns, label, importer in sorted(_IMPORTERS, key=lambda item: -len(item[0])):
        if columns <= header:
            rows = [{key.strip(): value for key, value in row.items() if key} for row in reader]
            with transaction.atomic():
                return label, importer(rows)
    raise ValidationError(
        "The columns were not recognised. Use the header row of one of the reference files "
        "(regions, ICSs, trusts, Cancer Alliances or LMSs)."
    )


REFERENCE_FILES = ("regions.csv", "icss.csv", "trusts.csv", "cancer_alliances.csv", "lmss.csv")


def reference_data_load(*, directory: Path = REFERENCE_DIR) -> dict[str, ImportResult]:
    results = {}
    for filename in REFERENCE_FILES:
        with open(directory / filename, "rb") as stream:
            label, result = organisations_import_csv(stream=stream)
        results[label] = result
    return results


def shift_london_datetime(value: dt.datetime, *, days: int) -> dt.datetime:
    """Move a deadline by whole days keeping its London wall-clock time across clock changes."""
    london = timezone.get_default_timezone()
    local = value.astimezone(london).replace(tzinfo=None) + dt.timedelta(days=days)
    return timezone.make_aware(local, london)


@transaction.atomic
def round_copy(
    *, source: PlanningRound, name: str, shift_days: int, user: User | None = None, request=None
) -> PlanningRound:
    """A new draft round with every collection of the source, dates moved by shift_days.
    Organisations see it only once it is published."""
    if PlanningRound.objects.filter(name=name).exists():
        raise ValidationError({"name": "A round with this name already exists."})
    new_round = PlanningRound.objects.create(
        name=name,
        starts_on=source.starts_on + dt.timedelta(days=shift_days),
        ends_on=source.ends_on + dt.timedelta(days=shift_days),
        status=RoundStatus.DRAFT,
        copied_from=source,
    )
    Collection.objects.bulk_create(
        Collection(
            planning_round=new_round,
            code=collection.code,
            name=collection.name,
            stage=collection.stage,
            deadline=shift_london_datetime(collection.deadline, days=shift_days),
            submitted_by=list(collection.submitted_by),
            trust_kinds=list(collection.trust_kinds),
            accepted_formats=list(collection.accepted_formats),
            closes_at_deadline=collection.closes_at_deadline,
            is_mandatory=collection.is_mandatory,
            lead_ccg_may_submit=collection.lead_ccg_may_submit,
            description=collection.description,
        )
        for collection in source.collections.all()
    )
    for template_version in TemplateVersion.objects.filter(
        collection__planning_round=source
    ).select_related("collection"):
        TemplateVersion.objects.get_or_create(
            collection=new_round.collections.get(
                code=template_version.collection.code, stage=template_version.collection.stage
            ),
            version=template_version.version,
            defaults={"is_accepted": template_version.is_accepted, "note": template_version.note},
        )
    submissions_ensure_for_round(planning_round=new_round)
    audit_record(
        action=AuditAction.ROUND_COPIED,
        actor=user,
        obj=new_round,
        after={"copied_from": source.name, "shift_days": shift_days},
        request=request,
    )
    return new_round


@transaction.atomic
def collection_update(*, collection: Collection, **fields) -> Collection:
    for name, value in fields.items():
        setattr(collection, name, value)
    collection.full_clean()
    collection.save()
    # A change of who submits may add organisations that owe the return.
    submissions_ensure_for_round(planning_round=collection.planning_round)
    return collection


@transaction.atomic
def round_make_current(
    *, planning_round: PlanningRound, user: User | None = None, request=None
) -> None:
    """Organisations land on this round; only a published round may be current."""
    if planning_round.status != RoundStatus.PUBLISHED:
        raise ValidationError(
            f"Publish {planning_round.name} before making it current: organisations cannot see "
            "a round that is not published."
        )
    if PlanningRound.objects.filter(pk=planning_round.pk, is_current=True).exists():
        return
    previous = list(
        PlanningRound.objects.select_for_update()
        .exclude(pk=planning_round.pk)
        .filter(is_current=True)
        .values_list("name", flat=True)
    )
    PlanningRound.objects.exclude(pk=planning_round.pk).filter(is_current=True).update(
        is_current=False
    )
    made = PlanningRound.objects.filter(pk=planning_round.pk, status=RoundStatus.PUBLISHED).update(
        is_current=True
    )
    if not made:
        raise ValidationError(f"{planning_round.name} changed meanwhile. Reload the page.")
    planning_round.is_current = True
    audit_record(
        action=AuditAction.ROUND_MADE_CURRENT,
        actor=user,
        obj=planning_round,
        before={"current": previous[0] if previous else None},
        after={"current": planning_round.name},
        request=request,
    )


def _check_extension_deadline(*, collection: Collection, deadline: dt.datetime) -> None:
    if deadline <= collection.deadline:
        raise ValidationError(
            {"deadline": "Choose a deadline after the collection's own deadline."}
        )
    if deadline > collection.deadline + dt.timedelta(days=MAX_EXTENSION_DAYS):
        raise ValidationError({"deadline": f"Extensions can be at most {MAX_EXTENSION_DAYS} days."})


def _extension_url(*, collection: Collection, organisation: Organisation) -> str:
    submission = Submission.objects.filter(collection=collection, organisation=organisation).first()
    return reverse("submissions:extensions", kwargs={"pk": submission.pk}) if submission else ""


def _submission_id(*, collection: Collection, organisation: Organisation) -> int | None:
    return (
        Submission.objects.filter(collection=collection, organisation=organisation)
        .values_list("pk", flat=True)
        .first()
    )


def _set_deadline_in_force(
    *,
    collection: Collection,
    organisation: Organisation,
    deadline: dt.datetime,
    reason: str,
    user: User,
) -> None:
    DeadlineExtension.objects.update_or_create(
        collection=collection,
        organisation=organisation,
        defaults={"deadline": deadline, "reason": reason, "granted_by": user},
    )


@transaction.atomic
def extension_request_create(
    *,
    collection: Collection,
    organisation: Organisation,
    requested_by: User,
    deadline: dt.datetime,
    reason: str,
    request=None,
) -> ExtensionRequest:
    """An organisation asks its region for more time."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why you need more time."})
    if not collection.is_owed_by(organisation):
        raise ValidationError(f"{organisation.name} does not owe {collection.code}.")
    _check_extension_deadline(collection=collection, deadline=deadline)
    current = DeadlineExtension.objects.filter(
        collection=collection, organisation=organisation
    ).first()
    if current and deadline <= current.deadline:
        raise ValidationError({"deadline": "Your deadline is already that late or later."})
    if ExtensionRequest.objects.filter(
        collection=collection, organisation=organisation, status=ExtensionStatus.PENDING
    ).exists():
        raise ValidationError(
            "A request is already waiting for a decision. Withdraw it to ask again."
        )
    extension_request = ExtensionRequest.objects.create(
        collection=collection,
        organisation=organisation,
        requested_by=requested_by,
        requested_deadline=deadline,
        reason=reason.strip(),
    )
    audit_record(
        action=AuditAction.EXTENSION_REQUESTED,
        actor=requested_by,
        obj=extension_request,
        submission_id=_submission_id(collection=collection, organisation=organisation),
        organisation_code=organisation.ods_code,
        after={"deadline": deadline.isoformat(), "reason": reason},
        request=request,
    )
    notify(
        recipients=users_reviewing_region(region_id=organisation.region_id),
        kind="extension_requested",
        subject=f"{organisation.name} asks for more time for {collection}",
        body=f"{requested_by.get_full_name() or requested_by.get_username()} asked to move the deadline of "
        f"{collection} to {london_text(deadline)}: {reason.strip()}",
        url=_extension_url(collection=collection, organisation=organisation),
    )
    return extension_request


@transaction.atomic
def extension_decide(
    *,
    extension_request: ExtensionRequest,
    decided_by: User,
    grant: bool,
    reason: str,
    deadline: dt.datetime | None = None,
    request=None,
) -> ExtensionRequest:
    """A reviewer grants (possibly for less time than asked) or refuses a request."""
    collection, organisation = extension_request.collection, extension_request.organisation
    deadline = deadline or extension_request.requested_deadline
    if grant:
        _check_extension_deadline(collection=collection, deadline=deadline)
    elif not reason.strip():
        raise ValidationError({"reason": "Say why the request is refused."})
    decided = ExtensionRequest.objects.filter(
        pk=extension_request.pk, status=ExtensionStatus.PENDING
    ).update(
        status=ExtensionStatus.GRANTED if grant else ExtensionStatus.REFUSED,
        decided_by=decided_by,
        decided_at=timezone.now(),
        decided_deadline=deadline if grant else None,
        decision_reason=reason.strip(),
    )
    if not decided:
        raise ValidationError(
            "This request has already been decided or withdrawn. Reload the page."
        )
    if grant:
        _set_deadline_in_force(
            collection=collection,
            organisation=organisation,
            deadline=deadline,
            reason=reason.strip() or extension_request.reason,
            user=decided_by,
        )
    extension_request.refresh_from_db()
    audit_record(
        action=AuditAction.EXTENSION_DECIDED,
        actor=decided_by,
        obj=extension_request,
        submission_id=_submission_id(collection=collection, organisation=organisation),
        organisation_code=organisation.ods_code,
        after={
            "status": extension_request.status,
            "deadline": deadline.isoformat() if grant else None,
            "reason": reason.strip(),
        },
        request=request,
    )
    outcome = f"granted: the deadline is now {london_text(deadline)}" if grant else "refused"
    notify(
        recipients=users_of_organisation(organisation_id=organisation.pk),
        kind="extension_decided",
        subject=f"Extension for {collection} {'granted' if grant else 'refused'}",
        body=f"Your request for more time for {collection} was {outcome}. {reason.strip()}".strip(),
        url=_extension_url(collection=collection, organisation=organisation),
    )
    return extension_request


@transaction.atomic
def extension_withdraw(*, extension_request: ExtensionRequest, user: User, request=None) -> None:
    withdrawn = ExtensionRequest.objects.filter(
        pk=extension_request.pk, status=ExtensionStatus.PENDING
    ).update(status=ExtensionStatus.WITHDRAWN, decided_by=user, decided_at=timezone.now())
    if not withdrawn:
        raise ValidationError(
            "This request has already been decided. Reload the page to see the decision."
        )
    audit_record(
        action=AuditAction.EXTENSION_WITHDRAWN,
        actor=user,
        obj=extension_request,
        submission_id=_submission_id(
            collection=extension_request.collection, organisation=extension_request.organisation
        ),
        organisation_code=extension_request.organisation.ods_code,
        request=request,
    )


@transaction.atomic
def deadline_extension_grant(
    *,
    collection: Collection,
    organisation: Organisation,
    deadline: dt.datetime,
    reason: str,
    granted_by: User,
    request=None,
) -> DeadlineExtension | None:
    """A reviewer or admin sets one organisation's deadline directly: a later one, a shorter
    extension, or back to the collection's own deadline. Kept in the request history too."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why the deadline changes."})
    if not collection.is_owed_by(organisation):
        raise ValidationError(f"{organisation.name} does not owe {collection.code}.")
    if deadline < collection.deadline:
        raise ValidationError(
            {"deadline": "An organisation's deadline cannot be earlier than the collection's."}
        )
    if deadline > collection.deadline + dt.timedelta(days=MAX_EXTENSION_DAYS):
        raise ValidationError({"deadline": f"Extensions can be at most {MAX_EXTENSION_DAYS} days."})
    previous = DeadlineExtension.objects.filter(
        collection=collection, organisation=organisation
    ).first()
    now = timezone.now()
    ExtensionRequest.objects.create(
        collection=collection,
        organisation=organisation,
        requested_by=granted_by,
        requested_deadline=deadline,
        reason=reason.strip(),
        status=ExtensionStatus.GRANTED,
        decided_by=granted_by,
        decided_at=now,
        decided_deadline=deadline,
        decision_reason=reason.strip(),
    )
    if deadline == collection.deadline:
        DeadlineExtension.objects.filter(collection=collection, organisation=organisation).delete()
        extension = None
    else:
        _set_deadline_in_force(
            collection=collection,
            organisation=organisation,
            deadline=deadline,
            reason=reason.strip(),
            user=granted_by,
        )
        extension = DeadlineExtension.objects.get(collection=collection, organisation=organisation)
    audit_record(
        action=AuditAction.EXTENSION_DECIDED,
        actor=granted_by,
        obj=collection,
        submission_id=_submission_id(collection=collection, organisation=organisation),
        organisation_code=organisation.ods_code,
        before={"deadline": (previous.deadline if previous else collection.deadline).isoformat()},
        after={"deadline": deadline.isoformat(), "reason": reason.strip()},
        request=request,
    )
    notify(
        recipients=users_of_organisation(organisation_id=organisation.pk),
        kind="extension_decided",
        subject=f"Your deadline for {collection} has changed",
        body=f"The deadline of {collection} for {organisation.name} is now {london_text(deadline)}. {reason.strip()}",
        url=_extension_url(collection=collection, organisation=organisation),
    )
    return extension


# Round definitions ------------------------------------------------------------------------------


def london_datetime(text: str) -> dt.datetime:
    """A definition's "YYYY-MM-DD HH:MM" on the London clock, as an aware datetime."""
    local = dt.datetime.strptime(text, "%Y-%m-%d %H:%M")
    return timezone.make_aware(local, timezone.get_default_timezone())


def collection_fields(item: CollectionDefinition) -> dict:
    owed = item.owed_by
    return {
        "name": item.name,
        "description": item.description,
        # One return per system: the system owes it, and may name a provider to submit it.
        "submitted_by": ["ics"] if owed.system_or_named_provider else list(owed.types),
        "trust_kinds": list(owed.trust_kinds),
        "named_provider_may_submit": owed.system_or_named_provider,
        "lead_ccg_may_submit": owed.lead_ccg_may_submit,
        "accepted_formats": list(item.formats),
        "is_mandatory": item.mandatory,
        "closes_at_deadline": item.closes_at_deadline,
    }


def _install_problems(*, planning_round: PlanningRound, definition: Definition) -> list[Problem]:
    """What the definition would break in a round already running."""
    problems = []
    wanted = {(item.code, stage.stage) for item in definition.collections for stage in item.stages}
    for collection in planning_round.collections.all():
        if (collection.code, collection.stage) in wanted:
            continue
        if Version.objects.filter(submission__collection=collection).exists():
            problems.append(
                Problem(
                    "collections",
                    None,
                    f"{collection} already has uploads, so it cannot be removed from the round.",
                )
            )
    issued = {
        (row.collection.code, row.version): row.template
        for row in TemplateVersion.objects.filter(
            collection__planning_round=planning_round
        ).select_related("collection")
    }
    for item in definition.collections:
        if not item.template:
            continue
        template = definition.template_data[item.template]
        before = issued.get((item.code, template["version"]))
        if before and before != template:
            problems.append(
                Problem(
                    f"templates.{item.template}.version",
                    None,
                    f"Template version {template['version']} of {item.code} was already issued with "
                    "different content; give the changed template a new version number.",
                )
            )
        newest = max(
            (version for code, version in issued if code == item.code),
            key=template_layout_key,
            default=None,
        )
        if newest and template_layout_key(template["version"]) < template_layout_key(newest):
            # An older layout issued now would become the one organisations download.
            problems.append(
                Problem(
                    f"templates.{item.template}.version",
                    None,
                    f"{item.code} template {newest} is already issued; version "
                    f"{template['version']} is older. Give the template a version after {newest}.",
                )
            )
    return problems


@transaction.atomic
def round_definition_install(
    *, planning_round: PlanningRound, text: str, user: User | None = None, request=None
) -> Definition:
    """Make the round match its definition file (see `planning.definitions` for the contract)."""
    definition, problems = parse_definition(text=text)
    if definition is not None:
        problems = _install_problems(planning_round=planning_round, definition=definition)
    if problems:
        raise DefinitionRejected(problems)
    before = {"definition": bool(planning_round.definition)}
    PlanningRound.objects.filter(pk=planning_round.pk).update(
        definition=definition.data,
        definition_source=text,
        starts_on=definition.starts_on,
        ends_on=definition.ends_on,
    )
    planning_round.refresh_from_db()
    wanted = set()
    for item in definition.collections:
        for stage in item.stages:
            collection, _ = Collection.objects.update_or_create(
                planning_round=planning_round,
                code=item.code,
                stage=stage.stage,
                defaults={**collection_fields(item), "deadline": london_datetime(stage.deadline)},
            )
            wanted.add(collection.pk)
            if item.template:
                _issue_template(
                    collection=collection,
                    template=definition.template_data[item.template],
                    user=user,
                    request=request,
                )
    planning_round.collections.exclude(pk__in=wanted).delete()
    submissions_ensure_for_round(planning_round=planning_round)
    audit_record(
        action=AuditAction.ROUND_DEFINED,
        actor=user,
        obj=planning_round,
        before=before,
        after={"collections": len(wanted), "name": definition.name},
        request=request,
    )
    return definition


def _issue_template(*, collection: Collection, template: dict, user: User | None, request) -> None:
    if collection.template_versions.filter(version=template["version"]).exists():
        return
    issued = TemplateVersion.objects.create(
        collection=collection,
        version=template["version"],
        template=template,
        note=template.get("changes", ""),
        issued_by=user,
    )
    audit_record(
        action=AuditAction.TEMPLATE_ISSUED,
        actor=user,
        obj=issued,
        after={"version": issued.version, "note": issued.note},
        request=request,
    )


@transaction.atomic
def round_create_from_definition(
    *, text: str, user: User | None = None, request=None
) -> PlanningRound:
    """A new round (not current) made from a definition file."""
    definition, problems = parse_definition(text=text)
    if problems:
        raise DefinitionRejected(problems)
    if PlanningRound.objects.filter(name=definition.name).exists():
        raise DefinitionRejected(
            [Problem("round.name", None, f"A round called {definition.name} already exists.")]
        )
    planning_round = PlanningRound.objects.create(
        name=definition.name, starts_on=definition.starts_on, ends_on=definition.ends_on
    )
    round_definition_install(planning_round=planning_round, text=text, user=user, request=request)
    return planning_round


# Template fixes from an edited definition -------------------------------------------------------


@dataclass(frozen=True)
class TemplateFix:
    """A template the edited definition gives a new version while returns are already owed."""

    code: str
    version: str
    earlier: tuple[str, ...]


def definition_template_fixes(
    *, planning_round: PlanningRound, definition: Definition
) -> list[TemplateFix]:
    """The templates installing `definition` would issue anew over versions already issued."""
    issued: dict[str, set[str]] = {}
    for code, version in TemplateVersion.objects.filter(
        collection__planning_round=planning_round
    ).values_list("collection__code", "version"):
        issued.setdefault(code, set()).add(version)
    fixes = []
    for item in definition.collections:
        if not item.template or item.code not in issued:
            continue
        version = definition.template_data[item.template]["version"]
        if version not in issued[item.code]:
            earlier = tuple(sorted(issued[item.code], key=template_layout_key))
            fixes.append(TemplateFix(code=item.code, version=version, earlier=earlier))
    return fixes


@transaction.atomic
def round_definition_update(
    *,
    planning_round: PlanningRound,
    text: str,
    note: str,
    keep_earlier: bool,
    user: User | None,
    request=None,
) -> list[TemplateFix]:
    """Install an edited definition on a round. Where it gives a template a new version, that
    version is announced as a mid-round fix with the change note: every organisation owing the
    return is told which earlier versions are still accepted."""
    definition, problems = parse_definition(text=text)
    if problems:
        raise DefinitionRejected(problems)
    fixes = definition_template_fixes(planning_round=planning_round, definition=definition)
    announce = fixes and planning_round.is_visible_to_organisations
    if announce and not note.strip():
        raise ValidationError(
            {"note": "Say what changed in the template, for the organisations that owe it."}
        )
    round_definition_install(planning_round=planning_round, text=text, user=user, request=request)
    if announce:
        for fix in fixes:
            for collection in planning_round.collections.filter(code=fix.code):
                template_version_issue(
                    collection=collection,
                    version=fix.version,
                    still_accepted=list(fix.earlier) if keep_earlier else [],
                    note=note,
                    issued_by=user,
                    request=request,
                )
    return fixes


@transaction.atomic
def round_roll_forward(
    *, source: PlanningRound, name: str, user: User | None = None, request=None
) -> PlanningRound:
    """The next round as a draft: the source's definition a year on (periods, labels, baseline
    year, template versions; deadlines on the same weekday at the same time), checked and set up
    like any other definition, for the national team to edit before publishing."""
    data = definition_roll_forward(yaml.safe_load(source.definition_source))
    data["round"]["name"] = name
    new_round = round_create_from_definition(
        text=yaml.safe_dump(data, sort_keys=False, allow_unicode=True), user=user, request=request
    )
    PlanningRound.objects.filter(pk=new_round.pk).update(copied_from=source)
    new_round.copied_from = source
    audit_record(
        action=AuditAction.ROUND_COPIED,
        actor=user,
        obj=new_round,
        after={"copied_from": source.name, "rolled_forward": "a year"},
        request=request,
    )
    return new_round
