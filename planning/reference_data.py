"""Reference data: regions, ICSs, trusts, Cancer Alliances and LMSs from the public ODS files,
uploaded as they are by an admin or loaded by `load_reference_data`; running twice changes
nothing."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Organisation, OrganisationType, Region, TrustKind

REFERENCE_DIR = Path(settings.BASE_DIR) / "data" / "reference"


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
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.errors)} errors"
        )


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
