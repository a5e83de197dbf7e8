from __future__ import annotations

from dataclasses import dataclass

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts.models import Role, User
from accounts.selectors import people_named, user_scope, users_holding_role
from audit.services import audit_access_refused
from planning.models import DeadlineExtension, OrganisationType
from planning.selectors import sign_off_delegated, submission_visibility

from .models import Finding, Severity, Submission, TemplateVersion, Version


def submissions_for_user(*, user: User) -> QuerySet[Submission]:
    """Every return the user may read; the base of every list and lookup of returns.
    Each carries `deadline`: the organisation's extended deadline where it has one."""
    extension = DeadlineExtension.objects.filter(
        collection_id=OuterRef("collection_id"), organisation_id=OuterRef("organisation_id")
    ).values("deadline")[:1]
    return (
        Submission.objects.filter(submission_visibility(user=user))
        .select_related(
            "collection",
            "collection__planning_round",
            "organisation",
            "current_version",
            "submitted_version",
            "submitted_by",
        )
        .annotate(deadline=Coalesce(Subquery(extension), "collection__deadline"))
    )


def submission_get_for_user(*, user: User, pk: int) -> Submission:
    try:
        return submissions_for_user(user=user).get(pk=pk)
    except Submission.DoesNotExist:
        audit_access_refused(
            user=user, queryset=Submission.objects.select_related("organisation"), lookup={"pk": pk}
        )
        raise Http404("No such return") from None


def versions_for_user(*, user: User) -> QuerySet[Version]:
    # Through the returns the user may read, so a lead CCG sees the versions of returns it submits.
    return Version.objects.filter(
        submission__in=submissions_for_user(user=user).values("pk")
    ).select_related(
        "submission", "submission__collection", "submission__organisation", "uploaded_by"
    )


def version_get_for_user(*, user: User, pk: int) -> Version:
    try:
        return versions_for_user(user=user).get(pk=pk)
    except Version.DoesNotExist:
        audit_access_refused(
            user=user,
            queryset=Version.objects.select_related("submission__organisation"),
            lookup={"pk": pk},
        )
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
        TemplateVersion.objects.filter(collection_id=collection_id, is_accepted=True).values_list(
            "version", flat=True
        )
    )


def template_version_latest(*, collection_id: int) -> TemplateVersion | None:
    return (
        TemplateVersion.objects.filter(collection_id=collection_id)
        .order_by("-issued_at", "-version")
        .first()
    )


def version_with_findings(*, version_pk: int) -> Version:
    return Version.objects.prefetch_related(
        Prefetch("findings", queryset=Finding.objects.order_by("sheet", "id"))
    ).get(pk=version_pk)


@dataclass(frozen=True)
class SigningCapacity:
    """The capacity in which a user may sign off a return, as it is recorded on the submission."""

    role: str
    on_behalf_of_id: int | None = None


def _covering_note(*, delegator_id: int | None) -> str:
    if delegator_id is None:
        return ""
    delegator = User.objects.filter(pk=delegator_id).first()
    return (
        f", covering for {delegator.get_full_name() or delegator.get_username()}"
        if delegator
        else ""
    )


def signing_capacity(*, user: User, submission: Submission) -> SigningCapacity | None:
    """Whether and how the user may sign off this return: as its own signatory or system lead, as
    the system lead of the ICS a provider belongs to, as a signatory of an ICS's lead CCG for the
    returns the lead CCG submits on its behalf, or covering for a colleague in one of those roles."""
    scope = user_scope(user=user)
    organisation = submission.organisation
    if organisation.pk in scope.signatory_organisation_ids:
        role = Role.SYSTEM_LEAD if organisation.pk in scope.lead_ics_ids else Role.SIGNATORY
        delegator = scope.covering_for.get((role, organisation.pk))
        return SigningCapacity(
            role=f"{role.label}{_covering_note(delegator_id=delegator)}", on_behalf_of_id=delegator
        )
    if (
        submission.system_id
        and submission.system_id in scope.lead_ics_ids
        and _system_may_sign(submission=submission)
    ):
        delegator = scope.covering_for.get((Role.SYSTEM_LEAD, submission.system_id))
        kind = organisation.get_org_type_display()
        return SigningCapacity(
            role=f"System lead of {submission.system.name}, for the {kind}{_covering_note(delegator_id=delegator)}",
            on_behalf_of_id=delegator,
        )
    if _lead_ccg_acts_for(submission=submission, organisation_ids=scope.signatory_organisation_ids):
        delegator = scope.covering_for.get((Role.SIGNATORY, organisation.lead_ccg_id))
        return SigningCapacity(
            role=f"Signatory of the lead CCG, on behalf of the ICS{_covering_note(delegator_id=delegator)}",
            on_behalf_of_id=delegator,
        )
    return None


def _system_may_sign(*, submission: Submission) -> bool:
    """A provider's returns are signed by its own signatories, unless it has handed sign-off to
    its system in the portal."""
    organisation = submission.organisation
    return organisation.org_type != OrganisationType.PROVIDER or sign_off_delegated(
        organisation_id=organisation.pk, system_id=submission.system_id
    )


def signing_refusal(*, user: User, submission: Submission) -> str:
    """Why a system lead who may read a provider's return may not sign it, and whom to ask."""
    if (
        submission.system_id not in user_scope(user=user).lead_ics_ids
        or _system_may_sign(submission=submission)
        or signing_capacity(user=user, submission=submission)
    ):
        return ""
    organisation = submission.organisation
    signatories = people_named(
        users=users_holding_role(role=Role.SIGNATORY, organisation_id=organisation.pk)
    )
    ask = f"Ask {signatories} to sign it off, or" if signatories else "Ask"
    return (
        f"Only a signatory of {organisation.name} can sign off this return: it has not handed "
        f"sign-off to {submission.system.name} in the portal. {ask} a signatory of "
        f"{organisation.name} to hand sign-off to the system from its returns page."
    )


def _lead_ccg_acts_for(*, submission: Submission, organisation_ids: frozenset[int]) -> bool:
    organisation = submission.organisation
    return bool(
        submission.collection.lead_ccg_may_submit
        and organisation.lead_ccg_id
        and organisation.lead_ccg_id in organisation_ids
    )


def may_upload(*, user: User, submission: Submission) -> bool:
    """Members of the organisation, its system lead, and for some returns an ICS's lead CCG."""
    scope = user_scope(user=user)
    organisation = submission.organisation
    return (
        organisation.pk in scope.organisation_ids
        or (submission.system_id is not None and submission.system_id in scope.lead_ics_ids)
        or _lead_ccg_acts_for(submission=submission, organisation_ids=scope.organisation_ids)
    )


def submission_for_collection(*, user: User, collection, organisation) -> Submission:
    try:
        return submissions_for_user(user=user).get(collection=collection, organisation=organisation)
    except Submission.DoesNotExist:
        raise Http404("No such return") from None


def version_of_submission(*, submission: Submission, pk: int | str | None) -> Version | None:
    """One of the return's own versions by id, or None: ids of other returns' versions find nothing."""
    if pk is None or not str(pk).isdigit():
        return None
    return submission.versions.filter(pk=int(pk)).first()
