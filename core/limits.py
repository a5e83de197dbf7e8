"""Request bodies are capped before anything reads them (no request can take a server
down).

`UPLOAD_MAX_BYTES` is the one limit. A request whose declared `Content-Length` is over it (plus room
for the multipart envelope and the form's other fields) is answered 413 by
`RequestSizeLimitMiddleware`,
which sits before the session and CSRF middleware: the CSRF check reads the whole body of a POST, so
without this a stranger could make the server spool a gigabyte to a temporary file. A body without a
declared length (chunked) is cut at the same limit by `CappedUploadHandler` while it is parsed.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

# The multipart boundaries, part headers and the form's CSRF token: a few hundred bytes in practice.
ENVELOPE_BYTES = 64 * 1024


def request_max_bytes() -> int:
    return settings.UPLOAD_MAX_BYTES + ENVELOPE_BYTES


def upload_limit_text() -> str:
    """The limit in words for forms, pages and the API documentation."""
    limit = settings.UPLOAD_MAX_BYTES
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):.3g} MB"
    return f"{max(limit // 1024, 1)} KB"


def _declared_length(request: HttpRequest) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None


def too_large_response(request: HttpRequest) -> HttpResponse:
    message = (
        f"The request is larger than {upload_limit_text()}, the largest file the portal accepts. "
        "Nothing was saved."
    )
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=413)
    else:
        response = HttpResponse(render_to_string("413.html", {"message": message}), status=413)
    return response


class RequestSizeLimitMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = _declared_length(request)
        if length is None or length > request_max_bytes():
            return too_large_response(request)
        response = self.get_response(request)
        # Whatever the view made of a body cut short (a missing file, a failed CSRF check), the
        # answer that helps is the limit.
        if getattr(request, "upload_cut_at_limit", False):
            return too_large_response(request)
        return response


class CappedUploadHandler(FileUploadHandler):
    """First of the upload handlers: counts every byte of every file in the body and stops parsing
    at the limit, whatever the request declared, so no later handler writes more than the limit."""

    def __init__(self, request=None) -> None:
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > request_max_bytes():
            if self.request is not None:
                self.request.upload_cut_at_limit = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
