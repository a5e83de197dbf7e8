from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from knox.models import AuthToken

from core.admin import ReadOnlyAdmin

from .models import Invitation, RoleAssignment, User
from .services import api_tokens_revoke, role_assignment_save, role_remove, user_account_save


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    raw_id_fields = ["organisation"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Role and account-permission changes made here go through the audited services."""

    inlines = [RoleAssignmentInline]

    def has_delete_permission(self, request, obj=None):
        # Deleting a person would take their roles and tokens with them unaudited; the portal
        # deactivates instead (clearing "Active" here is audited and revokes their tokens).
        return False

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
class InvitationAdmin(ReadOnlyAdmin):
    """Invitations carry a secret token emailed once and are sent from the portal's invite page,
    audited. The role one grants is decided when it is sent, so it is never changed here; a wrong
    invitation is left to expire and a new one sent."""

    list_display = [
        "email",
        "role",
        "organisation",
        "region",
        "created_at",
        "expires_at",
        "accepted_at",
    ]


admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class AuthTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by their owner; here they can only be read and revoked, through the same
    audited service as the owner's "API tokens" page."""

    list_display = ["token_key", "user", "created", "expiry"]
    list_select_related = ["user"]
    search_fields = ["token_key", "user__username"]
    fields = ["token_key", "user", "created", "expiry"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        self._revoke(request, obj)

    def delete_queryset(self, request, queryset):
        for token in queryset.select_related("user"):
            self._revoke(request, token)

    def _revoke(self, request, token: AuthToken) -> None:
        api_tokens_revoke(
            user=token.user,
            token_key=token.token_key,
            reason="Revoked in Django admin.",
            actor=request.user,
            request=request,
        )
