"""Deadline extensions over the API: the same services as the browser's extension page."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.serializers import MessageSerializer
from core.permissions import object_permission_or_404
from extensions.deadlines import effective_deadline
from submissions import selectors

from .models import ExtensionRequest
from .selectors import extension_history, extension_request_get_for_user
from .services import extension_decide, extension_request_create


class ExtensionSerializer(serializers.ModelSerializer):
    requested_by = serializers.CharField(source="requested_by.username")
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True, default=None)

    class Meta:
        model = ExtensionRequest
        fields = [
            "id",
            "status",
            "requested_by",
            "requested_at",
            "requested_deadline",
            "reason",
            "decided_by",
            "decided_at",
            "decided_deadline",
            "decision_reason",
        ]


class ExtensionListSerializer(serializers.Serializer):
    deadline = serializers.DateTimeField(help_text="The deadline in force for this organisation.")
    extensions = ExtensionSerializer(many=True)


class ExtensionRequestSerializer(serializers.Serializer):
    deadline = serializers.DateTimeField()
    reason = serializers.CharField()


class ExtensionDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["grant", "refuse"])
    deadline = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When granting: defaults to the date asked for; may be earlier.",
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class SubmissionExtensions(APIView):
    @extend_schema(responses=ExtensionListSerializer)
    def get(self, request, pk: int):
        submission = selectors.submission_get_for_user(user=request.user, pk=pk)
        history = extension_history(
            collection=submission.collection, organisation=submission.organisation
        )
        deadline = effective_deadline(
            collection=submission.collection, organisation=submission.organisation
        )
        return Response(
            {
                "deadline": serializers.DateTimeField().to_representation(deadline),
                "extensions": ExtensionSerializer(history, many=True).data,
            }
        )

    @extend_schema(
        request=ExtensionRequestSerializer,
        responses={201: ExtensionSerializer, 409: MessageSerializer},
        description="Ask for more time. 409 while an earlier request still waits for a decision.",
    )
    def post(self, request, pk: int):
        submission = selectors.submission_get_for_user(user=request.user, pk=pk)
        object_permission_or_404(
            user=request.user, permission="submissions.upload_version", obj=submission
        )
        payload = ExtensionRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        created = extension_request_create(
            collection=submission.collection,
            organisation=submission.organisation,
            requested_by=request.user,
            request=request,
            **payload.validated_data,
        )
        return Response(ExtensionSerializer(created).data, status=status.HTTP_201_CREATED)


class ExtensionDecision(APIView):
    @extend_schema(
        request=ExtensionDecisionSerializer,
        responses={200: ExtensionSerializer, 409: MessageSerializer},
        description="Grant or refuse a request. 409 when it was decided or withdrawn meanwhile.",
    )
    def post(self, request, pk: int):
        item = extension_request_get_for_user(user=request.user, pk=pk)
        object_permission_or_404(
            user=request.user, permission="planning.decide_extension", obj=item.organisation
        )
        payload = ExtensionDecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        decided = extension_decide(
            extension_request=item,
            decided_by=request.user,
            grant=data["decision"] == "grant",
            deadline=data["deadline"],
            reason=data["reason"],
            request=request,
        )
        return Response(ExtensionSerializer(decided).data)
