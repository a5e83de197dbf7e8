from __future__ import annotations

import django_filters
from django.db.models import Q

from submissions.models import Submission


class SubmissionFilter(django_filters.FilterSet):
    round = django_filters.CharFilter(
        method="filter_round", help_text="Round id or name, e.g. 2021/22."
    )
    organisation = django_filters.CharFilter(
        field_name="organisation__ods_code", lookup_expr="iexact", help_text="ODS code."
    )
    collection = django_filters.CharFilter(
        field_name="collection__code", lookup_expr="iexact", help_text="Collection code."
    )
    stage = django_filters.CharFilter(field_name="collection__stage")
    status = django_filters.CharFilter(field_name="status")

    class Meta:
        model = Submission
        fields = ["round", "organisation", "collection", "stage", "status"]

    def filter_round(self, queryset, name, value):
        condition = Q(collection__planning_round__name=value)
        if value.isdigit():
            condition |= Q(collection__planning_round_id=int(value))
        return queryset.filter(condition)
