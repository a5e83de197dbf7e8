from __future__ import annotations

from rest_framework import serializers

from audit.models import AuditEvent
from submissions.models import Finding, Submission, Version
from triangulation.models import TriangulationFinding
from workbooks.rule_titles import rule_title


class FindingSerializer(serializers.ModelSerializer):
    title = serializers.SerializerMethodField(help_text="The kind of check, in plain English.")

    class Meta:
        model = Finding
        fields = [
            "id",
            "severity",
            "rule",
            "title",
            "sheet",
            "cell",
            "value",
            "message",
            "explanation",
        ]

    def get_title(self, finding: Finding) -> str:
        return rule_title(finding.rule)


class TriangulationFindingSerializer(serializers.ModelSerializer):
    stage = serializers.CharField(source="run.stage")
    title = serializers.CharField(read_only=True, help_text="The kind of check, in plain English.")
    figures = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="The figures compared, as [label, value] pairs.",
    )
    versions = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="Ids of the versions of the returns involved."
    )

    class Meta:
        model = TriangulationFinding
        fields = [
            "id",
            "severity",
            "rule",
            "title",
            "stage",
            "organisation_code",
            "organisation_name",
            "message",
            "figures",
            "versions",
        ]


class VersionSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.CharField(source="uploaded_by.username")
    submission = serializers.IntegerField(source="submission_id")
    findings = FindingSerializer(many=True)
    triangulation_findings = TriangulationFindingSerializer(
        many=True,
        help_text="Checks across the system's activity, workforce and finance returns that involve "
        "this version (warnings; they do not block submission).",
    )

    class Meta:
        model = Version
        fields = [
            "id",
            "submission",
            "number",
            "status",
            "message",
            "progress",
            "sha256",
            "size",
            "original_name",
            "file_format",
            "uploaded_by",
            "uploaded_at",
            "template_version",
            "error_count",
            "warning_count",
            "findings",
            "triangulation_findings",
        ]


class VersionSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Version
        fields = ["id", "number", "status", "uploaded_at", "sha256", "error_count", "warning_count"]


class SubmissionSerializer(serializers.ModelSerializer):
    round = serializers.CharField(source="collection.planning_round.name")
    organisation = serializers.CharField(source="organisation.ods_code")
    organisation_name = serializers.CharField(source="organisation.name")
    collection = serializers.CharField(source="collection.code")
    collection_name = serializers.CharField(source="collection.name")
    stage = serializers.CharField(source="collection.stage")
    deadline = serializers.DateTimeField()
    submitted_version = serializers.IntegerField(source="submitted_version_id", allow_null=True)
    submitted_by = serializers.CharField(
        source="submitted_by.username", allow_null=True, default=None
    )
    versions = VersionSummarySerializer(many=True)

    class Meta:
        model = Submission
        fields = [
            "id",
            "round",
            "organisation",
            "organisation_name",
            "collection",
            "collection_name",
            "stage",
            "deadline",
            "status",
            "is_late",
            "submitted_at",
            "submitted_version",
            "submitted_by",
            "versions",
        ]


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class SubmitSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    declaration = serializers.BooleanField(default=False)
    explanations = serializers.DictField(
        child=serializers.CharField(allow_blank=True), required=False, default=dict
    )

    def validate_explanations(self, value: dict) -> dict[int, str]:
        try:
            return {int(key): text for key, text in value.items()}
        except ValueError:
            raise serializers.ValidationError("Keys must be finding ids.") from None


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField(help_text="After this the token no longer works.")


class TokenInForceSerializer(serializers.Serializer):
    """A token the caller holds, without its secret."""

    id = serializers.CharField(
        source="token_key", help_text="The token's first characters; revoke it by this id."
    )
    created_at = serializers.DateTimeField(source="created")
    expires_at = serializers.DateTimeField(source="expiry")
    current = serializers.SerializerMethodField(help_text="True for the token of this request.")

    def get_current(self, token) -> bool:
        return token.pk == getattr(self.context.get("current"), "pk", None)


class MessageSerializer(serializers.Serializer):
    detail = serializers.CharField()


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_name")
    action_label = serializers.CharField()

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "occurred_at",
            "actor",
            "action",
            "action_label",
            "object_type",
            "object_id",
            "object_label",
            "submission_id",
            "organisation_code",
            "ip_address",
            "before",
            "after",
            "detail",
        ]


class DecisionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    decision = serializers.CharField(source="kind")
    version = serializers.IntegerField(source="version_id")
    version_number = serializers.IntegerField(source="version.number")
    reviewer = serializers.CharField(source="reviewer.username")
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()


class DecisionRequestSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "request_changes", "comment"])
    version = serializers.IntegerField(help_text="The id of the submitted version you decide on.")
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Required for request_changes and comment.",
    )


class CommentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    version = serializers.IntegerField(source="version_id", allow_null=True)
    sheet = serializers.CharField()
    cell = serializers.CharField()
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    author = serializers.CharField(source="author.username")
    side = serializers.CharField()
    created_at = serializers.DateTimeField()


class CommentRequestSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField(required=False, allow_null=True, default=None)
    sheet = serializers.CharField(required=False, allow_blank=True, default="")
    cell = serializers.CharField(required=False, allow_blank=True, default="")
    parent = serializers.IntegerField(required=False, allow_null=True, default=None)
