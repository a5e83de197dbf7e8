"""One place where the API turns a refusal into an answer: a Conflict (the object's state refuses
the request) is a 409 with the same message the browser shows; everything else is DRF's."""

from __future__ import annotations

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from core.exceptions import Conflict


def api_exception_handler(exc, context):
    if isinstance(exc, Conflict):
        return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
    return exception_handler(exc, context)
