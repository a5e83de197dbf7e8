"""The REST API: thin views over the same selectors and services as the browser."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox.models import AuthToken
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import api_tokens_of
from accounts.services import api_token_issue, api_tokens_revoke
from audit.models import AuditAction, AuditEvent
from audit.selectors import audit_events_of_submission
from audit.services import audit_access_refused, audit_submission_event
from core.limits import upload_limit_text
from core.permissions import object_permission_or_404
from reviews import selectors as review_selectors
from reviews import services as review_services
from submissions import selectors, services
from submissions.downloads import attachment, content_type_of
from submissions.models import Finding, Submission, Version
from triangulation.models import TriangulationFinding

from . import serializers
from .filters import SubmissionFilter
from .throttling import ClientAddressScopedRateThrottle


class TokenView(APIView):
    """Exchange a username and password for an API token (`Authorization: Token …`)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ClientAddressScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(
        request=serializers.TokenRequestSerializer,
        responses={200: serializers.TokenSerializer, 400: serializers.MessageSerializer},
    )
    def post(self, request):
        payload = serializers.TokenRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user = authenticate(request, **payload.validated_data)
        if getattr(request, "axes_locked_out", False):
            # The same lockout as the login page: a right password does not open a locked account.
            return Response(
                {
                    "detail": "Too many failed attempts. Try again in 30 minutes or reset your "
                    "password."
                },
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        if user is None or not user.is_active:
            return Response(
                {"detail": "Enter a correct username and password."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        token, secret = api_token_issue(user=user, request=request)
        return Response(
            serializers.TokenSerializer({"token": secret, "expires_at": token.expiry}).data
        )


class TokenList(generics.ListAPIView):
    """The caller's API tokens in force (never their secrets), newest first."""

    serializer_class = serializers.TokenInForceSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AuthToken.objects.none()
        return api_tokens_of(user=self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "current": self.request.auth}


class TokenRevoke(APIView):
    @extend_schema(
        request=None,
        responses={204: None, 404: serializers.MessageSerializer},
        description="Revoke one of your own tokens (the current one included) by its id.",
    )
    def delete(self, request, key: str):
        if not api_tokens_revoke(
            user=request.user,
            token_key=key,
            actor=request.user,
            reason="Revoked by its owner.",
            request=request,
        ):
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)


def _submissions(request):
    versions = Version.objects.order_by("-number")
    return selectors.submissions_for_user(user=request.user).prefetch_related(
        Prefetch("versions", queryset=versions)
    )


class SubmissionList(generics.ListAPIView):
    serializer_class = serializers.SubmissionSerializer
    filterset_class = SubmissionFilter

    def get_queryset(self):
        return _submissions(self.request).order_by(
            "collection__planning_round__starts_on",
            "organisation__ods_code",
            "collection__deadline",
            "collection__code",
        )


class SubmissionDetail(generics.RetrieveAPIView):
    serializer_class = serializers.SubmissionSerializer

    def get_queryset(self):
        return _submissions(self.request)

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            audit_access_refused(
                user=self.request.user,
                queryset=Submission.objects.select_related("organisation"),
                lookup={"pk": self.kwargs["pk"]},
            )
            raise


class SubmissionAudit(generics.ListAPIView):
    """The return's audit trail, newest first; 404 for a return the caller may not see."""

    serializer_class = serializers.AuditEventSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AuditEvent.objects.none()
        submission = selectors.submission_get_for_user(user=self.request.user, pk=self.kwargs["pk"])
        return audit_events_of_submission(submission_id=submission.pk)


class SubmissionTemplate(APIView):
    @extend_schema(
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): bytes,
            # A narrative return's template is a Word document with the headings asked for.
            (
                200,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ): bytes,
        },
        description="The workbook (or, for a narrative return, the document) made for the return.",
    )
    def get(self, request, pk: int):
        submission = selectors.submission_get_for_user(user=request.user, pk=pk)
        try:
            filename, data = services.template_for_submission(submission=submission)
        except ValidationError:
            raise Http404 from None
        audit_submission_event(
            action=AuditAction.DOWNLOAD,
            submission=submission,
            actor=request.user,
            request=request,
            detail=f"Template {filename}",
        )
        return attachment(
            data,
            filename=filename,
            content_type=content_type_of(filename.rsplit(".", 1)[1]),
        )


def _version_response(version_pk: int, *, status_code: int, message: str | None = None) -> Response:
    version = (
        Version.objects.select_related("uploaded_by")
        .prefetch_related(
            Prefetch("findings", queryset=Finding.objects.order_by("sheet", "id")),
            Prefetch(
                "triangulation_findings",
                queryset=TriangulationFinding.objects.select_related("run")
                .prefetch_related("versions")
                .order_by("run__stage", "position"),
            ),
        )
        .get(pk=version_pk)
    )
    data = serializers.VersionSerializer(version).data
    if message:
        data["detail"] = message
    return Response(data, status=status_code)


