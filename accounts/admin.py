from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import Invitation, RoleAssignment, User
from .services import role_assignment_save, role_remove, user_account_save


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    raw_id_fields = ["organisation"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Role and account-permission changes made here go through the audited services."""

    inlines = [RoleAssignmentInline]

    def save_model(self, request, obj, form, change):
        user_account_save(user=obj, changed_by=request.user)

    def save_formset(self, request, form, formset, change):
        if formset.model is not RoleAssignment:
            return super().save_formset(request, form, formset, change)
        assignments = formset.save(commit=False)
        for assignment in formset.deleted_objects:
            role_remove(assignment=assignment, removed_by=request.user)
        for assignment in assignments:
            role_assignment_save(assignment=assignment, changed_by=request.user)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "organisation", "region"]
    list_filter = ["role", "region"]
    search_fields = ["user__username", "organisation__ods_code", "organisation__name"]
    raw_id_fields = ["user", "organisation"]

    def save_model(self, request, obj, form, change):
        role_assignment_save(assignment=obj, changed_by=request.user)

    def delete_model(self, request, obj):
        role_remove(assignment=obj, removed_by=request.user)

    def delete_queryset(self, request, queryset):
        for assignment in queryset.select_related("user", "organisation", "region"):
            role_remove(assignment=assignment, removed_by=request.user)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "role",
        "organisation",
        "region",
        "created_at",
        "expires_at",
        "accepted_at",
    ]
    readonly_fields = ["token_hash", "invited_by", "accepted_at", "accepted_by"]
    exclude = []

    def has_add_permission(self, request):
        # Invitations carry a secret token emailed once; they are made through the portal's invite
        # page.
        return False
