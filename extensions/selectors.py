from __future__ import annotations

from django.db.models import Count, QuerySet
from django.http import Http404

from accounts.models import User
from planning.models import Collection, Organisation
from planning.selectors import regions_visible_to
from submissions.selectors import return_visibility

from .models import ExtensionRequest, ExtensionStatus


def extension_history(
    *, collection: Collection, organisation: Organisation
) -> QuerySet[ExtensionRequest]:
    return ExtensionRequest.objects.filter(
        collection=collection, organisation=organisation
    ).select_related("requested_by", "decided_by")


def extension_request_get_for_user(*, user: User, pk: int) -> ExtensionRequest:
    try:
        return ExtensionRequest.objects.select_related("collection", "organisation").get(
            return_visibility(user=user), pk=pk
        )
    except ExtensionRequest.DoesNotExist:
        raise Http404("No such request") from None


def extension_requests_for_reviewer(*, user: User) -> QuerySet[ExtensionRequest]:
    """Every extension request from the organisations of the regions the user reviews, oldest
    waiting first (a national admin's: every region's)."""
    return (
        ExtensionRequest.objects.filter(organisation__region__in=regions_visible_to(user=user))
        .select_related("collection", "organisation", "requested_by")
        .order_by("requested_at", "id")
    )


def extension_status_counts(*, requests: QuerySet[ExtensionRequest]) -> list[tuple[str, str, int]]:
    """(status, label, count) for every status, in the enum's order, from one query."""
    counts = dict(requests.order_by().values_list("status").annotate(n=Count("pk")))
    return [(status, label, counts.get(status, 0)) for status, label in ExtensionStatus.choices]
