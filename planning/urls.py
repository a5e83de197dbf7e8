from django.urls import path

from . import views

app_name = "planning"
urlpatterns = [
    path("organisations/<str:ods_code>/", views.organisation_returns, name="organisation_returns"),
    path("organisations/<str:ods_code>/sign-off/", views.sign_off, name="sign_off"),
    path("regions/", views.region_list, name="region_list"),
    path("regions/<str:code>/", views.region_detail, name="region_detail"),
    path("rounds/", views.round_list, name="round_list"),
    path("rounds/new/", views.round_define, name="round_define"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/definition/", views.round_definition_edit, name="round_definition"),
    path(
        "rounds/<int:round_pk>/collections/<int:pk>/preview/",
        views.template_preview,
        name="template_preview",
    ),
    path("rounds/<int:pk>/copy/", views.round_copy, name="round_copy"),
    path("rounds/<int:pk>/make-current/", views.round_make_current, name="round_make_current"),
    path(
        "rounds/<int:pk>/publish/",
        views.round_change,
        {"action": "round_published"},
        name="round_publish",
    ),
    path(
        "rounds/<int:pk>/close/", views.round_change, {"action": "round_closed"}, name="round_close"
    ),
    path(
        "rounds/<int:round_pk>/collections/<int:pk>/", views.collection_edit, name="collection_edit"
    ),
]
