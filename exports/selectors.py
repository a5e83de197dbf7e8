"""Reads for exports: whose jobs a user sees, and what each export contains."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import User
from accounts.selectors import user_scope
from audit.services import audit_access_refused
from planning.models import Region
from planning.selectors import regions_visible_to
from submissions.models import ReturnValue, Submission

from .models import ExportJob


def may_request_exports(*, user: User) -> bool:
    scope = user_scope(user=user)
    return scope.is_national_admin or scope.is_reviewer


def export_regions_for_user(*, user: User) -> QuerySet[Region]:
    """Regions the user may export; only a national admin may also export the whole nation."""
    return regions_visible_to(user=user)


def exports_for_user(*, user: User) -> QuerySet[ExportJob]:
    """National admins see every export; a reviewer sees those of their regions, whoever asked."""
    scope = user_scope(user=user)
    jobs = ExportJob.objects.select_related(
        "planning_round", "collection", "region", "requested_by"
    )
    if scope.is_national_admin:
        return jobs.all()
    return jobs.filter(Q(region_id__in=scope.reviewer_region_ids))


def export_get_for_user(*, user: User, pk: int) -> ExportJob:
    try:
        return exports_for_user(user=user).get(pk=pk)
    except ExportJob.DoesNotExist:
        audit_access_refused(user=user, queryset=ExportJob.objects.all(), lookup={"pk": pk})
        raise Http404("No such export") from None


def export_submissions(*, job: ExportJob) -> QuerySet[Submission]:
    """The returns an export covers: the collection's (or the round's) returns in its region or
    nation."""
    submissions = Submission.objects.filter(collection__planning_round_id=job.planning_round_id)
    if job.collection_id:
        submissions = submissions.filter(collection_id=job.collection_id)
    if job.region_id:
        submissions = submissions.filter(region_id=job.region_id)
    return submissions.select_related(
        "collection", "organisation", "region", "submitted_version"
    ).order_by(
        "region__name",
        "organisation__ods_code",
        "collection__deadline",
        "collection__code",
    )


def values_of_version(*, version_id: int):
    """A version's stored numbers in sheet order, streamed: a national consolidation is large."""
    return (
        ReturnValue.objects.filter(version_id=version_id)
        .order_by("id")
        .values_list(
            "sheet",
            "organisation_code",
            "organisation_kind",
            "measure",
            "period",
            "is_baseline",
            "value",
        )
        .iterator(chunk_size=5000)
    )
