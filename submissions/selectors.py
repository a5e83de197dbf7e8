from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from accounts.models import Role, User
from accounts.selectors import people_named, user_scope, users_holding_role
from audit.services import audit_access_refused
from core.formatting import days_until
from extensions.models import DeadlineExtension
from planning.definitions import round_definition
from planning.models import Collection, Organisation, OrganisationType, PlanningRound, Region
from planning.selectors import (
    collections_owed_by,
    organisation_sort_key,
    sign_off_delegated,
    submission_visibility,
)
from workbooks.definition import template_from_data
from workbooks.figures import KeyFigure, baseline_name, key_figures
from workbooks.model import OWN_BLOCK, GridSheet, TemplateSpec
from workbooks.reader import template_sheet_names
from workbooks.rule_titles import rule_title
from workbooks.specs import spec_for, template_layout_key
from workbooks.types import Finding as FindingData

from .models import (
    Finding,
    ReturnValue,
    Severity,
    Submission,
    SubmissionStatus,
    TemplateVersion,
    Version,
    VersionStatus,
    status_as_shown,
)
from .transitions import Action, allowed_actions


def _named_provider_visibility(*, user: User) -> Q:
    """A provider a system named to submit a return for it reads that return."""
    organisation_ids = user_scope(user=user).organisation_ids
    return Q(named_provider_id__in=organisation_ids) if organisation_ids else Q(pk__in=[])


def submissions_for_user(*, user: User) -> QuerySet[Submission]:
    """Every return the user may read; the base of every list and lookup of returns.
    Each carries `deadline`: the organisation's extended deadline where it has one."""
    extension = DeadlineExtension.objects.filter(
        collection_id=OuterRef("collection_id"), organisation_id=OuterRef("organisation_id")
    ).values("deadline")[:1]
    return (
        Submission.objects.filter(
            submission_visibility(user=user) | _named_provider_visibility(user=user)
        )
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


def may_view_submission(*, user: User, submission: Submission) -> bool:
    """The rule of `submissions_for_user` asked of one return, so the permission and every list
    agree (a lead CCG's people see the returns it submits on its ICS's behalf)."""
    return submissions_for_user(user=user).filter(pk=submission.pk).exists()


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
    """The layout organisations download: the newest issued, whenever each was issued."""
    issued = TemplateVersion.objects.filter(collection_id=collection_id)
    return max(issued, key=lambda template: template_layout_key(template.version), default=None)


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
    returns the lead CCG submits on its behalf, or covering for a colleague in one of those
    roles."""
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
            role=f"System lead of {submission.system.name}, for the "
            f"{kind}{_covering_note(delegator_id=delegator)}",
            on_behalf_of_id=delegator,
        )
    if _named_provider_acts_for(
        submission=submission, organisation_ids=scope.signatory_organisation_ids
    ):
        delegator = scope.covering_for.get((Role.SIGNATORY, submission.named_provider_id))
        return SigningCapacity(
            role=f"Signatory of {submission.named_provider.name}, named by the system to submit "
            f"this return{_covering_note(delegator_id=delegator)}",
            on_behalf_of_id=delegator,
        )
    if _lead_ccg_acts_for(submission=submission, organisation_ids=scope.signatory_organisation_ids):
        delegator = scope.covering_for.get((Role.SIGNATORY, organisation.lead_ccg_id))
        return SigningCapacity(
            role=f"Signatory of the lead CCG, on behalf of the "
            f"ICS{_covering_note(delegator_id=delegator)}",
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


def _named_provider_acts_for(*, submission: Submission, organisation_ids: frozenset[int]) -> bool:
    return bool(
        submission.collection.named_provider_may_submit
        and submission.named_provider_id
        and submission.named_provider_id in organisation_ids
    )


def named_provider_acts_for(*, user: User, submission: Submission) -> bool:
    return _named_provider_acts_for(
        submission=submission, organisation_ids=user_scope(user=user).organisation_ids
    )


def may_name_provider(*, user: User, submission: Submission) -> bool:
    """The system's own lead or signatory names (or stops naming) the provider that submits a
    return the collection lets a named provider submit; never once it is submitted."""
    scope = user_scope(user=user)
    return bool(
        submission.collection.named_provider_may_submit
        and submission.submitted_at is None
        and (
            submission.organisation_id in scope.lead_ics_ids
            or submission.organisation_id in scope.signatory_organisation_ids
        )
    )


def may_upload(*, user: User, submission: Submission) -> bool:
    """Members of the organisation, its system lead, for some returns an ICS's lead CCG, and the
    provider a system named to submit a return for it."""
    scope = user_scope(user=user)
    organisation = submission.organisation
    return (
        organisation.pk in scope.organisation_ids
        or (submission.system_id is not None and submission.system_id in scope.lead_ics_ids)
        or _lead_ccg_acts_for(submission=submission, organisation_ids=scope.organisation_ids)
        or _named_provider_acts_for(submission=submission, organisation_ids=scope.organisation_ids)
    )


def submission_for_collection(*, user: User, collection, organisation) -> Submission:
    try:
        return submissions_for_user(user=user).get(collection=collection, organisation=organisation)
    except Submission.DoesNotExist:
        raise Http404("No such return") from None


UNKNOWN_VERSION = (
    "That version is not part of this return. Reload the page and choose one of its versions."
)


def version_named(*, submission: Submission, pk: int | str | None) -> Version:
    """The return's own version a form or request names; refused alike in the browser and API."""
    version = version_of_submission(submission=submission, pk=pk)
    if version is None:
        raise ValidationError({"version": UNKNOWN_VERSION})
    return version


def version_of_submission(*, submission: Submission, pk: int | str | None) -> Version | None:
    """One of the return's own versions by id, or None: ids of other returns' versions find
    nothing."""
    if pk is None or not str(pk).isdigit():
        return None
    return submission.versions.filter(pk=int(pk)).first()


@dataclass(frozen=True)
class WarningGroup:
    """The warnings of one rule about one measure on one sheet: explained once, together."""

    rule: str
    sheet: str
    measure: str
    findings: list[Finding]
    earlier_explanation: str = ""
    explained_on_version: int | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.rule, self.sheet, self.measure)

    @property
    def title(self) -> str:
        what = rule_title(self.rule)
        return f"{what}: {self.measure}" if self.measure else what


