from __future__ import annotations

from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header

# What each downloadable kind of file is served as; anything else is plain bytes.
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "zip": "application/zip",
}


def content_type_of(extension: str) -> str:
    return CONTENT_TYPES.get(extension, "application/octet-stream")


def attachment(data: bytes, *, filename: str, content_type: str) -> HttpResponse:
    """A download that browsers save rather than render, with an RFC 6266-encoded file name."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    return _private(response)


def streamed_attachment(stream, *, filename: str, content_type: str) -> FileResponse:
    """`attachment` for a file streamed from storage rather than held in memory."""
    return _private(
        FileResponse(stream, as_attachment=True, filename=filename, content_type=content_type)
    )


def _private(response):
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
