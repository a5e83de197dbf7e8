from __future__ import annotations

from django.db import models


class SubmissionStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    UPLOADED = "uploaded", "Uploaded"
    VALIDATING = "validating", "Validating"
    INVALID = "invalid", "Invalid"
    VALID = "valid", "Valid"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"


class Submission(models.Model):
    """One organisation's return for one collection; its versions carry the files."""

    collection = models.ForeignKey("planning.Collection", on_delete=models.PROTECT, related_name="submissions")
    organisation = models.ForeignKey("planning.Organisation", on_delete=models.PROTECT, related_name="submissions")
    status = models.CharField(max_length=20, choices=SubmissionStatus.choices, default=SubmissionStatus.NOT_STARTED)
    submitted_at = models.DateTimeField(null=True, blank=True)
    is_late = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["collection__deadline", "collection__code"]
        constraints = [
            models.UniqueConstraint(fields=["collection", "organisation"], name="one_submission_per_collection_org"),
        ]
        indexes = [models.Index(fields=["organisation", "status"])]

    def __str__(self) -> str:
        return f"{self.organisation.ods_code} – {self.collection}"