def _earlier_explanations(*, version: Version) -> dict[tuple[str, str, str], tuple[str, int]]:
    """The newest explanation given for each kind of warning on this or an earlier version."""
    rows = (
        Finding.objects.filter(
            version__submission_id=version.submission_id,
            version__number__lte=version.number,
            severity=Severity.WARNING,
        )
        .exclude(explanation="")
        .order_by("-version__number", "id")
        .values_list("rule", "sheet", "measure", "explanation", "version__number")
    )
    earlier: dict[tuple[str, str, str], tuple[str, int]] = {}
    for rule, sheet, measure, explanation, number in rows:
        earlier.setdefault((rule, sheet, measure), (explanation, number))
    return earlier


def warning_groups(*, version: Version) -> list[WarningGroup]:
    """The version's warnings grouped by rule, sheet and measure, each with the explanation given
    for the same kind of warning before, so it is confirmed instead of typed again."""
    grouped: dict[tuple[str, str, str], list[Finding]] = {}
    for finding in warnings_of_version(version=version):
        grouped.setdefault((finding.rule, finding.sheet, finding.measure), []).append(finding)
    earlier = _earlier_explanations(version=version) if grouped else {}
    groups = []
    for key, findings in grouped.items():
        explanation, number = earlier.get(key, ("", None))
        groups.append(
            WarningGroup(
                *key,
                findings=findings,
                earlier_explanation=explanation,
                explained_on_version=number,
            )
        )
    return groups


_NOT_SUBMITTABLE = {
    VersionStatus.QUEUED: "is waiting to be checked: wait a few seconds and try again",
    VersionStatus.RUNNING: "is being checked: wait a few seconds and try again",
    VersionStatus.INVALID: "has errors: fix them and upload the file again",
    VersionStatus.REJECTED: "was rejected: upload a file made from the template",
    VersionStatus.FAILED: "could not be checked: upload it again",
}
_ALREADY_SUBMITTED = {
    SubmissionStatus.SUBMITTED: "Version {n} is already submitted.",
    SubmissionStatus.APPROVED: "Version {n} has been approved.",
    SubmissionStatus.CHANGES_REQUESTED: "Your regional team asked for changes to version {n}: "
    "upload a new version with the changes and submit that.",
}
_SUBMIT_ACTIONS = frozenset({Action.SUBMIT, Action.RESUBMIT})


