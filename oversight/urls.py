from django.urls import path

from . import views

app_name = "oversight"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/progress.csv", views.dashboard_csv, name="dashboard_csv"),
    path("dashboard/progress.xlsx", views.dashboard_xlsx, name="dashboard_xlsx"),
]
