from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from core.admin import ReadOnlyAdmin
from submissions.models import SubmissionStatus

from .models import Comment, Decision, DecisionKind, Endorsement, SubmittedReturn
from .services import DecisionConflict, decision_record


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["submission", "version", "kind", "reviewer", "created_at"]
    list_filter = ["kind"]
    # Version.__str__ names its return's organisation and collection.
    list_select_related = [
        "submission__organisation",
        "submission__collection",
        "version__submission__organisation",
        "version__submission__collection",
        "reviewer",
    ]


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ["submission", "author", "side", "sheet", "cell", "created_at"]
    list_filter = ["side"]
    list_select_related = ["submission__organisation", "submission__collection", "author"]


@admin.register(Endorsement)
class EndorsementAdmin(ReadOnlyAdmin):
    list_display = ["submission", "version", "endorsed_by", "created_at"]
    list_select_related = [
        "submission__organisation",
        "submission__collection",
        "version__submission__organisation",
        "version__submission__collection",
        "endorsed_by",
    ]


@admin.register(SubmittedReturn)
class SubmittedReturnAdmin(ReadOnlyAdmin):
    """Approving from the admin goes through the same service, and its refusals, as the portal."""

    list_display = ["organisation", "collection", "submitted_by", "submitted_at"]
    list_select_related = ["organisation", "collection", "submitted_by"]
    search_fields = ["organisation__ods_code", "organisation__name", "collection__code"]
    actions = ["approve"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(status=SubmissionStatus.SUBMITTED)
            .select_related("submitted_version", "region", "system")
        )

    @admin.action(description="Approve the submitted version")
    def approve(self, request, queryset):
        for submission in queryset:
            try:
                decision_record(
                    submission=submission,
                    version=submission.submitted_version,
                    reviewer=request.user,
                    kind=DecisionKind.APPROVE,
                    request=request,
                )
            except (PermissionDenied, ValidationError) as refused:
                self.message_user(request, f"{submission}: {refused}", messages.ERROR)
            except DecisionConflict as conflict:
                self.message_user(request, f"{submission}: {conflict.message}", messages.ERROR)
            else:
                self.message_user(request, f"{submission}: approved.")