def submit_refusal(*, submission: Submission, version: Version) -> str:
    """Why this version cannot be submitted now, or "" when it can. Any version checked without
    errors can be, not only the newest; no queries, so a page can ask it of every version."""
    if version.submission_id != submission.pk:
        return "That version belongs to another return."
    if submission.submitted_version_id == version.pk:
        return _ALREADY_SUBMITTED.get(submission.status, "").format(n=version.number)
    if version.status != VersionStatus.VALID:
        return (
            "Only a version that has been checked and has no errors can be submitted. "
            f"Version {version.number} {_NOT_SUBMITTABLE[version.status]}."
        )
    if not _SUBMIT_ACTIONS & set(allowed_actions(status=submission.status)):
        return (
            "This return has been approved, so no other version can be submitted. "
            "Your regional team can reopen it if it needs to change."
        )
    return ""


def submission_reference(*, submission: Submission) -> str:
    """The reference a signatory quotes about a submission, e.g. ACT-DRAFT-QHM-00042-V2."""
    collection = submission.collection
    stage = "" if collection.stage == "single" else f"-{collection.stage.upper()}"
    return (
        f"{collection.code}{stage}-{submission.organisation.ods_code}-"
        f"{submission.pk:05d}-V{submission.submitted_version.number}"
    )


