"""Permission-matrix rows of background exports: national admins any scope,
regional reviewers their own region's exports; anything else is 404."""

from django.core.files.base import ContentFile

from exports.models import ExportJob, ExportKind, ExportStatus
from tests.permission_support import ADMIN, REDIRECT, Row, everyone, only

EXPORTERS = ("regional_reviewer", *ADMIN)


def _job(region_attr: str | None):
    def kwargs(world) -> dict:
        job = ExportJob.objects.create(
            kind=ExportKind.FILES,
            planning_round=world.planning_round,
            requested_by=world.user("national_admin"),
            region=getattr(world, region_attr) if region_attr else None,
            status=ExportStatus.DONE,
            progress=100,
        )
        job.file.save("x.zip", ContentFile(b"PK"))
        return {"pk": job.pk}

    return kwargs


def _request(region_attr: str | None):
    return lambda w: {
        "kind": "consolidation",
        "planning_round": w.planning_round.pk,
        "collection": w.collection.pk,
        "region": getattr(w, region_attr).pk if region_attr else "",
    }


ROWS: list[Row] = [
    Row("exports:list", None, only(*EXPORTERS)),
    Row(
        "exports:request",
        None,
        only(*EXPORTERS, ok=REDIRECT),
        method="post",
        data=_request("region_a"),
        label="own region",
    ),
    Row(
        "exports:request",
        None,
        {**only(*EXPORTERS, ok=REDIRECT), "regional_reviewer": 400},
        method="post",
        data=_request(None),
        label="nation",
    ),
    Row(
        "exports:request",
        None,
        {**only(*EXPORTERS, ok=REDIRECT), "regional_reviewer": 400},
        method="post",
        data=_request("region_b"),
        label="other region",
    ),
    Row("exports:request", None, everyone(405), label="GET not allowed"),
    *(
        row
        for name in ("exports:detail", "exports:panel", "exports:download")
        for row in (
            Row(name, _job("region_a"), only(*EXPORTERS), label="own region"),
            Row(name, _job("region_b"), only(*ADMIN), label="other region"),
            Row(name, _job(None), only(*ADMIN), label="nation"),
            Row(name, lambda w: {"pk": 999999}, only()),
        )
    ),
]
