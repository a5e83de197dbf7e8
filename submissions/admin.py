from django.contrib import admin

from .models import Submission


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["organisation", "collection", "status", "submitted_at", "is_late"]
    list_filter = ["status", "is_late", "collection__planning_round"]
    list_select_related = ["organisation", "collection"]
    search_fields = ["organisation__ods_code", "organisation__name", "collection__code"]
    readonly_fields = ["status", "submitted_at", "is_late"]
