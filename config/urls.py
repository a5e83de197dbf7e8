from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("shell.urls")),
    path("accounts/", include("accounts.urls")),
    path("", include("planning.urls")),
    path("", include("submissions.urls")),
    path("", include("audit.urls")),
    path("", include("notifications.urls")),
    path("", include("reviews.urls")),
    path("", include("oversight.urls")),
    path("", include("charts.urls")),
    path("", include("exports.urls")),
    path("", include("extensions.urls")),
    path("", include("guidance.urls")),
    path("", include("erf.urls")),
    path("api/v1/", include("api.urls")),
    path("admin/", admin.site.urls),
]
