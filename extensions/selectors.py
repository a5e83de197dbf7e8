from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from planning.models import Collection, ExtensionRequest, Organisation
from planning.selectors import return_visibility


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
