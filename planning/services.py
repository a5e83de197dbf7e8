from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from accounts.selectors import users_holding_role, users_of_organisation, users_reviewing_region
from audit.models import AuditAction
from audit.services import audit_record
from core.templatetags.portal import london as london_text
from notifications.services import notify
from submissions.models import Submission, TemplateVersion
from submissions.services import submissions_ensure_for_round

from .models import (
    SYSTEM_TYPES,
    Collection,
    DeadlineExtension,
    ExtensionRequest,
    ExtensionStatus,
    LinkKind,
    Organisation,
    OrganisationLink,
    OrganisationType,
    PlanningRound,
    Region,
    SignOffDelegation,
    TrustKind,
    in_force_on,
)
from . import rules as planning_rules

REFERENCE_DIR = Path(settings.BASE_DIR) / "data" / "reference"
MAX_EXTENSION_DAYS = 60


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)
    # Organisations whose relationships have changed on a date: a file without dates leaves them.
    kept_dated: int = 0

    def __str__(self) -> str:
        kept = (
            f", {self.kept_dated} kept the systems and regions their dated changes gave them"
            if self.kept_dated
            else ""
        )
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.errors)} errors{kept}"
        )


def lms_ods_code(ics_ods_code: str) -> str:
    """LMSs have no ODS code of their own, so theirs is derived from their ICS's."""
    return f"{ics_ods_code}-LMS"


# Relationships that change only through a dated change (organisation_changes_import), so that
# loading an undated reference file again never moves an organisation out of a later system.
_DATED_FIELDS = frozenset({"region", "region_id", "parent_ics", "lead_ccg"})


def _upsert(model, *, lookup: dict, values: dict, result: ImportResult):
    instance = model.objects.filter(**lookup).first()
    if instance is None:
        instance = model.objects.create(**lookup, **values)
        result.created += 1
        return instance
    if isinstance(instance, Organisation) and instance.links.exists():
        values = {name: value for name, value in values.items() if name not in _DATED_FIELDS}
        result.kept_dated += 1
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
    if organisation.links.filter(kind=LinkKind.COVERS).exists():
        return
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
            lookup={"ods_code": row["ods_code"].strip().upper(), "org_type": OrganisationType.ICS},
            values={
                "name": row["name"].strip(),
                "region": region,
            },
            result=result,
        )
    return result


def _ics_by_code() -> dict[str, Organisation]:
    return {ics.ods_code: ics for ics in Organisation.objects.filter(org_type=OrganisationType.ICS)}


def _rows_with_ics(
    rows: list[dict], result: ImportResult, required: tuple[str, ...]
) -> Iterator[tuple[int, dict, Organisation]]:
    """Each complete row with the ICS its icss_ods_code names; the others are reported."""
    icss = _ics_by_code()
    for line, row in enumerate(rows, start=2):
        if not _require(row, required, line, result):
            continue
        ics = icss.get(row["icss_ods_code"].strip().upper())
        if ics is None:
            result.errors.append(f"line {line}: unknown ICS {row['icss_ods_code']}")
            continue
        yield line, row, ics


