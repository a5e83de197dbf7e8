from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import Invitation, RoleAssignment, User


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    raw_id_fields = ["organisation"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [RoleAssignmentInline]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "organisation", "region"]
    list_filter = ["role", "region"]
    search_fields = ["user__username", "organisation__ods_code", "organisation__name"]
    raw_id_fields = ["user", "organisation"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "role", "organisation", "region", "created_at", "expires_at", "accepted_at"]
    readonly_fields = ["token_hash", "invited_by", "accepted_at", "accepted_by"]
    exclude = []

    def has_add_permission(self, request):
        # Invitations carry a secret token emailed once; they are made through the portal's invite page.
        return False
