from __future__ import annotations

import uuid
from enum import nonmember

from django.conf import settings
from django.db import models
from django.db.models import Q

from planning.history import placement_of


class SubmissionStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    # The same words as VersionStatus where they mean the same, so no page says "Invalid" of
    # what another calls "Has errors".
    UPLOADED = "uploaded", "Waiting to be checked"
    VALIDATING = "validating", "Being checked"
    INVALID = "invalid", "Has errors"
    VALID = "valid", "No errors"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"

    # The groups every page, reminder and count uses; nowhere else lists statuses.
    # With the organisation: it may upload a new version.
    OPEN = nonmember(
        frozenset(
            {"not_started", "uploaded", "validating", "invalid", "valid", "changes_requested"}
        )
    )
    # "Submitted or better": the return has reached the region and nobody has sent it back.
    DONE = nonmember(frozenset({"submitted", "approved"}))
    # The region has seen it: submitted, and perhaps decided on since.
    REACHED_REGION = nonmember(frozenset({"submitted", "approved", "changes_requested"}))
    # A reviewer's decision stands on it: approved, or sent back for changes.
    DECIDED = nonmember(frozenset({"approved", "changes_requested"}))


NOT_SUBMITTED = "not_submitted"
NOT_SUBMITTED_LABEL = "Not submitted"


def status_as_shown(*, status: str, round_closed: bool) -> tuple[str, str]:
    """(status, label) as people read it. A return the region never received by the time its
    round closed was not submitted: its last draft state, or a count of days overdue, no longer
    tells anyone anything."""
    if round_closed and status not in SubmissionStatus.REACHED_REGION:
        return NOT_SUBMITTED, NOT_SUBMITTED_LABEL
    return status, SubmissionStatus(status).label


class VersionStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to be checked"
    RUNNING = "running", "Being checked"
    VALID = "valid", "No errors"
    INVALID = "invalid", "Has errors"
    REJECTED = "rejected", "Rejected"
    FAILED = "failed", "Could not be checked"

    # Read through to the end: its findings, values and estimates stand (valid or not).
    CHECKED = nonmember(frozenset({"valid", "invalid"}))
    # No worker will touch it again: the sweeper passes it by and the page stops polling.
    FINISHED = nonmember(frozenset({"valid", "invalid", "rejected", "failed"}))


class Submission(models.Model):
    """One organisation's return for one collection; its versions carry the files."""

    collection = models.ForeignKey(
        "planning.Collection", on_delete=models.PROTECT, related_name="submissions"
    )
    organisation = models.ForeignKey(
        "planning.Organisation", on_delete=models.PROTECT, related_name="submissions"
    )
    # Where the organisation stood on the round's reference date, kept with the return so that
    # later organisation changes never move a return between systems or regions (ADR 0030).
    system = models.ForeignKey(
        "planning.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="member_submissions",
        help_text="The ICS or ICB the organisation belonged to on the round's reference date.",
    )
    region = models.ForeignKey(
        "planning.Region", on_delete=models.PROTECT, related_name="submissions"
    )
    status = models.CharField(
        max_length=20, choices=SubmissionStatus.choices, default=SubmissionStatus.NOT_STARTED
    )
    current_version = models.ForeignKey(
        "Version",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The latest upload: the one validation results move the status for.",
    )
    submitted_version = models.ForeignKey(
        "Version", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_role = models.CharField(
        max_length=200, blank=True, help_text="The capacity the return was signed in."
    )
    submitted_on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The colleague whose role the signatory was covering, if any.",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    declaration = models.TextField(
        blank=True, help_text="The sign-off declaration as it was agreed to."
    )
    is_late = models.BooleanField(default=False)
    named_provider = models.ForeignKey(
        "planning.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="named_submissions",
        help_text="The provider the system named to submit this return for it, where the "
        "collection allows that.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["collection__deadline", "collection__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "organisation"], name="one_submission_per_collection_org"
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status"])]

    def __str__(self) -> str:
        return f"{self.organisation.ods_code} – {self.collection}"

    @property
    def title(self) -> str:
        """The return as a sentence names it: "Activity and performance (draft) for North East
        and North Cumbria"."""
        return f"{self.collection.title} for {self.organisation.name}"

    @property
    def shown_status(self) -> tuple[str, str]:
        return status_as_shown(
            status=self.status, round_closed=self.collection.planning_round.is_closed
        )

    @property
    def is_done(self) -> bool:
        return self.status in SubmissionStatus.DONE

    def save(self, *args, **kwargs) -> None:
        if self.region_id is None:
            self.system_id, self.region_id = placement_of(
                organisation=self.organisation,
                day=self.collection.planning_round.reference_date,
            )
        super().save(*args, **kwargs)


