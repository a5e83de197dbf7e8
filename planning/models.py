from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


class OrganisationType(models.TextChoices):
    ICS = "ics", "Integrated Care System"
    PROVIDER = "provider", "NHS trust"
    CCG = "ccg", "Clinical Commissioning Group"
    LMS = "lms", "Local Maternity System"
    CANCER_ALLIANCE = "cancer_alliance", "Cancer Alliance"
    ICB = "icb", "Integrated Care Board"


# The organisations other organisations belong to: ICSs until ICBs succeeded them on 1 July 2022.
SYSTEM_TYPES = (OrganisationType.ICS, OrganisationType.ICB)


class TrustKind(models.TextChoices):
    ACUTE = "acute", "Acute"
    MENTAL_HEALTH = "mental health", "Mental health"
    COMMUNITY = "community", "Community"
    AMBULANCE = "ambulance", "Ambulance"
    SPECIALIST = "specialist", "Specialist"


class Region(models.Model):
    code = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def in_force_on(day: dt.date, *, prefix: str = "") -> Q:
    """Rows whose valid_from/valid_to (empty: unbounded) include the day."""
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": day})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day})
    )


class Organisation(models.Model):
    """An organisation with its relationships as they stand from the latest change on. Earlier
    relationships are OrganisationLink rows, each with the dates it held (see ADR 0030)."""

    # An ICB keeps the ODS code of the ICS it succeeds, so the code is unique per type.
    ods_code = models.CharField("ODS code", max_length=16)
    name = models.CharField(max_length=300)
    org_type = models.CharField("type", max_length=20, choices=OrganisationType.choices)
    trust_kind = models.CharField(max_length=20, choices=TrustKind.choices, blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="organisations")
    parent_ics = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        limit_choices_to={"org_type__in": SYSTEM_TYPES},
        help_text="The ICS or ICB a provider, CCG or LMS belongs to.",
    )
    covered_icss = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="covering_organisations",
        limit_choices_to={"org_type__in": SYSTEM_TYPES},
        help_text="For a Cancer Alliance, the ICSs it covers; for a trust, further ICSs it serves.",
    )
    lead_ccg = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_systems",
        limit_choices_to={"org_type": OrganisationType.CCG},
        help_text="For an ICS, the CCG that may submit some returns on its behalf (e.g. mental "
        "health finance).",
    )
    is_active = models.BooleanField(default=True)
    valid_from = models.DateField(
        null=True, blank=True, help_text="The day it was established; empty if before 2021."
    )
    valid_to = models.DateField(
        null=True, blank=True, help_text="Its last day; empty while it exists."
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["ods_code", "org_type"], name="unique_ods_code_per_type"
            ),
            models.CheckConstraint(
                name="organisation_ends_after_start",
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
            ),
            models.CheckConstraint(
                name="trust_kind_only_for_providers",
                condition=Q(org_type=OrganisationType.PROVIDER) | Q(trust_kind=""),
            ),
            models.CheckConstraint(
                name="ics_has_no_parent_ics",
                condition=~Q(org_type__in=SYSTEM_TYPES) | Q(parent_ics__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.ods_code})"

    @property
    def is_ics(self) -> bool:
        return self.org_type in SYSTEM_TYPES


class LinkKind(models.TextChoices):
    REGION = "region", "NHS England region"
    SYSTEM = "system", "Integrated care system"
    COVERS = "covers", "Further system covered"
    LEAD_CCG = "lead_ccg", "Lead CCG"
    SUCCEEDS = "succeeds", "Succeeds"


