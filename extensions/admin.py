"""Django admin for the deadline in force (`DeadlineExtension`): every change goes through the
services, audited and kept in the request history."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from .models import DeadlineExtension
from .services import deadline_change_check, deadline_extension_grant


class DeadlineExtensionForm(forms.ModelForm):
    class Meta:
        model = DeadlineExtension
        fields = ["collection", "organisation", "deadline", "reason"]

    def clean(self):
        data = super().clean()
        collection = data.get("collection") or getattr(self.instance, "collection", None)
        organisation = data.get("organisation") or getattr(self.instance, "organisation", None)
        if collection and organisation and data.get("deadline"):
            if self.instance.pk is None and data["deadline"] <= collection.deadline:
                raise ValidationError("Choose a deadline after the collection's own deadline.")
            try:
                deadline_change_check(
                    collection=collection,
                    organisation=organisation,
                    deadline=data["deadline"],
                    reason=data.get("reason") or "",
                )
            except ValidationError as error:
                raise ValidationError(error.messages) from None
        return data

    def validate_unique(self):
        # deadline_extension_grant replaces an organisation's extension rather than adding one.
        pass


@admin.register(DeadlineExtension)
class DeadlineExtensionAdmin(admin.ModelAdmin):
    """Granting, changing and removing go through deadline_extension_grant: audited, kept in the
    request history and notified, exactly as from the return's extensions page."""

    form = DeadlineExtensionForm
    list_display = ["organisation", "collection", "deadline", "granted_by", "granted_at"]
    list_select_related = ["organisation", "collection", "granted_by"]
    raw_id_fields = ["organisation", "collection"]

    def get_readonly_fields(self, request, obj=None):
        return ["collection", "organisation", "granted_by"] if obj else ["granted_by"]

    def save_model(self, request, obj, form, change):
        extension = deadline_extension_grant(
            collection=obj.collection,
            organisation=obj.organisation,
            deadline=obj.deadline,
            reason=obj.reason,
            granted_by=request.user,
            request=request,
        )
        if extension is not None:
            # The admin links to the saved row in its confirmation message.
            obj.pk = extension.pk

    def delete_model(self, request, obj):
        self._back_to_collection_deadline(request, obj)

    def delete_queryset(self, request, queryset):
        for extension in queryset.select_related("collection", "organisation"):
            self._back_to_collection_deadline(request, extension)

    def _back_to_collection_deadline(self, request, extension: DeadlineExtension) -> None:
        deadline_extension_grant(
            collection=extension.collection,
            organisation=extension.organisation,
            deadline=extension.collection.deadline,
            reason="Extension removed in Django admin.",
            granted_by=request.user,
            request=request,
        )
