from __future__ import annotations

from django.conf import settings
from django.db import models


class NationalBaseline(models.Model):
    """A system's ERF baseline value for one month of the base year (2019/20), as loaded by a
    national admin: the figure its template shows locked and its estimate is worked out from."""

    organisation = models.ForeignKey(
        "planning.Organisation", on_delete=models.PROTECT, related_name="erf_baselines"
    )
    month = models.CharField(max_length=7, help_text="The base-year month, YYYY-MM (e.g. 2019-04).")
    value = models.DecimalField(max_digits=15, decimal_places=2, help_text="£")
    loaded_at = models.DateTimeField(auto_now=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["organisation", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "month"], name="one_erf_baseline_per_month"
            ),
            models.CheckConstraint(
                name="erf_baseline_not_negative", condition=models.Q(value__gte=0)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation.ods_code} {self.month}: £{self.value:,.0f}"


class RefreshStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Being worked out"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class EstimateRefresh(models.Model):
    """The checked versions whose ERF estimate is worked out again because baselines they read were
    loaded or changed: one per import that changed any, done in the background."""

    version_ids = models.JSONField(default=list)
    return_count = models.PositiveIntegerField(
        default=0, help_text="Returns the versions belong to, as the import page reported."
    )
    changed_count = models.PositiveIntegerField(
        default=0, help_text="Versions whose stored estimate changed."
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=RefreshStatus.choices, default=RefreshStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    message = models.TextField(blank=True)
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-queued_at", "-pk"]
        indexes = [models.Index(fields=["status", "queued_at"])]

    def __str__(self) -> str:
        return f"ERF estimates of {self.return_count} returns: {self.get_status_display()}"
