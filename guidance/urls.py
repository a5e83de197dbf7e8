from django.urls import path

from . import views

app_name = "guidance"
urlpatterns = [
    path("rounds/<int:pk>/guidance/", views.round_guidance, name="round_guidance"),
    path("rounds/<int:pk>/guidance/publish/", views.guidance_publish, name="publish"),
    path("guidance/<int:pk>/file/", views.guidance_file, name="file"),
]