class TemplateVersion(models.Model):
    """A version of a collection's workbook template issued in a round (a "macro fix" adds one)."""

    collection = models.ForeignKey(
        "planning.Collection", on_delete=models.CASCADE, related_name="template_versions"
    )
    version = models.CharField(max_length=20, help_text="The template layout version, e.g. 2021.2.")
    is_accepted = models.BooleanField(
        default=True, help_text="Uploads made from this version are still accepted."
    )
    note = models.TextField(blank=True, help_text="What changed, shown to submitters.")
    issued_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    template = models.JSONField(
        default=dict,
        blank=True,
        help_text="The template as issued (a resolved fragment of the round definition): uploads "
        "made from this version are checked against it even after a fix.",
    )

    class Meta:
        ordering = ["collection", "-issued_at", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "version"], name="unique_template_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.collection.title} template {self.version}"


def version_upload_to(instance: Version, filename: str) -> str:
    # Generated names only: the uploader's file name is kept in original_name, never on disk.
    extension = instance.file_format or "bin"
    return f"returns/{instance.submission_id}/{uuid.uuid4().hex}.{extension}"


class Version(models.Model):
    """One immutable upload of a return: the file byte for byte, and its validation result."""

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.FileField(upload_to=version_upload_to, max_length=300)
    file_format = models.CharField(max_length=10)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    original_name = models.CharField(max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    template_version = models.CharField(max_length=20, blank=True)

    status = models.CharField(
        max_length=10, choices=VersionStatus.choices, default=VersionStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.TextField(
        blank=True, help_text="Shown to the user when the file was rejected or failed."
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    cells_read = models.PositiveBigIntegerField(default=0)
    validation_seconds = models.FloatField(null=True, blank=True)
    erf_total = models.DecimalField(
        max_digits=16,
        decimal_places=0,
        null=True,
        blank=True,
        help_text="The six-month Elective Recovery Fund estimate of a checked activity return, in "
        "pounds.",
    )

    def download_name(self, suffix: str = "") -> str:
        """ACT-QHM-v3.xlsx, or ACT-QHM-v3-findings.csv with a suffix: made from the return and the
        detected format, never from the uploaded name, which only the uploader chose."""
        stem = f"{self.submission.collection.code}-{self.submission.organisation.ods_code}"
        return f"{stem}-v{self.number}{suffix or '.' + (self.file_format or 'bin')}"

    class Meta:
        ordering = ["submission", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "number"], name="unique_version_number"),
            models.CheckConstraint(name="progress_is_percent", condition=Q(progress__lte=100)),
        ]
        indexes = [models.Index(fields=["status", "queued_at"])]

    def __str__(self) -> str:
        return f"{self.submission} v{self.number}"

    @property
    def is_valid(self) -> bool:
        """Checked and free of errors."""
        return self.status == VersionStatus.VALID

    @property
    def is_finished(self) -> bool:
        return self.status in VersionStatus.FINISHED

    @property
    def is_checked(self) -> bool:
        return self.status in VersionStatus.CHECKED


class Severity(models.TextChoices):
    ERROR = "error", "Error"
    WARNING = "warning", "Warning"


class Finding(models.Model):
    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="findings")
    severity = models.CharField(max_length=10, choices=Severity.choices)
    rule = models.CharField(max_length=50)
    sheet = models.CharField(max_length=100, blank=True)
    cell = models.CharField(max_length=20, blank=True)
    value = models.TextField(blank=True)
    message = models.TextField()
    measure = models.CharField(
        max_length=100, blank=True, help_text="The measure a plausibility warning is about."
    )
    explanation = models.TextField(
        blank=True, help_text="The organisation's explanation of a warning."
    )

    class Meta:
        ordering = ["version", "severity", "sheet", "id"]
        indexes = [models.Index(fields=["version", "severity"])]

    def __str__(self) -> str:
        return f"{self.severity} {self.rule} {self.sheet}!{self.cell}"


