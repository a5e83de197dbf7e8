from django.contrib import admin

from .models import Comment, Decision, Endorsement


class ReadOnlyAdmin(admin.ModelAdmin):
    """Review records are evidence: they are read in the admin, never edited or deleted there."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