class VersionCreate(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": serializers.UploadSerializer},
        responses={
            202: serializers.VersionSerializer,
            200: serializers.VersionSerializer,
            400: serializers.MessageSerializer,
            409: serializers.MessageSerializer,
            413: serializers.MessageSerializer,
        },
        description="Upload a file as a new version. 202 while it is validated in the background; "
        "200 with the existing version when the bytes are identical to an earlier upload. "
        f"The file may be up to {upload_limit_text()}; a larger request is refused with 413 "
        "before any of it is read.",
    )
    def post(self, request, pk: int):
        submission = selectors.submission_get_for_user(user=request.user, pk=pk)
        object_permission_or_404(
            user=request.user, permission="submissions.upload_version", obj=submission
        )
        payload = serializers.UploadSerializer(data=request.data)
        if not payload.is_valid():
            return Response(
                {"detail": "Send the file as multipart form data in a field called 'file'."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        upload = payload.validated_data["file"]
        try:
            outcome = services.version_create(
                submission=submission, user=request.user, stream=upload, filename=upload.name
            )
        except PermissionDenied:
            raise Http404 from None
        return _version_response(
            outcome.version.pk,
            status_code=status.HTTP_200_OK if outcome.duplicate else status.HTTP_202_ACCEPTED,
            message=outcome.message,
        )


class VersionDetail(APIView):
    @extend_schema(responses=serializers.VersionSerializer)
    def get(self, request, pk: int):
        version = selectors.version_get_for_user(user=request.user, pk=pk)
        return _version_response(version.pk, status_code=status.HTTP_200_OK)


class SubmissionSubmit(APIView):
    @extend_schema(
        request=serializers.SubmitSerializer,
        responses={
            200: serializers.SubmissionSerializer,
            400: OpenApiResponse(description="Declaration or explanations missing"),
            403: OpenApiResponse(
                description="A system lead of a provider that has not handed sign-off to its "
                "system: says whom to ask"
            ),
            409: serializers.MessageSerializer,
        },
    )
    def post(self, request, pk: int):
        submission = selectors.submission_get_for_user(user=request.user, pk=pk)
        refusal = selectors.signing_refusal(user=request.user, submission=submission)
        if refusal:
            return Response({"detail": refusal}, status=status.HTTP_403_FORBIDDEN)
        object_permission_or_404(
            user=request.user, permission="submissions.submit_submission", obj=submission
        )
        payload = serializers.SubmitSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        version = selectors.version_named(
            submission=submission, pk=payload.validated_data["version"]
        )
        services.submission_submit(
            submission=submission,
            version=version,
            user=request.user,
            declaration=payload.validated_data["declaration"],
            explanations=payload.validated_data["explanations"],
        )
        return Response(serializers.SubmissionSerializer(_submissions(request).get(pk=pk)).data)


def _reviewable_submission(request, pk: int):
    """Members and the region's reviewers may read a return's review; anyone else gets 404."""
    submission = selectors.submission_get_for_user(user=request.user, pk=pk)
    if not (
        request.user.has_perm("reviews.view_review", submission)
        or request.user.has_perm("reviews.comment", submission)
    ):
        raise Http404
    return submission


class SubmissionReviews(APIView):
    @extend_schema(responses=serializers.DecisionSerializer(many=True))
    def get(self, request, pk: int):
        submission = _reviewable_submission(request, pk)
        decisions = review_selectors.decisions_of_submission(submission=submission)
        return Response(serializers.DecisionSerializer(decisions, many=True).data)

    @extend_schema(
        request=serializers.DecisionRequestSerializer,
        responses={
            201: serializers.DecisionSerializer,
            400: serializers.MessageSerializer,
            403: serializers.MessageSerializer,
            409: serializers.MessageSerializer,
        },
        description="Decide on the submitted version. 403 when the reviewer uploaded or signed off "
        "that version (or it was signed off by someone covering for them), saying who can decide "
        "instead; 409 when the version is no longer the one awaiting a decision (or, for a "
        "provider's maternity return, is not endorsed yet); 400 when a reason is missing.",
    )
    def post(self, request, pk: int):
        submission = _reviewable_submission(request, pk)
        object_permission_or_404(user=request.user, permission="reviews.decide", obj=submission)
        payload = serializers.DecisionRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        version = selectors.version_named(
            submission=submission, pk=payload.validated_data["version"]
        )
        decision = review_services.decision_record(
            submission=submission,
            version=version,
            reviewer=request.user,
            kind=payload.validated_data["decision"],
            comment=payload.validated_data["comment"],
            request=request,
        )
        return Response(
            serializers.DecisionSerializer(decision).data, status=status.HTTP_201_CREATED
        )


class SubmissionComments(APIView):
    @extend_schema(responses=serializers.CommentSerializer(many=True))
    def get(self, request, pk: int):
        submission = _reviewable_submission(request, pk)
        comments = review_selectors.comments_of_submission(submission=submission)
        return Response(serializers.CommentSerializer(comments, many=True).data)

    @extend_schema(
        request=serializers.CommentRequestSerializer,
        responses={201: serializers.CommentSerializer, 400: serializers.MessageSerializer},
    )
    def post(self, request, pk: int):
        submission = _reviewable_submission(request, pk)
        object_permission_or_404(user=request.user, permission="reviews.comment", obj=submission)
        payload = serializers.CommentRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        version, parent = review_selectors.comment_references(
            submission=submission, version_id=data["version"], parent_id=data["parent"]
        )
        comment = review_services.comment_add(
            submission=submission,
            author=request.user,
            text=data["text"],
            version=version,
            sheet=data["sheet"],
            cell=data["cell"],
            parent=parent,
            request=request,
        )
        return Response(serializers.CommentSerializer(comment).data, status=status.HTTP_201_CREATED)