def submission_ids_for(*, pairs: list[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """(collection id, organisation id) → the id of that return, for a page of them in one query."""
    if not pairs:
        return {}
    wanted = Q()
    for collection_id, organisation_id in pairs:
        wanted |= Q(collection_id=collection_id, organisation_id=organisation_id)
    return {
        (collection_id, organisation_id): pk
        for pk, collection_id, organisation_id in Submission.objects.filter(wanted).values_list(
            "pk", "collection_id", "organisation_id"
        )
    }


@dataclass(frozen=True)
class FindingCount:
    sheet: str
    rule: str
    errors: int
    warnings: int

    @property
    def title(self) -> str:
        return rule_title(self.rule)


def findings_summary(*, version: Version) -> list[FindingCount]:
    """The version's findings counted by sheet and rule, in one query: a short page however many
    findings there are, each line opening its findings on demand."""
    rows = (
        version.findings.order_by()
        .values("sheet", "rule")
        .annotate(
            errors=Count("pk", filter=Q(severity=Severity.ERROR)),
            warnings=Count("pk", filter=Q(severity=Severity.WARNING)),
        )
        .order_by("sheet", "-errors", "rule")
    )
    return [FindingCount(**row) for row in rows]


def findings_of_kind(*, version: Version, sheet: str, rule: str) -> QuerySet[Finding]:
    return version.findings.filter(sheet=sheet, rule=rule).order_by("severity", "id")


def finding_data_of_version(*, version: Version) -> list[FindingData]:
    """The version's findings as the pure workbook code takes them (CSV, marked workbook)."""
    return [
        FindingData(
            severity=f.severity,
            rule=f.rule,
            sheet=f.sheet,
            cell=f.cell,
            value=f.value,
            message=f.message,
        )
        for f in findings_of_version(version=version)
    ]


def template_sheets_of(*, version: Version) -> list[str]:
    """The sheets of the template version the file was made from (the latest when its cover did not
    say): the only sheets of a stored file that are ever read."""
    specs = collection_specs(collection=version.submission.collection)
    if not specs:
        return template_sheet_names(None)
    spec = spec_for(specs=specs, version=version.template_version)
    return template_sheet_names(spec or specs[-1])


@dataclass(frozen=True)
class ReturnRow:
    """One line of an organisation's task list."""

    collection: Collection
    submission: Submission | None
    deadline: dt.datetime
    extension: DeadlineExtension | None

    @property
    def status(self) -> str:
        return self.submission.status if self.submission else SubmissionStatus.NOT_STARTED

    @property
    def status_label(self) -> str:
        return self.shown_status[1]

    @property
    def shown_status(self) -> tuple[str, str]:
        return status_as_shown(
            status=self.status, round_closed=self.collection.planning_round.is_closed
        )

    @property
    def is_done(self) -> bool:
        return self.status in SubmissionStatus.DONE

    @property
    def is_overdue(self) -> bool:
        return (
            self.collection.is_mandatory
            and not self.collection.planning_round.is_closed
            and not self.is_done
            and timezone.now() > self.deadline
        )

    @property
    def days_left(self) -> int:
        return days_until(self.deadline)


def returns_for_organisation(
    *, organisation: Organisation, planning_round: PlanningRound
) -> list[ReturnRow]:
    """Every return the organisation owes in the round, in three queries whatever the size."""
    collections = collections_owed_by(organisation=organisation, planning_round=planning_round)
    submissions = {
        submission.collection_id: submission
        for submission in Submission.objects.filter(
            organisation=organisation, collection__planning_round=planning_round
        )
    }
    extensions = {
        extension.collection_id: extension
        for extension in DeadlineExtension.objects.filter(
            organisation=organisation, collection__planning_round=planning_round
        )
    }
    rows = []
    for collection in collections:
        extension = extensions.get(collection.pk)
        rows.append(
            ReturnRow(
                collection=collection,
                submission=submissions.get(collection.pk),
                deadline=extension.deadline if extension else collection.deadline,
                extension=extension,
            )
        )
    return rows


@dataclass(frozen=True)
class RegionOrganisationRow:
    organisation: Organisation
    submitted: int


def region_organisations(
    *, region: Region, planning_round: PlanningRound | None
) -> list[RegionOrganisationRow]:
    """A region's organisations, ICSs first with their members after each, and submitted counts."""
    organisations = list(
        Organisation.objects.filter(region=region, is_active=True)
        .select_related("parent_ics")
        .annotate(
            submitted=Count(
                "submissions",
                filter=Q(
                    submissions__collection__planning_round=planning_round,
                    submissions__status__in=SubmissionStatus.DONE,
                ),
            )
        )
    )
    return [
        RegionOrganisationRow(organisation=o, submitted=o.submitted)
        for o in sorted(organisations, key=organisation_sort_key)
    ]


def return_visibility(*, user: User) -> Q:
    """Which rows of a model with `collection` and `organisation` (an extension request) the user
    may read: those whose return they may read."""
    return Q(
        Exists(
            Submission.objects.filter(
                submission_visibility(user=user),
                collection=OuterRef("collection"),
                organisation=OuterRef("organisation"),
            )
        )
    )


def returns_on_behalf_of_led_systems(
    *, organisation: Organisation, planning_round: PlanningRound
) -> list[tuple[Organisation, list[ReturnRow]]]:
    """For a lead CCG: the returns of the ICSs it leads that it submits on their behalf."""
    led = []
    for ics in Organisation.objects.filter(lead_ccg=organisation):
        rows = [
            row
            for row in returns_for_organisation(organisation=ics, planning_round=planning_round)
            if row.collection.lead_ccg_may_submit
        ]
        if rows:
            led.append((ics, rows))
    return led


@lru_cache(maxsize=256)
def _spec_of(collection_code: str, template_json: str) -> TemplateSpec:
    return template_from_data(collection_code=collection_code, data=json.loads(template_json))


def collection_specs(*, collection: Collection) -> tuple[TemplateSpec, ...]:
    issued = TemplateVersion.objects.filter(collection=collection).exclude(template={})
    # Newest layout last by its number, whenever each was issued: the one organisations download.
    templates = [
        row.template for row in sorted(issued, key=lambda row: template_layout_key(row.version))
    ]
    specs = tuple(
        _spec_of(collection.code, json.dumps(template, sort_keys=True)) for template in templates
    )
    if specs:
        return specs
    # Nothing issued yet (a collection made outside the install): the definition's template.
    definition = round_definition(planning_round=collection.planning_round)
    template = definition.template_of(collection.code) if definition else None
    return (template,) if template else ()


@dataclass(frozen=True)
class SheetFigures:
    sheet: str
    title: str
    baseline: str
    figures: list[KeyFigure]


def version_key_figures(*, version: Version | None) -> list[SheetFigures]:
    """Per grid sheet, the headline figure of each measure of the organisation's own (total) block,
    formed as the round's definition says of the measure (`workbooks.figures`), with its change
    against the baseline. From the values validation stored, so the page never opens the file."""
    if version is None or version.file_format != "xlsx" or not version.template_version:
        return []
    spec = spec_for(
        specs=collection_specs(collection=version.submission.collection),
        version=version.template_version,
    )
    if spec is None:
        return []
    values: dict[str, list[tuple[str, int, bool, Decimal]]] = {}
    own = ReturnValue.objects.filter(version=version, organisation_kind=OWN_BLOCK).values_list(
        "sheet", "measure", "position", "is_baseline", "value"
    )
    for sheet, measure, position, is_baseline, value in own:
        # Through str so 0.1 + 0.2 style binary noise does not show up in a total.
        values.setdefault(sheet, []).append((measure, position, is_baseline, Decimal(str(value))))
    sheets = (sheet for sheet in spec.sheets if isinstance(sheet, GridSheet))
    return [
        SheetFigures(
            sheet=sheet.name,
            title=sheet.title,
            baseline=baseline_name(sheet=sheet),
            figures=figures,
        )
        for sheet in sheets
        if (figures := key_figures(sheet=sheet, values=values.get(sheet.name, ())))
    ]
