"""A URL that fails, to show the server error page."""

from django.urls import path


def boom(request):
    raise RuntimeError("a failure for the error page test")


urlpatterns = [path("boom/", boom)]
