from __future__ import annotations

import django_filters
from django import forms
from django.db.models import F, Q

from core.forms import NHSFormMixin
from planning.models import Stage
from submissions.models import Submission, SubmissionStatus

YES_NO = (("", "Any"), ("yes", "Yes"), ("no", "No"))
SORTS = (
    ("deadline", "Deadline, earliest first"),
    ("-deadline", "Deadline, latest first"),
    ("submitted", "Submitted, earliest first"),
    ("-submitted", "Submitted, latest first"),
)


class QueueFilterForm(NHSFormMixin, forms.Form):
    pass


class ReviewQueueFilter(django_filters.FilterSet):
    """The reviewer queue's filters; plain GET parameters so the form works without JavaScript."""

    collection = django_filters.ChoiceFilter(
        field_name="collection__code", label="Collection", empty_label="All"
    )
    stage = django_filters.ChoiceFilter(
        field_name="collection__stage", choices=Stage.choices, label="Stage", empty_label="All"
    )
    status = django_filters.ChoiceFilter(
        choices=SubmissionStatus.choices, label="Status", empty_label="All"
    )
    ics = django_filters.ChoiceFilter(method="filter_ics", label="ICS", empty_label="All")
    late = django_filters.ChoiceFilter(
        method="filter_late", choices=YES_NO[1:], label="Late", empty_label="Any"
    )
    waiting = django_filters.BooleanFilter(
        method="filter_waiting",
        label="Waiting for me",
        widget=forms.CheckboxInput,
        help_text="Submitted and not yet decided, or the organisation replied to a comment.",
    )
    sort = django_filters.ChoiceFilter(
        method="sort_by", choices=SORTS, label="Sort by", empty_label=None
    )

    class Meta:
        model = Submission
        form = QueueFilterForm
        fields = ["collection", "stage", "status", "ics", "late", "waiting", "sort"]

    def __init__(self, *args, collections: list[str], icss: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["collection"].extra["choices"] = [(code, code) for code in collections]
        self.filters["ics"].extra["choices"] = icss

    def filter_queryset(self, queryset):
        # Sorting is a filter so it lives in the same GET form; without a choice, deadline first.
        if not self.form.cleaned_data.get("sort"):
            queryset = self.sort_by(queryset, "sort", "deadline")
        return super().filter_queryset(queryset)

    def filter_ics(self, queryset, name, value):
        return queryset.filter(Q(organisation__ods_code=value) | Q(system__ods_code=value))

    def filter_late(self, queryset, name, value):
        return queryset.filter(is_late=value == "yes")

    def filter_waiting(self, queryset, name, value):
        return queryset.filter(waiting=True) if value else queryset

    def sort_by(self, queryset, name, value):
        field = "submitted_at" if value.lstrip("-") == "submitted" else "deadline"
        order = (
            F(field).desc(nulls_last=True)
            if value.startswith("-")
            else F(field).asc(nulls_last=True)
        )
        return queryset.order_by(order, "organisation__name", "collection__code", "pk")
