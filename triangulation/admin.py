from django.contrib import admin

from .models import TriangulationBands


@admin.register(TriangulationBands)
class TriangulationBandsAdmin(admin.ModelAdmin):
    list_display = (
        "planning_round",
        "workforce_tolerance",
        "cost_tolerance",
        "pay_tolerance",
        "commissioner_tolerance",
        "updated_at",
    )
    list_select_related = ("planning_round",)
