from django.urls import path

from . import views

app_name = "erf"
urlpatterns = [
    path("erf/baselines/", views.baselines_import, name="baselines_import"),
]
