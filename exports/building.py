"""Building an export in a worker. Claimed with a conditional update and an attempt counter, like
validation (submissions.validation): a duplicate delivery, a re-sent message or a second run does
nothing once the job is done, and a dead worker's job is re-sent by the sweeper."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import logging
import tempfile
import zipfile
from collections.abc import Callable

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.utils import timezone
from openpyxl import Workbook

from core.queueing import (
    StuckWork,
    send_task,
    sweep_stuck_work,
    work_claim,
    work_finish,
    work_progress,
    work_requeue,
)
from planning.definitions import erf_collection_code
from submissions.models import Submission
from workbooks.findings_csv import spreadsheet_cell

from .models import ExportJob, ExportKind, ExportStatus, export_upload_to
from .selectors import export_submissions, values_of_version

logger = logging.getLogger(__name__)

FAILED_MESSAGE = (
    "We could not build this export after {attempts} attempts. Ask for it again; if that fails "
    "too, "
    "contact the portal's support team."
)
COPY_CHUNK = 1024 * 1024
VALUE_HEADER = (
    "round",
    "collection",
    "stage",
    "organisation_code",
    "organisation_name",
    "organisation_type",
    "region",
    "status",
    "is_late",
    "version",
    "template_version",
    "uploaded_at",
    "submitted_at",
    "sheet",
    "member_organisation_code",
    "member_kind",
    "measure",
    "period",
    "is_baseline",
    "value",
)
ORGANISATION_HEADER = (
    "organisation_code",
    "organisation_name",
    "organisation_type",
    "region",
    "status",
    "included",
    "version",
    "submitted_at",
    "is_late",
)
# The server's ERF estimate of the submitted version, the figure the dashboard shows too.
ERF_HEADER = ("erf_estimate_gbp",)
MANIFEST_HEADER = (
    "path",
    "organisation_code",
    "organisation_name",
    "region",
    "collection",
    "stage",
    "status",
    "version",
    "original_name",
    "uploaded_at",
    "submitted_at",
    "size",
    "sha256",
    "matches_record",
)


def _london(value: dt.datetime | None) -> dt.datetime | None:
    # Spreadsheets have no time zones: write London wall-clock time, as people read deadlines.
    return value.astimezone(timezone.get_default_timezone()).replace(tzinfo=None) if value else None


def _iso(value: dt.datetime | None) -> str:
    return _london(value).isoformat(sep=" ") if value else ""


def _work() -> StuckWork:
    """Export jobs as work for core.queueing: read per call, so settings in force apply."""
    from .tasks import build_export

    return StuckWork(
        model=ExportJob,
        queued=ExportStatus.QUEUED,
        running=ExportStatus.RUNNING,
        queued_stale=dt.timedelta(seconds=settings.EXPORT_QUEUED_STALE_SECONDS),
        running_stale=dt.timedelta(seconds=settings.EXPORT_RUNNING_STALE_SECONDS),
        max_attempts=settings.EXPORT_MAX_ATTEMPTS,
        send=lambda pk: send_task(task=build_export, args=[pk], sweeper="the stuck-export sweeper"),
        fail=lambda pk, attempt, message: export_fail(job_id=pk, attempt=attempt, message=message),
        failed_message=FAILED_MESSAGE,
    )


def export_fail(*, job_id: int, attempt: int, message: str) -> bool:
    return work_finish(
        work=_work(), pk=job_id, attempt=attempt, status=ExportStatus.FAILED, message=message
    )


def export_build(*, job_id: int) -> str | None:
    """Build the job's file once. Returns its final status, or None when there was nothing to do."""
    attempt = work_claim(work=_work(), pk=job_id)
    if attempt is None:
        return None
    job = ExportJob.objects.select_related("planning_round", "collection", "region").get(pk=job_id)
    write_progress = work_progress(work=_work(), pk=job_id, attempt=attempt)

    def progress(done: int, total: int) -> None:
        write_progress(int(100 * done / total) if total else 0)

    builder = _write_consolidation if job.kind == ExportKind.CONSOLIDATION else _write_files_zip
    try:
        with tempfile.TemporaryFile() as output:
            counts = builder(job=job, output=output, progress=progress)
            size = output.tell()
            output.seek(0)
            name = default_storage.save(export_upload_to(job, ""), File(output))
    except Exception:
        logger.exception("Export %s failed on attempt %s", job_id, attempt)
        work_requeue(work=_work(), pk=job_id, attempt=attempt)
        return None
    finished = work_finish(
        work=_work(),
        pk=job_id,
        attempt=attempt,
        status=ExportStatus.DONE,
        file=name,
        size=size,
        message="",
        **counts,
    )
    if not finished:
        # A newer attempt owns the job now (the sweeper re-sent it): keep only its file.
        default_storage.delete(name)
        return None
    return ExportStatus.DONE


