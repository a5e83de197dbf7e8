from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse

from core.admin import ReadOnlyAdmin
from core.exceptions import Conflict
from reviews.services import submission_reopen
from workbooks.specs import spec_versions

from .models import Finding, Submission, TemplateVersion, Version
from .selectors import collection_specs
from .services import template_version_issue


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    """A return's status changes only through transition(), by the reopen action here."""

    list_display = ["organisation", "collection", "status", "submitted_at", "is_late"]
    list_filter = ["status", "is_late", "collection__planning_round", "collection__code"]
    list_select_related = ["organisation", "collection"]
    search_fields = ["organisation__ods_code", "organisation__name", "collection__code"]
    actions = ["reopen"]

    @admin.action(description="Reopen approved returns (back to the organisation, with a reason)")
    def reopen(self, request, queryset):
        """The same service as the review page's "Reopen": a reason the organisations read, a
        decision in the review history, one audit event and a notice for each return."""
        form = ReopenForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return TemplateResponse(
                request,
                "admin/submissions/submission/reopen.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Reopen approved returns",
                    "opts": self.model._meta,
                    "form": form,
                    "returns": queryset,
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                },
            )
        reopened = 0
        for submission in queryset.select_related("organisation", "collection"):
            try:
                submission_reopen(
                    submission=submission,
                    reviewer=request.user,
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
                reopened += 1
            except (Conflict, PermissionDenied, ValidationError) as refused:
                message = refused.messages[0] if isinstance(refused, ValidationError) else refused
                self.message_user(request, f"{submission}: {message}", messages.WARNING)
        self.message_user(request, f"{reopened} return(s) reopened.")
        return None


class ReopenForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why the returns are reopened",
        help_text="The organisations see this reason in their notification and review history.",
    )


@admin.register(Version)
class VersionAdmin(ReadOnlyAdmin):
    list_display = [
        "submission",
        "number",
        "status",
        "original_name",
        "uploaded_by",
        "uploaded_at",
        "attempts",
    ]
    list_filter = ["status"]
    list_select_related = ["submission__organisation", "submission__collection", "uploaded_by"]
    search_fields = ["submission__organisation__ods_code", "sha256", "original_name"]


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ["version", "severity", "rule", "sheet", "cell", "message"]
    list_filter = ["severity"]
    list_select_related = ["version__submission__organisation", "version__submission__collection"]


class TemplateVersionForm(forms.ModelForm):
    class Meta:
        model = TemplateVersion
        fields = ["collection", "version", "is_accepted", "note"]

    def clean(self):
        data = super().clean()
        collection, version = data.get("collection"), data.get("version")
        if (
            collection
            and version
            and version not in spec_versions(specs=collection_specs(collection=collection))
        ):
            raise ValidationError(
                {"version": f"{collection.title} has no template layout {version}."}
            )
        return data


@admin.register(TemplateVersion)
class TemplateVersionAdmin(admin.ModelAdmin):
    form = TemplateVersionForm
    list_display = ["collection", "version", "is_accepted", "issued_at", "issued_by"]
    list_filter = ["is_accepted", "collection__planning_round"]
    list_select_related = ["collection", "issued_by"]
    readonly_fields = ["issued_by", "issued_at"]

    def has_change_permission(self, request, obj=None):
        # Which layouts are accepted changes only by issuing a new one (audited, and every
        # organisation owing the return told), as when a round's definition is updated.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # Issuing goes through the service: older versions stay accepted as they were.
        still_accepted = list(
            obj.collection.template_versions.filter(is_accepted=True).values_list(
                "version", flat=True
            )
        )
        issued = template_version_issue(
            collection=obj.collection,
            version=obj.version,
            still_accepted=still_accepted,
            note=obj.note,
            issued_by=request.user,
        )
        obj.pk, obj.issued_at, obj.issued_by = issued.pk, issued.issued_at, issued.issued_by
