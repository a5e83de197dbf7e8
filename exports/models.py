from __future__ import annotations

import uuid
from enum import nonmember

from django.conf import settings
from django.db import models
from django.db.models import Q


class ExportKind(models.TextChoices):
    CONSOLIDATION = "consolidation", "Consolidated values of a return (xlsx)"
    FILES = "files", "Every submitted file of the round (zip)"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Being built"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"

    # No worker will build it again: the page stops polling and the sweeper passes it by.
    FINISHED = nonmember(frozenset({"done", "failed", "expired"}))


EXTENSIONS = {ExportKind.CONSOLIDATION: "xlsx", ExportKind.FILES: "zip"}


def export_upload_to(instance: ExportJob, filename: str) -> str:
    # A generated name: the download name is made from the job's scope when it is served.
    return f"exports/{instance.pk}/{uuid.uuid4().hex}.{EXTENSIONS[instance.kind]}"


class ExportJob(models.Model):
    """One export asked for by a person, built in the background and kept for download."""

    kind = models.CharField(max_length=20, choices=ExportKind.choices)
    planning_round = models.ForeignKey(
        "planning.PlanningRound", on_delete=models.CASCADE, related_name="+"
    )
    collection = models.ForeignKey(
        "planning.Collection",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="The return consolidated; empty for a zip of the whole round.",
    )
    region = models.ForeignKey(
        "planning.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for the whole nation.",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    message = models.TextField(
        blank=True, help_text="Why the export failed, shown to the person who asked."
    )
    file = models.FileField(upload_to=export_upload_to, max_length=300, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    row_count = models.PositiveIntegerField(default=0, help_text="Values written (consolidation).")
    file_count = models.PositiveIntegerField(
        default=0, help_text="Returns included: workbooks read or files zipped."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="export_progress_is_percent", condition=Q(progress__lte=100)
            ),
            models.CheckConstraint(
                name="consolidation_has_collection",
                condition=~Q(kind=ExportKind.CONSOLIDATION) | Q(collection__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["status", "queued_at"])]

    def __str__(self) -> str:
        return f"Export {self.pk}: {self.get_kind_display()}"

    @property
    def is_consolidation(self) -> bool:
        return self.kind == ExportKind.CONSOLIDATION

    @property
    def is_ready(self) -> bool:
        return self.status == ExportStatus.DONE

    @property
    def is_running(self) -> bool:
        return self.status == ExportStatus.RUNNING

    @property
    def has_failed(self) -> bool:
        return self.status == ExportStatus.FAILED

    @property
    def is_expired(self) -> bool:
        return self.status == ExportStatus.EXPIRED

    @property
    def is_finished(self) -> bool:
        return self.status in ExportStatus.FINISHED

    @property
    def scope_label(self) -> str:
        return self.region.name if self.region_id else "England"
