"""One place where the API turns a refusal into an answer, in the browser's words: a `Conflict`
(the object's state refuses the request) is a 409 with its message, a service's ValidationError a
400 with its messages by field; everything else is DRF's."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from core.exceptions import Conflict


def validation_detail(error: ValidationError) -> dict:
    """A service's ValidationError as an API body: messages by field, or one `detail`."""
    if hasattr(error, "error_dict"):
        return {field: [str(m) for m in messages] for field, messages in error.message_dict.items()}
    return {"detail": " ".join(error.messages)}


def api_exception_handler(exc, context):
    if isinstance(exc, Conflict):
        return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, ValidationError):
        return Response(validation_detail(exc), status=status.HTTP_400_BAD_REQUEST)
    return exception_handler(exc, context)
