"""Asking for an export. The building is in exports.building, run by a Celery worker."""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import User
from accounts.selectors import user_scope
from audit.services import audit_record
from core.queueing import send_task_on_commit
from planning.models import Collection, PlanningRound, Region

from .models import EXTENSIONS, ExportJob, ExportKind
from .tasks import build_export

EXPORT_REQUESTED = "export_requested"


def export_request(
    *,
    user: User,
    kind: str,
    planning_round: PlanningRound,
    collection: Collection | None,
    region: Region | None,
) -> ExportJob:
    """Record the request and hand it to a worker once committed. A national export is for
    national admins; a reviewer may export only a region they review."""
    scope = user_scope(user=user)
    if region is None and not scope.is_national_admin:
        raise PermissionDenied("Only the national team can export the whole nation.")
    if region is not None and not (
        scope.is_national_admin or region.pk in scope.reviewer_region_ids
    ):
        raise PermissionDenied("You can export only the regions you review.")
    if kind not in ExportKind.values:
        raise ValidationError({"kind": "Choose what to export."})
    if kind == ExportKind.CONSOLIDATION and collection is None:
        raise ValidationError({"collection": "Choose the return to consolidate."})
    if collection is not None and collection.planning_round_id != planning_round.pk:
        raise ValidationError(
            {
                "collection": f"That return is not part of {planning_round.name}. Choose one of "
                f"{planning_round.name}'s returns, or change the round."
            }
        )
    if kind == ExportKind.FILES:
        collection = None
    with transaction.atomic():
        job = ExportJob.objects.create(
            kind=kind,
            planning_round=planning_round,
            collection=collection,
            region=region,
            requested_by=user,
        )
        audit_record(
            action=EXPORT_REQUESTED,
            actor=user,
            obj=job,
            detail=f"{job.get_kind_display()}: {export_filename(job=job)}",
        )
        send_task_on_commit(task=build_export, args=[job.pk], sweeper="the stuck-export sweeper")
    return job


def export_filename(*, job: ExportJob) -> str:
    """The name the file is downloaded under, e.g. 2021-22_ACT_final_Y63_consolidation.xlsx."""
    parts = [job.planning_round.name]
    if job.collection_id:
        parts += [job.collection.code, job.collection.stage]
    parts += [job.region.code if job.region_id else "England", job.kind]
    name = "_".join(re.sub(r"[^A-Za-z0-9.-]+", "-", part).strip("-") for part in parts)
    return f"{name}.{EXTENSIONS[job.kind]}"
