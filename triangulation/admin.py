from django.contrib import admin

from .models import TriangulationBands
from .services import triangulation_bands_save


@admin.register(TriangulationBands)
class TriangulationBandsAdmin(admin.ModelAdmin):
    """Changes are audited with before and after; a round's bands are changed, never deleted
    (setting them back to the defaults is a change like any other)."""

    list_display = (
        "planning_round",
        "workforce_tolerance",
        "cost_tolerance",
        "pay_tolerance",
        "commissioner_tolerance",
        "updated_at",
    )
    list_select_related = ("planning_round",)

    def get_readonly_fields(self, request, obj=None):
        return ["planning_round"] if obj else []

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        triangulation_bands_save(bands=obj, changed_by=request.user)
