from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("returns/<int:pk>/history/", views.submission_history, name="submission_history"),
    path("audit/", views.audit_search, name="search"),
    path("audit/security/", views.security_log, name="security_log"),
    path("audit/export.csv", views.audit_export, name="export"),
]
