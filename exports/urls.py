from django.urls import path

from . import views

app_name = "exports"
urlpatterns = [
    path("exports/", views.export_list, name="list"),
    path("exports/request/", views.export_create, name="request"),
    path("exports/<int:pk>/", views.export_detail, name="detail"),
    path("exports/<int:pk>/panel/", views.export_panel, name="panel"),
    path("exports/<int:pk>/download/", views.export_download, name="download"),
]
