from django.urls import path

from . import views

app_name = "submissions"
urlpatterns = [
    path("returns/<int:pk>/", views.submission_detail, name="detail"),
    path("returns/<int:pk>/upload/", views.version_upload, name="upload"),
    path("returns/<int:pk>/submitted/", views.submission_confirmation, name="submitted"),
    path("versions/<int:pk>/submit/", views.submit_explain, name="submit_explain"),
    path("versions/<int:pk>/submit/check/", views.submit_check, name="submit_check"),
    path("returns/<int:pk>/template/", views.template_download, name="template"),
    path("returns/<int:pk>/latest/", views.latest_version_notice, name="latest_version_notice"),
    path("versions/<int:pk>/", views.version_detail, name="version_detail"),
    path("versions/<int:pk>/panel/", views.version_panel, name="version_panel"),
    path("versions/<int:pk>/file/", views.version_file, name="version_file"),
    path("versions/<int:pk>/findings.csv", views.version_findings_csv, name="version_findings_csv"),
    path(
        "versions/<int:pk>/highlighted.xlsx", views.version_highlighted, name="version_highlighted"
    ),
    path(
        "versions/<int:pk>/highlighted/panel/",
        views.version_highlighted_panel,
        name="version_highlighted_panel",
    ),
    path(
        "rounds/<int:round_pk>/collections/<int:pk>/templates/",
        views.template_versions,
        name="template_versions",
    ),
]