class OrganisationLink(models.Model):
    """One relationship of an organisation for the days it held: its region, its system, a system
    it covers (a Cancer Alliance, a trust serving several), an ICS's lead CCG, or an organisation
    an ICB succeeds. The relationships in force after the last row are the organisation's own
    fields, so a round reads a row when one covers its reference date and the fields otherwise."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(max_length=10, choices=LinkKind.choices)
    other = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=200, help_text="The import or edit that recorded it.")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "kind", "valid_from"]
        constraints = [
            models.CheckConstraint(
                name="link_names_region_or_organisation",
                condition=(Q(kind="region", region__isnull=False, other__isnull=True))
                | (~Q(kind="region") & Q(region__isnull=True, other__isnull=False)),
            ),
            models.CheckConstraint(
                name="link_ends_after_start",
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
            ),
        ]
        indexes = [models.Index(fields=["kind", "valid_to"])]

    def __str__(self) -> str:
        held = f"{self.valid_from or '…'} to {self.valid_to or '…'}"
        target = self.region or self.other
        return f"{self.organisation.ods_code} {self.get_kind_display()}: {target} ({held})"


class RoundStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    CLOSED = "closed", "Closed"


class PlanningRound(models.Model):
    name = models.CharField(max_length=100, unique=True, help_text='For example "2021/22 H1".')
    starts_on = models.DateField()
    ends_on = models.DateField()
    reference_date = models.DateField(
        help_text="The round uses the organisations, and the systems and regions they belong to, "
        "in force on this day."
    )
    status = models.CharField(
        max_length=10,
        choices=RoundStatus.choices,
        default=RoundStatus.DRAFT,
        help_text="Organisations see a round, its returns and templates only once it is published.",
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    is_current = models.BooleanField(
        default=False, help_text="The round organisations see on their returns page."
    )
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="copies"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    definition = models.JSONField(
        default=dict,
        blank=True,
        help_text="The round's definition as checked (planning.definitions); empty for none yet.",
    )
    definition_source = models.TextField(
        blank=True, help_text="The definition file as the admin gave it, comments and all."
    )

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="one_current_round"
            ),
            models.CheckConstraint(
                name="round_ends_after_start", condition=Q(ends_on__gte=models.F("starts_on"))
            ),
            models.CheckConstraint(
                name="current_round_is_published",
                condition=Q(is_current=False) | Q(status=RoundStatus.PUBLISHED),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_visible_to_organisations(self) -> bool:
        return self.status != RoundStatus.DRAFT

    @property
    def is_closed(self) -> bool:
        return self.status == RoundStatus.CLOSED


class Stage(models.TextChoices):
    DRAFT = "draft", "Draft"
    FINAL = "final", "Final"
    SINGLE = "single", "Single"


class FileFormat(models.TextChoices):
    XLSX = "xlsx", "Excel workbook (.xlsx)"
    DOCX = "docx", "Word document (.docx)"
    PDF = "pdf", "PDF"


class Collection(models.Model):
    planning_round = models.ForeignKey(
        PlanningRound, on_delete=models.CASCADE, related_name="collections"
    )
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.SINGLE)
    deadline = models.DateTimeField(help_text="Europe/London; noon unless said otherwise.")
    submitted_by = models.JSONField(
        default=list, help_text='Organisation types that must submit, e.g. ["ics"].'
    )
    trust_kinds = models.JSONField(
        default=list, blank=True, help_text="If set, only providers of these kinds owe the return."
    )
    accepted_formats = models.JSONField(default=list, help_text='For example ["xlsx"].')
    closes_at_deadline = models.BooleanField(
        default=False,
        help_text="Refuse submissions after the deadline instead of marking them late.",
    )
    is_mandatory = models.BooleanField(default=True)
    lead_ccg_may_submit = models.BooleanField(
        default=False,
        help_text="An ICS's lead CCG may upload and submit this return on the ICS's behalf.",
    )
    named_provider_may_submit = models.BooleanField(
        default=False,
        help_text="One return per system, which the system submits or names one of its providers "
        "to submit.",
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["deadline", "code", "stage"]
        constraints = [
            models.UniqueConstraint(
                fields=["planning_round", "code", "stage"], name="unique_collection_stage"
            ),
        ]

    @property
    def who_submits(self) -> str:
        """Who owes the return, in words: "NHS trust (acute, community), Cancer Alliance"."""
        types = ", ".join(OrganisationType(value).label for value in self.submitted_by)
        kinds = ", ".join(TrustKind(value).label.lower() for value in self.trust_kinds)
        return f"{types} ({kinds})" if kinds else types

    @property
    def formats_text(self) -> str:
        return " or ".join(FileFormat(value).label for value in self.accepted_formats)

    @property
    def title(self) -> str:
        """The return as people name it: "Activity and performance (draft)". The code stays
        for machines (URLs, downloads, the API)."""
        if self.stage == Stage.SINGLE:
            return self.name
        return f"{self.name} ({self.get_stage_display().lower()})"

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        unknown_types = set(self.submitted_by) - set(OrganisationType.values)
        if unknown_types:
            raise ValidationError(
                {"submitted_by": f"Unknown organisation types: {sorted(unknown_types)}"}
            )
        unknown_formats = set(self.accepted_formats) - set(FileFormat.values)
        if unknown_formats:
            raise ValidationError(
                {"accepted_formats": f"Unknown formats: {sorted(unknown_formats)}"}
            )

    def is_owed_by(self, organisation: Organisation) -> bool:
        if organisation.org_type not in self.submitted_by:
            return False
        if organisation.org_type != OrganisationType.PROVIDER or not self.trust_kinds:
            return True
        return organisation.trust_kind in self.trust_kinds


class SignOffDelegation(models.Model):
    """A provider hands the sign-off of its returns to its system, in the portal, from a day on,
    until it revokes it. Without one only the provider's own signatories sign its returns."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="sign_off_delegations"
    )
    system = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField()
    reason = models.TextField()
    granted_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "system"],
                condition=Q(revoked_at__isnull=True),
                name="one_sign_off_delegation_in_force",
            ),
            models.CheckConstraint(name="sign_off_delegation_has_reason", condition=~Q(reason="")),
        ]

    def __str__(self) -> str:
        return (
            f"{self.organisation.ods_code} → {self.system.ods_code} from {self.starts_on:%d %b %Y}"
        )
