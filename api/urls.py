from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from extensions import api as extensions

from . import erf, views

app_name = "api"
urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("auth/tokens/", views.TokenList.as_view(), name="token_list"),
    path("auth/tokens/<str:key>/", views.TokenRevoke.as_view(), name="token_revoke"),
    path("submissions/", views.SubmissionList.as_view(), name="submission_list"),
    path("submissions/<int:pk>/", views.SubmissionDetail.as_view(), name="submission_detail"),
    path("submissions/<int:pk>/audit/", views.SubmissionAudit.as_view(), name="submission_audit"),
    path(
        "submissions/<int:pk>/template/",
        views.SubmissionTemplate.as_view(),
        name="submission_template",
    ),
    path("submissions/<int:pk>/versions/", views.VersionCreate.as_view(), name="version_create"),
    path(
        "submissions/<int:pk>/submit/", views.SubmissionSubmit.as_view(), name="submission_submit"
    ),
    path(
        "submissions/<int:pk>/reviews/",
        views.SubmissionReviews.as_view(),
        name="submission_reviews",
    ),
    path(
        "submissions/<int:pk>/comments/",
        views.SubmissionComments.as_view(),
        name="submission_comments",
    ),
    path("versions/<int:pk>/", views.VersionDetail.as_view(), name="version_detail"),
    path(
        "submissions/<int:pk>/extensions/",
        extensions.SubmissionExtensions.as_view(),
        name="submission_extensions",
    ),
    path(
        "extensions/<int:pk>/decision/",
        extensions.ExtensionDecision.as_view(),
        name="extension_decision",
    ),
    path("erf/estimate/", erf.ErfEstimate.as_view(), name="erf_estimate"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
