from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from .models import Collection, Organisation, PlanningRound, Region
from .reference_data import organisations_import_csv
from .services import collection_update, round_make_current, round_update


class OrganisationImportForm(forms.Form):
    file = forms.FileField(
        help_text="One of the reference CSVs: regions, ICSs, trusts, Cancer Alliances or LMSs."
    )


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = [
        "ods_code",
        "name",
        "org_type",
        "trust_kind",
        "region",
        "parent_ics",
        "is_active",
    ]
    list_filter = ["org_type", "trust_kind", "region", "is_active"]
    search_fields = ["ods_code", "name"]
    list_select_related = ["region", "parent_ics"]
    autocomplete_fields = ["parent_ics"]
    filter_horizontal = ["covered_icss"]
    change_list_template = "admin/planning/organisation/change_list.html"

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="planning_organisation_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not request.user.has_perm("planning.add_organisation"):
            return redirect("admin:index")
        form = OrganisationImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                label, result = organisations_import_csv(stream=form.cleaned_data["file"])
            except ValidationError as error:
                form.add_error("file", error)
            else:
                level = messages.WARNING if result.errors else messages.SUCCESS
                self.message_user(request, f"{label}: {result}", level)
                for error in result.errors[:50]:
                    self.message_user(request, error, messages.WARNING)
                return redirect("admin:planning_organisation_changelist")
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": "Import organisations",
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/planning/organisation/import.html", context)


class CollectionInline(admin.TabularInline):
    """Shown for reference; each collection is edited on its own page, through the audited
    service."""

    model = Collection
    extra = 0
    fields = ["code", "name", "stage", "deadline", "closes_at_deadline", "is_mandatory"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _changed_fields(form) -> dict:
    return {name: form.cleaned_data[name] for name in form.changed_data}


@admin.register(PlanningRound)
class PlanningRoundAdmin(admin.ModelAdmin):
    """Edits go through the same audited services as the portal's round pages."""

    list_display = ["name", "starts_on", "ends_on", "is_current"]
    inlines = [CollectionInline]
    actions = ["make_current"]

    def get_readonly_fields(self, request, obj=None):
        # Publishing and making current have their own audited services (the portal's round
        # pages, and the action here).
        return ["status", "is_current", "copied_from"] if obj else ["status", "is_current"]

    def save_model(self, request, obj, form, change):
        if change:
            round_update(planning_round=obj, changed_by=request.user, **_changed_fields(form))
        else:
            super().save_model(request, obj, form, change)

    @admin.action(description="Make the selected round current")
    def make_current(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Choose exactly one round.", messages.WARNING)
            return
        try:
            round_make_current(planning_round=queryset.get(), user=request.user, request=request)
        except ValidationError as refusal:
            self.message_user(request, " ".join(refusal.messages), messages.WARNING)

    def has_delete_permission(self, request, obj=None):
        # Deleting a round would delete every return of it.
        return False


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    """Edits go through collection_update, audited with before and after as in the portal."""

    list_display = ["code", "name", "stage", "planning_round", "deadline", "closes_at_deadline"]
    list_filter = ["planning_round", "stage", "closes_at_deadline"]
    search_fields = ["code", "name"]

    def has_add_permission(self, request):
        # Collections come with a round (copied or defined); there is no bare "add" in the portal.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        collection_update(collection=obj, changed_by=request.user, **_changed_fields(form))