class ReturnValue(models.Model):
    """One number of a checked return in long form (organisation × measure × period), stored by
    validation so dashboards, charts, triangulation and consolidation never re-read files."""

    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="values")
    sheet = models.CharField(max_length=100)
    organisation_code = models.CharField(
        max_length=16, help_text="The submitting organisation's or a member's ODS code."
    )
    organisation_kind = models.CharField(
        max_length=20, help_text='"self" for the return\'s own total block.'
    )
    measure = models.CharField(max_length=30)
    position = models.PositiveSmallIntegerField(
        help_text="The value column, so periods keep their order."
    )
    period = models.CharField(max_length=40)
    is_baseline = models.BooleanField(default=False)
    value = models.FloatField()

    class Meta:
        ordering = ["version", "sheet", "id"]
        indexes = [models.Index(fields=["version", "measure"])]

    def __str__(self) -> str:
        return f"{self.version} {self.organisation_code} {self.measure} {self.period}={self.value}"


class ProductKind(models.TextChoices):
    MARKED = "marked", "Workbook with the findings marked"
    COMPARISON = "comparison", "Comparison with another version"


class ProductStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Being prepared"
    DONE = "done", "Ready"
    FAILED = "failed", "Could not be prepared"

    # No worker will build it again: the page stops showing progress and the sweeper passes it by.
    FINISHED = nonmember(frozenset({"done", "failed"}))


def product_upload_to(instance: VersionProduct, filename: str) -> str:
    return f"products/{instance.version_id}/{uuid.uuid4().hex}.xlsx"


class VersionProduct(models.Model):
    """Something made from a version's file that is too heavy for a web request (its workbook with
    the findings marked, its comparison with another version): built once, in the background when
    the files are large, and kept, since neither file ever changes."""

    kind = models.CharField(max_length=20, choices=ProductKind.choices)
    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="products")
    other = models.ForeignKey(
        Version,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="The version compared with (a comparison only).",
    )
    status = models.CharField(
        max_length=10, choices=ProductStatus.choices, default=ProductStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    message = models.TextField(blank=True, help_text="Why it could not be prepared.")
    file = models.FileField(upload_to=product_upload_to, max_length=300, blank=True)
    changes = models.JSONField(
        null=True, blank=True, help_text="A comparison's changed cells (the first few thousand)."
    )
    change_count = models.PositiveIntegerField(default=0)
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "version"],
                condition=Q(other__isnull=True),
                name="one_product_of_a_version",
            ),
            models.UniqueConstraint(
                fields=["kind", "version", "other"],
                condition=Q(other__isnull=False),
                name="one_product_of_a_pair",
            ),
        ]
        indexes = [models.Index(fields=["status", "queued_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.version}"

    @property
    def is_ready(self) -> bool:
        return self.status == ProductStatus.DONE

    @property
    def has_failed(self) -> bool:
        return self.status == ProductStatus.FAILED

    @property
    def is_finished(self) -> bool:
        return self.status in ProductStatus.FINISHED
