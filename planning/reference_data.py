"""Reference data: regions, ICSs, trusts, CCGs, Cancer Alliances and LMSs from the public ODS
files, uploaded as they are by an admin or loaded by `load_reference_data`; running twice changes
nothing. Dated changes (ICBs established, organisations moving between systems) come from a changes
file and keep what held before as dated links (ADR 0030)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import (
    SYSTEM_TYPES,
    LinkKind,
    Organisation,
    OrganisationLink,
    OrganisationType,
    Region,
    TrustKind,
    in_force_on,
)

REFERENCE_DIR = Path(settings.BASE_DIR) / "data" / "reference"


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


def csv_upload_reader(*, stream: IO[bytes], max_bytes: int, too_large: str) -> csv.DictReader:
    """An uploaded CSV's rows, read no further than `max_bytes` (refused with `too_large`) and
    refused unless UTF-8 (with or without the byte-order mark Excel writes)."""
    raw = stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise ValidationError(too_large)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            "The file is not UTF-8 text. Save it as CSV UTF-8 and try again."
        ) from None
    return csv.DictReader(io.StringIO(text))


def organisations_import_csv(*, stream: IO[bytes]) -> tuple[str, ImportResult]:
    """Create or update organisations from one reference CSV; running it twice changes nothing."""
    reader = csv_upload_reader(
        stream=stream,
        max_bytes=MAX_IMPORT_BYTES,
        too_large="The file is larger than 5 MB; reference files are far smaller.",
    )
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
        "(regions, ICSs, trusts, CCGs, Cancer Alliances or LMSs) or of an organisation changes "
        "file."
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
