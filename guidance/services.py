from __future__ import annotations

import csv
import io
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record
from planning.models import PlanningRound, Region

from .models import GuidanceItem, GuidanceKind, GuidanceVisit, RegionalContact

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
DOCUMENT_FORMATS = {".pdf": "pdf", ".docx": "docx", ".xlsx": "xlsx", ".pptx": "pptx"}


def _document_suffix(upload: UploadedFile) -> str:
    suffix = "." + upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if suffix not in DOCUMENT_FORMATS:
        raise ValidationError(
            {
                "file": "Upload the document as PDF, Word (.docx), Excel (.xlsx) or PowerPoint "
                "(.pptx)."
            }
        )
    if upload.size > MAX_DOCUMENT_BYTES:
        raise ValidationError({"file": "The document must be smaller than 20 MB."})
    return suffix


@transaction.atomic
def guidance_publish(
    *,
    planning_round: PlanningRound,
    kind: str,
    title: str,
    body: str,
    user: User | None,
    measure_code: str = "",
    upload: UploadedFile | None = None,
    request=None,
) -> GuidanceItem:
    """Publish a notice, document, technical definition or FAQ to the round's organisations.
    A new definition of a measure replaces the earlier one."""
    measure_code = measure_code.strip()
    if kind == GuidanceKind.DEFINITION and not measure_code:
        raise ValidationError({"measure_code": "Give the code of the measure this defines."})
    if kind == GuidanceKind.DOCUMENT and upload is None:
        raise ValidationError({"file": "Choose the document to publish."})
    if kind == GuidanceKind.DEFINITION:
        GuidanceItem.objects.filter(
            planning_round=planning_round, kind=kind, measure_code=measure_code
        ).delete()
    item = GuidanceItem(
        planning_round=planning_round,
        kind=kind,
        title=title.strip(),
        body=body.strip(),
        measure_code=measure_code if kind == GuidanceKind.DEFINITION else "",
        published_by=user,
    )
    if upload is not None:
        suffix = _document_suffix(upload)
        item.file_name = upload.name[:200]
        # A generated name: what the uploader called the file is kept only as a label.
        item.file.save(f"round-{planning_round.pk}{suffix}", upload, save=False)
    item.save()
    audit_record(
        action=AuditAction.GUIDANCE_PUBLISHED,
        actor=user,
        obj=item,
        after={"round": planning_round.name, "kind": kind, "title": item.title},
        request=request,
    )
    return item


def guidance_visit_record(*, user: User, planning_round: PlanningRound) -> None:
    GuidanceVisit.objects.update_or_create(
        user=user, planning_round=planning_round, defaults={"seen_at": timezone.now()}
    )


@transaction.atomic
def regional_contact_set(
    *, planning_round: PlanningRound, region: Region, email: str, user: User | None, request=None
) -> RegionalContact:
    contact, _ = RegionalContact.objects.update_or_create(
        planning_round=planning_round, region=region, defaults={"email": email.strip()}
    )
    audit_record(
        action=AuditAction.GUIDANCE_PUBLISHED,
        actor=user,
        obj=contact,
        after={"round": planning_round.name, "region": region.code, "email": contact.email},
        request=request,
    )
    return contact


def regional_contacts_load(*, planning_round: PlanningRound, stream: IO[bytes]) -> int:
    """Each region's planning contact from a CSV of region_code,email; returns how many were set."""
    regions = {region.code: region for region in Region.objects.all()}
    count = 0
    for row in csv.DictReader(io.StringIO(stream.read().decode("utf-8-sig"))):
        region = regions.get((row.get("region_code") or "").strip().upper())
        if region is not None and (row.get("email") or "").strip():
            RegionalContact.objects.update_or_create(
                planning_round=planning_round,
                region=region,
                defaults={"email": row["email"].strip()},
            )
            count += 1
    return count


def regional_contacts_copy(*, source: PlanningRound, target: PlanningRound) -> None:
    for contact in RegionalContact.objects.filter(planning_round=source):
        RegionalContact.objects.get_or_create(
            planning_round=target, region_id=contact.region_id, defaults={"email": contact.email}
        )
