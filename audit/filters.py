from __future__ import annotations

import django_filters
from django import forms

from core.forms import DatePartsField

from .models import REVIEW_ACTION_LABELS, AuditAction, AuditEvent

EXAMPLE = "For example, 3 5 2021."


class DatePartsFilter(django_filters.Filter):
    """A date filter typed into the GOV.UK date input."""

    field_class = DatePartsField


class AuditEventFilter(django_filters.FilterSet):
    """The admins' search of the trail. Every filter uses an indexed column or a bounded scan."""

    actor = django_filters.CharFilter(
        field_name="actor_name", lookup_expr="iexact", label="Username"
    )
    # Reviews record their own actions beside the portal's.
    action = django_filters.ChoiceFilter(
        choices=AuditAction.choices + list(REVIEW_ACTION_LABELS.items()),
        empty_label="Any action",
    )
    organisation = django_filters.CharFilter(
        field_name="organisation_code", lookup_expr="iexact", label="Organisation code"
    )
    submission = django_filters.NumberFilter(field_name="submission_id", label="Return id")
    object = django_filters.CharFilter(
        method="filter_object",
        label="Object",
        help_text="A type and id, like submissions.Version:12, or words of its name",
    )
    since = DatePartsFilter(
        field_name="occurred_at", lookup_expr="date__gte", label="From date", help_text=EXAMPLE
    )
    until = DatePartsFilter(
        field_name="occurred_at", lookup_expr="date__lte", label="To date", help_text=EXAMPLE
    )

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    @property
    def form(self):
        form = super().form
        for field in form.fields.values():
            if isinstance(field, DatePartsField):
                continue  # the date input styles its own boxes
            css = (
                "nhsuk-select"
                if isinstance(field.widget, forms.Select)
                else "nhsuk-input nhsuk-input--width-20"
            )
            field.widget.attrs.setdefault("class", css)
        return form

    def filter_object(self, queryset, name, value):
        value = value.strip()
        object_type, _, object_id = value.partition(":")
        if object_id and "." in object_type:
            return queryset.filter(object_type__iexact=object_type, object_id=object_id.strip())
        return queryset.filter(object_label__icontains=value)
