"""Loading the national ERF baselines: a CSV per system and base-year month, from national
admins."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from audit.services import audit_record
from planning.models import Organisation, OrganisationType
from planning.reference_data import ImportResult, csv_upload_reader

from .models import NationalBaseline

COLUMNS = ("ods_code", "month", "baseline_value")
MAX_IMPORT_BYTES = 2 * 1024 * 1024
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass
class BaselinesImport(ImportResult):
    # (system id, base-year month) of each baseline added or changed: what estimates read.
    changed: set[tuple[int, str]] = field(default_factory=set)
    # Returns whose estimate is being worked out again with them (set by the caller that asks).
    returns_to_update: int = 0


def _rows(stream: IO[bytes]) -> list[dict]:
    reader = csv_upload_reader(
        stream=stream,
        max_bytes=MAX_IMPORT_BYTES,
        too_large="The file is larger than 2 MB; a baselines file is far smaller.",
    )
    header = [column.strip() for column in (reader.fieldnames or [])]
    if not set(COLUMNS) <= set(header):
        raise ValidationError(
            f"The first row must name the columns {', '.join(COLUMNS)} (found: "
            f"{', '.join(header) or 'none'})."
        )
    return [
        {(key or "").strip(): (value or "").strip() for key, value in row.items()} for row in reader
    ]


@transaction.atomic
def national_baselines_import_csv(
    *, stream: IO[bytes], user: User | None = None, request=None
) -> BaselinesImport:
    """Create or update each system's baseline for each base-year month; running it twice changes
    nothing. A file with any bad row changes nothing, so the figures never mix two files."""
    result = BaselinesImport()
    systems = {
        organisation.ods_code: organisation
        for organisation in Organisation.objects.filter(org_type=OrganisationType.ICS)
    }
    wanted = []
    for line, row in enumerate(_rows(stream), start=2):
        system = systems.get(row["ods_code"].upper())
        if system is None:
            result.errors.append(
                f"line {line}: {row['ods_code'] or 'a blank code'} is not a system's ODS code"
            )
            continue
        if not _MONTH.match(row["month"]):
            result.errors.append(f"line {line}: month {row['month']!r} is not written like 2019-04")
            continue
        try:
            value = Decimal(row["baseline_value"].replace(",", "").lstrip("£"))
        except InvalidOperation:
            result.errors.append(
                f"line {line}: {row['baseline_value']!r} is not an amount in pounds"
            )
            continue
        if value < 0:
            result.errors.append(f"line {line}: a baseline cannot be negative")
            continue
        wanted.append((system, row["month"], value))
    if result.errors:
        return result
    existing = {
        (baseline.organisation_id, baseline.month): baseline
        for baseline in NationalBaseline.objects.filter(organisation__in=systems.values())
    }
    for system, month, value in wanted:
        baseline = existing.get((system.pk, month))
        if baseline is None:
            NationalBaseline.objects.create(
                organisation=system, month=month, value=value, loaded_by=user
            )
            result.created += 1
            result.changed.add((system.pk, month))
        elif baseline.value != value:
            NationalBaseline.objects.filter(pk=baseline.pk).update(value=value, loaded_by=user)
            result.updated += 1
            result.changed.add((system.pk, month))
        else:
            result.unchanged += 1
    audit_record(
        action="erf_baselines_loaded",
        actor=user,
        after={"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
        detail="National ERF baselines loaded",
        request=request,
    )
    return result
