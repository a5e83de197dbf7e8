"""Heavy things made from a version's file (the workbook with its findings marked, the comparison of
two versions), built once and kept as a `VersionProduct`.

Small files are built in the request that first asks (a return of a few hundred kilobytes takes
well under a second); larger ones on a Celery worker inside the validation's time and memory limits,
claimed with an attempt counter and swept like validations and exports (core.queueing), while the
page shows the progress. Every file is read through `workbooks.reader`'s checks first.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.queueing import (
    StuckWork,
    send_task,
    send_task_on_commit,
    sweep_stuck_work,
    work_claim,
    work_finish,
    work_requeue,
)
from workbooks.compare import CellChange, compare_workbooks
from workbooks.highlight import highlight_workbook
from workbooks.reader import check_stored
from workbooks.types import RejectedFile

from .models import ProductKind, ProductStatus, Version, VersionProduct, product_upload_to
from .selectors import finding_data_of_version, template_sheets_of
from .validation import ValidationTimeout, address_space_limit, time_limit

logger = logging.getLogger(__name__)

MAX_STORED_CHANGES = 5_000  # a reviewer reads the first few thousand; more means a different file
FAILED_MESSAGE = "This could not be prepared after {attempts} attempts. Try again later."
LIMIT_MESSAGE = (
    "This file is too large to prepare here. Download the file itself and the findings as CSV "
    "instead."
)
SWEEPER = "the stuck-product sweeper"


def product_for(*, kind: str, version: Version, other: Version | None = None) -> VersionProduct:
    """The product, started if nobody asked for it before: built now when the files are small,
    otherwise queued for a worker."""
    try:
        with transaction.atomic():
            product, created = VersionProduct.objects.get_or_create(
                kind=kind, version=version, other=other
            )
    except IntegrityError:  # asked for at the same moment in another request
        product, created = (
            VersionProduct.objects.get(kind=kind, version=version, other=other),
            False,
        )
    if created:
        size = version.size + (other.size if other else 0)
        if size <= settings.PRODUCT_INLINE_MAX_BYTES:
            product_build(product_id=product.pk)
            product.refresh_from_db()
        else:
            send_task_on_commit(task=_task(), args=[product.pk], sweeper=SWEEPER)
    return product


def _task():
    from .tasks import build_version_product

    return build_version_product


def _work() -> StuckWork:
    """Products as work for core.queueing, retried and swept like validations: read per call, so
    settings in force apply."""
    return StuckWork(
        model=VersionProduct,
        queued=ProductStatus.QUEUED,
        running=ProductStatus.RUNNING,
        queued_stale=dt.timedelta(seconds=settings.VALIDATION_QUEUED_STALE_SECONDS),
        running_stale=dt.timedelta(seconds=settings.VALIDATION_RUNNING_STALE_SECONDS),
        max_attempts=settings.PRODUCT_MAX_ATTEMPTS,
        send=lambda pk: send_task(task=_task(), args=[pk], sweeper=SWEEPER),
        fail=lambda pk, attempt, message: product_fail(
            product_id=pk, attempt=attempt, message=message
        ),
        failed_message=FAILED_MESSAGE,
        tracks_progress=False,
    )


def product_fail(*, product_id: int, attempt: int, message: str) -> bool:
    return work_finish(
        work=_work(), pk=product_id, attempt=attempt, status=ProductStatus.FAILED, message=message
    )


def product_build(*, product_id: int, limited: bool = False) -> str | None:
    """Build the product once; `limited` (on a worker) runs it inside the validation's time and
    address-space limits, which cannot be set for one thread of a web process."""
    attempt = work_claim(work=_work(), pk=product_id)
    if attempt is None:
        return None
    product = VersionProduct.objects.select_related(
        "version__submission__collection", "other__submission__collection"
    ).get(pk=product_id)
    try:
        if limited:
            with (
                time_limit(seconds=settings.VALIDATION_SOFT_TIME_LIMIT_SECONDS),
                address_space_limit(extra_bytes=settings.VALIDATION_MEMORY_LIMIT_MB * 1024**2),
            ):
                fields = _build(product)
        else:
            fields = _build(product)
    except RejectedFile as rejected:
        product_fail(product_id=product_id, attempt=attempt, message=rejected.message)
        return ProductStatus.FAILED
    except (MemoryError, ValidationTimeout):
        product_fail(product_id=product_id, attempt=attempt, message=LIMIT_MESSAGE)
        return ProductStatus.FAILED
    except Exception:
        logger.exception("Product %s failed on attempt %s", product_id, attempt)
        work_requeue(work=_work(), pk=product_id, attempt=attempt)
        return None
    name = ""
    if "file" in fields:
        name = product.file.storage.save(product_upload_to(product, ""), fields.pop("file"))
    finished = work_finish(
        work=_work(),
        pk=product_id,
        attempt=attempt,
        status=ProductStatus.DONE,
        message="",
        file=name,
        **fields,
    )
    if not finished and name:
        # A newer attempt owns the product now (the sweeper re-sent it): keep only its file.
        product.file.storage.delete(name)
    return ProductStatus.DONE if finished else None


def _build(product: VersionProduct) -> dict:
    data = _file_bytes(product.version)
    if product.kind == ProductKind.MARKED:
        check_stored(data=data)
        marked = highlight_workbook(
            data=data, findings=finding_data_of_version(version=product.version)
        )
        return {"file": ContentFile(marked)}
    changes = compare_workbooks(
        old=_file_bytes(product.other),
        new=data,
        old_sheets=template_sheets_of(version=product.other),
        new_sheets=template_sheets_of(version=product.version),
    )
    return {
        "changes": [_stored_change(change) for change in changes[:MAX_STORED_CHANGES]],
        "change_count": len(changes),
    }


def _file_bytes(version: Version) -> bytes:
    with version.file.open("rb") as stream:
        return stream.read()


def _stored_change(change: CellChange) -> dict:
    def plain(value: object) -> object:
        return value if isinstance(value, (int, float, str)) else str(value)

    return {
        "sheet": change.sheet,
        "cell": change.cell,
        "old": plain(change.old),
        "new": plain(change.new),
        "difference": None if change.difference is None else str(change.difference),
    }


def comparison_changes(*, product: VersionProduct) -> list[CellChange]:
    return [
        CellChange(
            sheet=item["sheet"],
            cell=item["cell"],
            old=item["old"],
            new=item["new"],
            difference=None if item["difference"] is None else Decimal(item["difference"]),
        )
        for item in product.changes or []
    ]


def products_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Re-send products stuck waiting (the broker lost them) or running (a worker died); fail those
    that have used up their attempts. Run periodically by Celery beat."""
    return sweep_stuck_work(now=now or timezone.now(), work=_work())
