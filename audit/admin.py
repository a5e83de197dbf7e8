from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read only: the trail is append-only, so nobody adds, changes or deletes a row here."""

    list_display = [
        "occurred_at",
        "actor_name",
        "action",
        "object_type",
        "object_label",
        "organisation_code",
        "ip_address",
    ]
    list_filter = ["action"]
    search_fields = ["actor_name", "object_label", "organisation_code", "=object_id"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]
