from django.urls import path

from . import views

app_name = "reviews"
urlpatterns = [
    path("review/", views.queue, name="queue"),
    path("review/<int:pk>/", views.review_detail, name="detail"),
    path("review/<int:pk>/decide/", views.decide, name="decide"),
    path("review/<int:pk>/reopen/", views.reopen, name="reopen"),
    path("review/<int:pk>/compare/", views.compare, name="compare"),
    path("review/<int:pk>/compare/panel/", views.compare_panel, name="compare_panel"),
    path("returns/<int:pk>/comments/", views.comment_create, name="comment_create"),
    path("returns/<int:pk>/endorse/", views.endorse, name="endorse"),
]
