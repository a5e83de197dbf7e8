from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from core.admin import ReadOnlyAdmin
from submissions.rounds import collection_update

from .forms import CollectionForm
from .models import (
    Collection,
    Organisation,
    OrganisationLink,
    PlanningRound,
    Region,
    SignOffDelegation,
)
from .reference_data import organisations_import_csv
from .services import round_make_current, round_update, sign_off_delegation_revoke


class OrganisationImportForm(forms.Form):
    file = forms.FileField(
        help_text="One of the reference CSVs (regions, ICSs, trusts, CCGs, Cancer Alliances or "
        "LMSs), or an organisation changes file (ICBs established, organisations moving between "
        "systems or closing, each from its effective date)."
    )


class OrganisationLinkInline(admin.TabularInline):
    """The relationships an organisation held before its latest changes, with their dates."""

    model = OrganisationLink
    fk_name = "organisation"
    extra = 0
    can_delete = False
    fields = ["kind", "other", "region", "valid_from", "valid_to", "source"]
    readonly_fields = fields
    verbose_name = "earlier relationship"

    def has_add_permission(self, request, obj=None):
        return False


class ReferenceDataAdmin(admin.ModelAdmin):
    """Reference data comes and goes by import, with dates; deleting a row here would take its
    returns' deadlines, extensions and sign-off arrangements with it, unaudited."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Region)
class RegionAdmin(ReferenceDataAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Organisation)
class OrganisationAdmin(ReferenceDataAdmin):
    list_display = [
        "ods_code",
        "name",
        "org_type",
        "trust_kind",
        "region",
        "parent_ics",
        "valid_from",
        "valid_to",
        "is_active",
    ]
    list_filter = ["org_type", "trust_kind", "region", "is_active"]
    inlines = [OrganisationLinkInline]
    # A relationship changes from a date, through an organisation changes file, so that rounds
    # with an earlier reference date keep seeing the organisation where it was (ADR 0030).
    dated_fields = [
        "org_type",
        "region",
        "parent_ics",
        "lead_ccg",
        "covered_icss",
        "valid_from",
        "valid_to",
    ]
    search_fields = ["ods_code", "name"]
    list_select_related = ["region", "parent_ics"]
    autocomplete_fields = ["parent_ics"]
    filter_horizontal = ["covered_icss"]
    change_list_template = "admin/planning/organisation/change_list.html"

    def get_readonly_fields(self, request, obj=None):
        return self.dated_fields if obj is not None else []

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

    list_display = ["name", "starts_on", "ends_on", "reference_date", "is_current"]
    inlines = [CollectionInline]
    actions = ["make_current"]

    # Only the name is edited here: a round's definition and dates change on the portal's round
    # pages, which check the definition; publishing and making current have their own audited
    # services (the portal's round pages, and the action here).
    readonly_fields = [
        field.name for field in PlanningRound._meta.fields if field.name not in ("id", "name")
    ]

    def has_add_permission(self, request):
        # A round is set up from its definition file or copied from another in the portal, both
        # audited, and comes with its collections; a bare round here would have none.
        return False

    def save_model(self, request, obj, form, change):
        round_update(planning_round=obj, changed_by=request.user, **_changed_fields(form))

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
    # Code, stage and round are fixed once a collection may have returns; the rest is what the
    # portal's collection page offers.
    readonly_fields = ["code", "stage", "planning_round"]
    fields = [*readonly_fields, *CollectionForm.Meta.fields]

    def has_add_permission(self, request):
        # Collections come with a round (copied or defined); there is no bare "add" in the portal.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        collection_update(collection=obj, changed_by=request.user, **_changed_fields(form))


@admin.register(SignOffDelegation)
class SignOffDelegationAdmin(ReadOnlyAdmin):
    """Providers hand sign-off to their system on their "Who signs off your returns" page; here
    it can be read and taken back, through the same service."""

    list_display = ["organisation", "system", "starts_on", "granted_by", "revoked_at"]
    list_select_related = ["organisation", "system", "granted_by"]
    list_filter = ["revoked_at"]
    search_fields = ["organisation__ods_code", "organisation__name", "system__ods_code"]
    readonly_fields = [field.name for field in SignOffDelegation._meta.fields]
    actions = ["revoke"]

    @admin.action(description="Take sign-off back from the system")
    def revoke(self, request, queryset):
        for delegation in queryset.filter(revoked_at__isnull=True):
            try:
                sign_off_delegation_revoke(
                    delegation=delegation, user=request.user, request=request
                )
            except (PermissionDenied, ValidationError) as refused:
                self.message_user(request, f"{delegation}: {refused}", messages.ERROR)
            else:
                self.message_user(request, f"{delegation}: sign-off taken back.")
