from django.urls import path

from . import views

app_name = "extensions"
urlpatterns = [
    path("returns/<int:pk>/extensions/", views.return_extensions, name="return_extensions"),
    path("returns/<int:pk>/extensions/request/", views.extension_request, name="request"),
    path("returns/<int:pk>/extensions/set/", views.extension_set, name="set"),
    path("extensions/<int:pk>/decide/", views.extension_decide, name="decide"),
    path("extensions/<int:pk>/withdraw/", views.extension_withdraw, name="withdraw"),
]
