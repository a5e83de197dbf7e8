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
    path("returns/<int:pk>/extensions/", views.extensions, name="extensions"),
    path("returns/<int:pk>/extensions/request/", views.extension_request, name="extension_request"),
    path("returns/<int:pk>/extensions/set/", views.extension_set, name="extension_set"),
    path("extensions/", views.extension_queue, name="extension_queue"),
    path("extensions/<int:pk>/decide/", views.extension_decide_view, name="extension_decide"),
    path("extensions/<int:pk>/withdraw/", views.extension_withdraw_view, name="extension_withdraw"),
    path("versions/<int:pk>/", views.version_detail, name="version_detail"),
    path("versions/<int:pk>/findings/", views.version_findings, name="version_findings"),
    path("versions/<int:pk>/panel/", views.version_panel, name="version_panel"),
    path("versions/<int:pk>/file/", views.version_file, name="version_file"),
    path("versions/<int:pk>/findings.csv", views.version_findings_csv, name="version_findings_csv"),
    path(
        "versions/<int:pk>/highlighted.xlsx", views.version_highlighted, name="version_highlighted"
    ),
    path(
        "rounds/<int:round_pk>/collections/<int:pk>/templates/",
        views.template_versions,
        name="template_versions",
    ),
]