def _write_consolidation(
    *, job: ExportJob, output, progress: Callable[[int, int], None]
) -> dict[str, int]:
    """One workbook: every included return's values in one long table, and who is in or missing.
    Included: each organisation's submitted version (also when since approved or sent back)."""
    submissions = list(export_submissions(job=job))
    included = [s for s in submissions if s.submitted_version_id]
    book = Workbook(write_only=True)
    about = book.create_sheet("About")
    values = book.create_sheet("Values")
    organisations = book.create_sheet("Organisations")
    collection = job.collection
    for row in (
        ("Export", "Consolidated values"),
        ("Round", job.planning_round.name),
        ("Collection", collection.code),
        ("Return", collection.name),
        ("Stage", collection.get_stage_display()),
        ("Scope", job.scope_label),
        ("Built at (London)", _london(timezone.now())),
        (
            "Versions included",
            "Each organisation's submitted version, also when since approved or sent back for "
            "changes. Organisations that have not submitted are listed on the Organisations "
            "sheet and have no values.",
        ),
        ("Organisations included", len(included)),
        ("Organisations missing", len(submissions) - len(included)),
    ):
        about.append([spreadsheet_cell(cell) for cell in row])
    values.append(VALUE_HEADER)
    rows = 0
    for done, submission in enumerate(included):
        organisation, version = submission.organisation, submission.submitted_version
        head = (
            job.planning_round.name,
            collection.code,
            collection.stage,
            organisation.ods_code,
            organisation.name,
            organisation.get_org_type_display(),
            submission.region.name,
            submission.get_status_display(),
            submission.is_late,
            version.number,
            version.template_version,
            _london(version.uploaded_at),
            _london(submission.submitted_at),
        )
        safe_head = [spreadsheet_cell(cell) for cell in head]
        for sheet, member, kind, measure, period, is_baseline, value in values_of_version(
            version_id=version.pk
        ):
            values.append(
                [
                    *safe_head,
                    spreadsheet_cell(sheet),
                    spreadsheet_cell(member),
                    spreadsheet_cell(kind),
                    spreadsheet_cell(measure),
                    spreadsheet_cell(period),
                    is_baseline,
                    value,
                ]
            )
            rows += 1
        progress(done + 1, len(included))
    shows_erf = collection.code == erf_collection_code(planning_round=job.planning_round)
    organisations.append(ORGANISATION_HEADER + (ERF_HEADER if shows_erf else ()))
    for submission in submissions:
        organisation, version = submission.organisation, submission.submitted_version
        erf = (version.erf_total if version else None,) if shows_erf else ()
        organisations.append(
            [
                spreadsheet_cell(cell)
                for cell in (
                    organisation.ods_code,
                    organisation.name,
                    organisation.get_org_type_display(),
                    submission.region.name,
                    submission.get_status_display(),
                    "yes" if version else "no",
                    version.number if version else None,
                    _london(submission.submitted_at),
                    submission.is_late,
                    *erf,
                )
            ]
        )
    book.save(output)
    output.seek(0, io.SEEK_END)
    return {"row_count": rows, "file_count": len(included)}


def zip_member_name(*, submission: Submission) -> str:
    """QHM/QHM_ACT_final_v3.xlsx: organisation, collection, stage and version, and the extension
    of the detected format (the uploaded name is the uploader's choice, not a safe one)."""
    version = submission.submitted_version
    suffix = f".{version.file_format or 'bin'}"
    code = submission.organisation.ods_code
    collection = submission.collection
    return f"{code}/{code}_{collection.code}_{collection.stage}_v{version.number}{suffix}"


def _write_files_zip(
    *, job: ExportJob, output, progress: Callable[[int, int], None]
) -> dict[str, int]:
    """Every submitted file of the round in scope, streamed from storage into the zip (never
    read whole), with a manifest of sizes and SHA-256 digests computed on the way."""
    included = [s for s in export_submissions(job=job) if s.submitted_version_id]
    manifest = io.StringIO()
    writer = csv.writer(manifest, lineterminator="\r\n")
    writer.writerow(MANIFEST_HEADER)
    files = 0
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for done, submission in enumerate(included):
            version, organisation = submission.submitted_version, submission.organisation
            path = zip_member_name(submission=submission)
            digest, size = hashlib.sha256(), 0
            try:
                with (
                    version.file.open("rb") as source,
                    archive.open(path, "w", force_zip64=True) as target,
                ):
                    while chunk := source.read(COPY_CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        target.write(chunk)
                files += 1
                sha256, matches = (
                    digest.hexdigest(),
                    "yes" if digest.hexdigest() == version.sha256 else "no",
                )
            except FileNotFoundError:
                logger.error(
                    "Export %s: the file of version %s is missing from storage", job.pk, version.pk
                )
                path, sha256, matches = "", "", "file missing from storage"
            writer.writerow(
                [
                    spreadsheet_cell(str(cell))
                    for cell in (
                        path,
                        organisation.ods_code,
                        organisation.name,
                        submission.region.name,
                        submission.collection.code,
                        submission.collection.stage,
                        submission.get_status_display(),
                        version.number,
                        version.original_name,
                        _iso(version.uploaded_at),
                        _iso(submission.submitted_at),
                        size,
                        sha256,
                        matches,
                    )
                ]
            )
            progress(done + 1, len(included))
        archive.writestr("manifest.csv", manifest.getvalue().encode("utf-8-sig"))
    output.seek(0, io.SEEK_END)
    return {"row_count": len(included), "file_count": files}


def exports_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Re-send exports stuck waiting (the broker was down) or running (a worker died); fail those
    that have used up their attempts. Run periodically by Celery beat."""
    return sweep_stuck_work(now=now or timezone.now(), work=_work())


def exports_expire(*, now: dt.datetime | None = None) -> int:
    """Delete the files of exports built more than EXPORT_KEEP_DAYS ago: they hold every
    organisation's plans, so they are not kept longer than people need to download them. The job
    stays, marked expired, so the list says what happened. Returns how many expired."""
    now = now or timezone.now()
    old = ExportJob.objects.filter(
        status=ExportStatus.DONE, finished_at__lt=now - dt.timedelta(days=settings.EXPORT_KEEP_DAYS)
    )
    expired = 0
    for job_id, name in old.values_list("pk", "file"):
        if ExportJob.objects.filter(pk=job_id, status=ExportStatus.DONE).update(
            status=ExportStatus.EXPIRED, file=""
        ):
            if name:
                default_storage.delete(name)
            expired += 1
    return expired
