from django.urls import path

from . import views

app_name = "charts"
urlpatterns = [
    path("charts/activity/", views.activity, name="activity"),
    path("charts/submissions/", views.submissions, name="submissions"),
]