def _import_trusts(rows: list[dict]) -> ImportResult:
    result = ImportResult()
    for line, row, ics in _rows_with_ics(rows, result, ("ods_code", "name", "icss_ods_code")):
        trust_kind = (row.get("trust_type") or "").strip().lower()
        if trust_kind not in TrustKind.values:
            result.errors.append(f"line {line}: unknown trust type {trust_kind!r}")
            continue
        trust = _upsert(
            Organisation,
            lookup={
                "ods_code": row["ods_code"].strip().upper(),
                "org_type": OrganisationType.PROVIDER,
            },
            values={
                "name": row["name"].strip(),
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
            lookup={
                "ods_code": row["code"].strip().upper(),
                "org_type": OrganisationType.CANCER_ALLIANCE,
            },
            values={
                "name": row["name"].strip(),
                "region_id": first_ics.region_id,
                "note": (row.get("note") or "").strip(),
            },
            result=result,
        )
        _set_covered_icss(alliance, codes, result, line)
    return result


def _import_lmss(rows: list[dict]) -> ImportResult:
    result = ImportResult()
    for _line, row, ics in _rows_with_ics(rows, result, ("name", "icss_ods_code")):
        _upsert(
            Organisation,
            lookup={"ods_code": lms_ods_code(ics.ods_code), "org_type": OrganisationType.LMS},
            values={
                "name": row["name"].strip(),
                "region_id": ics.region_id,
                "parent_ics": ics,
                "note": (row.get("note") or "").strip(),
            },
            result=result,
        )
    return result


def _date_cell(row: dict, column: str, line: int, result: ImportResult) -> dt.date | None:
    text = (row.get(column) or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        result.errors.append(f"line {line}: {column} {text!r} is not a date like 2022-07-01")
        return None


_YES = {"yes", "y", "true", "1"}


def _import_ccgs(rows: list[dict]) -> ImportResult:
    result = ImportResult()
    for line, row, ics in _rows_with_ics(rows, result, ("ods_code", "name", "icss_ods_code")):
        errors = len(result.errors)
        valid_from = _date_cell(row, "valid_from", line, result)
        valid_to = _date_cell(row, "valid_to", line, result)
        if len(result.errors) > errors:
            continue
        ccg = _upsert(
            Organisation,
            lookup={"ods_code": row["ods_code"].strip().upper(), "org_type": OrganisationType.CCG},
            values={
                "name": row["name"].strip(),
                "region_id": ics.region_id,
                "parent_ics": ics,
                "valid_from": valid_from,
                "valid_to": valid_to,
                "note": (row.get("note") or "").strip(),
            },
            result=result,
        )
        is_lead = (row.get("is_lead_ccg") or "").strip().lower() in _YES
        if is_lead and ics.lead_ccg_id != ccg.pk and not ics.links.exists():
            Organisation.objects.filter(pk=ics.pk).update(lead_ccg=ccg)
            ics.lead_ccg = ccg
    return result


# Each reference file is recognised by its header, so an admin can upload any of them as it is.
_IMPORTERS = (
    ({"code", "name"}, "regions", _import_regions),
    ({"ods_code", "name", "region_code"}, "ICSs", _import_icss),
    ({"ods_code", "name", "icss_ods_code", "trust_type"}, "trusts", _import_trusts),
    ({"ods_code", "name", "icss_ods_code", "is_lead_ccg"}, "CCGs", _import_ccgs),
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
    rows = lambda: [{key.strip(): value for key, value in row.items() if key} for row in reader]  # noqa: E731
    if CHANGE_COLUMNS <= header:
        source = Path(getattr(stream, "name", "") or "changes file").name
        return "organisation changes", organisation_changes_import(rows=rows(), source=source)
    # The most specific matching header wins: trusts also have "name" and "icss_ods_code".
    for columns, label, importer in sorted(_IMPORTERS, key=lambda item: -len(item[0])):
        if columns <= header:
            with transaction.atomic():
                return label, importer(rows())
    raise ValidationError(
        "The columns were not recognised. Use the header row of one of the reference files "
        "(regions, ICSs, trusts, CCGs, Cancer Alliances or LMSs) or of an organisation changes file."
    )


REFERENCE_FILES = (
    "regions.csv",
    "icss.csv",
    "trusts.csv",
    "ccgs.csv",
    "cancer_alliances.csv",
    "lmss.csv",
)
ICB_CHANGES_FILE = REFERENCE_DIR / "organisation_changes_2022-07-01.csv"


# Dated changes -----------------------------------------------------------------------------------

CHANGE_COLUMNS = frozenset({"effective_from", "change", "ods_code"})
_LINK_FIELDS = {
    LinkKind.SYSTEM: "parent_ics",
    LinkKind.REGION: "region",
    LinkKind.LEAD_CCG: "lead_ccg",
}


class ChangeRefused(Exception):
    pass


def _current_since(*, organisation: Organisation, kind: str) -> dt.date | None:
    """The first day of the relationship the organisation's field holds now."""
    last = (
        organisation.links.filter(kind=kind)
        .order_by("-valid_to")
        .values_list("valid_to", flat=True)
        .first()
    )
    return last + dt.timedelta(days=1) if last else organisation.valid_from


def _relationship_change(
    *, organisation: Organisation, kind: str, day: dt.date, new_id: int | None, source: str
) -> bool:
    """From `day` on the relationship is `new_id`; the one it replaces is kept as a dated link."""
    field_name = f"{_LINK_FIELDS[kind]}_id"
    current_id = getattr(organisation, field_name)
    if current_id == new_id:
        return False
    since = _current_since(organisation=organisation, kind=kind)
    if since and day < since:
        raise ChangeRefused(
            f"{organisation.ods_code} last changed its {LinkKind(kind).label.lower()} on "
            f"{since:%d %B %Y}: import changes in date order"
        )
    if current_id is not None and since != day:
        target = {"region_id": current_id} if kind == LinkKind.REGION else {"other_id": current_id}
        OrganisationLink.objects.create(
            organisation=organisation,
            kind=kind,
            valid_from=since,
            valid_to=day - dt.timedelta(days=1),
            source=source,
            **target,
        )
    Organisation.objects.filter(pk=organisation.pk).update(**{field_name: new_id})
    setattr(organisation, field_name, new_id)
    return True


def _covers_change(
    *,
    organisation: Organisation,
    day: dt.date,
    replace: Organisation,
    by: Organisation,
    source: str,
) -> None:
    since = _current_since(organisation=organisation, kind=LinkKind.COVERS)
    # A second change on the same day replaces a set that held for no day at all.
    current = list(organisation.covered_icss.all()) if since != day else []
    OrganisationLink.objects.bulk_create(
        OrganisationLink(
            organisation=organisation,
            kind=LinkKind.COVERS,
            other=system,
            valid_from=since,
            valid_to=day - dt.timedelta(days=1),
            source=source,
        )
        for system in current
    )
    organisation.covered_icss.remove(replace)
    organisation.covered_icss.add(by)


def _in_force(*, code: str, day: dt.date, types: Iterable[str]) -> Organisation:
    found = Organisation.objects.filter(
        in_force_on(day), ods_code=code.strip().upper(), org_type__in=list(types)
    ).first()
    if found is None:
        raise ChangeRefused(f"no organisation {code} of that kind exists on {day:%d %B %Y}")
    return found


def _establish(*, row: dict, day: dt.date, source: str, result: ImportResult) -> None:
    """A new organisation (an ICB) from `day`, succeeding its predecessors: a system it succeeds
    ends the day before and hands over its members and the alliances and trusts covering it."""
    org_type = (row.get("org_type") or "").strip().lower()
    if org_type not in OrganisationType.values:
        raise ChangeRefused(f"unknown organisation type {org_type!r}")
    region = Region.objects.filter(code=(row.get("region_code") or "").strip().upper()).first()
    if region is None:
        raise ChangeRefused(f"unknown region {row.get('region_code')!r}")
    organisation, created = Organisation.objects.get_or_create(
        ods_code=row["ods_code"].strip().upper(),
        org_type=org_type,
        defaults={"name": (row.get("name") or "").strip(), "region": region, "valid_from": day},
    )
    if not created:
        result.unchanged += 1
        return
    result.created += 1
    yesterday = day - dt.timedelta(days=1)
    for code in (row.get("predecessor_ods_codes") or "").split(";"):
        if not code.strip():
            continue
        predecessor = Organisation.objects.exclude(pk=organisation.pk).filter(
            in_force_on(yesterday), ods_code=code.strip().upper()
        )
        predecessor = predecessor.first()
        if predecessor is None:
            raise ChangeRefused(f"no organisation {code} exists on {yesterday:%d %B %Y}")
        OrganisationLink.objects.create(
            organisation=organisation,
            kind=LinkKind.SUCCEEDS,
            other=predecessor,
            valid_from=day,
            source=source,
        )
        if not predecessor.is_ics:
            continue
        Organisation.objects.filter(pk=predecessor.pk).update(valid_to=yesterday)
        for member in Organisation.objects.filter(parent_ics=predecessor):
            _relationship_change(
                organisation=member,
                kind=LinkKind.SYSTEM,
                day=day,
                new_id=organisation.pk,
                source=source,
            )
        for covering in predecessor.covering_organisations.all():
            _covers_change(
                organisation=covering, day=day, replace=predecessor, by=organisation, source=source
            )


def _move(*, row: dict, day: dt.date, source: str, result: ImportResult) -> None:
    """An organisation joins another system from `day`, and that system's region with it."""
    types = (
        [(row.get("org_type") or "").strip().lower()]
        if row.get("org_type")
        else [
            OrganisationType.PROVIDER,
            OrganisationType.CCG,
            OrganisationType.LMS,
        ]
    )
    organisation = _in_force(code=row["ods_code"], day=day, types=types)
    system = _in_force(code=row.get("system_ods_code") or "", day=day, types=SYSTEM_TYPES)
    moved = _relationship_change(
        organisation=organisation, kind=LinkKind.SYSTEM, day=day, new_id=system.pk, source=source
    )
    moved |= _relationship_change(
        organisation=organisation,
        kind=LinkKind.REGION,
        day=day,
        new_id=system.region_id,
        source=source,
    )
    if moved:
        result.updated += 1
    else:
        result.unchanged += 1


def _close(*, row: dict, day: dt.date, source: str, result: ImportResult) -> None:
    types = [row["org_type"].strip().lower()] if row.get("org_type") else OrganisationType.values
    yesterday = day - dt.timedelta(days=1)
    organisation = _in_force(code=row["ods_code"], day=yesterday, types=types)
    if organisation.valid_to == yesterday:
        result.unchanged += 1
        return
    Organisation.objects.filter(pk=organisation.pk).update(valid_to=yesterday)
    result.updated += 1


_CHANGES = {"establish": _establish, "move": _move, "close": _close}


@transaction.atomic
def organisation_changes_import(*, rows: list[dict], source: str) -> ImportResult:
    """Apply dated changes (ICBs established, organisations moving between systems, organisations
    closing), each from its effective date, in date order. What held before a change is kept as a
    dated link, so rounds whose reference date is earlier see the organisations as they were.
    Running the same file again changes nothing; any refused row leaves everything as it was."""
    result = ImportResult()
    dated = []
    for line, row in enumerate(rows, start=2):
        day = _date_cell(row, "effective_from", line, result)
        change = (row.get("change") or "").strip().lower()
        if change not in _CHANGES:
            result.errors.append(f"line {line}: the change must be establish, move or close")
        elif day is None and not any(error.startswith(f"line {line}:") for error in result.errors):
            result.errors.append(f"line {line}: missing effective_from")
        elif _require(row, ("ods_code",), line, result) and day:
            dated.append((day, line, change, row))
    for day, line, change, row in sorted(dated, key=lambda item: (item[0], item[1])):
        try:
            _CHANGES[change](row=row, day=day, source=f"{source} line {line}", result=result)
        except ChangeRefused as refused:
            result.errors.append(f"line {line}: {refused}")
    if result.errors:
        raise ValidationError(
            [
                "Nothing was changed. Correct these rows and import the file again:",
                *result.errors[:50],
            ]
        )
    return result


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
    *, source: PlanningRound, name: str, shift_days: int, make_current: bool = False
) -> PlanningRound:
    """A new round with every collection of the source, dates moved by shift_days."""
    if PlanningRound.objects.filter(name=name).exists():
        raise ValidationError({"name": "A round with this name already exists."})
    if make_current:
        PlanningRound.objects.filter(is_current=True).update(is_current=False)
    new_round = PlanningRound.objects.create(
        name=name,
        starts_on=source.starts_on + dt.timedelta(days=shift_days),
        ends_on=source.ends_on + dt.timedelta(days=shift_days),
        reference_date=source.reference_date + dt.timedelta(days=shift_days),
        is_current=make_current,
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
def round_make_current(*, planning_round: PlanningRound) -> None:
    PlanningRound.objects.exclude(pk=planning_round.pk).filter(is_current=True).update(
        is_current=False
    )
    PlanningRound.objects.filter(pk=planning_round.pk).update(is_current=True)


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


# Sign-off handed to the system -------------------------------------------------------------------


def _check_may_hand_sign_off(*, organisation: Organisation, user: User) -> None:
    if not planning_rules.can_hand_sign_off(user, organisation):
        raise PermissionDenied(
            f"Only a signatory of {organisation.name} (or a national admin) can hand its sign-off "
            "to its system or take it back."
        )


@transaction.atomic
def sign_off_delegation_grant(
    *, organisation: Organisation, granted_by: User, reason: str, request=None
) -> SignOffDelegation:
    """A provider hands the sign-off of its returns to its system from today, until revoked."""
    _check_may_hand_sign_off(organisation=organisation, user=granted_by)
    if organisation.org_type != OrganisationType.PROVIDER or organisation.parent_ics_id is None:
        raise ValidationError("Only a provider that belongs to a system can hand sign-off to it.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the system signs off your returns."})
    system = organisation.parent_ics
    if SignOffDelegation.objects.filter(
        organisation=organisation, system=system, revoked_at__isnull=True
    ).exists():
        raise ValidationError(f"{system.name} already signs off your returns. Reload the page.")
    delegation = SignOffDelegation.objects.create(
        organisation=organisation,
        system=system,
        starts_on=timezone.localdate(),
        reason=reason.strip(),
        granted_by=granted_by,
    )
    audit_record(
        action=AuditAction.SIGN_OFF_DELEGATED,
        actor=granted_by,
        obj=delegation,
        organisation_code=organisation.ods_code,
        after={"system": system.ods_code, "from": delegation.starts_on.isoformat()},
        detail=delegation.reason,
        request=request,
    )
    notify(
        recipients=users_holding_role(role=Role.SYSTEM_LEAD, organisation_id=system.pk),
        kind="sign_off_delegation",
        subject=f"{organisation.name} hands the sign-off of its returns to {system.name}",
        body=f"From {delegation.starts_on:%d %B %Y} a system lead of {system.name} may sign off "
        f"the returns of {organisation.name}: {delegation.reason}",
        url=reverse("planning:organisation_returns", kwargs={"ods_code": organisation.ods_code}),
    )
    return delegation


@transaction.atomic
def sign_off_delegation_revoke(*, delegation: SignOffDelegation, user: User, request=None) -> None:
    """The provider takes sign-off back: its own signatories sign its returns from now on."""
    _check_may_hand_sign_off(organisation=delegation.organisation, user=user)
    revoked = SignOffDelegation.objects.filter(pk=delegation.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=user
    )
    if not revoked:
        raise ValidationError("Sign-off was already taken back. Reload the page.")
    audit_record(
        action=AuditAction.SIGN_OFF_DELEGATION_REVOKED,
        actor=user,
        obj=delegation,
        organisation_code=delegation.organisation.ods_code,
        before={"system": delegation.system.ods_code},
        request=request,
    )
