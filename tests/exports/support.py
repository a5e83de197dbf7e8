"""Exports built through the real service and builder, and read back."""

from __future__ import annotations

import csv
import io
import zipfile

from openpyxl import load_workbook

from exports.building import export_build
from exports.models import ExportJob
from exports.services import export_request


def built(*, user, kind: str, act_world, region=None, collection="act") -> ExportJob:
    job = export_request(
        user=user,
        kind=kind,
        planning_round=act_world.act.planning_round,
        collection=getattr(act_world, collection) if collection else None,
        region=region,
    )
    export_build(job_id=job.pk)
    job.refresh_from_db()
    return job


def sheet_rows(job: ExportJob, sheet: str) -> list[tuple]:
    with job.file.open("rb") as stream:
        book = load_workbook(io.BytesIO(stream.read()), read_only=True)
    return [tuple(row) for row in book[sheet].iter_rows(values_only=True)]


def zip_contents(job: ExportJob) -> tuple[dict[str, bytes], list[dict[str, str]]]:
    with job.file.open("rb") as stream:
        archive = zipfile.ZipFile(io.BytesIO(stream.read()))
    members = {name: archive.read(name) for name in archive.namelist()}
    manifest = list(csv.DictReader(io.StringIO(members.pop("manifest.csv").decode("utf-8-sig"))))
    return members, manifest
