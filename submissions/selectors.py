from __future__ import annotations

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts.models import User
from audit.services import audit_access_refused
from planning.models import DeadlineExtension
from planning.selectors import organisations_visible_to

from .models import Finding, Severity, Submission, TemplateVersion, Version


def submissions_for_user(*, user: User) -> QuerySet[Submission]:
    """Every return the user may read; the base of every list and lookup of returns.
    Each carries `deadline`: the organisation's extended deadline where it has one."""
    extension = DeadlineExtension.objects.filter(
        collection_id=OuterRef("collection_id"), organisation_id=OuterRef("organisation_id")
    ).values("deadline")[:1]
    return (
        Submission.objects.filter(organisation__in=organisations_visible_to(user=user).values("pk"))
        .select_related(
            "collection", "collection__planning_round", "organisation", "current_version", "submitted_version",
            "submitted_by",
        )
        .annotate(deadline=Coalesce(Subquery(extension), "collection__deadline"))
    )


def submission_get_for_user(*, user: User, pk: int) -> Submission:
    try:
        return submissions_for_user(user=user).get(pk=pk)
    except Submission.DoesNotExist:
        audit_access_refused(user=user, queryset=Submission.objects.select_related("organisation"), lookup={"pk": pk})
        raise Http404("No such return") from None


def versions_for_user(*, user: User) -> QuerySet[Version]:
    return Version.objects.filter(
        submission__organisation__in=organisations_visible_to(user=user).values("pk")
    ).select_related("submission", "submission__collection", "submission__organisation", "uploaded_by")


def version_get_for_user(*, user: User, pk: int) -> Version:
    try:
        return versions_for_user(user=user).get(pk=pk)
    except Version.DoesNotExist:
        audit_access_refused(user=user, queryset=Version.objects.select_related("submission__organisation"),
                             lookup={"pk": pk})
        raise Http404("No such version") from None


def versions_of_submission(*, submission: Submission) -> QuerySet[Version]:
    return submission.versions.select_related("uploaded_by").order_by("-number")


def findings_of_version(*, version: Version) -> QuerySet[Finding]:
    return version.findings.order_by("sheet", "severity", "id")


def warnings_of_version(*, version: Version) -> QuerySet[Finding]:
    return version.findings.filter(severity=Severity.WARNING).order_by("sheet", "id")


def findings_by_sheet(*, version: Version) -> list[tuple[str, list[Finding]]]:
    grouped: dict[str, list[Finding]] = {}
    for finding in findings_of_version(version=version):
        grouped.setdefault(finding.sheet or "Whole file", []).append(finding)
    return list(grouped.items())


def template_versions_accepted(*, collection_id: int) -> list[str]:
    return list(
        TemplateVersion.objects.filter(collection_id=collection_id, is_accepted=True).values_list("version", flat=True)
    )


def template_version_latest(*, collection_id: int) -> TemplateVersion | None:
    return TemplateVersion.objects.filter(collection_id=collection_id).order_by("-issued_at", "-version").first()


def version_with_findings(*, version_pk: int) -> Version:
    return Version.objects.prefetch_related(Prefetch("findings", queryset=Finding.objects.order_by("sheet", "id"))).get(
        pk=version_pk
    )
