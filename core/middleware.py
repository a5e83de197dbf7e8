"""Page titles of refused forms start with "Error: ", as the GOV.UK error summary pattern asks, so
a screen reader user hears at once that the page came back with problems."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

# The portal answers a form with problems with 400, or 409 when the return changed meanwhile.
_REFUSED = (400, 409)


class ErrorTitleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code in _REFUSED
            and not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
            and b"<title>Error: " not in response.content
        ):
            response.content = response.content.replace(b"<title>", b"<title>Error: ", 1)
        return response
