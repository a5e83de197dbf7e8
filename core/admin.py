from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that are evidence or made only by the portal's services: read in Django admin,
    never added, edited or deleted there."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
